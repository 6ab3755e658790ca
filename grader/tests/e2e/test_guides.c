/* test_guides.c - the "try it by hand" commands of the lab guides, run
 * against the reference solutions with the tools `make deps` installs:
 * what a student types from a guide works on a fresh machine, and prints
 * what the guide says (common/scripts/guides-by-hand.sh does the work). */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static void test_by_hand_commands(void)
{
    static const char *const tools[] = {"nc.openbsd", "socat", "ss", "python3"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        if (!selftest_have(tools[i])) {
            return;
        }
    }
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof cmd,
             "bash -c \"set -o pipefail; '%s/common/scripts/guides-by-hand.sh' 2>&1 | "
             "sed 's/^/    /'\"",
             selftest_root());
    int status = system(cmd);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int register_guides_tests(void)
{
    static const cu_test tests[] = {
        {"the guides' by-hand commands work and print what the guides say", test_by_hand_commands},
        {NULL, NULL},
    };
    return cu_add_suite("guides", tests);
}
