/* grade_run.c - run bin/grade from the self-tests (see grade_run.h). */
#include "tests/e2e/grade_run.h"

#include "cu_run.h"
#include "engine/grader.h"
#include "os/proc.h"

#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* From test_proc.c: processes with a NAME=value string in their environment. */
int count_processes_with_env(const char *tag);

static char root[PATH_MAX];

/* Every grading run gets its own tag in the environment, which the programs
 * it starts inherit: what survives a run is found by its tag, whatever else
 * runs on the machine meanwhile. */
static char run_tag[64];

const char *selftest_root(void)
{
    if (root[0] == '\0') {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n < 0) {
            return ".";
        }
        exe[n] = '\0';
        snprintf(root, sizeof root, "%s", dirname(dirname(dirname(exe))));
    }
    return root;
}

/* Runs already made in this process, by their arguments: a second test of
 * the same program on the same checks and seed (one asserting the failed
 * checks, another the hint they show) reads the first run's report again
 * instead of grading again, which would only say the same. */
#define CACHE_MAX 128
static struct {
    char *key; /* DIR, args and the timeout scale */
    run result;
} cache[CACHE_MAX];
static size_t ncache;

static char *cache_key(const char *args, const char *dir)
{
    const char *scale = getenv("SOCKLAB_TIMEOUT_SCALE");
    size_t n = strlen(args) + (dir != NULL ? strlen(dir) : 0) + 64;
    char *key = malloc(n);
    if (key != NULL) {
        snprintf(key, n, "%s|%s|%s", dir != NULL ? dir : "", args, scale != NULL ? scale : "");
    }
    return key;
}

/* A copy of a cached run for @p key into @p r; 1 if there was one. */
static int cache_get(const char *key, run *r)
{
    for (size_t i = 0; key != NULL && i < ncache; i++) {
        if (strcmp(cache[i].key, key) == 0) {
            *r = cache[i].result;
            r->outputs = cache[i].result.outputs != NULL ? strdup(cache[i].result.outputs) : NULL;
            return 1;
        }
    }
    return 0;
}

static void cache_put(char *key, const run *r)
{
    if (key == NULL || ncache == CACHE_MAX || r->status < 0) {
        free(key);
        return;
    }
    cache[ncache].key = key;
    cache[ncache].result = *r;
    cache[ncache].result.outputs = r->outputs != NULL ? strdup(r->outputs) : NULL;
    ncache++;
}

static void grade_now(const char *args, const char *dir, run *r);

void selftest_scale(const char *scale)
{
    if (scale != NULL) {
        setenv("SOCKLAB_TIMEOUT_SCALE", scale, 1);
    } else {
        unsetenv("SOCKLAB_TIMEOUT_SCALE");
    }
}

void selftest_forget(void)
{
    for (size_t i = 0; i < ncache; i++) {
        free(cache[i].key);
        free(cache[i].result.outputs);
    }
    ncache = 0;
}

void selftest_grade(const char *args, const char *dir, run *r)
{
    char *key = cache_key(args, dir);
    if (cache_get(key, r)) {
        free(key);
        return;
    }
    grade_now(args, dir, r);
    cache_put(key, r);
}

/* Run bin/grade ARGS in DIR and read its report back into @p r. */
static void grade_now(const char *args, const char *dir, run *r)
{
    memset(r, 0, sizeof *r);
    r->status = -1;
    const char *top = selftest_root();
    char out[PATH_MAX + 64];
    snprintf(out, sizeof out, "%s/build/tests/grade-run-%d.json", top, (int)getpid());
    char cmd[3 * PATH_MAX + 1024];
    snprintf(cmd, sizeof cmd, "'%s/bin/grade' %s --format json --output '%s' >/dev/null 2>&1", top,
             args, out);
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_cwd = dir != NULL ? dir : top};
    static int runs;
    snprintf(run_tag, sizeof run_tag, "SOCKLAB_SELFTEST_RUN=%d-%d", (int)getpid(), ++runs);
    putenv(run_tag);
    long started = gr_now_ms();
    int spawned = gr_proc_spawn(&p, cmd, &so, NULL);
    unsetenv("SOCKLAB_SELFTEST_RUN");
    if (spawned < 0) {
        return;
    }
    int done = gr_proc_wait(&p, 600000);
    r->seconds = (double)(gr_now_ms() - started) / 1000.0;
    gr_proc_stop(&p, 1000);
    if (done && WIFEXITED(p.pr_status)) {
        r->status = WEXITSTATUS(p.pr_status);
    }
    gr_proc_free(&p);

    json_error_t jerr;
    json_t *doc = json_load_file(out, 0, &jerr);
    unlink(out);
    if (doc == NULL) {
        fprintf(stderr, "selftest: no JSON report from: %s\n", cmd);
        return;
    }
    r->score = (int)json_integer_value(json_object_get(doc, "score"));
    r->max_score = (int)json_integer_value(json_object_get(doc, "max_score"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(doc, "tests"), i, t)
    {
        r->ntests++;
        const char *output = json_string_value(json_object_get(t, "output"));
        if (output != NULL) {
            size_t have = r->outputs != NULL ? strlen(r->outputs) : 0;
            char *more = realloc(r->outputs, have + strlen(output) + 1);
            if (more != NULL) {
                strcpy(more + have, output);
                r->outputs = more;
            }
        }
        const char *status = json_string_value(json_object_get(t, "status"));
        if (status == NULL || strcmp(status, "failed") != 0) {
            continue;
        }
        const char *name = json_string_value(json_object_get(t, "name"));
        size_t have = strlen(r->failed);
        snprintf(r->failed + have, sizeof r->failed - have, "%s%s", have > 0 ? " " : "",
                 name != NULL ? name : "?");
    }
    json_decref(doc);
}

