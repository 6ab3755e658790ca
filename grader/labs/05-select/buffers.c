/* buffers.c - lab 05's checks of a buffer per connection (step 3): a client
 * that sends and never reads blocks nobody and costs bounded memory;
 * connections reset with output pending are dropped. */
#include "lab05.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a client that never reads ------------------------------------------------------ */

/* How many of the server's sockets, the listener left out, are blocking,
 * from /proc; -1 if it cannot say. */
static int blocking_client_sockets(gr_ctx *ctx)
{
    enum { MAX_TREE = 64, MAX_FDS = 512 };
    pid_t tree[MAX_TREE];
    static gr_fdinfo fds[MAX_FDS];
    unsigned long inode = 0;
    long queued = 0;
    char listener[48] = "";
    if (lab05_listener(ctx, &inode, &queued) == 0) {
        snprintf(listener, sizeof listener, "socket:[%lu]", inode);
    }
    int nproc = gr_procfs_tree(gr_server_pid(ctx), tree, MAX_TREE);
    if (nproc < 0 || listener[0] == '\0') {
        return -1;
    }
    int blocking = 0;
    for (int i = 0; i < nproc; i++) {
        int nfd = gr_procfs_fds(tree[i], fds, MAX_FDS);
        for (int k = 0; k < nfd; k++) {
            blocking += strncmp(fds[k].fi_target, "socket:", 7) == 0 &&
                        strcmp(fds[k].fi_target, listener) != 0 && !(fds[k].fi_flags & O_NONBLOCK);
        }
    }
    return blocking;
}

static long server_rss_kb(gr_ctx *ctx)
{
    gr_tree_stats st;
    return gr_server_stats(ctx, &st) < 0 ? -1 : st.ts_rss_kb;
}

