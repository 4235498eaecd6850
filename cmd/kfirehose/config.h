/* config.h: kfirehose's options from the command line and a -c file. */
#ifndef FH_CONFIG_H
#define FH_CONFIG_H

#include "firehose.h"

/* The program-level settings that are not part of the delivery stream. */
struct fh_run {
	const char *dir;             /* -d: the kin root */
	int nul;                     /* -0: stdin records are NUL-delimited */
	int once;                    /* --once: stop when the stream has nothing more */
	const char *starting_position;
	int verbosity;
	int64_t now_offset_ms;       /* --now TIME - the real clock at start */
	int64_t metrics_interval_ms; /* 0: no metrics lines */
	const char *metrics_file;
	const char *deaggregate;     /* NULL, "json" or "delimited" */
	char *delimiter;             /* decoded --delimiter */
	size_t delimiter_len;
	const char *file_extension;
	const char *url;             /* --to without "dir:", "opensearch:", "splunk:" */
};

/*
 * Parses argv (and the -c file it names) into c and run, resolves the
 * destination type, and validates every value against Firehose's ranges
 * for that type. Exits 64 with a one-line message on bad usage (this is
 * program-level code). The strings stay valid for the program's life.
 */
void fh_config_parse(int argc, char **argv, struct fh_config *c, struct fh_run *run,
		     const struct fh_dest_type **type, const char *usage);

/* Frees what fh_config_parse allocated. */
void fh_config_release(struct fh_config *c, struct fh_run *run);

/*
 * The config text that decides the delivery stream's version (options in
 * order); values that are or may hold secrets appear as MD5 digests.
 */
void fh_config_canonical(const struct fh_config *c, struct kc_buf *out);

#endif