int selftest_leftovers(void)
{
    return count_processes_with_env(run_tag);
}

void selftest_expect_run(const char *args, const char *dir, const char *want_failed,
                         int want_ntests, run *r)
{
    selftest_grade(args, dir, r);
    if (strcmp(r->failed, want_failed) != 0 || r->ntests != want_ntests) {
        fprintf(stderr,
                "\nselftest: bin/grade %s\n  failed: [%s]\n  wanted: [%s] (%d checks, %d ran)\n",
                args, r->failed, want_failed, want_ntests, r->ntests);
    }
    CU_ASSERT_STRING_EQUAL(r->failed, want_failed);
    CU_ASSERT_EQUAL(r->ntests, want_ntests);
    CU_ASSERT_EQUAL(r->status, want_failed[0] == '\0' ? 0 : 1);
    CU_ASSERT_EQUAL(selftest_leftovers(), 0);
}

void selftest_expect(const char *args, const char *dir, const char *want_failed, int want_ntests)
{
    run r;
    selftest_expect_run(args, dir, want_failed, want_ntests, &r);
    free(r.outputs);
}

void selftest_expect_hint(const char *args, const char *dir, const char *want_failed,
                          int want_ntests, const char *words, const char *not_words)
{
    run r;
    selftest_expect_run(args, dir, want_failed, want_ntests, &r);
    int nfailed = selftest_count(r.failed, " ") + (r.failed[0] != '\0');
    int seen = selftest_count(r.outputs, words);
    if (seen != nfailed) {
        fprintf(stderr,
                "\nselftest: bin/grade %s\n  \"%s\" in %d of %d failed checks; what they said:"
                "\n%.2000s\n",
                args, words, seen, nfailed, r.outputs != NULL ? r.outputs : "");
    }
    CU_ASSERT_EQUAL(seen, nfailed);
    if (not_words != NULL) {
        CU_ASSERT_EQUAL(selftest_count(r.outputs, not_words), 0);
    }
    free(r.outputs);
}

int selftest_count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text != NULL ? strstr(text, needle) : NULL; p != NULL;
         p = strstr(p + strlen(needle), needle)) {
        n++;
    }
    return n;
}

void selftest_full_marks(const char *lab, int seeds, int want_ntests)
{
    for (int seed = 1; seed <= seeds; seed++) {
        char args[64];
        snprintf(args, sizeof args, "%s --solution --seed %d", lab, seed);
        run r;
        selftest_grade(args, NULL, &r);
        if (r.failed[0] != '\0') {
            fprintf(stderr, "\nlab %s: the solution failed: %s (seed %d)\n", lab, r.failed, seed);
        }
        CU_ASSERT_EQUAL(r.status, 0);
        CU_ASSERT_EQUAL(r.ntests, want_ntests);
        CU_ASSERT_EQUAL(r.max_score, 100);
        CU_ASSERT_EQUAL(r.score, r.max_score);
        CU_ASSERT_EQUAL(selftest_leftovers(), 0);
        free(r.outputs);
    }
}

