/* grade_run.h - the self-tests' way to run bin/grade as a student would
 * and read its JSON report back. Shared by every lab's self-test suite. */
#ifndef SOCKLAB_GRADE_RUN_H
#define SOCKLAB_GRADE_RUN_H

#include <stddef.h>

/* What a grading run produced. */
typedef struct run {
    int status; /* exit status of bin/grade, -1 if it did not exit */
    int score;
    int max_score;
    char failed[1024]; /* names of failed checks, in run order, space-separated */
    int ntests;
    char *outputs;  /* every check's output, concatenated (malloc'd; free it) */
    double seconds; /* wall time of the run */
} run;

/* The top of the socklab tree (this program is ROOT/build/tests/...). */
const char *selftest_root(void);

/* Run ROOT/bin/grade ARGS (already shell-quoted) with a JSON report, in dir
 * (NULL: the root), and fill r. The run's programs inherit an environment
 * tag, so that selftest_leftovers() finds what it left behind. */
void selftest_grade(const char *args, const char *dir, run *r);

/* selftest_grade() grades the same ARGS in the same DIR only once per test
 * program: a second call reads the first run's report again. This makes
 * the next call grade again (for a test of what one run leaves to the next). */
void selftest_forget(void);

/* Grade with deadlines SCALE times as long (SOCKLAB_TIMEOUT_SCALE), or as
 * they are with NULL. For a program that never answers, a check can only
 * wait for its deadline: a shorter one says the same, sooner. */
void selftest_scale(const char *scale);

/* Processes the last selftest_grade() left running. */
int selftest_leftovers(void);

/* Grade, then assert: exactly want_failed failed (space-separated, in run
 * order; "" for full marks), want_ntests checks ran, the exit status
 * matches, and nothing was left running. */
void selftest_expect(const char *args, const char *dir, const char *want_failed, int want_ntests);

/* selftest_expect(), keeping the run in r for more assertions (the
 * outputs: a cause-specific hint's words); free(r->outputs) afterwards. */
void selftest_expect_run(const char *args, const char *dir, const char *want_failed,
                         int want_ntests, run *r);

/* selftest_expect(), and every failed check's output shows the
 * cause-specific hint (words), and none shows not_words when that is not
 * NULL (the general hint it replaced). */
void selftest_expect_hint(const char *args, const char *dir, const char *want_failed,
                          int want_ntests, const char *words, const char *not_words);

/* What a test may ask of a lab's table (selftest_lab_count()). */
typedef enum selftest_what {
    ST_CHECKS,        /* its visible checks, server and client */
    ST_SERVER_CHECKS, /* its visible server checks */
    ST_CLIENT_CHECKS, /* its visible client checks */
    ST_HIDDEN_CHECKS, /* its hidden checks */
    ST_POINTS,        /* the points of all its checks, hidden ones included */
    ST_CLIENT_POINTS  /* the points of its visible client checks */
} selftest_what;

/* Counted from lab LAB's table ("01"), so that a test never holds a copy
 * of a number that a new check changes; -1 for a lab the grader lacks. */
int selftest_lab_count(const char *lab, selftest_what what);

/* The names of lab LAB's visible server checks, in run order and
 * space-separated, as a run that fails them all lists them ("" for a lab
 * the grader lacks). The text stays valid until the next call. */
const char *selftest_lab_server_checks(const char *lab);

/* How many times needle occurs in text (0 when text is NULL). */
int selftest_count(const char *text, const char *needle);

/* Grade lab LAB's reference solution with seeds 1..SEEDS in the root and
 * assert full marks (100) on want_ntests checks each time, nothing left
 * running. */
void selftest_full_marks(const char *lab, int seeds, int want_ntests);

/* Grade lab LAB's skeleton as the kit ships it (selftest_skeleton(); LAB
 * is "01-tcp-echo") with more ARGS, and assert that want_ntests checks ran
 * and the score is not full. Never grades a student's work in labs/. */
void selftest_not_full(const char *lab, const char *args, int want_ntests);

/* A fresh, world-writable directory ROOT/build/tests/TAG-PID-N in dir: a
 * --server command runs there and writes its files there as an
 * unprivileged user. Returns 0 or -1. */
int selftest_fresh_dir(const char *tag, char *dir, size_t len);

/* selftest_expect() in a fresh directory (selftest_fresh_dir(tag)),
 * removed afterwards: a --server or --client command's own files stay
 * there. */
void selftest_expect_fresh(const char *tag, const char *args, const char *want_failed,
                           int want_ntests);

/* A copy of lab LAB's skeleton (LAB is "01-tcp-echo") as the kit ships
 * it, never a student's work in labs/: labs/LAB as committed in the last
 * commit that changed the kit's side of the lab (its grader folder or its
 * solution), which a student does not touch. The copy is DIR/LAB, with DIR
 * a fresh directory made here (remove it with selftest_remove_dir()).
 * Returns 0, or 1 when the kit is not a git checkout and the copy is of
 * labs/LAB as it is (the caller must then say what it cannot check), or -1. */
int selftest_skeleton(const char *lab, char *dir, size_t len);

/* selftest_skeleton() for the kit (or any git checkout) at @p top. */
int selftest_skeleton_from(const char *top, const char *lab, char *dir, size_t len);

/* Is PROGRAM (python3, node...) installed? If not, say that the tests that
 * need it are skipped. */
int selftest_have(const char *program);

/* Remove such a directory and everything in it. */
void selftest_remove_dir(const char *dir);

#endif
