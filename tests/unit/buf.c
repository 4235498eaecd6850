/* Unit tests for buf.c: the growable buffer and the dying allocators. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "buf.h"
#include "banned.h"

#if defined(__SANITIZE_ADDRESS__)
#define KC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KC_ASAN 1
#endif
#endif

#ifdef KC_ASAN
/* Let huge allocations fail with NULL, as they do without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

static void basics(void)
{
	struct kc_buf b = KC_BUF_INIT;
	size_t cap;

	ok(b.data == NULL && b.len == 0 && b.cap == 0, "KC_BUF_INIT is empty");
	kc_buf_add(&b, "ab", 2);
	kc_buf_addc(&b, 'c');
	kc_buf_adds(&b, "de");
	kc_buf_addf(&b, "-%d-%s", 42, "x");
	is_str(b.data, "abcde-42-x", "add, addc, adds, addf");
	is_int(b.len, 10, "len");
	kc_buf_addf(&b, "%0300d", 7);
	ok(b.len == 310 && b.data[309] == '7' && b.data[310] == '\0' &&
		   b.data[10] == '0',
	   "addf growing the buffer");
	cap = b.cap;
	kc_buf_reset(&b);
	ok(b.len == 0 && b.data[0] == '\0' && b.cap == cap,
	   "reset keeps the memory");
	kc_buf_add(&b, "a\0b", 3);
	ok(b.len == 3 && !memcmp(b.data, "a\0b", 4), "binary data");
	kc_buf_grow(&b, 1000);
	ok(b.len == 3 && b.cap >= 1004, "grow leaves len alone");
	kc_buf_release(&b);
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "release empties");
	kc_buf_addf(&b, "%s", "");
	ok(b.data && b.data[0] == '\0' && b.len == 0,
	   "addf of nothing gives an empty string");
	kc_buf_release(&b);
	kc_buf_init(&b);
	kc_buf_reset(&b);
	ok(b.data == NULL, "reset of an unused buffer");
	kc_buf_release(&b);
}

static void many_appends(void)
{
	struct kc_buf b;
	int i, bad = 0;

	kc_buf_init(&b);
	for (i = 0; i < 100000; i++)
		kc_buf_addc(&b, (char)('a' + i % 26));
	for (i = 0; i < 100000; i++)
		bad += b.data[i] != 'a' + i % 26;
	ok(!bad && b.len == 100000 && b.data[b.len] == '\0',
	   "100000 appends");
	kc_buf_release(&b);
}

static void allocators(void)
{
	char *s = kc_xstrdup("hello"), *p;
	int *z = kc_xcalloc(100, sizeof(int)), i, nz = 0;

	is_str(s, "hello", "kc_xstrdup");
	free(s);
	for (i = 0; i < 100; i++)
		nz += z[i] != 0;
	is_int(nz, 0, "kc_xcalloc zeroes");
	free(z);
	p = kc_xmalloc(0);
	ok(p != NULL, "kc_xmalloc(0) returns memory");
	p = kc_xrealloc(p, 4);
	memcpy(p, "abc", 4);
	p = kc_xrealloc(p, 100000);
	is_str(p, "abc", "kc_xrealloc keeps the contents");
	free(p);
}

/*
 * Runs what in a child, which must exit 1 with "prog: out of memory" as
 * the last line of its stderr (ASan may warn before it).
 */
static void dies(int what, const char *name)
{
	char want[128], got[1024];
	int fds[2], status = -1;
	size_t len = 0, wlen;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) || (pid = fork()) < 0) {
		ok(0, "%s: cannot fork: %s", name, strerror(errno));
		return;
	}
	if (pid == 0) {
		struct kc_buf b = KC_BUF_INIT;

		dup2(fds[1], 2);
		if (what == 0)
			kc_xmalloc(SIZE_MAX - 4096);
		else if (what == 1)
			kc_xcalloc(SIZE_MAX / 2, 4);
		else
			kc_buf_grow(&b, SIZE_MAX);
		_exit(0);
	}
	close(fds[1]);
	while (len < sizeof(got) - 1 &&
	       (n = read(fds[0], got + len, sizeof(got) - 1 - len)) > 0)
		len += (size_t)n;
	got[len] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	wlen = (size_t)snprintf(want, sizeof(want), "%s: out of memory\n",
				program_invocation_short_name);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	   "%s: exits with status 1", name);
	is_str(len >= wlen ? got + len - wlen : got, want, "%s: says so", name);
}

int main(void)
{
	basics();
	many_appends();
	allocators();
	dies(0, "kc_xmalloc");
	dies(1, "kc_xcalloc");
	dies(2, "kc_buf_grow");
	return done_testing();
}
