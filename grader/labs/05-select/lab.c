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
 *   server goes on; clients that leave by FIN or RST, before their first
 *   byte, mid-line or with echo pending, are closed (leave.c), and
 *   descriptors come back down when many clients have come and gone;
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Hints shared by the three servers. */
#define HINT_ECHO                                                                                  \
    "Echo every byte back, in order, from a buffer per client: keep what send() did not "          \
    "take. In C: recv() what arrived into the client's buffer, send() what is pending and keep "   \
    "the rest for when the socket is writable; recv() returning 0: send back what is pending, "    \
    "then close(). In Python: a bytearray per client, conn.send() from it, del buf[:n] for "       \
    "what went."
#define HINT_INTERLEAVED                                                                           \
    "Never wait for one client: wait on all of them, the listening socket included, and "          \
    "serve whichever are ready. In C: lfd and every client in the set you wait on; accept() "      \
    "when lfd is readable; one recv() and one send() per ready client, then back to the wait. "    \
    "In Python: sel.register() the listener and each client; handle what sel.select() returns."
#define HINT_STALLED                                                                               \
    "A readable socket has some bytes, not a whole message: recv() once and echo what "            \
    "came. In C: never loop on one client until a message is complete (readn, readline); go "      \
    "back to the wait. In Python: one conn.recv() per readiness event; no "                        \
    "conn.makefile().readline() in an event loop."
#define HINT_SLOW_READER                                                                           \
    "Give each client a bounded buffer, and never block on one client. In C: while a "             \
    "client's buffer is full, leave it out of the read set (TCP flow control then stops the "      \
    "sender); on a non-blocking socket send() returns EAGAIN instead of waiting, and the rest "    \
    "stays in the buffer. In Python: stop reading (sel.modify(), EVENT_WRITE only) while the "     \
    "buffer is full; conn.send(), never sendall()."
#define HINT_RESET                                                                                 \
    "A client whose connection fails is gone: close it and go on. In C: recv() or send() "         \
    "failing with ECONNRESET or EPIPE (anything but EAGAIN, EWOULDBLOCK, EINTR): close() it, "     \
    "remove it from every set; ignore SIGPIPE or send with MSG_NOSIGNAL. In Python: catch "        \
    "ConnectionResetError and BrokenPipeError, sel.unregister(conn), conn.close()."
#define HINT_IDLE                                                                                  \
    "A server with nothing to do sleeps: no CPU while its clients are quiet. In C: ask "           \
    "for write readiness only while a client has output pending (a socket with room is always "    \
    "writable), and wait with no timeout: select(..., NULL), poll(..., -1), epoll_wait(..., "      \
    "-1). In Python: EVENT_WRITE only while output waits, and sel.select() with no timeout."
#define HINT_ONE_THREAD                                                                            \
    "This lab serves every client from one thread of one process: concurrency comes "              \
    "from waiting on all sockets at once. In C: no pthread_create(), no fork(). In Python: no "    \
    "threading, no socketserver.ThreadingMixIn or ForkingMixIn; selectors instead."
#define HINT_NONBLOCKING                                                                           \
    "Every socket must be non-blocking, the listening one and each accepted one: "                 \
    "readiness is a hint, and a blocking call can still wait. In C: fcntl(fd, F_SETFL, "           \
    "fcntl(fd, F_GETFL) | O_NONBLOCK), or accept4(lfd, NULL, NULL, SOCK_NONBLOCK): accept() "      \
    "does not pass the flag on. In Python: setblocking(False) on the listener and each conn."
#define HINT_LEAVE                                                                                 \
    "A client may leave at any moment, by FIN or by RST, and the server must close it and go "     \
    "on. In C: recv() returning 0 ends the client's input: send back what is pending, then "       \
    "close(); ECONNRESET or EPIPE end it at once: close(). In Python: b'' from recv() sets a "     \
    "flag, close once outb is empty; ConnectionResetError, BrokenPipeError: unregister, close."
#define HINT_CHURN                                                                                 \
    "Descriptors are released when clients leave, however many come and go. In C: close() "        \
    "every accepted socket when its client is done, and take it out of your table (conns[fd], "    \
    "the pollfd array, epoll). In Python: sel.unregister(conn) and conn.close() for each."

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

