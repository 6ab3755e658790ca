/* test_steps.c - every step of every lab can be passed with what that step
 * and the earlier ones ask (the quality bar of DESIGN.md), shown on copies
 * of each lab "done up to step N".
 *
 * A lab's folder keeps, in selftest/steps/, what a student following the
 * guide writes in each step: stepN.patch, a diff against the lab's skeleton
 * applied after step1..N-1. It starts with a few lines of text (what the
 * step adds), and one of these lines says what the copy done up to step
 * N-1 makes of step N:
 *
 *     Fails without it: CHECK         CHECK, one of step N's checks, fails
 *     Passed by the earlier steps: WHY   step N's checks pass already: the
 *                                     step asks nothing the grader can see
 *
 * A step that asks for no code has no diff after the text.
 *
 * One suite per lab, stepsNN, and in it one test per copy: a fresh copy of
 * the committed skeleton (git archive of the kit's last commit of the lab:
 * of its grader folder or its solution, so that a student's work in labs/,
 * committed or not, changes nothing; labs/ itself outside a git checkout),
 * the patches
 * of steps 1 to k applied with patch --fuzz=0, so that a patch that no
 * longer fits the skeleton says so; a lab built with another lab's folder
 * (lab 08 with lab 07's framework) finds that lab's reference solution
 * beside it, as a student who did it would. The copy is graded once, with --only
 * 'stepK,CHECK': every check of step k must pass, and step k+1's CHECK
 * must fail (or, when step k+1 is passed by the earlier steps, its checks
 * must pass too: the day a check can tell, the test says to change the
 * patch). The skeleton itself must fail step 1's CHECK; the copy done up
 * to the last step gets full marks on the whole lab. One run per copy, and
 * one check of the next step rather than all of them, keep the suites
 * short: a check that fails often waits for its quiet limit first.
 *
 * A lab's steps suite runs alone when the lab's own suite does: both grade
 * the same checks, some of which measure time or CPU. A students' hand-out
 * has no self-test folders: there, no suite is registered. */
#include "cu_run.h"
#include "engine/engine.h"
#include "text/strbuf.h"
#include "tests/e2e/grade_run.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The seed of every run: the same payloads every time. */
#define STEPS_SEED 1
/* The most steps a lab has, and the most labs. */
#define MAX_STEPS 16
#define MAX_LABS 16
/* Lines that say what the copy before a step makes of it. */
#define FAILS_WITHOUT "Fails without it: "
#define PASSED_BEFORE "Passed by the earlier steps: "

/* What stepN.patch says. */
typedef struct step_patch {
    char sp_path[PATH_MAX];
    int sp_found;         /* the file could be read */
    int sp_has_diff;      /* it changes files (a step may ask for no code) */
    int sp_passed_before; /* "Passed by the earlier steps:" */
    char sp_probe[64];    /* "Fails without it: CHECK", or "" */
} step_patch;

/* One test: lab sc_lab done up to step sc_upto (0: the skeleton). */
typedef struct step_case {
    const gr_lab *sc_lab;
    int sc_upto;
    char sc_name[160];
} step_case;

static step_case cases[MAX_LABS * (MAX_STEPS + 1)];
static size_t ncases;

static void read_patch(const gr_lab *lab, int step, step_patch *sp)
{
    memset(sp, 0, sizeof *sp);
    char dirname[128];
    gr_lab_dirname(lab, dirname, sizeof dirname);
    snprintf(sp->sp_path, sizeof sp->sp_path, "%s/grader/labs/%s/selftest/steps/step%d.patch",
             selftest_root(), dirname, step);
    FILE *f = fopen(sp->sp_path, "r");
    if (f == NULL) {
        return;
    }
    sp->sp_found = 1;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "--- ", 4) == 0) {
            sp->sp_has_diff = 1; /* the text is over */
            break;
        }
        if (strncmp(line, PASSED_BEFORE, strlen(PASSED_BEFORE)) == 0) {
            sp->sp_passed_before = 1;
        } else if (strncmp(line, FAILS_WITHOUT, strlen(FAILS_WITHOUT)) == 0) {
            const char *name = line + strlen(FAILS_WITHOUT);
            size_t n = strcspn(name, " \t\r\n");
            if (n < sizeof sp->sp_probe) {
                memcpy(sp->sp_probe, name, n);
                sp->sp_probe[n] = '\0';
            }
        }
    }
    fclose(f);
}

/* The step a check of the lab belongs to, or -1 if it has no such check. */
static int step_of(const gr_lab *lab, const char *name)
{
    for (size_t i = 0; i < lab->lab_nchecks; i++) {
        if (strcmp(lab->lab_checks[i].ck_name, name) == 0) {
            return lab->lab_checks[i].ck_step;
        }
    }
    return -1;
}

