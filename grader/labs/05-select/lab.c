/* lab.c - checks for Lab 05, I/O multiplexing: one echo server on select(),
 * one on poll(), one on epoll, each single-threaded and serving many clients
 * at once.
 *
 * The protocol is lab 01's echo: every byte a client sends comes back, in
 * order; after the client's shutdown(SHUT_WR) the rest comes back, then EOF.
 * What is new is how the server serves: many clients at once, from one
 * thread, without ever blocking on one of them. The checks test that by
 * behaviour, never by source text:
 *
 * - interleaving: 200 clients connected in one order and served in another;
 *   one client stalls halfway through a message while others are served;
 * - bounded buffering: a client that sends a large stream and never reads
 *   must not block the others, and the server must stop reading from it
 *   instead of buffering without bound (its resident memory, not its
 *   absolute size but its growth, stays small), and must still owe that
 *   client every byte it took;
 * - errors: connections reset while output is pending are dropped, the
 *   server goes on;
 * - no busy loop: CPU time over an idle second with clients connected;
 * - architecture, through /proc: one thread in one process, non-blocking
 *   sockets, an epoll descriptor in the epoll server;
 * - scale: 10,000 connections held open at once by the epoll server.
 *
 * Every check runs against one of the three programs, named by its prefix
 * (select-, poll-, epoll-); the lab's server rules map prefixes to programs.
 * A --server command stands for all three: grade one variant of any
 * language with --only 'epoll-*'. */
#include "lab05.h"

#include <poll.h>

/* ---- the three servers, and what many checks share ------------------------------ */

/* The three servers: each check names the one it starts (ck_program), and
 * its messages name the call that server waits in. */
typedef struct variant {
    const char *va_call; /* "select()" */
} variant;

static const variant v_select = {"select()"};
static const variant v_poll = {"poll()"};
static const variant v_epoll = {"epoll_wait()"};

static const gr_program echo_select = {"./echo_select {port}", &v_select};
static const gr_program echo_poll = {"./echo_poll {port}", &v_poll};
static const gr_program echo_epoll = {"./echo_epoll {port}", &v_epoll};

/* The call the check's server waits in, for messages. */
const char *lab05_wait_call(gr_ctx *ctx)
{
    const variant *v = gr_arg(ctx);
    return v != NULL ? v->va_call : "its wait call";
}

/* Sockets held by the server's process tree, or -1. */
int lab05_server_sockets(gr_ctx *ctx)
{
    gr_tree_stats st;
    return gr_server_stats(ctx, &st) < 0 ? -1 : st.ts_sockets;
}

/* Wait until the server holds at least @p want sockets (its listening
 * socket and the clients it accepted). Accepting is invisible on the wire
 * until the server answers, and these checks want to know about it before
 * sending anything. Returns 0, or a failure. */
int lab05_wait_accepted(gr_ctx *ctx, int want, int clients, long deadline)
{
    int have = lab05_server_sockets(ctx);
    while (have >= 0 && have < want && gr_now_ms() < deadline) {
        if (gr_server_check_alive(ctx) < 0) {
            return -1;
        }
        poll(NULL, 0, 1); /* /proc has no event to wait for */
        have = lab05_server_sockets(ctx);
    }
    if (have < 0) {
        return gr_fail(ctx, "cannot read the server's open files from /proc");
    }
    if (have < want) {
        return gr_fail(ctx,
                       "the server accepted only %d of %d connected clients within %.1f s: "
                       "it does not accept new clients while it serves others",
                       have - (want - clients) < 0 ? 0 : have - (want - clients), clients,
                       (double)gr_ms(ctx, 2000) / 1000.0);
    }
    return 0;
}

/* ---- the list ---------------------------------------------------------------------------- */

static const char *const steps[] = {
    "",
    "non-blocking sockets (echo_select)",
    "an echo server on select() (echo_select)",
    "a buffer per connection (echo_select)",
    "write readiness only while output is pending (echo_select)",
    "the same server on poll() (echo_poll)",
    "the same server on epoll (echo_epoll)",
    "ten thousand connections (echo_epoll)",
};