int lab05_check_slow_reader(gr_ctx *ctx)
{
    enum { OTHERS = 4, ROUNDS = 8, MSG = 8 * KiB };
    /* Far more than kernel buffers hold (a few MiB each way on loopback):
     * a server that keeps reading keeps this in memory. */
    const size_t flood = 96 * (size_t)MiB;
    const long max_growth_kb = 16 * 1024;
    unsigned char *data = malloc(flood);
    if (data == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_bytes(ctx, data, flood);
    /* The other clients send lines of text (see lab05_check_echo). */
    unsigned char line[MSG];
    gr_random_text(ctx, (char *)line, MSG - 1);
    line[MSG - 1] = '\n';
    gr_conn hog;
    gr_conn others[OTHERS];
    gr_conn *ptrs[OTHERS];
    int nothers = 0;
    int base = lab05_server_sockets(ctx);
    int rc = gr_connect(ctx, &hog, "client that never reads", NULL);
    if (rc < 0) {
        free(data);
        return -1;
    }
    for (int i = 0; i < OTHERS && rc == 0; i++) {
        char label[32];
        snprintf(label, sizeof label, "client %d", i + 1);
        rc = gr_connect(ctx, &others[i], label, NULL);
        if (rc == 0) {
            ptrs[nothers++] = &others[i];
            rc = gr_exchange(ctx, &others[i], line, MSG, line, MSG, 0, "echo (warm-up)");
        }
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &hog, line + MSG - 100, 100, line + MSG - 100, 100, 0,
                         "echo (warm-up)");
    }
    long before = rc == 0 ? server_rss_kb(ctx) : -1;
    if (rc == 0 && before < 0) {
        rc = gr_fail(ctx, "cannot read the server's memory use from /proc");
    }

    /* The flood: send without reading until the server stops taking bytes
     * (nothing more fits for a while) or all of it is gone. */
    size_t sent = 0;
    if (rc == 0) {
        long quiet = gr_ms(ctx, 600);
        while (sent < flood && gr_now_ms() < gr_deadline(ctx)) {
            ssize_t put = gr_send_some(&hog, data + sent, flood - sent);
            if (put < 0) {
                rc = gr_fail(ctx,
                             "client that never reads: sending failed after %zu bytes (the "
                             "server closed or reset the connection)",
                             sent);
                /* A server still running closed a client whose buffers were
                 * full: that is when a full buffer is taken for the end. */
                int signo = 0;
                int status = -1;
                if (!gr_server_ended(ctx, 200, &signo, &status)) {
                    gr_str_add(gr_details(ctx),
                               "what the connection shows: the server ended it while the client "
                               "was sending and its echo had nowhere to go\n");
                    gr_hint(ctx, HINT_FULL_BUFFER);
                } else {
                    gr_echo_decode_cause(ctx); /* the flood is random bytes */
                }
                break;
            }
            sent += (size_t)put;
            if (sent == flood) {
                break;
            }
            struct pollfd pfd = {.fd = gr_conn_fd(&hog), .events = POLLOUT};
            if (poll(&pfd, 1, (int)quiet) == 0) {
                break; /* full both ways: the server stopped reading */
            }
        }
        gr_verbose(ctx, "the client that never reads got %zu bytes into the server", sent);
    }

    /* Meanwhile the others must be served as if nothing happened. */
    for (int round = 1; round <= ROUNDS && rc == 0; round++) {
        for (int i = 0; i < nothers; i++) {
            gr_conn_plan(&others[i], line, MSG, line, MSG, 0);
        }
        int r = gr_mux_run(ctx, ptrs, (size_t)nothers, gr_soon(ctx, 3000),
                           "echo while another client floods the server and reads nothing");
        if (r == 0) {
            rc = gr_fail(ctx,
                         "while one client sent %zu bytes and read nothing, the other clients "
                         "got no echo within %.1f s: the server is stuck on that client",
                         sent, (double)gr_ms(ctx, 3000) / 1000.0);
        } else if (r < 0) {
            rc = -1;
        }
        int blocking = rc < 0 ? blocking_client_sockets(ctx) : -1;
        if (blocking > 0) {
            gr_str_addf(gr_details(ctx),
                        "what /proc shows: %d of the server's client sockets are blocking\n",
                        blocking);
            gr_hint(ctx, "Never block on one client: the server's client sockets are blocking, "
                         "so a send() to the client that does not read waits, and everyone with "
                         "it. In C: O_NONBLOCK on each accepted socket; send() then returns "
                         "EAGAIN and the rest waits in the buffer; no send-all loop. In Python: "
                         "conn.setblocking(False) and conn.send(), never sendall().");
        }
    }

    long after = rc == 0 ? server_rss_kb(ctx) : -1;
    if (rc == 0) {
        gr_str_addf(gr_details(ctx),
                    "a client sent %.1f MiB and read nothing; the server's resident memory went "
                    "from %.1f MiB to %.1f MiB\n",
                    (double)sent / MiB, (double)before / 1024.0, (double)after / 1024.0);
        if (after < 0) {
            rc = gr_fail(ctx, "cannot read the server's memory use from /proc");
        } else if (after - before > max_growth_kb) {
            rc = gr_fail(ctx,
                         "the server's memory grew by %.1f MiB while a client sent %.1f MiB and "
                         "read nothing back: it keeps reading from a client it cannot send to, "
                         "and buffers without bound",
                         (double)(after - before) / 1024.0, (double)sent / MiB);
            gr_hint(ctx, "Give each client a bounded buffer: the server kept reading from a "
                         "client it could not send to. In C: leave that client out of the read "
                         "set while its buffer is full (end - start == BUF_SIZE), so TCP flow "
                         "control stops the sender; never grow the buffer with realloc(). In "
                         "Python: stop reading while len(buf) is at its limit; no data += "
                         "conn.recv() without one.");
        }
    }

    /* The server took `sent` bytes: it owes all of them back, in order. */
    if (rc == 0) {
        gr_conn_plan(&hog, NULL, 0, data, sent, 0);
        gr_conn *one[1] = {&hog};
        int r = gr_mux_run(ctx, one, 1, gr_deadline(ctx),
                           "the client that never read starts "
                           "reading");
        if (r == 0) {
            rc = gr_conn_fail(ctx, &hog,
                              "the client that never read starts reading: %zu of the %zu bytes "
                              "the server took came back before the deadline",
                              hog.c_got_len, sent);
        } else if (r < 0) {
            gr_fail(ctx, "(bytes the server stopped reading must stay in the socket, not be "
                         "dropped)");
            rc = -1;
        }
        gr_echo_seen seen = rc < 0 ? gr_echo_cause(ctx, &hog, 2) : GR_ECHO_UNCLEAR;
        if (seen == GR_ECHO_CLOSED_EARLY) {
            /* It closed the client whose buffers it had let fill. */
            gr_hint(ctx, HINT_FULL_BUFFER);
        } else if (rc < 0 && seen == GR_ECHO_UNCLEAR) {
            gr_hint(
                ctx,
                "Never lose what send() did not take: the client that never read did "
                "not get back all the bytes the server took. In C: what send() did not take stays "
                "in the buffer (start moves by what it returned), and the socket goes "
                "in the write set until it is all out. In Python: del buf[:n] by what "
                "conn.send() returned, and keep the rest.");
        }
    }
    if (rc < 0) {
        lab05_accept_cause(ctx, base);
    }
    for (int i = 0; i < nothers; i++) {
        gr_close(&others[i]);
    }
    gr_close(&hog);
    free(data);
    return rc;
}

