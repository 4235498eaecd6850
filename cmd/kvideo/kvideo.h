/*
 * kvideo.h: the subcommands of kvideo and what they share. main.c
 * dispatches "kvideo SUBCOMMAND ARGS..." to kv_cmd_SUBCOMMAND(argc, argv)
 * with argv[0] the subcommand's name; each subcommand parses its own
 * options (including the shared -d DIR -s STREAM -q -v -h) with getopt_long
 * and returns the exit status.
 */
#ifndef KVIDEO_H
#define KVIDEO_H

#include "buf.h"
#include "cli.h"

/* admin.c (V1) */
int kv_cmd_create(int argc, char **argv);
int kv_cmd_describe(int argc, char **argv);
int kv_cmd_list(int argc, char **argv);
int kv_cmd_delete(int argc, char **argv);
int kv_cmd_update_retention(int argc, char **argv);
/* fragments.c (V1) */
int kv_cmd_list_fragments(int argc, char **argv);
/* media.c (V2) */
int kv_cmd_get_media(int argc, char **argv);
/* hls.c (V2) */
int kv_cmd_hls(int argc, char **argv);
/* clip.c (V3) */
int kv_cmd_get_clip(int argc, char **argv);
/* images.c (V3) */
int kv_cmd_get_images(int argc, char **argv);

/*
 * Prints the compact JSON text in json to stdout indented as the AWS CLI
 * prints it (kc_json_pretty), checking the write (kc_cli_flush), and
 * empties json.
 */
void kv_print_json(const struct kc_cli *cli, struct kc_buf *json);

#endif