static int checks_in_step(const gr_lab *lab, int step)
{
    int n = 0;
    for (size_t i = 0; i < lab->lab_nchecks; i++) {
        n += lab->lab_checks[i].ck_step == step;
    }
    return n;
}

/* Is the top of the kit a git checkout of its own (not a copy inside some
 * other repository)? */
static int root_is_checkout(void)
{
    gr_str cmd = {0};
    gr_str_add(&cmd, "git -C");
    gr_str_add_word(&cmd, selftest_root());
    gr_str_add(&cmd, " rev-parse --show-toplevel 2>/dev/null");
    FILE *p = popen(gr_str_cstr(&cmd), "r");
    gr_str_free(&cmd);
    if (p == NULL) {
        return 0;
    }
    char top[PATH_MAX] = "";
    if (fgets(top, sizeof top, p) == NULL) {
        top[0] = '\0';
    }
    pclose(p);
    top[strcspn(top, "\n")] = '\0';
    char a[PATH_MAX], b[PATH_MAX];
    return top[0] != '\0' && realpath(top, a) != NULL && realpath(selftest_root(), b) != NULL &&
           strcmp(a, b) == 0;
}

/* Run a shell command whose output goes to log; on failure say what it
 * was and what it printed. Returns 0 or -1. */
static int run_shell(const char *what, gr_str *cmd, const char *log)
{
    gr_str_add(cmd, " >");
    gr_str_add_quoted(cmd, log);
    gr_str_add(cmd, " 2>&1");
    int rc = system(gr_str_cstr(cmd)) == 0 ? 0 : -1;
    if (rc < 0) {
        fprintf(stderr, "\nsteps: %s failed: %s\n", what, gr_str_cstr(cmd));
        gr_str show = {0};
        gr_str_add(&show, "cat");
        gr_str_add_word(&show, log);
        gr_str_add(&show, " >&2");
        (void)!system(gr_str_cstr(&show));
        gr_str_free(&show);
    }
    gr_str_free(cmd);
    return rc;
}

/* A lab built with another lab's folder (lab_sibling) is graded as a
 * student who has done that lab has it: its copy is top/NAME, beside
 * top/SIBLING, the sibling's reference solution. Otherwise the copy is
 * top itself. Returns 0, or -1 after a failed CUnit assertion. */
static int place_copy(const gr_lab *lab, const char *top, char *dir, size_t len)
{
    if (lab->lab_sibling == NULL) {
        snprintf(dir, len, "%s", top);
        return 0;
    }
    char dirname[128];
    gr_lab_dirname(lab, dirname, sizeof dirname);
    int n = snprintf(dir, len, "%s/%s", top, dirname);
    if (n < 0 || (size_t)n >= len) {
        CU_FAIL("the copy's path is too long");
        return -1;
    }
    gr_str log = {0};
    gr_str_addf(&log, "%s.log", top);
    gr_str cmd = {0};
    gr_str_add(&cmd, "mkdir");
    gr_str_add_word(&cmd, dir);
    gr_str_add(&cmd, " && cp -R");
    gr_str_addf(&cmd, " '%s/solutions/%s'", selftest_root(), lab->lab_sibling);
    gr_str_add_word(&cmd, top);
    int rc = run_shell("copying the sibling lab's solution", &cmd, gr_str_cstr(&log));
    CU_EXPECT(rc == 0, __LINE__, "lab %s: cannot copy solutions/%s beside it", lab->lab_id,
              lab->lab_sibling);
    unlink(gr_str_cstr(&log));
    gr_str_free(&log);
    return rc;
}

/* A fresh copy of the lab's committed skeleton in dir (under top, the
 * folder to remove afterwards), with the patches of steps 1 to upto.
 * Returns 0, or -1 after a failed CUnit assertion. */