/* ---- resets with output pending -------------------------------------------------------- */

int lab05_check_reset_pending(gr_ctx *ctx)
{
    enum { RESETTERS = 5, SLACK = 2 };
    size_t n = 2 * MiB;
    unsigned char *data = malloc(n);
    if (data == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_bytes(ctx, data, n);
    gr_conn steady;
    int base0 = lab05_server_sockets(ctx);
    int rc = gr_connect(ctx, &steady, "steady client", NULL);
    if (rc < 0) {
        free(data);
        return -1;
    }
    static const char ping[] = "still there?\n";
    rc = gr_exchange(ctx, &steady, ping, sizeof ping - 1, ping, sizeof ping - 1, 0, "echo");
    int base = rc == 0 ? lab05_server_sockets(ctx) : -1;

    /* Each resetter sends without reading until nothing more fits, so the
     * server holds output it cannot send, then resets the connection. */
    for (int i = 1; i <= RESETTERS && rc == 0; i++) {
        char label[32];
        snprintf(label, sizeof label, "resetting client %d", i);
        gr_conn c;
        rc = gr_connect(ctx, &c, label,
                        &(gr_conn_opts){.co_rcvbuf = 8 * KiB, .co_quiet_ms = GR_NO_QUIET});
        if (rc < 0) {
            break;
        }
        size_t off = 0;
        while (off < n) {
            ssize_t put = gr_send_some(&c, data + off, n - off);
            if (put < 0) {
                break;
            }
            off += (size_t)put;
            struct pollfd pfd = {.fd = gr_conn_fd(&c), .events = POLLOUT};
            if (off < n && poll(&pfd, 1, gr_ms(ctx, 150)) == 0) {
                break;
            }
        }
        gr_reset(&c);
    }
    if (rc == 0) {
        rc = gr_exchange(ctx, &steady, ping, sizeof ping - 1, ping, sizeof ping - 1, 0,
                         "echo to a client connected before the resets");
    }
    if (rc == 0) {
        gr_conn next;
        rc = gr_connect(ctx, &next, "new client", NULL);
        if (rc == 0) {
            rc = gr_exchange(ctx, &next, ping, sizeof ping - 1, ping, sizeof ping - 1, 0,
                             "echo to a client that connected after the resets");
            gr_close(&next);
        }
    }
    /* The reset connections must be closed: a server that never looks at
     * them again holds their sockets forever. */
    if (rc == 0 && base >= 0) {
        long settle = gr_soon(ctx, 3000);
        int have = lab05_server_sockets(ctx);
        while (have > base + SLACK && gr_now_ms() < settle) {
            poll(NULL, 0, 5);
            have = lab05_server_sockets(ctx);
        }
        if (have > base + SLACK) {
            rc = gr_fail(ctx,
                         "the server still holds %d sockets, %d before %d clients reset their "
                         "connections: it does not close connections that fail",
                         have, base, RESETTERS);
            gr_hint(ctx, "An error ends that client: the server still holds the sockets of the "
                         "connections that were reset. In C: recv() or send() failing with "
                         "anything but EAGAIN, EWOULDBLOCK or EINTR (ECONNRESET, EPIPE) means "
                         "the client is gone: close() it and take it out of every set. In "
                         "Python: on ConnectionResetError or BrokenPipeError, "
                         "sel.unregister(conn) and conn.close().");
        }
    }
    /* A server that died of the resets says how. */
    int signo = 0;
    int status = -1;
    if (rc < 0 && gr_server_ended(ctx, 200, &signo, &status) && !gr_echo_decode_cause(ctx)) {
        if (signo == SIGPIPE) {
            gr_hint(ctx, "A client that vanishes must not kill the server: it died of SIGPIPE, "
                         "which sending to a reset connection raises. In C: signal(SIGPIPE, "
                         "SIG_IGN) at the start, or MSG_NOSIGNAL on every send(); send() then "
                         "fails with EPIPE: close that client. In Python: SIGPIPE is ignored for "
                         "you; catch BrokenPipeError.");
        } else if (status > 0) {
            gr_hint(ctx,
                    "One client's error ends that client, not the server: it exited (status %d) "
                    "when clients reset their connections. In C: on ECONNRESET or EPIPE, close() "
                    "that client and go on; no exit(). In Python: catch ConnectionResetError "
                    "and BrokenPipeError (OSError) per client.",
                    status);
        }
    }
    if (rc < 0) {
        lab05_accept_cause(ctx, base0);
    }
    gr_close(&steady);
    free(data);
    return rc;
}
