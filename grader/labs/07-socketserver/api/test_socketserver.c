/* test_socketserver.c - lab 07's framework tested through its API: what
 * the guide's contract promises of ss_server_new(), ss_serve_forever(),
 * ss_shutdown(), ss_handle_request(), the hooks and ss_server_close(), as
 * Python's own tests of socketserver check it.
 *
 * It is compiled against a copy's socketserver.c and socketserver.h (`make
 * test` in the lab or the solution; the grader builds it the same way,
 * with its sanitizers). Each property is a suite of its own ("api-echo",
 * "api-own-child", ...), so that SOCKLAB_SUITE=NAME runs one: the grader
 * gives each its own check. Every test runs under a watchdog (alarm()): a
 * framework that hangs makes the test fail with a TIMEOUT line, and the
 * program exit, instead of hanging. Nothing waits by sleeping: a test
 * knows a request was served because its reply came back. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cu_run.h"
#include "err.h"
#include "socketserver.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A test that takes longer than this has hung. */
#define WATCHDOG_S 20
/* Most bytes of one echo. */
#define ECHO_MAX 256
/* The shutdown-at-start test's poll interval, and how long after its
 * shutdown a loop still serving has lost it (20 intervals). */
#define SHUTDOWN_POLL_MS 100
#define SHUTDOWN_LOST_MS 2000

/* ---- the watchdog ------------------------------------------------------------ */

static char watchdog_msg[256];

static void on_alarm(int sig)
{
    (void)sig;
    ssize_t n = write(STDOUT_FILENO, watchdog_msg, strlen(watchdog_msg));
    (void)n;
    _exit(3);
}

/* Arm the watchdog for the test @p what: @p seconds from now, the program
 * says so and exits. */
static void watchdog(const char *what, unsigned seconds)
{
    snprintf(watchdog_msg, sizeof watchdog_msg,
             "    TIMEOUT: %s did not finish within %u s: the framework hangs (a loop that "
             "never sees the shutdown, a close that waits for ever, a request never served)\n",
             what, seconds);
    alarm(seconds);
}

/* ---- what the test sees of the process -------------------------------------------- */

/* The descriptors this process has open (/proc/self/fd). */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) {
        return -1;
    }
    int n = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n - 1; /* the directory's own */
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the handler and the hooks the tests serve with ---------------------------------- */

static const char *const kind_names[] = {"TCP", "UDP", "Unix stream", "Unix datagram"};
static const char *const strategy_names[] = {"sync", "thread", "fork", "pool"};

/* What the hooks saw: rq_user of every request. */
typedef struct seen {
    ss_kind sn_kind;
    atomic_int sn_errors;   /* handle_error calls */
    atomic_int sn_last_err; /* the errno handle_error was given */
    atomic_int sn_finishes; /* finish calls */
    atomic_int sn_timeouts; /* handle_timeout calls */
} seen;

static int is_stream_kind(ss_kind k)
{
    return k == SS_TCP || k == SS_UNIX_STREAM;
}

/* The echo: a stream until the client closes its side, a datagram at
 * once. A request that starts with 'x' fails (EPROTO) after its first
 * bytes: the failing handler of the error tests. */
