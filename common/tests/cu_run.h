/* cu_run.h - the shared main loop of socklab's CUnit test programs. */
#ifndef SOCKLAB_CU_RUN_H
#define SOCKLAB_CU_RUN_H

#include <CUnit/CUnit.h>

/** One test in a table: a name and a function. */
typedef struct cu_test {
    const char *name;
    CU_TestFunc fn;
} cu_test;

/**
 * Add a suite whose tests come from a table ending with {NULL, NULL}.
 * When the environment variable SOCKLAB_SUITE holds a shell pattern, a suite
 * whose name does not match it is left out (e.g. SOCKLAB_SUITE='lab0[23]').
 * Returns 0, or -1 if CUnit refused (the registry error says why).
 */
int cu_add_suite(const char *name, const cu_test *tests);

/**
 * Like cu_add_suite(), for a suite that measures time or CPU (a grader
 * check with a time limit, a server's idle CPU): `make check` runs it after
 * the others (three at a time), with only the other such suites beside it
 * (two at a time: CHECK_JOBS and ALONE_JOBS in the Makefile).
 */
int cu_add_suite_alone(const char *name, const cu_test *tests);

/**
 * 1 if a suite of this name was added with cu_add_suite_alone() (even one
 * that SOCKLAB_SUITE left out), 0 if not: a suite that grades the same
 * checks as another can run the way that one does.
 */
int cu_suite_alone(const char *name);

/**
 * Like cu_add_suite(), for a suite that loads the whole machine (a fork
 * bomb, a memory hog): `make check` runs it last, with nothing beside it,
 * so that no suite that measures time runs under its load.
 */
int cu_add_suite_solo(const char *name, const cu_test *tests);

/**
 * A CUnit assertion with a formatted message, so that a failing row of a
 * table says which row it was and what came out. Use through CU_EXPECT().
 */
void cu_expect(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** CU_EXPECT(ok, __LINE__, "row %zu: got %d", i, got): cu_expect() with this file. */
#define CU_EXPECT(ok, line, ...) cu_expect((ok), __FILE__, (line), __VA_ARGS__)

/**
 * Run every registered suite, each test on a line with its wall time (and a
 * line every 10 s while one runs long), then one line "PROGRAM: N passed,
 * M failed in T s". Returns the process exit status (0 when nothing
 * failed). Cleans up the registry.
 *
 * With SOCKLAB_LIST_SUITES=1 in the environment it runs nothing and prints
 * one line per suite instead, "suite NAME parallel", "suite NAME alone" or
 * "suite NAME solo",
 * for common/scripts/check.sh to schedule.
 */
int cu_run(const char *program);

#endif