static int make_copy(const gr_lab *lab, int upto, char *top, char *dir, size_t len)
{
    char dirname[128];
    gr_lab_dirname(lab, dirname, sizeof dirname);
    if (selftest_fresh_dir("steps", top, len) < 0) {
        CU_FAIL("cannot make a directory under build/tests");
        return -1;
    }
    if (place_copy(lab, top, dir, len) < 0) {
        return -1;
    }
    const char *root = selftest_root();
    gr_str log = {0};
    gr_str_addf(&log, "%s.log", top);
    gr_str cmd = {0};
    if (root_is_checkout()) {
        /* As the kit last shipped it: the last commit of the lab's grader
         * folder or solution, which a student's commits never touch. */
        gr_str_add(&cmd, "{ cd");
        gr_str_add_word(&cmd, root);
        gr_str_addf(&cmd,
                    " && c=$(git log -1 --format=%%H -- grader/labs/%s solutions/%s) && "
                    "git archive \"$c\" labs/%s | tar -x --strip-components=2 -C",
                    dirname, dirname, dirname);
        gr_str_add_word(&cmd, dir);
        gr_str_add(&cmd, " && test -f");
        gr_str_add_word(&cmd, dir);
        gr_str_add(&cmd, "/Makefile; }");
    } else {
        gr_str_add(&cmd, "cp -R");
        gr_str_add_word(&cmd, root);
        gr_str_addf(&cmd, "/labs/%s/.", dirname);
        gr_str_add_word(&cmd, dir);
    }
    int rc = run_shell("copying the skeleton", &cmd, gr_str_cstr(&log));
    CU_EXPECT(rc == 0, __LINE__, "lab %s: cannot copy the skeleton", lab->lab_id);
    for (int step = 1; step <= upto && rc == 0; step++) {
        step_patch sp;
        read_patch(lab, step, &sp);
        if (!sp.sp_found) {
            CU_EXPECT(0, __LINE__, "lab %s: %s is missing", lab->lab_id, sp.sp_path);
            rc = -1;
        } else if (sp.sp_has_diff) {
            gr_str_add(&cmd, "patch -p1 -s --fuzz=0 --forward --batch --no-backup-if-mismatch -d");
            gr_str_add_word(&cmd, dir);
            gr_str_add(&cmd, " -i");
            gr_str_add_word(&cmd, sp.sp_path);
            rc = run_shell("a step's patch", &cmd, gr_str_cstr(&log));
            CU_EXPECT(rc == 0, __LINE__,
                      "lab %s: %s does not apply to the skeleton done up to step %d (did the "
                      "skeleton change?)",
                      lab->lab_id, sp.sp_path, step - 1);
        }
    }
    unlink(gr_str_cstr(&log));
    gr_str_free(&log);
    return rc;
}

/* Is name one of the space-separated words of list? */
static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(list, name); p != NULL; p = strstr(p + 1, name)) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
            return 1;
        }
    }
    return 0;
}

/* How many failed checks of r belong to step. */
static int failed_in_step(const gr_lab *lab, const run *r, int step)
{
    char names[sizeof r->failed];
    snprintf(names, sizeof names, "%s", r->failed);
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r(names, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        n += step_of(lab, w) == step;
    }
    return n;
}

static void check_copy(const step_case *sc)
{
    const gr_lab *lab = sc->sc_lab;
    const int k = sc->sc_upto;
    const int last = (int)lab->lab_nsteps;

    /* What to grade: step k and a check of step k + 1, or the whole lab. */
    step_patch next;
    memset(&next, 0, sizeof next);
    char only[256] = "";
    int want_ntests = (int)lab->lab_nchecks;
    if (k < last) {
        read_patch(lab, k + 1, &next);
        if (!next.sp_passed_before && step_of(lab, next.sp_probe) != k + 1) {
            CU_EXPECT(0, __LINE__,
                      "lab %s: %s is missing, or says neither \"%sCHECK\" with a check of "
                      "step %d nor \"%s...\"",
                      lab->lab_id, next.sp_path, FAILS_WITHOUT, k + 1, PASSED_BEFORE);
            return;
        }
        char want_next[80];
        if (next.sp_passed_before) {
            snprintf(want_next, sizeof want_next, "step%d", k + 1);
        } else {
            snprintf(want_next, sizeof want_next, "%s", next.sp_probe);
        }
        if (k > 0) {
            snprintf(only, sizeof only, "step%d,%s", k, want_next);
        } else {
            snprintf(only, sizeof only, "%s", want_next);
        }
        want_ntests = (k > 0 ? checks_in_step(lab, k) : 0) +
                      (next.sp_passed_before ? checks_in_step(lab, k + 1) : 1);
    }
    char top[PATH_MAX], dir[PATH_MAX];
    if (make_copy(lab, k, top, dir, sizeof dir) < 0) {
        selftest_remove_dir(top);
        return;
    }
    gr_str args = {0};
    gr_str_addf(&args, "%s --dir", lab->lab_id);
    gr_str_add_word(&args, dir);
    gr_str_addf(&args, " --seed %d", STEPS_SEED);
    if (only[0] != '\0') {
        gr_str_add(&args, " --only");
        gr_str_add_word(&args, only);
    }
    run r;
    selftest_grade(gr_str_cstr(&args), NULL, &r);

    int ok = r.ntests == want_ntests && selftest_leftovers() == 0;
    CU_EXPECT(r.ntests == want_ntests, __LINE__, "lab %s done up to step %d: %d checks ran, not %d",
              lab->lab_id, k, r.ntests, want_ntests);
    CU_EXPECT(selftest_leftovers() == 0, __LINE__, "lab %s done up to step %d: processes left",
              lab->lab_id, k);
    if (k == last) {
        int full =
            r.status == 0 && r.failed[0] == '\0' && r.max_score == 100 && r.score == r.max_score;
        CU_EXPECT(full, __LINE__,
                  "lab %s done up to its last step, %d: %d/%d on the whole lab, failed: %s",
                  lab->lab_id, k, r.score, r.max_score, r.failed);
        ok = ok && full;
    } else {
        int own = k > 0 ? failed_in_step(lab, &r, k) : 0;
        CU_EXPECT(own == 0, __LINE__,
                  "lab %s done up to step %d fails step %d: %s (a step must be passable with "
                  "what it and the earlier steps ask)",
                  lab->lab_id, k, k, r.failed);
        ok = ok && own == 0;
        if (next.sp_passed_before) {
            int more = failed_in_step(lab, &r, k + 1);
            CU_EXPECT(more == 0, __LINE__,
                      "lab %s done up to step %d fails step %d: %s, but step%d.patch says "
                      "\"%s\": a check can tell now, so name it with \"%sCHECK\" instead",
                      lab->lab_id, k, k + 1, r.failed, k + 1, PASSED_BEFORE, FAILS_WITHOUT);
            ok = ok && more == 0;
        } else {
            int probe_failed = listed(r.failed, next.sp_probe);
            CU_EXPECT(probe_failed, __LINE__,
                      "lab %s done up to step %d passes %s, the check step%d.patch says fails "
                      "without it: does step %d ask for nothing new?",
                      lab->lab_id, k, next.sp_probe, k + 1, k + 1);
            ok = ok && probe_failed;
        }
    }
    if (ok) {
        selftest_remove_dir(top);
    } else {
        fprintf(stderr, "\nsteps: the copy is kept; replay: bin/grade %s\n", gr_str_cstr(&args));
    }
    gr_str_free(&args);
    free(r.outputs);
}

