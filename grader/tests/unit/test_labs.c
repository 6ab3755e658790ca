/* test_labs.c - every lab's table of checks is well formed: each check in
 * a step the lab names, in step order, under a name of its own, worth
 * something, and the lab worth 100 points. A check of a step past the
 * last would be graded under no title (and skipped by the steps suite). */
#include "cu_run.h"
#include "engine/grader.h"

#include <string.h>

static void check_lab(const gr_lab *lab)
{
    int total = 0;
    for (size_t k = 1; k <= lab->lab_nsteps; k++) {
        CU_EXPECT(lab->lab_steps[k] != NULL && lab->lab_steps[k][0] != '\0', __LINE__,
                  "lab %s: step %zu has no title", lab->lab_id, k);
    }
    for (size_t i = 0; i < lab->lab_nchecks; i++) {
        const gr_check *c = &lab->lab_checks[i];
        CU_EXPECT(c->ck_step >= 1 && (size_t)c->ck_step <= lab->lab_nsteps, __LINE__,
                  "lab %s: %s is in step %d; the lab has steps 1 to %zu", lab->lab_id,
                  c->ck_name, c->ck_step, lab->lab_nsteps);
        CU_EXPECT(i == 0 || c->ck_step >= lab->lab_checks[i - 1].ck_step, __LINE__,
                  "lab %s: %s (step %d) comes after a check of step %d", lab->lab_id,
                  c->ck_name, c->ck_step, lab->lab_checks[i - 1].ck_step);
        CU_EXPECT(c->ck_points > 0, __LINE__, "lab %s: %s is worth %d points", lab->lab_id,
                  c->ck_name, c->ck_points);
        for (size_t j = 0; j < i; j++) {
            CU_EXPECT(strcmp(lab->lab_checks[j].ck_name, c->ck_name) != 0, __LINE__,
                      "lab %s: two checks named %s", lab->lab_id, c->ck_name);
        }
        total += c->ck_points;
    }
    CU_EXPECT(total == 100, __LINE__, "lab %s: the checks add up to %d points, not 100",
              lab->lab_id, total);
}

static void test_check_tables(void)
{
    for (size_t l = 0; gr_labs[l] != NULL; l++) {
        check_lab(gr_labs[l]);
    }
}

int register_labs_tests(void)
{
    static const cu_test tests[] = {
        {"every lab's checks: a named step, in order, unique names, 100 points",
         test_check_tables},
        {NULL, NULL},
    };
    return cu_add_suite("labs", tests);
}