/* The server's listening socket on its port, from /proc/net/tcp and tcp6:
 * its inode, and how many connections wait in its accept queue (for a
 * listener, the kernel's rx_queue column). Returns 0, or -1 if not found. */
int lab05_listener(gr_ctx *ctx, unsigned long *inode, long *queued)
{
    static const char *const tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    *inode = 0;
    *queued = 0;
    int found = 0;
    for (size_t t = 0; t < 2; t++) {
        FILE *f = fopen(tables[t], "r");
        if (f == NULL) {
            continue;
        }
        char line[512];
        while (fgets(line, sizeof line, f) != NULL) {
            char local[64];
            unsigned st;
            unsigned long txq, rxq, ino;
            if (sscanf(line, " %*d: %63s %*s %x %lx:%lx %*x:%*x %*x %*u %*d %lu", local, &st, &txq,
                       &rxq, &ino) != 5 ||
                st != 0x0a) {
                continue;
            }
            const char *colon = strrchr(local, ':');
            if (colon != NULL && strtol(colon + 1, NULL, 16) == gr_port(ctx)) {
                *inode = ino; /* one listener is enough to name it */
                *queued += (long)rxq;
                found = 1;
            }
        }
        fclose(f);
    }
    return found ? 0 : -1;
}

/* A failure with clients waiting in the accept queue, and none of them
 * accepted since the check began (the server holds no more than the
 * base sockets it had then): the listening socket is not in what the
 * server waits on. Says so, sets the hint. Returns 1 if so. */