void selftest_not_full(const char *lab, const char *args, int want_ntests)
{
    char dir[PATH_MAX];
    int pristine = selftest_skeleton(lab, dir, sizeof dir);
    CU_ASSERT_FATAL(pristine >= 0);
    char all[2 * PATH_MAX];
    snprintf(all, sizeof all, "%.2s --dir '%s/%s' %s", lab, dir, lab, args);
    run r;
    selftest_grade(all, NULL, &r);
    if (pristine == 1 && r.score == r.max_score) {
        /* Not a git checkout: labs/ may hold a student's finished work. */
        fprintf(stderr,
                "\nskipped: labs/%s gets full marks and this is not a git checkout, so "
                "the shipped skeleton cannot be told from finished work\n",
                lab);
    } else {
        CU_ASSERT_EQUAL(r.status, 1);
        CU_ASSERT_EQUAL(r.ntests, want_ntests);
        CU_ASSERT(r.score < r.max_score);
    }
    CU_ASSERT_EQUAL(selftest_leftovers(), 0);
    free(r.outputs);
    selftest_remove_dir(dir);
}

void selftest_expect_fresh(const char *tag, const char *args, const char *want_failed,
                           int want_ntests)
{
    char cwd[PATH_MAX + 64];
    CU_ASSERT_EQUAL_FATAL(selftest_fresh_dir(tag, cwd, sizeof cwd), 0);
    selftest_expect(args, cwd, want_failed, want_ntests);
    selftest_remove_dir(cwd);
}

int selftest_fresh_dir(const char *tag, char *dir, size_t len)
{
    static int runs;
    snprintf(dir, len, "%s/build/tests/%s-%d-%d", selftest_root(), tag, (int)getpid(), ++runs);
    char rm[PATH_MAX + 80];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    return system(rm) == 0 && mkdir(dir, 0777) == 0 && chmod(dir, 0777) == 0 ? 0 : -1;
}

int selftest_skeleton_from(const char *top, const char *lab, char *dir, size_t len)
{
    if (selftest_fresh_dir("skeleton", dir, len) < 0) {
        return -1;
    }
    char cmd[4 * PATH_MAX];
    /* The last commit of the kit's side of the lab, and the skeleton in it. */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && c=$(git log -1 --format=%%H -- 'grader/labs/%s' 'solutions/%s' "
             "2>/dev/null) && [ -n \"$c\" ] && git archive \"$c\" 'labs/%s' | "
             "tar -x -C '%s' --strip-components=1",
             top, lab, lab, lab, dir);
    if (system(cmd) == 0) {
        return 0;
    }
    snprintf(cmd, sizeof cmd, "cp -R '%s/labs/%s' '%s/'", top, lab, dir);
    return system(cmd) == 0 ? 1 : -1;
}

int selftest_skeleton(const char *lab, char *dir, size_t len)
{
    return selftest_skeleton_from(selftest_root(), lab, dir, len);
}

int selftest_have(const char *program)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v '%s' >/dev/null 2>&1", program);
    if (system(cmd) == 0) {
        return 1;
    }
    printf("    skipped: %s is not installed, so its programs are not graded here\n", program);
    return 0;
}

void selftest_remove_dir(const char *dir)
{
    char rm[PATH_MAX + 80];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    (void)!system(rm);
}

static const gr_lab *find_lab(const char *lab)
{
    for (size_t i = 0; gr_labs[i] != NULL; i++) {
        if (strcmp(gr_labs[i]->lab_id, lab) == 0) {
            return gr_labs[i];
        }
    }
    return NULL;
}

const char *selftest_lab_server_checks(const char *lab)
{
    static char names[4096];
    const gr_lab *l = find_lab(lab);
    size_t n = 0;
    names[0] = '\0';
    for (size_t i = 0; l != NULL && i < l->lab_nchecks; i++) {
        if (l->lab_checks[i].ck_kind == GR_SERVER && n < sizeof names) {
            n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", n > 0 ? " " : "",
                                  l->lab_checks[i].ck_name);
        }
    }
    return names;
}

int selftest_lab_count(const char *lab, selftest_what what)
{
    const gr_lab *l = find_lab(lab);
    if (l == NULL) {
        return -1;
    }
    size_t nhidden = l->lab_hidden != NULL ? l->lab_hidden->ct_n : 0;
    if (what == ST_HIDDEN_CHECKS) {
        return (int)nhidden;
    }
    int n = 0;
    for (size_t i = 0; i < l->lab_nchecks; i++) {
        const gr_check *c = &l->lab_checks[i];
        int server = c->ck_kind == GR_SERVER;
        switch (what) {
        case ST_CHECKS:
            n++;
            break;
        case ST_SERVER_CHECKS:
            n += server;
            break;
        case ST_CLIENT_CHECKS:
            n += !server;
            break;
        case ST_POINTS:
            n += c->ck_points;
            break;
        case ST_CLIENT_POINTS:
            n += server ? 0 : c->ck_points;
            break;
        case ST_HIDDEN_CHECKS:
            break;
        }
    }
    for (size_t i = 0; what == ST_POINTS && i < nhidden; i++) {
        n += l->lab_hidden->ct_checks[i].ck_points;
    }
    return n;
}
