/*
 * tap.h: a tiny TAP producer for the C unit tests, run by prove(1).
 * ok(), is_int() and is_str() report one test each and return whether it
 * passed; skip() reports a skipped one. Failures print the place and the
 * values as "# " comments on stderr. main() ends with
 * "return done_testing();", which prints the plan when plan() was not
 * called and returns the exit status: 0 when every test passed and the
 * count matched the plan, 1 otherwise.
 */
#ifndef KC_TAP_H
#define KC_TAP_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ok(cond, ...) tap_ok(__FILE__, __LINE__, !!(cond), __VA_ARGS__)
#define is_int(got, want, ...)                                             \
	tap_is_int(__FILE__, __LINE__, (got), (want), __VA_ARGS__)
#define is_str(got, want, ...)                                             \
	tap_is_str(__FILE__, __LINE__, (got), (want), __VA_ARGS__)

static int tap_planned = -1, tap_run, tap_failed;

__attribute__((unused)) static void plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
}

/* Prints one result; '#' and control characters in the name are escaped. */
static int tap_report(const char *file, int line, int pass, const char *fmt,
		      va_list ap)
{
	char name[512];
	const char *p;

	vsnprintf(name, sizeof(name), fmt, ap);
	tap_run++;
	printf("%sok %d - ", pass ? "" : "not ", tap_run);
	for (p = name; *p; p++)
		if (*p == '#')
			printf("\\#");
		else if ((unsigned char)*p < 0x20)
			printf("\\x%02x", (unsigned char)*p);
		else
			putchar(*p);
	printf("\n");
	fflush(stdout);
	if (!pass) {
		tap_failed++;
		fprintf(stderr, "#   Failed test at %s line %d.\n", file, line);
	}
	return pass;
}

/* Reports a skipped test. */
__attribute__((unused, format(printf, 1, 2))) static void skip(const char *fmt,
							    ...)
{
	va_list ap;

	tap_run++;
	printf("ok %d # skip ", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

__attribute__((unused, format(printf, 4, 5))) static int
tap_ok(const char *file, int line, int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_report(file, line, pass, fmt, ap);
	va_end(ap);
	return pass;
}

__attribute__((unused, format(printf, 5, 6))) static int
tap_is_int(const char *file, int line, intmax_t got, intmax_t want,
	   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_report(file, line, got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		fprintf(stderr, "#          got: %jd\n#     expected: %jd\n",
			got, want);
	return got == want;
}

__attribute__((unused, format(printf, 5, 6))) static int
tap_is_str(const char *file, int line, const char *got, const char *want,
	   const char *fmt, ...)
{
	int pass = got && want ? !strcmp(got, want) : got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_report(file, line, pass, fmt, ap);
	va_end(ap);
	if (!pass)
		fprintf(stderr, "#          got: '%s'\n#     expected: '%s'\n",
			got ? got : "(null)", want ? want : "(null)");
	return pass;
}

__attribute__((unused)) static int done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_run);
	else if (tap_planned != tap_run)
		fprintf(stderr, "# planned %d tests but ran %d\n", tap_planned,
			tap_run);
	if (tap_failed)
		fprintf(stderr, "# failed %d of %d tests\n", tap_failed,
			tap_run);
	return tap_failed || (tap_planned >= 0 && tap_planned != tap_run);
}

/* Prints a "# " comment line on stderr. */
__attribute__((unused, format(printf, 1, 2))) static void diag(const char *fmt,
							   ...)
{
	va_list ap;

	fprintf(stderr, "# ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

#endif
