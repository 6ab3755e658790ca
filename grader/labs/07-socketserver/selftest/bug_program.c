/* bug_program.c - self-test server: the reference framework used the
 * wrong way, one mistake per first argument:
 *
 *   bug_program sequential  ...  every strategy serves like sync
 *   bug_program concurrent  ...  sync serves with a thread per request
 *   bug_program threads     ...  fork serves with threads
 *   bug_program unbounded   ...  the pool is a thread per request
 *   bug_program noverify    ...  verify_request is never asked
 *   bug_program error-stops ...  a failed request stops the server
 *   bug_program fd-leak     ...  each request leaves a descriptor open
 *   bug_program one-recv    ...  the handler echoes one recv() and returns
 *   bug_program no-busy     ...  a full pool refuses without saying BUSY
 *   bug_program clamped     ...  a count or interval out of its range is
 *                                brought into it, not refused
 *
 * then PROG [OPTIONS] PORT|PATH, as every lab 07 bug program. */
#include "selftest07.h"

static void no_verify(ss_hooks *h)
{
    h->verify_request = NULL; /* the bug: refused clients reach the handler */
}

static void stop_on_error(ss_request *rq, int err)
{
    echo_error(rq, err);
    ss_shutdown_signal(rq->rq_server); /* the bug: one failed request ends the server */
}

static void error_stops(ss_hooks *h)
{
    h->handle_error = stop_on_error;
}

static void leak_fd(ss_request *rq)
{
    if (rq->rq_data == NULL) {
        /* The bug: the client sees end of file, and a descriptor stays. */
        shutdown(rq->rq_fd, SHUT_RDWR);
        (void)!dup(rq->rq_fd);
    }
}

static void fd_leak(ss_hooks *h)
{
    h->close_request = leak_fd;
}

static void no_busy(ss_hooks *h)
{
    h->busy = NULL; /* the bug: refused, and closed without a word */
}

static int handle_once(ss_request *rq)
{
    char buf[16384];
    ssize_t n = recv(rq->rq_fd, buf, sizeof buf, 0); /* the bug: one recv() is a request */
    return n < 0 || ss_reply(rq, buf, (size_t)(n > 0 ? n : 0)) < 0 ? -1 : 0;
}

static const ss_handler one_recv = {.h_handle = handle_once};

/* The bug (clamped): "--threads 0" runs with 1 thread and "--queue 65"
 * with 64, quietly, instead of a usage error. Rewrites the values in
 * @p argv before the parser sees them. */
static void clamp_options(int argc, char **argv)
{
    static const struct {
        const char *opt;
        long lo, hi;
    } ranges[] = {{"--threads", 1, 64}, {"--queue", 1, 64}, {"--poll-interval", 1, 60000}};
    static char values[8][24];
    int k = 0;
    for (int i = 1; i + 1 < argc && k < 8; i++) {
        for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
            char *end;
            long v = strtol(argv[i + 1], &end, 10);
            if (strcmp(argv[i], ranges[r].opt) != 0 || *end != '\0') {
                continue;
            }
            v = v < ranges[r].lo ? ranges[r].lo : v > ranges[r].hi ? ranges[r].hi : v;
            snprintf(values[k], sizeof values[k], "%ld", v);
            argv[i + 1] = values[k++];
        }
    }
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        bug_plan plan;
    } bugs[] = {
        {"sequential", {{SS_SYNC, SS_SYNC, SS_SYNC, SS_SYNC}, NULL, NULL}},
        {"concurrent", {{SS_THREAD, SS_THREAD, SS_FORK, SS_POOL}, NULL, NULL}},
        {"threads", {{SS_SYNC, SS_THREAD, SS_THREAD, SS_POOL}, NULL, NULL}},
        {"unbounded", {{SS_SYNC, SS_THREAD, SS_FORK, SS_THREAD}, NULL, NULL}},
        {"noverify", {BUG_SAME_STRATEGIES, no_verify, NULL}},
        {"error-stops", {BUG_SAME_STRATEGIES, error_stops, NULL}},
        {"fd-leak", {BUG_SAME_STRATEGIES, fd_leak, NULL}},
        {"one-recv", {BUG_SAME_STRATEGIES, NULL, &one_recv}},
        {"no-busy", {BUG_SAME_STRATEGIES, no_busy, NULL}},
        {"clamped", {BUG_SAME_STRATEGIES, NULL, NULL}},
    };
    if (argc > 1 && strcmp(argv[1], "clamped") == 0) {
        clamp_options(argc - 1, argv + 1);
    }
    for (size_t i = 0; argc > 1 && i < sizeof bugs / sizeof bugs[0]; i++) {
        if (strcmp(argv[1], bugs[i].name) == 0) {
            return bug_main(argc - 1, argv + 1, &bugs[i].plan);
        }
    }
    fprintf(stderr, "usage: bug_program BUG PROG [OPTIONS] PORT|PATH (bugs: in its source)\n");
    return 2;
}
