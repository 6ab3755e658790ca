/* cu_run.c - shared CUnit runner (see cu_run.h).
 *
 * CUnit's basic interface prints each test only when it ends and closes
 * with an "Elapsed time" that is CPU time, wrong by minutes for tests that
 * wait on other processes. This runner prints each test with its wall time,
 * says every 10 s which test is still running, and ends with the real
 * elapsed time of the whole program. */
#include "cu_run.h"

#include <CUnit/TestRun.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How often a long test says it is still running. */
#define HEARTBEAT_S 10

/* The test in progress, for the heartbeat thread. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    const char *name; /* NULL between tests */
    double started;
    int done; /* the run is over: the heartbeat thread ends */
} now = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0};

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The suites that run alone (cu_add_suite_alone()) or solo
 * (cu_add_suite_solo()), for --list. */
#define MAX_SUITES 64
static const char *alone[MAX_SUITES];
static size_t nalone;
static const char *solo[MAX_SUITES];
static size_t nsolo;

static int named(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

int cu_suite_alone(const char *name)
{
    return named(alone, nalone, name);
}

static int listing(void)
{
    const char *v = getenv("SOCKLAB_LIST_SUITES");
    return v != NULL && v[0] != '\0' && v[0] != '0';
}

int cu_add_suite(const char *name, const cu_test *tests)
{
    /* SOCKLAB_SUITE=PATTERN (shell wildcards) runs only the matching suites. */
    const char *only = getenv("SOCKLAB_SUITE");
    if (!listing() && only != NULL && only[0] != '\0' && fnmatch(only, name, 0) != 0) {
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

int cu_add_suite_alone(const char *name, const cu_test *tests)
{
    if (nalone < MAX_SUITES) {
        alone[nalone++] = name;
    }
    return cu_add_suite(name, tests);
}

int cu_add_suite_solo(const char *name, const cu_test *tests)
{
    if (nsolo < MAX_SUITES) {
        solo[nsolo++] = name;
    }
    return cu_add_suite(name, tests);
}

/* SOCKLAB_LIST_SUITES: the suites, and how each may run. */
static int list_suites(void)
{
    CU_pTestRegistry reg = CU_get_registry();
    for (CU_pSuite s = reg != NULL ? reg->pSuite : NULL; s != NULL; s = s->pNext) {
        const char *mode = named(solo, nsolo, s->pName) ? "solo"
                           : cu_suite_alone(s->pName)  ? "alone"
                                                       : "parallel";
        printf("suite %s %s\n", s->pName, mode);
    }
    CU_cleanup_registry();
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

static void on_suite_start(const CU_pSuite suite)
{
    printf("Suite: %s\n", suite->pName);
    fflush(stdout);
}

static void on_test_start(const CU_pTest test, const CU_pSuite suite)
{
    (void)suite;
    pthread_mutex_lock(&now.lock);
    now.name = test->pName;
    now.started = wall_s();
    pthread_mutex_unlock(&now.lock);
}

static void on_test_complete(const CU_pTest test, const CU_pSuite suite,
                             const CU_pFailureRecord failure)
{
    (void)suite;
    pthread_mutex_lock(&now.lock);
    double took = wall_s() - now.started;
    now.name = NULL;
    pthread_mutex_unlock(&now.lock);
    printf("  Test: %s ...%s (%.1f s)\n", test->pName, failure == NULL ? "passed" : "FAILED", took);
    for (CU_pFailureRecord f = failure; f != NULL && f->pTest == test; f = f->pNext) {
        printf("    %s:%u: %s\n", f->strFileName != NULL ? f->strFileName : "?", f->uiLineNumber,
               f->strCondition != NULL ? f->strCondition : "");
    }
    fflush(stdout);
}

/* Every HEARTBEAT_S seconds, say which test is still running. */
static void *heartbeat(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&now.lock);
    while (!now.done) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += HEARTBEAT_S;
        pthread_cond_timedwait(&now.wake, &now.lock, &until);
        if (!now.done && now.name != NULL && wall_s() - now.started >= HEARTBEAT_S - 0.5) {
            printf("  ... still running: %s (%.0f s)\n", now.name, wall_s() - now.started);
            fflush(stdout);
        }
    }
    pthread_mutex_unlock(&now.lock);
    return NULL;
}

int cu_run(const char *program)
{
    if (listing()) {
        return list_suites();
    }
    double started = wall_s();
    CU_set_suite_start_handler(on_suite_start);
    CU_set_test_start_handler(on_test_start);
    CU_set_test_complete_handler(on_test_complete);
    pthread_t beat;
    int beating = pthread_create(&beat, NULL, heartbeat, NULL) == 0;
    CU_run_all_tests();
    if (beating) {
        pthread_mutex_lock(&now.lock);
        now.done = 1;
        pthread_cond_signal(&now.wake);
        pthread_mutex_unlock(&now.lock);
        pthread_join(beat, NULL);
    }
    unsigned run = CU_get_number_of_tests_run();
    unsigned failed = CU_get_number_of_tests_failed();
    unsigned bad_suites = CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    printf("\n%s: %u passed, %u failed in %.1f s\n", program, run - failed, failed + bad_suites,
           wall_s() - started);
    return failed == 0 && bad_suites == 0 ? 0 : 1;
}
