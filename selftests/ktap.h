/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal KTAP output for nfesp's C selftests, after the kselftest
 * conventions:
 *
 *	ktap_plan(n);			KTAP version 1, then 1..n
 *	ktap_result(pass, "what");	ok N - what / not ok N - what
 *	ktap_skip("why");		ok N # SKIP why
 *	ktap_diag("x = %d", x);		# x = 0
 *	ktap_skip_all("why");		1..0 # SKIP why, exit 4
 *	ktap_bail("why");		the program cannot start (no module,
 *					not root): not ok, exit 1, never a skip
 *	ktap_fail_rest("why");		after the plan: the tests left fail
 *	return ktap_finish();		the exit status
 *
 * The exit status is 0 if every planned test passed, 1 if one failed or if
 * the number run differs from the plan, 4 (skip) if every test was skipped.
 * State is per program: include this from one file only.
 */
#ifndef _NFESP_KTAP_H
#define _NFESP_KTAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KTAP_EXIT_PASS 0
#define KTAP_EXIT_FAIL 1
#define KTAP_EXIT_SKIP 4

static struct {
	bool planned;
	unsigned int plan, run, failed, skipped;
} ktap;

static inline void ktap_header(void)
{
	/* Keep lines whole and in order when interleaved with the console. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n");
}

static inline void ktap_plan(unsigned int n)
{
	ktap_header();
	printf("1..%u\n", n);
	ktap.planned = true;
	ktap.plan = n;
}

/* One "# " line per line of the message. */
static inline void ktap_vdiag(const char *fmt, va_list ap)
{
	char buf[1024], *line, *nl;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (line = buf; line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (nl && !*nl)
			nl = NULL;
		printf("# %s\n", line);
	}
}

static inline __attribute__((format(printf, 1, 2)))
void ktap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vdiag(fmt, ap);
	va_end(ap);
}

static inline __attribute__((format(printf, 2, 3)))
bool ktap_result(bool pass, const char *fmt, ...)
{
	va_list ap;

	ktap.run++;
	if (!pass)
		ktap.failed++;
	printf("%sok %u - ", pass ? "" : "not ", ktap.run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return pass;
}

static inline __attribute__((format(printf, 1, 2)))
void ktap_skip(const char *fmt, ...)
{
	va_list ap;

	ktap.run++;
	ktap.skipped++;
	printf("ok %u # SKIP ", ktap.run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline int ktap_finish(void)
{
	printf("# Totals: pass:%u fail:%u skip:%u\n",
	       ktap.run - ktap.failed - ktap.skipped, ktap.failed, ktap.skipped);
	if (ktap.run != ktap.plan) {
		printf("# planned %u tests but ran %u\n", ktap.plan, ktap.run);
		return KTAP_EXIT_FAIL;
	}
	if (ktap.failed)
		return KTAP_EXIT_FAIL;
	if (ktap.skipped == ktap.run)
		return KTAP_EXIT_SKIP;
	return KTAP_EXIT_PASS;
}

/* Skip the whole program: before the plan, or the tests left after it. */
static inline __attribute__((format(printf, 1, 2), noreturn))
void ktap_skip_all(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (!ktap.planned) {
		ktap_header();
		printf("1..0 # SKIP ");
		vprintf(fmt, ap);
		putchar('\n');
		va_end(ap);
		exit(KTAP_EXIT_SKIP);
	}
	ktap_vdiag(fmt, ap);
	va_end(ap);
	while (ktap.run < ktap.plan)
		ktap_skip("not run");
	exit(ktap_finish());
}

/*
 * The program cannot start: its family is missing, it is not root. That is
 * a failure, never a skip: make check loads the module and runs as root.
 * Before the plan, the only header: 1..1 and one failing result, as
 * lib.sh's ktap_bail prints. After it, ktap_fail_rest.
 */
static inline __attribute__((format(printf, 1, 2), noreturn))
void ktap_bail(const char *fmt, ...)
{
	va_list ap;

	if (!ktap.planned) {
		ktap_header();
		printf("1..1\nnot ok 1 - ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
		exit(KTAP_EXIT_FAIL);
	}
	va_start(ap, fmt);
	ktap_vdiag(fmt, ap);
	va_end(ap);
	while (ktap.run < ktap.plan)
		ktap_result(false, "not run");
	ktap_finish();
	exit(KTAP_EXIT_FAIL);
}

/* After the plan: the tests left cannot run, each one fails. */
#define ktap_fail_rest ktap_bail

#endif /* _NFESP_KTAP_H */