/* Hints shared by the three servers. */
#define HINT_ECHO                                                                                  \
    "Echo every byte back, in order, from a per-client buffer: recv() what arrived, send() "       \
    "what is pending, keep what send() did not take for the next time the socket is "              \
    "writable. recv() returning 0: send back what is pending, then close()."
#define HINT_INTERLEAVED                                                                           \
    "Never wait for one client: put the listening socket and every client in the set you "         \
    "wait on, accept() when the listening socket is readable, and serve whichever clients "        \
    "are ready, one recv() and one send() at a time."
#define HINT_STALLED                                                                               \
    "A readable socket has some bytes, not a whole message: recv() once and echo what came. "      \
    "Never loop until a message is complete (readn, readline) on one client."
#define HINT_SLOW_READER                                                                           \
    "Give each client a bounded buffer. While it is full, stop asking to read that client "        \
    "(leave it out of the read set): TCP flow control then stops the sender. Never block in "      \
    "send(): with a non-blocking socket it returns EAGAIN, and the rest waits in the buffer."
#define HINT_RESET                                                                                 \
    "send() and recv() fail with ECONNRESET or EPIPE when the client is gone: close that "         \
    "client, forget it (remove it from every set) and go on. Ignore SIGPIPE or send with "         \
    "MSG_NOSIGNAL."
#define HINT_IDLE                                                                                  \
    "Ask for write readiness only while a client has output pending: a socket with room is "       \
    "always writable, so asking always wakes the loop at once, forever. And wait with no "         \
    "timeout (NULL, -1), never 0."
#define HINT_ONE_THREAD                                                                            \
    "This lab serves every client from one thread in one process: no pthread_create(), no "        \
    "fork(). Concurrency comes from waiting on all sockets at once."
#define HINT_NONBLOCKING                                                                           \
    "Make every socket non-blocking, the listening socket and each accepted one: "                 \
    "fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK). Readiness is a hint; a blocking "        \
    "call can still wait, and then the whole server waits."

