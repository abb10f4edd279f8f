/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the IKE host tests share: a table of tests, CHECK() that counts a
 * condition and reports a false one as a KTAP diagnostic, and run_tests(),
 * which prints one KTAP result per test and the count of checks. Each test
 * binary includes it from one file.
 */
#ifndef IKE_TESTS_CHECK_H
#define IKE_TESTS_CHECK_H

#include <stdbool.h>
#include <stdio.h>

struct test {
	const char *name;
	void (*fn)(void);
};

/* Failures in the test running now, and checks made in all of them. */
static unsigned int failures;
static unsigned long checks;

#define CHECK(cond) check((cond), #cond, __LINE__)

static inline bool check(bool ok, const char *what, int line)
{
	checks++;
	if (!ok) {
		printf("# line %d: %s\n", line, what);
		fflush(stdout);
		failures++;
	}
	return ok;
}

/* The tests in order, KTAP out; the exit status. */
static inline int run_tests(const struct test *tests, unsigned int n)
{
	unsigned int i, failed = 0;

	printf("KTAP version 1\n1..%u\n", n);
	for (i = 0; i < n; i++) {
		failures = 0;
		tests[i].fn();
		printf("%s %u - %s\n", failures ? "not ok" : "ok", i + 1, tests[i].name);
		failed += !!failures;
	}
	printf("# %lu checks; %u passed, %u failed\n", checks, n - failed, failed);
	return failed ? 1 : 0;
}

#endif /* IKE_TESTS_CHECK_H */
