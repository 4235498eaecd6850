/* Unit tests for file.c: whole writes, reads, fsync policy, replacement. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "buf.h"
#include "file.h"
#include "banned.h"

static char dir[64];

/* dir/name in a static buffer. */
static const char *at(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* The number of entries in dir, besides . and .. */
static int entries(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (int)(st.st_mode & 07777);
}

static void fsync_policy(void)
{
	unsetenv("KIN_FSYNC");
	ok(kc_fsync(-1) == -1 && errno == EBADF, "kc_fsync syncs by default");
	ok(kc_fdatasync(-1) == -1 && errno == EBADF,
	   "kc_fdatasync syncs by default");
	setenv("KIN_FSYNC", "0", 1);
	is_int(kc_fsync(-1), 0, "KIN_FSYNC=0 skips fsync");
	is_int(kc_fdatasync(-1), 0, "KIN_FSYNC=0 skips fdatasync");
	setenv("KIN_FSYNC", "1", 1);
	is_int(kc_fsync(-1), -1, "KIN_FSYNC=1 syncs");
	unsetenv("KIN_FSYNC");
	is_int(kc_fsync_dir(dir), 0, "kc_fsync_dir");
	ok(kc_fsync_dir(at("nodir")) == -1 && errno == ENOENT,
	   "kc_fsync_dir on a missing directory");
}

static void write_and_pread(void)
{
	static char big[100000], back[100000];
	char small[16];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 31);
	fd = open(at("w"), O_RDWR | O_CREAT | O_TRUNC, 0666);
	is_int(kc_write_all(fd, big, sizeof(big)), 0, "kc_write_all");
	is_int(kc_pread_full(fd, back, sizeof(back), 0), sizeof(back),
	       "kc_pread_full reads everything");
	ok(!memcmp(big, back, sizeof(big)), "the bytes match");
	is_int(kc_pread_full(fd, small, sizeof(small), sizeof(big) - 5), 5,
	       "kc_pread_full stops at EOF");
	is_int(kc_pread_full(fd, small, sizeof(small), sizeof(big) + 9), 0,
	       "kc_pread_full past EOF reads nothing");
	close(fd);
	ok(kc_write_all(fd, "x", 1) == -1 && errno == EBADF,
	   "kc_write_all reports errors");
	unlink(at("w"));
}

static void replace(void)
{
	struct kc_error e;
	char *data = NULL;
	size_t n = 0;

	umask(022);
	is_int(kc_file_replace(at("f"), "hello\n", 6, &e), 0, "create");
	ok(!kc_file_read(at("f"), &data, &n, &e) && n == 6 &&
		   !strcmp(data, "hello\n"),
	   "read it back");
	free(data);
	is_int(mode_of(at("f")), 0644, "mode 0644 under umask 022");
	is_int(kc_file_replace(at("f"), "bye", 3, &e), 0, "replace");
	ok(!kc_file_read(at("f"), &data, &n, &e) && n == 3 &&
		   !strcmp(data, "bye"),
	   "the new contents replaced the old");
	free(data);
	is_int(entries(), 1, "no temporary file is left");

	umask(077);
	is_int(kc_file_replace(at("g"), "", 0, &e), 0, "create empty");
	is_int(mode_of(at("g")), 0600, "mode 0600 under umask 077");
	ok(!kc_file_read(at("g"), &data, &n, &e) && n == 0 && data &&
		   data[0] == '\0',
	   "an empty file reads as \"\"");
	free(data);
	is_int(kc_file_replace(at("f"), "x", 1, &e), 0, "replace again");
	is_int(mode_of(at("f")), 0600, "the replacement has the new mode");
	umask(022);

	is_int(kc_file_replace(at("nodir/f"), "x", 1, &e), -KC_EIO,
	       "fails in a missing directory");
	ok(e.code == KC_EIO && strstr(e.msg, "nodir/f.tmp") &&
		   strstr(e.msg, strerror(ENOENT)),
	   "message: %s", e.msg);
	is_int(entries(), 2, "nothing else was created");
	unlink(at("f"));
	unlink(at("g"));
}

static void read_errors(void)
{
	struct kc_error e;
	char *data = NULL;
	size_t n;

	is_int(kc_file_read(at("missing"), &data, &n, &e), -KC_ENOENT,
	       "reading a missing file");
	ok(e.code == KC_ENOENT && strstr(e.msg, "/missing'") &&
		   strstr(e.msg, strerror(ENOENT)),
	   "message: %s", e.msg);
	is_int(kc_error_prefix(&e, "stream '%s': ", "logs"), -KC_ENOENT,
	       "kc_error_prefix keeps the code");
	ok(!strncmp(e.msg, "stream 'logs': cannot open '", 28),
	   "kc_error_prefix: %s", e.msg);
	is_int(kc_file_read(dir, &data, &n, &e), -KC_EIO,
	       "reading a directory");
	ok(data == NULL, "no buffer is returned on failure");
	is_int(kc_file_read(at("missing"), &data, &n, NULL), -KC_ENOENT,
	       "works without an error record");
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/kin-unit-XXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		printf("1..0 # skip cannot create a temporary directory\n");
		return 0;
	}
	fsync_policy();
	write_and_pread();
	replace();
	read_errors();
	rmdir(dir);
	return done_testing();
}