int lab05_accept_cause(gr_ctx *ctx, int base)
{
    unsigned long inode = 0;
    long queued = 0;
    int have = lab05_server_sockets(ctx);
    if (lab05_listener(ctx, &inode, &queued) < 0 || queued == 0 || base < 0 || have > base) {
        return 0;
    }
    gr_str_addf(gr_details(ctx),
                "what the server shows: %ld connection%s wait%s in its listen queue, and it has "
                "accepted none (it holds %d socket%s, as before the first client came)\n",
                queued, queued == 1 ? "" : "s", queued == 1 ? "s" : "", have, have == 1 ? "" : "s");
    gr_hint(ctx, "A server waits on its listening socket too: no client was ever accepted. In C: "
                 "select() needs lfd in the read set and the highest descriptor plus one "
                 "(maxfd + 1) as its first argument; poll() an entry for lfd with POLLIN; epoll "
                 "EPOLL_CTL_ADD of lfd with EPOLLIN; then accept() until EAGAIN. In Python: "
                 "sel.register(listener, selectors.EVENT_READ).");
    return 1;
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
        int accepted = have - (want - clients) < 0 ? 0 : have - (want - clients);
        if (accepted == 0) {
            /* None held: a server not waiting on its listener (the queue
             * says), not one busy with others. */
            if (clients == 1) {
                gr_fail(ctx,
                        "the server held no socket for its one connected client within %.1f s: "
                        "it did not accept it, or closed it at once",
                        (double)gr_ms(ctx, 2000) / 1000.0);
            } else {
                gr_fail(ctx,
                        "the server held no socket for any of its %d connected clients within "
                        "%.1f s: it did not accept them, or closed them at once",
                        clients, (double)gr_ms(ctx, 2000) / 1000.0);
            }
            if (!lab05_accept_cause(ctx, want - clients)) {
                /* Accepted, then closed: nothing waits in the queue. */
                gr_hint(ctx, "A client the server accepts stays until it is done: the server held "
                             "no socket for it. In C: keep the socket accept() returned in your "
                             "set until recv() returns 0 or fails, then close() it. In Python: "
                             "keep conn registered until conn.recv() returns b''.");
            }
            return -1;
        }
        gr_hint(ctx, HINT_INTERLEAVED);
        return gr_fail(ctx,
                       "the server accepted only %d of %d connected clients within %.1f s: "
                       "it does not accept new clients while it serves others",
                       accepted, clients, (double)gr_ms(ctx, 2000) / 1000.0);
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

    {.ck_name = "select-start-errors",
     .ck_step = 1,
     .ck_points = 2,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &gr_start_tcp,
     .ck_program = &echo_select},
    {.ck_name = "select-echo",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 15000,
     .ck_summary = "echo_select echoes one client: text, every byte value, 8 MiB, half-close",
     .ck_hint = HINT_ECHO,
     .ck_run = lab05_check_echo,
     .ck_program = &echo_select},
    {.ck_name = "select-interleaved",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 30000,
     .ck_summary = "200 clients at once, served in reverse order of connection, then all together",
     .ck_hint = HINT_INTERLEAVED,
     .ck_run = lab05_check_interleaved,
     .ck_program = &echo_select},
    {.ck_name = "select-stalled-client",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
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
     .ck_points = 4,
     .ck_deadline_ms = 30000,
     .ck_summary =
         "a client that sends 96 MiB and never reads blocks nobody, and memory stays bounded",
     .ck_hint = HINT_SLOW_READER,
     .ck_run = lab05_check_slow_reader,
     .ck_program = &echo_select},
    {.ck_name = "select-reset-pending",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 20000,
     .ck_summary = "connections reset with output pending are closed; the others are served",
     .ck_hint = HINT_RESET,
     .ck_run = lab05_check_reset_pending,
     .ck_program = &echo_select},

    {.ck_name = "select-clients-leave",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "clients leaving by FIN or RST, before a byte, mid-line or with echo pending, "
                   "are closed; the others are served at once",
     .ck_hint = HINT_LEAVE,
     .ck_run = lab05_check_clients_leave,
     .ck_program = &echo_select},
    {.ck_name = "select-fd-churn",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 30000,
     .ck_summary = "300 clients come and go, 30 at a time: open descriptors come back down",
     .ck_hint = HINT_CHURN,
     .ck_run = lab05_check_fd_churn,
     .ck_program = &echo_select},

    {.ck_name = "select-idle-cpu",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
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
    {.ck_name = "poll-start-errors",
     .ck_step = 5,
     .ck_points = 1,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &gr_start_tcp,
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
    {.ck_name = "poll-clients-leave",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 1,
     .ck_deadline_ms = 30000,
     .ck_summary = "clients leaving by FIN or RST, before a byte, mid-line or with echo pending, "
                   "are closed; the others are served at once",
     .ck_hint = HINT_LEAVE,
     .ck_run = lab05_check_clients_leave,
     .ck_program = &echo_poll},
    {.ck_name = "poll-fd-churn",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 1,
     .ck_deadline_ms = 30000,
     .ck_summary = "300 clients come and go, 30 at a time: open descriptors come back down",
     .ck_hint = HINT_CHURN,
     .ck_run = lab05_check_fd_churn,
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
    {.ck_name = "epoll-start-errors",
     .ck_step = 6,
     .ck_points = 1,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &gr_start_tcp,
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
    {.ck_name = "epoll-clients-leave",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 1,
     .ck_deadline_ms = 30000,
     .ck_summary = "clients leaving by FIN or RST, before a byte, mid-line or with echo pending, "
                   "are closed; the others are served at once",
     .ck_hint = HINT_LEAVE,
     .ck_run = lab05_check_clients_leave,
     .ck_program = &echo_epoll},
    {.ck_name = "epoll-fd-churn",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 1,
     .ck_deadline_ms = 30000,
     .ck_summary = "300 clients come and go, 30 at a time: open descriptors come back down",
     .ck_hint = HINT_CHURN,
     .ck_run = lab05_check_fd_churn,
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
         "The epoll server waits with epoll: one instance for all its sockets. In C: "
         "epoll_create1(0) once, epoll_ctl(EPOLL_CTL_ADD) for each socket, epoll_wait() in the "
         "loop. In Python: selectors.EpollSelector (DefaultSelector on Linux) or select.epoll().",
     .ck_run = lab05_check_epoll_fd,
     .ck_program = &echo_epoll},

    {.ck_name = "epoll-10k",
     .ck_step = 7,
     .ck_kind = GR_SERVER,
     .ck_points = 9,
     .ck_deadline_ms = 90000,
     .ck_summary = "10,000 connections open at once, every one still echoing",
     .ck_hint =
         "Nothing may grow with the number of connections per wakeup: epoll_wait() returns the "
         "ready sockets only. In C: listen() with a backlog of SOMAXCONN, accept until EAGAIN, "
         "allocate each client's state when it connects; no array scanned per wakeup, no "
         "FD_SETSIZE. In Python: selectors.DefaultSelector, listen(socket.SOMAXCONN).",
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
