/* test_main.c - the test program for libsocklab: one CUnit suite per module.
 *
 * Each test_MODULE.c file exposes register_MODULE_tests(), which adds its
 * suite to the CUnit registry. Run build/tests/test_common; the last line of
 * its output is "test_common: N passed, M failed".
 */
#include "cu_run.h"

#include <CUnit/CUnit.h>
#include <stdio.h>

int register_err_tests(void);
int register_rio_tests(void);
int register_addr_tests(void);
int register_xport_tests(void);

int main(void)
{
    static const struct {
        const char *module;
        int (*add)(void);
    } suites[] = {
        {"err", register_err_tests},
        {"rio", register_rio_tests},
        {"addr", register_addr_tests},
        {"xport", register_xport_tests},
    };

    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "test_common: cannot initialise CUnit: %s\n", CU_get_error_msg());
        return 1;
    }
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        if (suites[i].add() != 0) {
            fprintf(stderr, "test_common: cannot register the %s tests: %s\n", suites[i].module,
                    CU_get_error_msg());
            CU_cleanup_registry();
            return 1;
        }
    }
    return cu_run("test_common");
}
