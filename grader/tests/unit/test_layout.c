/* test_layout.c - the grader's folders use each other one way only, as
 * grader/README.md draws them: a file may include headers of its own folder
 * and of the folders below it in the list, never of one above. The lab
 * folders and their self-test programs are left to the labs. */
#include "cu_run.h"
#include "tests/e2e/grade_run.h"

#include <glob.h>
#include <stdio.h>
#include <string.h>

/* Top to bottom. */
static const char *const order[] = {"cli",    "batch",  "labs", "kit", "peers",
                                    "engine", "report", "os",   "net", "text"};
#define NORDER (sizeof order / sizeof order[0])

static int rank(const char *folder, size_t len)
{
    for (size_t i = 0; i < NORDER; i++) {
        if (strlen(order[i]) == len && strncmp(order[i], folder, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* Count the includes of @p path that reach above @p own; report each. */
static int upward_includes(const char *path, int own)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    int bad = 0;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        const char *q = strncmp(line, "#include \"", 10) == 0 ? line + 10 : NULL;
        const char *slash = q != NULL ? strchr(q, '/') : NULL;
        int r = slash != NULL ? rank(q, (size_t)(slash - q)) : -1;
        if (r >= 0 && r < own) {
            fprintf(stderr, "\n  %s includes %s", path, q);
            bad++;
        }
    }
    fclose(f);
    return bad;
}

static void test_arrows_point_down(void)
{
    int bad = 0;
    int files = 0;
    for (size_t i = 0; i < NORDER; i++) {
        char pattern[4096];
        snprintf(pattern, sizeof pattern, "%s/grader/%s/*.[ch]", selftest_root(), order[i]);
        glob_t g;
        if (glob(pattern, 0, NULL, &g) == 0) {
            for (size_t k = 0; k < g.gl_pathc; k++) {
                bad += upward_includes(g.gl_pathv[k], (int)i);
                files++;
            }
        }
        globfree(&g);
    }
    CU_ASSERT(files > 20);
    CU_ASSERT_EQUAL(bad, 0);
}

int register_layout_tests(void)
{
    static const cu_test tests[] = {
        {"the grader's folders use each other one way only", test_arrows_point_down},
        {NULL, NULL},
    };
    return cu_add_suite("layout", tests);
}