static const gr_check checks[] = {
    {.ck_name = "select-nonblocking",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "every socket of echo_select is non-blocking (O_NONBLOCK, from /proc)",
     .ck_hint = HINT_NONBLOCKING,
     .ck_run = lab05_check_nonblocking,
     .ck_program = &echo_select},

    {.ck_name = "select-echo",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 15000,
     .ck_summary = "echo_select echoes one client: text, every byte value, 8 MiB, half-close",
     .ck_hint = HINT_ECHO,
     .ck_run = lab05_check_echo,
     .ck_program = &echo_select},
    {.ck_name = "select-interleaved",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 30000,
     .ck_summary = "200 clients at once, served in reverse order of connection, then all together",
     .ck_hint = HINT_INTERLEAVED,
     .ck_run = lab05_check_interleaved,
     .ck_program = &echo_select},
    {.ck_name = "select-stalled-client",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 15000,
     .ck_summary = "a client stalled halfway through a message delays nobody",
     .ck_hint = HINT_STALLED,
     .ck_run = lab05_check_stalled_client,
     .ck_program = &echo_select},
    {.ck_name = "select-one-thread",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "one process, one thread, with clients connected (from /proc)",
     .ck_hint = HINT_ONE_THREAD,
     .ck_run = lab05_check_one_thread,
     .ck_program = &echo_select},

    {.ck_name = "select-slow-reader",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 30000,
     .ck_summary =
         "a client that sends 96 MiB and never reads blocks nobody, and memory stays bounded",
     .ck_hint = HINT_SLOW_READER,
     .ck_run = lab05_check_slow_reader,
     .ck_program = &echo_select},
    {.ck_name = "select-reset-pending",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 20000,
     .ck_summary = "connections reset with output pending are closed; the others are served",
     .ck_hint = HINT_RESET,
     .ck_run = lab05_check_reset_pending,
     .ck_program = &echo_select},

    {.ck_name = "select-idle-cpu",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 15000,
     .ck_summary = "no CPU time used while 20 clients are connected and quiet",
     .ck_hint = HINT_IDLE,
     .ck_run = lab05_check_idle_cpu,
     .ck_program = &echo_select},

    {.ck_name = "poll-echo",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "echo_poll echoes one client",
     .ck_hint = HINT_ECHO,
     .ck_run = lab05_check_echo,
     .ck_program = &echo_poll},
    {.ck_name = "poll-interleaved",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "200 clients at once, interleaved",
     .ck_hint = HINT_INTERLEAVED,
     .ck_run = lab05_check_interleaved,
     .ck_program = &echo_poll},
    {.ck_name = "poll-stalled-client",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "a client stalled halfway through a message delays nobody",
     .ck_hint = HINT_STALLED,
     .ck_run = lab05_check_stalled_client,
     .ck_program = &echo_poll},
    {.ck_name = "poll-slow-reader",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "a client that never reads blocks nobody, memory stays bounded",
     .ck_hint = HINT_SLOW_READER,
     .ck_run = lab05_check_slow_reader,
     .ck_program = &echo_poll},
    {.ck_name = "poll-reset-pending",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 20000,
     .ck_summary = "connections reset with output pending are closed",
     .ck_hint = HINT_RESET,
     .ck_run = lab05_check_reset_pending,
     .ck_program = &echo_poll},
    {.ck_name = "poll-idle-cpu",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "no CPU time used while clients are quiet",
     .ck_hint = HINT_IDLE,
     .ck_run = lab05_check_idle_cpu,
     .ck_program = &echo_poll},
    {.ck_name = "poll-one-thread",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "one process, one thread",
     .ck_hint = HINT_ONE_THREAD,
     .ck_run = lab05_check_one_thread,
     .ck_program = &echo_poll},
    {.ck_name = "poll-nonblocking",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "every socket is non-blocking",
     .ck_hint = HINT_NONBLOCKING,
     .ck_run = lab05_check_nonblocking,
     .ck_program = &echo_poll},

    {.ck_name = "epoll-echo",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "echo_epoll echoes one client",
     .ck_hint = HINT_ECHO,
     .ck_run = lab05_check_echo,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-interleaved",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "200 clients at once, interleaved",
     .ck_hint = HINT_INTERLEAVED,
     .ck_run = lab05_check_interleaved,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-stalled-client",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "a client stalled halfway through a message delays nobody",
     .ck_hint = HINT_STALLED,
     .ck_run = lab05_check_stalled_client,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-slow-reader",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "a client that never reads blocks nobody, memory stays bounded",
     .ck_hint = HINT_SLOW_READER,
     .ck_run = lab05_check_slow_reader,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-reset-pending",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 20000,
     .ck_summary = "connections reset with output pending are closed",
     .ck_hint = HINT_RESET,
     .ck_run = lab05_check_reset_pending,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-idle-cpu",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "no CPU time used while clients are quiet",
     .ck_hint = HINT_IDLE,
     .ck_run = lab05_check_idle_cpu,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-one-thread",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "one process, one thread",
     .ck_hint = HINT_ONE_THREAD,
     .ck_run = lab05_check_one_thread,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-nonblocking",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 10000,
     .ck_summary = "every socket is non-blocking",
     .ck_hint = HINT_NONBLOCKING,
     .ck_run = lab05_check_nonblocking,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-fd",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "the server holds an epoll instance (from /proc)",
     .ck_hint =
         "Create one epoll instance with epoll_create1(0), add each socket with epoll_ctl(), and "
         "wait with epoll_wait().",
     .ck_run = lab05_check_epoll_fd,
     .ck_program = &echo_epoll},

    {.ck_name = "epoll-10k",
     .ck_step = 7,
     .ck_kind = GR_SERVER,
     .ck_points = 14,
     .ck_deadline_ms = 90000,
     .ck_summary = "10,000 connections open at once, every one still echoing",
     .ck_hint =
         "Nothing in the server may grow with the number of connections per wakeup: epoll_wait() "
         "returns the ready sockets only. Listen with a backlog of SOMAXCONN, accept until "
         "EAGAIN, and allocate each client's state only when it connects.",
     .ck_run = lab05_check_10k,
     .ck_program = &echo_epoll,
     .ck_max_files = 10240},
};

const gr_lab gr_lab05 = {
    .lab_id = "05",
    .lab_name = "select",
    .lab_title = "I/O multiplexing: select, poll, epoll",
    .lab_server_cmd = "./echo_select {port}",
    .lab_client_cmd = NULL,
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = NULL,
};