static void test_copy(void)
{
    CU_pTest t = CU_get_current_test();
    for (size_t i = 0; t != NULL && i < ncases; i++) {
        if (strcmp(cases[i].sc_name, t->pName) == 0) {
            check_copy(&cases[i]);
            return;
        }
    }
    CU_FAIL("no such case");
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int register_steps_tests(void)
{
    static cu_test tests[MAX_LABS][MAX_STEPS + 2];
    static char suites[MAX_LABS][16];
    for (size_t l = 0; gr_labs[l] != NULL && l < MAX_LABS; l++) {
        const gr_lab *lab = gr_labs[l];
        char dirname[128], path[PATH_MAX];
        gr_lab_dirname(lab, dirname, sizeof dirname);
        snprintf(path, sizeof path, "%s/grader/labs/%s/selftest", selftest_root(), dirname);
        if (!is_dir(path) || lab->lab_nsteps > MAX_STEPS) {
            continue; /* a hand-out: no self-tests */
        }
        size_t t = 0;
        for (int k = 0; k <= (int)lab->lab_nsteps; k++) {
            step_case *sc = &cases[ncases++];
            sc->sc_lab = lab;
            sc->sc_upto = k;
            step_patch next;
            read_patch(lab, k + 1, &next);
            if (k == 0) {
                snprintf(sc->sc_name, sizeof sc->sc_name, "lab %s, the skeleton: fails step 1",
                         lab->lab_id);
            } else if (k == (int)lab->lab_nsteps) {
                snprintf(sc->sc_name, sizeof sc->sc_name,
                         "lab %s, done up to step %d: full marks on the whole lab", lab->lab_id, k);
            } else if (next.sp_passed_before) {
                snprintf(sc->sc_name, sizeof sc->sc_name,
                         "lab %s, done up to step %d: passes it, and step %d (passed by the "
                         "earlier steps)",
                         lab->lab_id, k, k + 1);
            } else {
                snprintf(sc->sc_name, sizeof sc->sc_name,
                         "lab %s, done up to step %d: passes it, not step %d", lab->lab_id, k,
                         k + 1);
            }
            tests[l][t++] = (cu_test){sc->sc_name, test_copy};
        }
        tests[l][t] = (cu_test){NULL, NULL};
        /* A lab whose checks have time or CPU bounds has a suite of those
         * that runs alone; its steps, which grade those checks too, do. */
        char own[16];
        char timing[32];
        snprintf(own, sizeof own, "lab%s", lab->lab_id);
        snprintf(timing, sizeof timing, "lab%s-timing", lab->lab_id);
        snprintf(suites[l], sizeof suites[l], "steps%s", lab->lab_id);
        int alone = cu_suite_alone(own) || cu_suite_alone(timing);
        int rc =
            alone ? cu_add_suite_alone(suites[l], tests[l]) : cu_add_suite(suites[l], tests[l]);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}
