/* SPDX-License-Identifier: ISC */
/* harness.h - a few dozen lines of unit-test harness shared by tests/unit.
 *
 * A test file defines TEST(name) functions and lists them in a table:
 *
 *     TEST(adds) { CHECK(1 + 1 == 2); CHECK_EQ_STR(f(), "x"); }
 *     int main(void) { return RUN_TESTS(adds, subtracts); }
 *
 * Each test prints "PASS name" or "FAIL name: file:line: expression"; the
 * program prints "N passed, N failed" last and exits 1 if any test failed.
 */
#ifndef QASID_TEST_HARNESS_H
#define QASID_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

static int th_fail; /* failures within the running test */

#define TEST(name) static void name(void)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			if (!th_fail++)                                      \
				printf("FAIL %s: %s:%d: %s\n", th_name,      \
				    __FILE__, __LINE__, #cond);              \
		}                                                            \
	} while (0)

#define CHECK_EQ_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static const char *th_name = "";

typedef void (*th_fn)(void);

static int
th_run(const char *names, th_fn *fns, int n)
{
	int passed = 0, failed = 0;
	const char *p = names;
	char name[128];

	for (int i = 0; i < n; i++) {
		size_t len = 0;
		while (*p == ',' || *p == ' ' || *p == '\n' || *p == '\t')
			p++;
		while (p[len] && p[len] != ',' && len + 1 < sizeof(name))
			len++;
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		th_name = name;
		th_fail = 0;
		fns[i]();
		if (th_fail) {
			failed++;
		} else {
			passed++;
			printf("PASS %s\n", th_name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define RUN_TESTS(...)                                                       \
	th_run(#__VA_ARGS__, (th_fn[]){__VA_ARGS__},                         \
	    (int)(sizeof((th_fn[]){__VA_ARGS__}) / sizeof(th_fn)))

#endif