static int echo_handle(ss_request *rq)
{
    const seen *sn = rq->rq_user;
    if (!is_stream_kind(sn->sn_kind)) {
        if (rq->rq_len > 0 && rq->rq_data[0] == 'x') {
            errno = EPROTO;
            return -1;
        }
        return ss_reply(rq, rq->rq_data, rq->rq_len) < 0 ? -1 : 0;
    }
    char buf[ECHO_MAX];
    for (;;) {
        ssize_t n = recv(rq->rq_fd, buf, sizeof buf, 0);
        if (n == 0) {
            return 0;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        if (buf[0] == 'x') {
            errno = EPROTO;
            return -1;
        }
        if (ss_reply(rq, buf, (size_t)n) < 0) {
            return -1;
        }
    }
}

static void count_finish(ss_request *rq)
{
    seen *sn = rq->rq_user;
    atomic_fetch_add(&sn->sn_finishes, 1);
}

static void count_error(ss_request *rq, int err)
{
    seen *sn = rq->rq_user;
    atomic_store(&sn->sn_last_err, err);
    atomic_fetch_add(&sn->sn_errors, 1);
}

static void count_timeout(ss_server *srv, void *user)
{
    (void)srv;
    seen *sn = user;
    atomic_fetch_add(&sn->sn_timeouts, 1);
}

static const ss_handler echo_handler = {.h_handle = echo_handle, .h_finish = count_finish};
static const ss_hooks counting_hooks = {.handle_error = count_error,
                                        .handle_timeout = count_timeout};

/* A server of @p kind and @p strategy on 127.0.0.1, port 0, or a fresh
 * abstract Unix name; its reason for failing into @p err. */
static ss_server *make_server(ss_kind kind, ss_strategy strategy, seen *sn, int timeout_ms,
                              char *err)
{
    static atomic_int names;
    char unix_name[64];
    snprintf(unix_name, sizeof unix_name, "@socklab-api-%d-%d", (int)getpid(),
             atomic_fetch_add(&names, 1));
    memset(sn, 0, sizeof *sn);
    sn->sn_kind = kind;
    ss_config cf = {.cf_kind = kind,
                    .cf_address = kind == SS_TCP || kind == SS_UDP ? "127.0.0.1" : unix_name,
                    .cf_port = 0,
                    .cf_reuse_address = 1,
                    .cf_timeout_ms = timeout_ms,
                    .cf_strategy = strategy,
                    .cf_pool_threads = 2,
                    .cf_pool_queue = 4,
                    .cf_handler = &echo_handler,
                    .cf_hooks = &counting_hooks,
                    .cf_user = sn};
    return ss_server_new(&cf, err);
}

/* ---- serving in a thread of the test ------------------------------------------------ */

typedef struct serving {
    ss_server *sv_srv;
    int sv_poll_ms;
    int sv_rc;
    atomic_int sv_tid; /* the serving thread's id, once it runs */
    pthread_t sv_thread;
} serving;

static void *serve_thread(void *arg)
{
    serving *s = arg;
    atomic_store(&s->sv_tid, (int)gettid());
    s->sv_rc = ss_serve_forever(s->sv_srv, s->sv_poll_ms);
    return NULL;
}

static int start_serving(serving *s, ss_server *srv, int poll_ms)
{
    s->sv_srv = srv;
    s->sv_poll_ms = poll_ms;
    s->sv_rc = -2;
    atomic_init(&s->sv_tid, 0);
    return pthread_create(&s->sv_thread, NULL, serve_thread, s) == 0 ? 0 : -1;
}

/* The serving thread's state in /proc ('S': asleep, waiting), or '?'. */
static char serving_state(serving *s)
{
    char path[64], state = '?';
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", atomic_load(&s->sv_tid));
    FILE *f = fopen(path, "r");
    if (f != NULL && fscanf(f, "%*d (%*[^)]) %c", &state) != 1) {
        state = '?';
    }
    if (f != NULL) {
        fclose(f);
    }
    return state;
}

/* Wait, at most @p ms, until the serving thread is asleep: after a
 * request, back in its wait for the next one. Returns 1 if it is. */
static int serving_asleep(serving *s, int ms)
{
    long until = now_ms() + ms;
    while (serving_state(s) != 'S') {
        if (now_ms() >= until) {
            return 0;
        }
        poll(NULL, 0, 1);
    }
    return 1;
}

/* ss_shutdown() from this thread, then the serving thread ends. */
static void stop_serving(serving *s)
{
    ss_shutdown(s->sv_srv);
    pthread_join(s->sv_thread, NULL);
}

/* ---- the client's side ---------------------------------------------------------------- */

/* Where the server's socket is bound, as the system says: the tests other
 * than api-address reach the server there, so that a wrong
 * ss_server_address() fails that check alone. 0, or -1 with a reason. */
static int bound_address(ss_server *srv, struct sockaddr_storage *addr, socklen_t *alen, char *why,
                         size_t len)
{
    *alen = sizeof *addr;
    if (getsockname(ss_server_fileno(srv), (struct sockaddr *)addr, alen) < 0) {
        snprintf(why, len, "getsockname(ss_server_fileno()) failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* A client socket connected to the server (a datagram one too, so that
 * send() and recv() work), with a receive timeout. -1 with a reason. */
static int client_socket(ss_server *srv, ss_kind kind, char *why, size_t len)
{
    struct sockaddr_storage addr;
    socklen_t alen = 0;
    if (bound_address(srv, &addr, &alen, why, len) < 0) {
        return -1;
    }
    int type = is_stream_kind(kind) ? SOCK_STREAM : SOCK_DGRAM;
    int fd = socket(addr.ss_family, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, len, "socket() failed: %s", strerror(errno));
        return -1;
    }
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (kind == SS_UNIX_DGRAM) {
        /* An address of its own (autobind), or the reply has nowhere to go. */
        sa_family_t fam = AF_UNIX;
        bind(fd, (struct sockaddr *)&fam, sizeof fam);
    }
    if (connect(fd, (struct sockaddr *)&addr, alen) < 0) {
        snprintf(why, len, "connect() to the server's address failed: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Send @p msg and read its echo: a stream until the server closes, a
 * datagram once. Returns 0, or -1 with what went wrong in @p why. */
static int round_trip(ss_server *srv, ss_kind kind, const char *msg, char *why, size_t len)
{
    int fd = client_socket(srv, kind, why, len);
    if (fd < 0) {
        return -1;
    }
    size_t n = strlen(msg);
    char got[ECHO_MAX + 1];
    size_t have = 0;
    int rc = -1;
    if (send(fd, msg, n, MSG_NOSIGNAL) != (ssize_t)n) {
        snprintf(why, len, "send() failed: %s", strerror(errno));
        goto out;
    }
    if (is_stream_kind(kind)) {
        shutdown(fd, SHUT_WR);
        for (ssize_t r; have < ECHO_MAX && (r = recv(fd, got + have, ECHO_MAX - have, 0)) != 0;) {
            if (r < 0) {
                snprintf(why, len, "no end of file after %zu bytes of the echo: %s", have,
                         errno == EAGAIN ? "nothing came for 5 s" : strerror(errno));
                goto out;
            }
            have += (size_t)r;
        }
    } else {
        ssize_t r = recv(fd, got, ECHO_MAX, 0);
        if (r < 0) {
            snprintf(why, len, "no reply: %s",
                     errno == EAGAIN ? "nothing came for 5 s" : strerror(errno));
            goto out;
        }
        have = (size_t)r;
    }
    got[have] = '\0';
    if (have != n || memcmp(got, msg, n) != 0) {
        snprintf(why, len, "sent \"%s\", got back \"%s\"", msg, got);
        goto out;
    }
    rc = 0;
out:
    close(fd);
    return rc;
}

/* ---- the bound address ------------------------------------------------------------------ */

static void test_bound_address(void)
{
    watchdog("the bound-address test", WATCHDOG_S);
    for (int k = SS_TCP; k <= SS_UNIX_DGRAM; k++) {
        seen sn;
        char err[SL_ERR_LEN] = "";
        ss_server *srv = make_server((ss_kind)k, SS_SYNC, &sn, -1, err);
        CU_EXPECT(srv != NULL, __LINE__, "%s: ss_server_new() failed: %s", kind_names[k], err);
        if (srv == NULL) {
            continue;
        }
        struct sockaddr_storage said, real;
        socklen_t said_len = sizeof said, real_len = sizeof real;
        memset(&said, 0, sizeof said);
        memset(&real, 0, sizeof real);
        int rc = ss_server_address(srv, &said, &said_len);
        getsockname(ss_server_fileno(srv), (struct sockaddr *)&real, &real_len);
        CU_EXPECT(rc == 0 && said_len == real_len && memcmp(&said, &real, real_len) == 0, __LINE__,
                  "%s: ss_server_address() (%d, %u bytes) is not what getsockname() says of "
                  "ss_server_fileno() (%u bytes)",
                  kind_names[k], rc, (unsigned)said_len, (unsigned)real_len);
        if (k == SS_TCP || k == SS_UDP) {
            int port = ntohs(((struct sockaddr_in *)&said)->sin_port);
            CU_EXPECT(port != 0, __LINE__,
                      "%s: after port 0 the address says port 0, not the port the system "
                      "picked (read it back with getsockname() after bind())",
                      kind_names[k]);
        }
        ss_server_close(srv);
    }
    alarm(0);
}

/* ---- every family with every strategy ------------------------------------------------ */

/* Three echoes through a server of @p kind under @p st, then shutdown and
 * close, with no descriptor left. Returns 0, or -1 when an echo failed:
 * each failed one waits for its reply as long as the client's timeout. */
static int echo_combination(ss_kind kind, ss_strategy st)
{
    char what[96];
    snprintf(what, sizeof what, "%s under %s", kind_names[kind], strategy_names[st]);
    watchdog(what, WATCHDOG_S);
    int before = open_fds();
    seen sn;
    char err[SL_ERR_LEN] = "";
    ss_server *srv = make_server(kind, st, &sn, -1, err);
    CU_EXPECT(srv != NULL, __LINE__, "%s: ss_server_new() failed: %s", what, err);
    serving s;
    if (srv == NULL || start_serving(&s, srv, 100) < 0) {
        ss_server_close(srv);
        return -1;
    }
    int ok = 1;
    for (int i = 1; i <= 3 && ok; i++) {
        char msg[128], why[256];
        snprintf(msg, sizeof msg, "round trip %d of 3, %s", i, what);
        ok = round_trip(srv, kind, msg, why, sizeof why) == 0;
        int last = atomic_load(&sn.sn_last_err);
        CU_EXPECT(ok, __LINE__, "%s: echo %d of 3: %s%s%s", what, i, why,
                  last != 0 ? "; the handler failed, handle_error was given: " : "",
                  last != 0 ? strerror(last) : "");
    }
    stop_serving(&s);
    CU_EXPECT(s.sv_rc == 0, __LINE__, "%s: ss_serve_forever() returned %d after ss_shutdown()",
              what, s.sv_rc);
    ss_server_close(srv);
    int after = open_fds();
    CU_EXPECT(after == before, __LINE__,
              "%s: %d descriptors open before ss_server_new(), %d after ss_server_close(): "
              "close must release every one (the socket, the wake-up pipe, each request's)",
              what, before, after);
    alarm(0);
    return ok ? 0 : -1;
}

/* Every strategy for @p kind, until one fails its echo: one failure says
 * it, and the others would each wait out the client's timeout. */
static void echo_family(ss_kind kind)
{
    for (int st = SS_SYNC; st <= SS_POOL; st++) {
        if (echo_combination(kind, (ss_strategy)st) < 0) {
            CU_EXPECT(st == SS_POOL, __LINE__,
                      "%s: the strategies after %s were not tried (fix this one first)",
                      kind_names[kind], strategy_names[st]);
            return;
        }
    }
}

static void test_echo_tcp(void)
{
    echo_family(SS_TCP);
}

static void test_echo_udp(void)
{
    echo_family(SS_UDP);
}

static void test_echo_unix_stream(void)
{
    echo_family(SS_UNIX_STREAM);
}

static void test_echo_unix_dgram(void)
{
    echo_family(SS_UNIX_DGRAM);
}

/* ---- shutdown -------------------------------------------------------------------------- */

/* Wait up to @p ms for the serving thread to end. Returns 1 if it did. */
static int joined_within(serving *s, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    return pthread_timedjoin_np(s->sv_thread, NULL, &until) == 0;
}

/* Server @p i of the 20: a shutdown asked for before its loop starts (even
 * @p i), or just after its thread is made (odd: the shutdown may come
 * before the loop runs, or while it waits). Returns 0, or -1 when the loop
 * went on serving: the shutdown was lost. */
static int shut_down_at_start(int i)
{
    ss_kind kind = (ss_kind)(i % 4);
    ss_strategy st = (ss_strategy)(i % 3); /* sync, thread, fork */
    const char *when = i % 2 == 0 ? "before ss_serve_forever() was called"
                                  : "as ss_serve_forever() started in another thread";
    seen sn;
    char err[SL_ERR_LEN] = "";
    ss_server *srv = make_server(kind, st, &sn, -1, err);
    CU_EXPECT(srv != NULL, __LINE__, "server %d (%s, %s): ss_server_new() failed: %s", i + 1,
              kind_names[kind], strategy_names[st], err);
    if (srv != NULL && i % 2 == 0) {
        ss_shutdown(srv);
    }
    serving s;
    if (srv == NULL || start_serving(&s, srv, SHUTDOWN_POLL_MS) < 0) {
        ss_server_close(srv);
        return 0;
    }
    if (i % 2 != 0) {
        ss_shutdown(srv);
    }
    int ended = joined_within(&s, SHUTDOWN_LOST_MS);
    CU_EXPECT(ended, __LINE__,
              "server %d (%s, %s): ss_shutdown() asked %s, and the loop still serves %d ms "
              "later, with a poll interval of %d ms: the shutdown was lost (say, a flag that "
              "ss_serve_forever() clears when it starts)",
              i + 1, kind_names[kind], strategy_names[st], when, SHUTDOWN_LOST_MS,
              SHUTDOWN_POLL_MS);
    if (!ended) {
        stop_serving(&s); /* asked again while it serves: the watchdog bounds it */
    }
    ss_server_close(srv);
    return ended ? 0 : -1;
}

/* 20 servers (each family; sync, thread and fork), each shut down as its
 * loop starts, as Python's test_shutdown does. The poll interval is short,
 * so that a loop without a wake-up still ends in time: this test is about
 * a shutdown that is lost, api-shutdown-thread about one that is slow. */
static void test_shutdown_at_start(void)
{
    watchdog("shutting down 20 servers just after they start", WATCHDOG_S);
    int before = open_fds();
    for (int i = 0; i < 20; i++) {
        if (shut_down_at_start(i) < 0) {
            break; /* one lost shutdown says it */
        }
    }
    int after = open_fds();
    CU_EXPECT(after == before, __LINE__, "%d descriptors open before the 20 servers, %d after",
              before, after);
    alarm(0);
}

/* ss_shutdown() from this thread, while the loop waits in another with a
 * long poll interval: it returns in a fifth of it (at once, in fact: the
 * wake-up pipe), and the loop's return value is 0. */
static void test_shutdown_from_thread(void)
{
    const int poll_ms = 2000;
    watchdog("ss_shutdown() from another thread", WATCHDOG_S);
    seen sn;
    char err[SL_ERR_LEN] = "", why[256] = "";
    ss_server *srv = make_server(SS_TCP, SS_SYNC, &sn, -1, err);
    CU_EXPECT(srv != NULL, __LINE__, "ss_server_new() failed: %s", err);
    serving s;
    if (srv == NULL || start_serving(&s, srv, poll_ms) < 0) {
        ss_server_close(srv);
        return;
    }
    /* Served: the loop is running. Once its thread sleeps, it waits for
     * the next request: the shutdown must wake it. */
    int ok = round_trip(srv, SS_TCP, "the loop runs", why, sizeof why) == 0;
    CU_EXPECT(ok, __LINE__, "the echo before the shutdown: %s", why);
    CU_EXPECT(serving_asleep(&s, poll_ms / 5), __LINE__,
              "after the echo, the serving thread does not wait for the next request: "
              "it still runs %d ms later",
              poll_ms / 5);
    long t0 = now_ms();
    ss_shutdown(srv);
    long took = now_ms() - t0;
    pthread_join(s.sv_thread, NULL);
    CU_EXPECT(took < poll_ms / 5, __LINE__,
              "ss_shutdown() took %ld ms with a poll interval of %d ms: it must wake the loop at "
              "once, not wait for its next turn (write a byte to the wake-up pipe that poll() "
              "watches beside the socket)",
              took, poll_ms);
    CU_EXPECT(s.sv_rc == 0, __LINE__, "ss_serve_forever() returned %d after ss_shutdown()",
              s.sv_rc);
    ss_server_close(srv);
    alarm(0);
}

/* ---- handle_error and finish ------------------------------------------------------------- */

/* A request whose handler fails, then one that succeeds, on a synchronous
 * server of @p kind: the second is served only once the first has ended,
 * hooks and all. */
static void failing_then_good(ss_kind kind, seen *sn, int *served_after)
{
    char err[SL_ERR_LEN] = "", why[256] = "";
    ss_server *srv = make_server(kind, SS_SYNC, sn, -1, err);
    CU_EXPECT(srv != NULL, __LINE__, "%s: ss_server_new() failed: %s", kind_names[kind], err);
    serving s;
    *served_after = 0;
    if (srv == NULL || start_serving(&s, srv, 100) < 0) {
        ss_server_close(srv);
        return;
    }
    int fd = client_socket(srv, kind, why, sizeof why);
    if (fd >= 0) {
        send(fd, "x: this request fails", 21, MSG_NOSIGNAL);
        if (is_stream_kind(kind)) {
            char buf[64];
            shutdown(fd, SHUT_WR);
            while (recv(fd, buf, sizeof buf, 0) > 0) {
            }
        }
        close(fd);
    }
    *served_after = round_trip(srv, kind, "served after the failure", why, sizeof why) == 0;
    CU_EXPECT(*served_after, __LINE__,
              "%s: after a request whose handle() failed, the next is not served: %s",
              kind_names[kind], why);
    stop_serving(&s);
    ss_server_close(srv);
}

static void test_handle_error(void)
{
    watchdog("the handle_error test", WATCHDOG_S);
    for (int k = SS_TCP; k <= SS_UDP; k++) {
        seen sn;
        int served = 0;
        failing_then_good((ss_kind)k, &sn, &served);
        int errors = atomic_load(&sn.sn_errors);
        int last = atomic_load(&sn.sn_last_err);
        CU_EXPECT(errors == 1 && last == EPROTO, __LINE__,
                  "%s: handle() failed once with EPROTO; handle_error was called %d times, "
                  "last with %d (%s)",
                  kind_names[k], errors, last, last != 0 ? strerror(last) : "never");
    }
    alarm(0);
}

static void test_finish_after_failure(void)
{
    watchdog("the finish test", WATCHDOG_S);
    for (int k = SS_TCP; k <= SS_UDP; k++) {
        seen sn;
        int served = 0;
        failing_then_good((ss_kind)k, &sn, &served);
        int finishes = atomic_load(&sn.sn_finishes);
        CU_EXPECT(finishes == 2, __LINE__,
                  "%s: two requests, one whose handle() failed: finish() ran %d times, not 2 "
                  "(it runs after handle(), even when handle() failed)",
                  kind_names[k], finishes);
    }
    alarm(0);
}

/* ---- handle_timeout ------------------------------------------------------------------------- */

static void test_handle_timeout(void)
{
    watchdog("the handle_timeout test", WATCHDOG_S);
    for (int k = SS_TCP; k <= SS_UDP; k++) {
        seen sn;
        char err[SL_ERR_LEN] = "";
        ss_server *srv = make_server((ss_kind)k, SS_SYNC, &sn, 100, err);
        CU_EXPECT(srv != NULL, __LINE__, "%s: ss_server_new() failed: %s", kind_names[k], err);
        if (srv == NULL) {
            continue;
        }
        int rc = ss_handle_request(srv);
        int timeouts = atomic_load(&sn.sn_timeouts);
        CU_EXPECT(rc == 0, __LINE__,
                  "%s: ss_handle_request() with a timeout of 100 ms and no request returned %d, "
                  "not 0",
                  kind_names[k], rc);
        CU_EXPECT(timeouts == 1, __LINE__,
                  "%s: ss_handle_request() waited 100 ms for nothing, and handle_timeout was "
                  "called %d times, not once",
                  kind_names[k], timeouts);
        ss_server_close(srv);
    }
    alarm(0);
}

/* ---- failed binds ---------------------------------------------------------------------------- */

static void test_failed_binds(void)
{
    watchdog("1024 failed binds", WATCHDOG_S);
    seen sn, other;
    char err[SL_ERR_LEN] = "";
    ss_server *srv = make_server(SS_TCP, SS_SYNC, &sn, -1, err);
    CU_EXPECT(srv != NULL, __LINE__, "ss_server_new() failed: %s", err);
    if (srv == NULL) {
        return;
    }
    struct sockaddr_storage addr;
    socklen_t alen = 0;
    char why[256] = "";
    if (bound_address(srv, &addr, &alen, why, sizeof why) < 0) {
        CU_EXPECT(0, __LINE__, "%s", why);
        ss_server_close(srv);
        return;
    }
    int before = open_fds();
    int refused = 0;
    for (int i = 0; i < 1024; i++) {
        memset(&other, 0, sizeof other);
        other.sn_kind = SS_TCP;
        ss_config cf = {.cf_kind = SS_TCP,
                        .cf_address = "127.0.0.1",
                        .cf_port = ntohs(((struct sockaddr_in *)&addr)->sin_port),
                        .cf_timeout_ms = -1,
                        .cf_strategy = (ss_strategy)(i % 4),
                        .cf_handler = &echo_handler,
                        .cf_user = &other};
        ss_server *twin = ss_server_new(&cf, err);
        if (twin != NULL) {
            ss_server_close(twin);
        } else {
            refused++;
        }
    }
    int after = open_fds();
    CU_EXPECT(refused == 1024, __LINE__,
              "binding the port of a listening server succeeded %d times in 1024", 1024 - refused);
    CU_EXPECT(after == before, __LINE__,
              "%d descriptors open before 1024 failed ss_server_new(), %d after: a failed "
              "bind must close the socket (and everything else taken so far)",
              before, after);
    ss_server_close(srv);
    alarm(0);
}

/* ---- a child the framework did not start ----------------------------------------------- */

static void test_own_child(void)
{
    watchdog("the test of the program's own child", WATCHDOG_S);
    pid_t mine = fork();
    if (mine == 0) {
        _exit(42);
    }
    CU_EXPECT(mine > 0, __LINE__, "fork() failed: %s", strerror(errno));
    if (mine < 0) {
        return;
    }
    /* Wait until it has exited, without reaping it: a zombie that a
     * waitpid(-1) in the framework would take. */
    siginfo_t info;
    waitid(P_PID, (id_t)mine, &info, WEXITED | WNOWAIT);
    seen sn;
    char err[SL_ERR_LEN] = "", why[256] = "";
    ss_server *srv = make_server(SS_TCP, SS_FORK, &sn, -1, err);
    CU_EXPECT(srv != NULL, __LINE__, "ss_server_new() failed: %s", err);
    serving s;
    if (srv != NULL && start_serving(&s, srv, 50) == 0) {
        for (int i = 1; i <= 3; i++) {
            int ok = round_trip(srv, SS_TCP, "served by a child", why, sizeof why) == 0;
            CU_EXPECT(ok, __LINE__, "fork: echo %d of 3: %s", i, why);
        }
        stop_serving(&s);
        ss_server_close(srv);
    }
    int status = 0;
    pid_t r = waitpid(mine, &status, WNOHANG);
    CU_EXPECT(r == mine && WIFEXITED(status) && WEXITSTATUS(status) == 42, __LINE__,
              "the test's own child (pid %d, exit status 42) was reaped by the framework: "
              "waitpid() gave %d (%s). Reap only the pids the fork strategy started: "
              "waitpid(pid, ...), never waitpid(-1, ...)",
              (int)mine, (int)r, r < 0 ? strerror(errno) : "status changed");
    alarm(0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    static const cu_test address[] = {
        {"port 0: the bound address is getsockname()'s", test_bound_address}, {NULL, NULL}};
    static const cu_test echo[] = {
        {"TCP, every strategy: 3 echoes, shutdown, close, no descriptor left", test_echo_tcp},
        {"UDP, every strategy: the same", test_echo_udp},
        {"Unix stream, every strategy: the same", test_echo_unix_stream},
        {"Unix datagram, every strategy: the same", test_echo_unix_dgram},
        {NULL, NULL}};
    static const cu_test start[] = {
        {"20 servers shut down before or as they start", test_shutdown_at_start}, {NULL, NULL}};
    static const cu_test thread[] = {
        {"ss_shutdown() from another thread wakes the loop at once", test_shutdown_from_thread},
        {NULL, NULL}};
    static const cu_test error[] = {
        {"a failing handle() reaches handle_error; serving goes on", test_handle_error},
        {NULL, NULL}};
    static const cu_test finish[] = {
        {"finish() runs even when handle() fails", test_finish_after_failure}, {NULL, NULL}};
    static const cu_test timeout[] = {
        {"handle_timeout fires when no request comes", test_handle_timeout}, {NULL, NULL}};
    static const cu_test binds[] = {
        {"1024 failed binds leave no descriptor open", test_failed_binds}, {NULL, NULL}};
    static const cu_test child[] = {
        {"the fork strategy never reaps a child it did not start", test_own_child}, {NULL, NULL}};
    if (cu_add_suite("api-address", address) < 0 || cu_add_suite("api-echo", echo) < 0 ||
        cu_add_suite("api-shutdown-start", start) < 0 ||
        cu_add_suite("api-shutdown-thread", thread) < 0 ||
        cu_add_suite("api-handle-error", error) < 0 || cu_add_suite("api-finish", finish) < 0 ||
        cu_add_suite("api-timeout", timeout) < 0 || cu_add_suite("api-failed-bind", binds) < 0 ||
        cu_add_suite("api-own-child", child) < 0) {
        CU_cleanup_registry();
        return 1;
    }
    return cu_run("test_socketserver");
}
