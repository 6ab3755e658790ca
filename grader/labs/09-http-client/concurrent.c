/* concurrent.c - lab 09's checks of the concurrent mode (step 10): fetch
 * --parallel against several slow fake servers at once, judged on what
 * the servers saw and when: how many requests had come before the first
 * answer went out (all of them, when fetch asks for every URL at once; no
 * more than --parallel), and the bodies in the order of the URLs. Times
 * are only compared with each other, never with a limit: a loaded machine
 * makes the answers later, not the requests. */
#include "lab09.h"

#include "os/clock.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SLOW(body, ms)                                                                             \
    {                                                                                              \
        .hr_target = "/p", .hr_delay_ms = (ms),                                                    \
        .hr_response = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\n" body    \
    }

/* One server per URL, each with one route. */
static const gr_http_route r_slow[LAB09_MAX_SERVERS] = {SLOW("a\n\n", 800), SLOW("b\n\n", 800),
                                                        SLOW("c\n\n", 800), SLOW("d\n\n", 800)};
static const gr_http_route r_staggered[LAB09_MAX_SERVERS] = {
    SLOW("a\n\n", 600),
    SLOW("b\n\n", 400),
    SLOW("c\n\n", 200),
    /* framed by its length alone, the connection held open after it */
    {.hr_target = "/p",
     .hr_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nd!",
     .hr_after = GR_HTTP_HOLD}};
static const gr_http_route r_bad[LAB09_MAX_SERVERS] = {
    SLOW("a\n\n", 0),
    {.hr_target = "/p", .hr_response = "ICY 200 OK\r\n\r\n"},
    SLOW("c\n\n", 100),
    {.hr_target = "/p", .hr_after = GR_HTTP_SILENT, .hr_response = ""}};

const lab09_parallel lab09_parallel_overlap = {.pl_args =
                                                   "--parallel 4 {s0}/p {s1}/p {s2}/p {s3}/p",
                                               .pl_routes = r_slow,
                                               .pl_nservers = 4,
                                               .pl_stdout = "a\n\nb\n\nc\n\nd\n\n",
                                               .pl_before_first = 4};
const lab09_parallel lab09_parallel_order = {.pl_args = "--parallel 4 {s0}/p {s1}/p {s2}/p {s3}/p",
                                             .pl_routes = r_staggered,
                                             .pl_nservers = 4,
                                             .pl_stdout = "a\n\nb\n\nc\n\nd!"};
const lab09_parallel lab09_parallel_limit = {.pl_args = "--parallel 2 {s0}/p {s1}/p {s2}/p {s3}/p",
                                             .pl_routes = r_slow,
                                             .pl_nservers = 4,
                                             .pl_stdout = "a\n\nb\n\nc\n\nd\n\n",
                                             .pl_before_first = 2};
const lab09_parallel lab09_parallel_errors = {.pl_args =
                                                  "--parallel 4 {s0}/p {closed}/p {s1}/p {s2}/p",
                                              .pl_routes = r_bad,
                                              .pl_nservers = 3,
                                              .pl_exit = 4,
                                              .pl_stdout = "a\n\nc\n\n",
                                              .pl_named = {"{closed}/p", "{s1}/p"}};
const lab09_parallel lab09_parallel_timeout = {
    .pl_args = "--parallel 4 --read-timeout 1 {s0}/p {s3}/p {s2}/p",
    .pl_routes = r_bad,
    .pl_nservers = 4,
    .pl_exit = 5,
    .pl_stdout = "a\n\nc\n\n",
    .pl_named = {"{s3}/p"},
    .pl_max_ms = 4000};

/* text with {s0}..{s3} and {closed} replaced by the servers' URLs. */
static void expand(const char *text, const int *ports, int closed, gr_str *out)
{
    for (const char *p = text; *p != '\0';) {
        if (p[0] == '{' && p[1] == 's' && p[2] >= '0' && p[2] < '0' + LAB09_MAX_SERVERS &&
            p[3] == '}') {
            gr_str_addf(out, "http://127.0.0.1:%d", ports[p[2] - '0']);
            p += 4;
        } else if (strncmp(p, "{closed}", 8) == 0) {
            gr_str_addf(out, "http://127.0.0.1:%d", closed);
            p += 8;
        } else {
            gr_str_addf(out, "%c", *p++);
        }
    }
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a;
    long y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The requests' arrival times, in order, and when the first answer began;
 * the count of requests. */
static int timeline(const gr_http_script *scripts, int n, long *at, long *first_answer)
{
    int k = 0;
    *first_answer = 0;
    for (int i = 0; i < n; i++) {
        for (int r = 0; r < scripts[i].hs_requests && r < GR_HTTP_MAX_REQS; r++) {
            at[k++] = scripts[i].hs_at_ms[r];
            long a = scripts[i].hs_answered_ms[r];
            if (a > 0 && (*first_answer == 0 || a < *first_answer)) {
                *first_answer = a;
            }
        }
    }
    qsort(at, (size_t)k, sizeof *at, cmp_long);
    return k;
}

/* How many requests came before the first answer: exactly pl_before_first. */
static int judge_overlap(gr_ctx *ctx, const lab09_parallel *pl, const gr_http_script *scripts)
{
    long at[LAB09_MAX_SERVERS * GR_HTTP_MAX_REQS];
    long first = 0;
    int n = timeline(scripts, pl->pl_nservers, at, &first);
    int before = 0;
    while (before < n && (first == 0 || at[before] < first)) {
        before++;
    }
    if (pl->pl_before_first == 0 || before == pl->pl_before_first) {
        return 0;
    }
    gr_str *d = gr_details(ctx);
    gr_str_addf(d, "the requests came at");
    for (int i = 0; i < n; i++) {
        gr_str_addf(d, "%s %ld ms", i > 0 ? "," : "", at[i] - at[0]);
    }
    gr_str_addf(d, "; the first answer went out at %ld ms (each server waits %d ms)\n",
                first - at[0], pl->pl_routes[0].hr_delay_ms);
    if (before < pl->pl_before_first) {
        return gr_fail(ctx,
                       "only %d request%s came before the first answer; with --parallel and "
                       "%d slow servers, %d should have",
                       before, before == 1 ? "" : "s", pl->pl_nservers, pl->pl_before_first);
    }
    return gr_fail(ctx, "%d requests came before the first answer; --parallel %d allows %d", before,
                   pl->pl_before_first, pl->pl_before_first);
}

static int judge(gr_ctx *ctx, const lab09_parallel *pl, const gr_client_run *run,
                 const gr_http_script *scripts, const int *ports, int closed)
{
    if (run->cr_timed_out || !WIFEXITED(run->cr_status)) {
        return gr_fail(ctx, "fetch %s", run->cr_timed_out ? "did not end" : "was killed");
    }
    if (WEXITSTATUS(run->cr_status) != pl->pl_exit) {
        return gr_fail(ctx, "fetch exited with status %d; expected %d", WEXITSTATUS(run->cr_status),
                       pl->pl_exit);
    }
    if (pl->pl_max_ms > 0 && run->cr_ms > gr_ms(ctx, pl->pl_max_ms)) {
        return gr_fail(ctx, "fetch took %.1f s; the read timeout should have ended it sooner",
                       (double)run->cr_ms / 1000.0);
    }
    if (run->cr_stdout_len != strlen(pl->pl_stdout) ||
        memcmp(run->cr_stdout, pl->pl_stdout, run->cr_stdout_len) != 0) {
        return gr_fail_bytes(ctx, NULL, 0, pl->pl_stdout, strlen(pl->pl_stdout), run->cr_stdout,
                             run->cr_stdout_len, "fetch's stdout is not the bodies in URL order");
    }
    for (int i = 0; i < 2 && pl->pl_named[i] != NULL; i++) {
        gr_str name = {0};
        expand(pl->pl_named[i], ports, closed, &name);
        int named = run->cr_stderr != NULL && strstr(run->cr_stderr, gr_str_cstr(&name)) != NULL;
        int rc =
            named ? 0 : gr_fail(ctx, "stderr does not name %s, which failed", gr_str_cstr(&name));
        gr_str_free(&name);
        if (rc < 0) {
            return rc;
        }
    }
    return judge_overlap(ctx, pl, scripts);
}

int lab09_check_parallel(gr_ctx *ctx)
{
    const lab09_parallel *pl = gr_arg(ctx);
    gr_http_script scripts[LAB09_MAX_SERVERS];
    gr_fake *fakes[LAB09_MAX_SERVERS] = {NULL};
    int ports[LAB09_MAX_SERVERS] = {0};
    int rc = 0;
    for (int i = 0; i < pl->pl_nservers && rc == 0; i++) {
        scripts[i] = (gr_http_script){.hs_routes = &pl->pl_routes[i], .hs_nroutes = 1};
        char err[256] = "";
        fakes[i] = gr_fake_start(gr_http_fake, &scripts[i], err);
        rc = fakes[i] != NULL ? 0 : gr_fail(ctx, "grader could not start its HTTP server: %s", err);
        ports[i] = fakes[i] != NULL ? gr_fake_port(fakes[i]) : 0;
    }
    int closed_fd = -1;
    int closed = gr_closed_port(&closed_fd);
    gr_str args = {0};
    expand(pl->pl_args, ports, closed, &args);
    gr_client_run run = {0};
    if (rc == 0) {
        rc = gr_client_run_args(ctx, "./fetch", gr_str_cstr(&args), gr_time_left(ctx), &run);
    }
    for (int i = 0; i < pl->pl_nservers; i++) {
        if (fakes[i] != NULL) {
            gr_fake_stop(fakes[i]);
        }
    }
    if (closed_fd >= 0) {
        close(closed_fd);
    }
    if (rc == 0) {
        rc = judge(ctx, pl, &run, scripts, ports, closed);
    }
    if (rc < 0) {
        gr_client_describe(ctx, &run);
    }
    gr_str_free(&args);
    gr_client_run_free(&run);
    return rc;
}
