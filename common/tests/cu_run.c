/* cu_run.c - shared CUnit runner (see cu_run.h). */
#include "cu_run.h"

#include <CUnit/Basic.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int cu_add_suite(const char *name, const cu_test *tests)
{
    /* SOCKLAB_SUITE=PATTERN (shell wildcards) runs only the matching suites. */
    const char *only = getenv("SOCKLAB_SUITE");
    if (only != NULL && only[0] != '\0' && fnmatch(only, name, 0) != 0) {
        return 0;
    }
    CU_pSuite suite = CU_add_suite(name, NULL, NULL);
    if (suite == NULL) {
        return -1;
    }
    for (const cu_test *t = tests; t->name != NULL; t++) {
        if (CU_add_test(suite, t->name, t->fn) == NULL) {
            return -1;
        }
    }
    return 0;
}

void cu_expect(int ok, const char *file, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg, file, "", CU_FALSE);
}

int cu_run(const char *program)
{
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned run = CU_get_number_of_tests_run();
    unsigned failed = CU_get_number_of_tests_failed();
    unsigned bad_suites = CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    printf("\n%s: %u passed, %u failed\n", program, run - failed, failed + bad_suites);
    return failed == 0 && bad_suites == 0 ? 0 : 1;
}
