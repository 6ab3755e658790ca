/* checks.c - checks for Lab 01, TCP echo (RFC 862).
 *
 * Each check tests one property of an echo service and names the concept a
 * failure points to. The properties come from the protocol (every byte back,
 * unchanged, until the client closes) and from the bugs students write: a
 * C-string view of binary data, one recv() taken for one message, send()
 * without a loop, SIGPIPE, leaked sockets, no SO_REUSEADDR. Nothing here
 * depends on how the reference solution happens to be written: a correct
 * echo server in any language passes. */
#include "lab01.h"
#include "peers/echo.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- step 2: one client ------------------------------------------------------ */

static int check_accept(gr_ctx *ctx)
{
    gr_conn c;
    if (gr_connect(ctx, &c, "client", NULL) < 0) {
        return -1;
    }
    static const char hello[] = "hello\n";
    int rc = gr_exchange(ctx, &c, hello, sizeof hello - 1, hello, sizeof hello - 1, 0,
                         "echo of one short line");
    if (rc < 0) {
        gr_echo_cause(ctx, &c, 1);
    }
    gr_close(&c);
    return rc;
}

static int check_echo_text(gr_ctx *ctx)
{
    char line[81];
    size_t n = 40 + gr_random_below(ctx, 40);
    gr_random_text(ctx, line, n);
    line[n++] = '\n';
    gr_conn c;
    if (gr_connect(ctx, &c, "client", NULL) < 0) {
        return -1;
    }
    int rc = gr_exchange(ctx, &c, line, n, line, n, 0, "echo of a line of text");
    if (rc < 0) {
        gr_echo_cause(ctx, &c, 2);
    }
    gr_close(&c);
    return rc;
}

static int check_binary_safe(gr_ctx *ctx)
{
    /* Text first, so a server that stops at the first NUL visibly echoes a
     * prefix; then every byte value, a run of NULs, and a newline at the end
     * for servers that echo line by line. One send: it arrives in one piece. */
    unsigned char msg[300];
    size_t n = 0;
    memcpy(msg, "bytes:", 6);
    n += 6;
    for (int b = 0; b < 256; b++) {
        msg[n++] = (unsigned char)b;
    }
    memset(msg + n, 0, 8);
    n += 8;
    memcpy(msg + n, "end\n", 4);
    n += 4;
    gr_conn c;
    if (gr_connect(ctx, &c, "client", NULL) < 0) {
        return -1;
    }
    int rc = gr_exchange(ctx, &c, msg, n, msg, n, 0, "echo of all 256 byte values");
    if (rc < 0) {
        /* The message puts a NUL right after text: one cut there is clear. */
        gr_echo_cause(ctx, &c, 1);
    }
    gr_close(&c);
    return rc;
}

static int check_many_messages(gr_ctx *ctx)
{
    enum { COUNT = 200 };
    gr_conn c;
    if (gr_connect(ctx, &c, "client", NULL) < 0) {
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < COUNT && rc == 0; i++) {
        char line[128];
        int head = snprintf(line, sizeof line, "message %d: ", i + 1);
        size_t n = (size_t)head + 1 + gr_random_below(ctx, 60);
        gr_random_text(ctx, line + head, n - (size_t)head);
        line[n++] = '\n';
        rc = gr_exchange(ctx, &c, line, n, line, n, 0, "echo of one message");
        if (rc < 0) {
            gr_fail(ctx,
                    "(message %d of %d on the same connection; the earlier ones came back "
                    "correctly)",
                    i + 1, COUNT);
        }
    }
    gr_close(&c);
    return rc;
}

static int check_byte_at_a_time(gr_ctx *ctx)
{
    char line[40];
    size_t n = 32;
    gr_random_text(ctx, line, n);
    line[n++] = '\n';
    gr_conn c;
    /* TCP_NODELAY: every one-byte send() leaves as its own segment. */
    if (gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_nodelay = 1}) < 0) {
        return -1;
    }
    gr_conn *one[1] = {&c};
    gr_conn_plan(&c, line, 0, line, 0, 0);
    int rc = 0;
    for (size_t i = 1; i <= n && rc == 0; i++) {
        /* Send byte i-1 and give the echo a moment, so the server really sees
         * separate pieces. A server that waits for the whole line is not
         * wrong; it just makes us wait the moment out. */
        gr_conn_extend(&c, i, i);
        long until = gr_now_ms() + gr_ms(ctx, 50);
        rc = gr_mux_run(ctx, one, 1, until < gr_deadline(ctx) ? until : gr_deadline(ctx),
                        "byte-at-a-time echo");
        rc = rc < 0 ? -1 : 0;
    }
    if (rc == 0) {
        int r = gr_mux_run(ctx, one, 1, gr_deadline(ctx), "byte-at-a-time echo");
        if (r == 0) {
            rc = gr_conn_fail(ctx, &c,
                              "client: the line, sent one byte at a time, did not all "
                              "come back (%zu of %zu bytes)",
                              c.c_got_len, n);
        } else if (r < 0) {
            rc = -1;
        }
    }
    if (rc < 0) {
        gr_echo_cause(ctx, &c, 2);
    }
    gr_close(&c);
    return rc;
}

static int check_large_payload(gr_ctx *ctx)
{
    size_t n = 4 * MiB;
    unsigned char *data = malloc(n);
    if (data == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_bytes(ctx, data, n);
    gr_conn c;
    /* A small receive window, small segments (which keep the server's send
     * buffer for this connection near 120 KiB) and a client that reads in
     * bursts: while it pauses, the server's send() calls meet a full
     * buffer, which is when a send() that is not looped loses data. Each
     * pause is long enough for a slow server (a loaded machine) to fill
     * that buffer: a server faster than its reader is what shows the bug. */
    int rc = gr_connect(ctx, &c, "client",
                        &(gr_conn_opts){.co_rcvbuf = 16 * KiB, .co_maxseg = 536});
    if (rc == 0) {
        gr_conn_throttle(&c, 256 * KiB, gr_ms(ctx, 50));
        rc = gr_exchange(ctx, &c, data, n, data, n, 0, "echo of 4 MiB");
        if (rc < 0) {
            gr_echo_cause(ctx, &c, 2);
        }
        gr_close(&c);
    }
    free(data);
    return rc;
}

static int check_half_close(gr_ctx *ctx)
{
    /* Lines of text, the last one without a newline: a server that echoes
     * line by line must still send it back when the client is done. */
    char msg[4 * KiB];
    size_t n = sizeof msg;
    gr_random_text(ctx, msg, n);
    for (size_t i = 60; i < n - 1; i += 60 + gr_random_below(ctx, 20)) {
        msg[i] = '\n';
    }
    msg[n - 1] = '.';
    gr_conn c;
    if (gr_connect(ctx, &c, "client", NULL) < 0) {
        return -1;
    }
    int rc = gr_exchange(ctx, &c, msg, n, msg, n, GR_SHUT_AFTER | GR_WANT_EOF,
                         "half-close: send, shutdown(SHUT_WR), read until EOF");
    if (rc < 0) {
        gr_echo_cause(ctx, &c, 2);
    }
    gr_close(&c);
    return rc;
}

/* The whole of 127.0.0.0/8 is this machine: a server listening on every
 * IPv4 address (INADDR_ANY) is reached at 127.0.0.2 too; one bound to
 * 127.0.0.1 alone refuses the connection. */
static int check_every_address(gr_ctx *ctx)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)gr_port(ctx));
    sin.sin_addr.s_addr = htonl(0x7f000002);
    char name[32];
    snprintf(name, sizeof name, "127.0.0.2:%d", gr_port(ctx));
    gr_conn c;
    gr_conn_opts o = {
        .co_addr = (struct sockaddr *)&sin, .co_addrlen = sizeof sin, .co_name = name};
    if (gr_connect(ctx, &c, "client of 127.0.0.2", &o) < 0) {
        gr_hint(ctx, "Listen on every IPv4 address of the machine, not on one: the server "
                     "refused a client of 127.0.0.2, another address of this machine. In C: "
                     "addr.sin_addr.s_addr = htonl(INADDR_ANY) before bind(), not "
                     "inet_pton(\"127.0.0.1\"). In Python: s.bind(('', port)) or "
                     "s.bind(('0.0.0.0', port)).");
        return -1;
    }
    static const char hello[] = "hello from 127.0.0.2\n";
    int rc = gr_exchange(ctx, &c, hello, sizeof hello - 1, hello, sizeof hello - 1, 0,
                         "echo to a client of 127.0.0.2");
    gr_close(&c);
    return rc;
}

/* ---- step 3: many clients, one after another ------------------------------------ */

/* One short connection: connect, one line echoed, close. */
static int short_connection(gr_ctx *ctx, int i, long deadline)
{
    char label[32];
    char line[64];
    snprintf(label, sizeof label, "client %d", i);
    int n = snprintf(line, sizeof line, "client %d says hello\n", i);
    gr_conn c;
    if (gr_connect(ctx, &c, label, NULL) < 0) {
        return -1;
    }
    int rc = gr_exchange_by(ctx, &c, line, (size_t)n, line, (size_t)n, 0, "echo", deadline);
    gr_close(&c);
    return rc;
}

static int check_clients_in_turn(gr_ctx *ctx)
{
    for (int i = 1; i <= 20; i++) {
        if (short_connection(ctx, i, gr_deadline(ctx)) < 0) {
            if (i > 1) {
                gr_fail(ctx, "(clients 1 to %d were served)", i - 1);
            }
            return -1;
        }
    }
    return 0;
}

/* Open descriptors of the server's process tree, or -1. */
static int tree_fds(gr_ctx *ctx)
{
    gr_tree_stats st;
    return gr_server_stats(ctx, &st) < 0 ? -1 : st.ts_fds;
}

static int check_no_fd_leak(gr_ctx *ctx)
{
    enum { WARMUP = 10, COUNT = 2000, SLACK = 20 };
    /* Warm up first: runtimes open files lazily (a JIT, a log file). */
    for (int i = 1; i <= WARMUP; i++) {
        if (short_connection(ctx, i, gr_deadline(ctx)) < 0) {
            return -1;
        }
    }
    int before = tree_fds(ctx);
    if (before < 0) {
        return gr_fail(ctx, "cannot read the server's open files from /proc");
    }
    for (int i = WARMUP + 1; i <= WARMUP + COUNT; i++) {
        /* Each connection is quick; give each its own bound, so a server that
         * ran out of descriptors fails fast instead of at the deadline. */
        long each = gr_now_ms() + gr_ms(ctx, 2000);
        if (short_connection(ctx, i, each < gr_deadline(ctx) ? each : gr_deadline(ctx)) < 0) {
            int now = tree_fds(ctx);
            if (now >= 0) {
                gr_fail(ctx,
                        "the server had %d open file descriptors after %d connections and "
                        "%d now",
                        before, WARMUP, now);
            }
            return -1;
        }
    }
    /* The server may close its last sockets a moment after we do: look
     * again until the count settles under the limit (a forking server may
     * take a while on a busy machine), or five seconds pass. */
    int after = tree_fds(ctx);
    long settle = gr_now_ms() + gr_ms(ctx, 5000);
    while (after >= 0 && after - before > SLACK && gr_now_ms() < settle) {
        poll(NULL, 0, 10);
        after = tree_fds(ctx);
    }
    gr_str_addf(gr_details(ctx), "open file descriptors: %d after %d connections, %d after %d\n",
                before, WARMUP, after, WARMUP + COUNT);
    if (after < 0) {
        return gr_fail(ctx, "cannot read the server's open files from /proc");
    }
    if (after - before > SLACK) {
        return gr_fail(ctx,
                       "the server's open file descriptors grew from %d to %d over %d "
                       "connections: it does not close the sockets of finished clients",
                       before, after, COUNT);
    }
    return 0;
}

/* ---- step 4: robustness ------------------------------------------------------------ */

/* Fill the pipe to the server without reading, until it stops taking data. */
static int send_until_stalled(gr_ctx *ctx, gr_conn *c, const unsigned char *data, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t put = gr_send_some(c, data + off, n - off);
        if (put < 0) {
            return 0; /* the server already gave up on us: fine */
        }
        off += (size_t)put;
        if (off == n) {
            break;
        }
        struct pollfd pfd = {.fd = gr_conn_fd(c), .events = POLLOUT};
        if (poll(&pfd, 1, gr_ms(ctx, 100)) == 0) {
            break; /* buffers are full both ways: the server is stuck in send() */
        }
    }
    return 0;
}

static int peer_reset_run(gr_ctx *ctx)
{
    size_t n = 8 * MiB;
    unsigned char *data = malloc(n);
    if (data == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_bytes(ctx, data, n);
    int rc = 0;

    /* 1. A client sends a lot, never reads, and resets the connection while
     *    the server is busy echoing to it. */
    for (int round = 1; round <= 3 && rc == 0; round++) {
        gr_conn c;
        rc = gr_connect(ctx, &c, "resetting client",
                        &(gr_conn_opts){.co_rcvbuf = 4 * KiB, .co_quiet_ms = GR_NO_QUIET});
        if (rc == 0) {
            send_until_stalled(ctx, &c, data, n);
            gr_reset(&c);
        }
    }

    /* 2. A client sends data, closes its side, and resets while the server has
     *    not yet echoed it: the server's next send() meets a connection the
     *    peer has shut down (EPIPE, and SIGPIPE unless it is ignored). A first
     *    client keeps a one-client-at-a-time server busy meanwhile. */
    if (rc == 0) {
        gr_conn a;
        gr_conn b;
        static const char hold[] = "hold on\n";
        rc = gr_connect(ctx, &a, "first client", NULL);
        if (rc == 0) {
            rc = gr_exchange(ctx, &a, hold, sizeof hold - 1, hold, sizeof hold - 1, 0, "echo");
        }
        if (rc == 0) {
            rc = gr_connect(ctx, &b, "second client", NULL);
            if (rc == 0) {
                gr_conn_plan(&b, data, 32 * KiB, NULL, 0, GR_SHUT_AFTER);
                gr_conn *one[1] = {&b};
                gr_mux_run(ctx, one, 1, gr_now_ms() + gr_ms(ctx, 1000), "send");
                gr_wait_fin_acked(&b, gr_now_ms() + gr_ms(ctx, 1000));
                gr_reset(&b);
            }
            gr_close(&a);
        } else {
            gr_close(&a);
        }
    }
    free(data);
    if (rc < 0) {
        return rc;
    }

    /* 3. The server must still be there for the next client. */
    gr_conn c;
    static const char ping[] = "are you still there?\n";
    if (gr_connect(ctx, &c, "next client", NULL) < 0) {
        return -1;
    }
    rc = gr_exchange(ctx, &c, ping, sizeof ping - 1, ping, sizeof ping - 1, 0,
                     "echo after the resets");
    gr_close(&c);
    return rc;
}

static int check_peer_reset(gr_ctx *ctx)
{
    int rc = peer_reset_run(ctx);
    int signo = 0;
    int status = -1;
    /* How it ended tells the classic causes apart. The resetting clients
     * send random bytes, which a server that decodes them dies of first
     * (gr_echo_decode_cause() then sets that hint). */
    if (rc < 0 && gr_server_ended(ctx, 200, &signo, &status) && !gr_echo_decode_cause(ctx)) {
        if (signo == SIGPIPE) {
            gr_hint(ctx, HINT_SIGPIPE);
        } else if (status > 0) {
            gr_hint(ctx, HINT_EXIT_ON_ERROR, status);
        }
    }
    return rc;
}

static int check_restart(gr_ctx *ctx)
{
    static const char before[] = "before the restart\n";
    static const char after[] = "after the restart\n";
    if (gr_server_start(ctx) < 0) {
        return -1;
    }
    gr_conn a;
    if (gr_connect(ctx, &a, "client", NULL) < 0) {
        return -1;
    }
    if (gr_exchange(ctx, &a, before, sizeof before - 1, before, sizeof before - 1, 0, "echo") < 0) {
        gr_close(&a);
        return -1;
    }
    /* Stop the server while this client is still connected. Its side of the
     * connection lingers in the kernel, still bound to the port. */
    if (gr_server_stop(ctx) < 0) {
        gr_close(&a);
        return -1;
    }
    int rc = gr_server_start(ctx);
    if (rc < 0) {
        gr_fail(ctx, "(the first run of the server was stopped a moment before, while a client "
                     "was still connected)");
    } else {
        gr_conn b;
        rc = gr_connect(ctx, &b, "client after restart", NULL);
        if (rc == 0) {
            rc = gr_exchange(ctx, &b, after, sizeof after - 1, after, sizeof after - 1, 0,
                             "echo after the restart");
            gr_close(&b);
        }
    }
    gr_close(&a);
    return rc;
}

/* ---- the list ---------------------------------------------------------------------- */

static const char *const steps[] = {
    "",
    "the client",
    "a server that echoes one client",
    "many clients, one after another",
    "robustness",
};

static const gr_check checks[] = {
    {.ck_name = "client-echo",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_summary = "each line of stdin is sent and the reply printed",
     .ck_hint =
         "The client sends each line whole and prints exactly the bytes that come back. In C: "
         "sl_rio_writen() the line, recv() in a loop until as many bytes came back as were sent, "
         "and write them to stdout; messages go to stderr; exit 0 at the end of stdin. In Python: "
         "sock.sendall(line), recv() until len(reply) == len(line), "
         "sys.stdout.buffer.write(reply).",
     .ck_run = lab01_check_client_echo},
    {.ck_name = "client-prints-reply",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "what is printed is what the server sent back",
     .ck_hint =
         "Print what the server sent back, not your own copy of the line: this check's server "
         "swaps the case of every letter. In C: write the bytes recv() filled in, not the line "
         "getline() read. In Python: write the reply (sys.stdout.buffer.write(reply)), not line.",
     .ck_run = lab01_check_client_prints_reply},
    {.ck_name = "client-pieces",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_summary = "a reply that arrives in pieces is read whole",
     .ck_hint =
         "One recv() is not one reply: TCP is a byte stream, and a reply may arrive in several "
         "pieces. In C: call recv() again until as many bytes came as you sent (0 first means the "
         "server closed). In Python: reply = b''; while len(reply) < len(line): chunk = "
         "sock.recv(len(line) - len(reply)), stopping with an error if chunk is b''.",
     .ck_run = lab01_check_client_pieces},
    {.ck_name = "client-long-line",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 20000,
     .ck_summary = "a 256 KiB line is sent and printed whole",
     .ck_hint =
         "A line may be longer than any buffer: this one is 256 KiB. In C: use the length "
         "getline() returns, send it all with sl_rio_writen() (send() takes what fits), and loop "
         "over recv() until that many bytes are back. In Python: read bytes lines from "
         "sys.stdin.buffer, sock.sendall(line), and loop over recv(): recv(1024) is 1024 bytes at "
         "most.",
     .ck_run = lab01_check_client_long_line},
    {.ck_name = "client-refused",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "a refused connection gives a clear message and a non-zero exit",
     .ck_hint = "A refused connection is an error to report, not to hide. In C: when connect() (or "
                "sl_addr_connect()) fails, print why on stderr (strerror(errno) or perror() says "
                "\"Connection refused\") and exit 1. In Python: catch ConnectionRefusedError (an "
                "OSError), print it to sys.stderr and sys.exit(1).",
     .ck_run = lab01_check_client_refused},
    {.ck_name = "client-hangup",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "a server that hangs up early is reported, not waited for",
     .ck_hint =
         "A server that closes before the reply is complete is an error, not the end of the "
         "reply. In C: recv() returning 0 is end of file: if fewer bytes came than were sent, say "
         "so on stderr and exit 1, instead of looping or waiting. In Python: recv() returning b'' "
         "means the same.",
     .ck_run = lab01_check_client_hangup},

    {.ck_name = "accept",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 5000,
     .ck_summary = "a client can connect and gets a short line back",
     .ck_hint =
         "A server listens on its port, accepts a client and sends back what it receives. In C: "
         "socket(), bind() to INADDR_ANY and the port from the command line (htons()), listen(), "
         "accept(), then recv() and send(). In Python: socket.socket(), s.bind(('', port)), "
         "s.listen(), conn, addr = s.accept(), then conn.recv() and conn.sendall().",
     .ck_run = check_accept},
    {.ck_name = "every-address",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 2,
     .ck_deadline_ms = 5000,
     .ck_summary = "a client of 127.0.0.2 is served too: the server listens on every IPv4 address",
     .ck_hint = "The server listens on every IPv4 address (INADDR_ANY). In C: "
                "htonl(INADDR_ANY) in sin_addr. In Python: s.bind(('', port)).",
     .ck_run = check_every_address},
    {.ck_name = "start-errors",
     .ck_step = 2,
     .ck_points = 3,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &gr_start_tcp},
    {.ck_name = "echo-text",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 5000,
     .ck_summary = "a line of text comes back unchanged",
     .ck_hint =
         "Echo means every byte back, unchanged: no upper-casing, no trimming, no added newline "
         "or prefix. In C: send exactly the n bytes recv() returned. In Python: "
         "conn.sendall(data) with data as received; no .upper(), .strip() or b'Echo: ' + data.",
     .ck_run = check_echo_text},
    {.ck_name = "binary-safe",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 7,
     .ck_deadline_ms = 5000,
     .ck_summary = "all 256 byte values, NUL included, come back",
     .ck_hint = "Data from recv() is bytes, not a C string: it may hold NUL bytes and is not "
                "NUL-terminated. In C: use the count recv() returns; never strlen(), strcpy() or "
                "printf(\"%s\") on it. In Python: send back the bytes recv() returned as they are; "
                ".decode() fails on bytes that are not UTF-8.",
     .ck_run = check_binary_safe},
    {.ck_name = "many-messages",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 7,
     .ck_deadline_ms = 10000,
     .ck_summary = "200 messages on one connection, each echoed",
     .ck_hint =
         "Serve a connection until the client is done, not for one message. In C: loop over "
         "recv() and send() until recv() returns 0, and only then close(). In Python: loop on "
         "data = conn.recv(65536) until it is b'', with conn.sendall(data) each time.",
     .ck_run = check_many_messages},
    {.ck_name = "byte-at-a-time",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 10000,
     .ck_summary = "a line sent one byte per send() comes back",
     .ck_hint =
         "One recv() is not one message: data arrives in whatever pieces TCP delivers. In C: "
         "send back each piece recv() returns as it comes, exactly; add nothing and wait for no "
         "newline. In Python: conn.sendall(data) for each conn.recv() as it is.",
     .ck_run = check_byte_at_a_time},
    {.ck_name = "large-payload",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 7,
     .ck_deadline_ms = 20000,
     .ck_summary = "4 MiB echoed exactly while the client reads",
     .ck_hint =
         "send() may send fewer bytes than asked, so loop until every byte is sent. In C: look "
         "at what send() returns and send the rest, or call sl_rio_writen(). In Python: "
         "conn.sendall(data); conn.send(data) alone may send only part of it.",
     .ck_run = check_large_payload},
    {.ck_name = "half-close",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 8,
     .ck_deadline_ms = 5000,
     .ck_summary = "after the client's shutdown(SHUT_WR), everything comes back, then EOF",
     .ck_hint =
         "When recv() returns 0 the client has finished sending: send back anything still "
         "pending, then close the socket, so that the client sees end of file. In C: close(conn) "
         "after the loop, on every path. In Python: conn.close() (or with conn:) once recv() "
         "returns b''.",
     .ck_run = check_half_close},

    {.ck_name = "clients-in-turn",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 10000,
     .ck_summary = "20 clients, one after another, all served",
     .ck_hint =
         "A server serves one client after another until it is stopped. In C: put accept() and "
         "the client's turn in a for (;;) loop, and continue on EINTR or ECONNABORTED. In Python: "
         "while True: conn, addr = s.accept(), and never exit after the first client.",
     .ck_run = check_clients_in_turn},
    {.ck_name = "no-fd-leak",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 8,
     .ck_deadline_ms = 60000,
     .ck_summary = "2000 short connections; open file descriptors do not grow",
     .ck_hint =
         "Every socket accept() returns must be closed when its client is done, on every path. "
         "In C: close(conn) after each client, errors included, or descriptors pile up until "
         "accept() fails with EMFILE. In Python: conn.close(), or with conn:, for every client.",
     .ck_run = check_no_fd_leak},

    {.ck_name = "peer-reset",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 20000,
     .ck_summary = "clients that reset mid-echo do not kill the server",
     .ck_hint =
         "A client that vanishes must cost the server that client, nothing more. In C: "
         "signal(SIGPIPE, SIG_IGN) (or MSG_NOSIGNAL on send()), and treat EPIPE or ECONNRESET as "
         "\"this client is gone\": close it and accept the next. In Python: SIGPIPE is ignored for "
         "you; catch ConnectionResetError and BrokenPipeError around each client.",
     .ck_run = check_peer_reset},
    {.ck_name = "peer-leaves",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 30000,
     .ck_summary = "clients that leave by FIN or RST, before a byte, mid-line or while queued, "
                   "are closed; the next is served",
     .ck_hint =
         "A client may leave at any moment, and its socket is still the server's to close. In C: "
         "whatever getpeername(), recv() or send() say (0, ENOTCONN, ECONNRESET, EPIPE), end "
         "that client's turn with close(conn) and accept the next. In Python: with conn: around "
         "each client, and except OSError.",
     .ck_run = lab01_check_peer_leaves},
    {.ck_name = "restart",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 20000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary = "restarts on the same port at once, even with clients connected before",
     .ck_hint =
         "A restarted server must be able to bind at once: set SO_REUSEADDR before bind(). In C: "
         "int on = 1; setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on): connections of "
         "the last run linger (FIN_WAIT, TIME_WAIT), and bind() fails with \"Address already in "
         "use\" otherwise. In Python: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1).",
     .ck_run = check_restart},
};

/* In hidden.c, which the students' hand-out leaves out. */
extern const gr_check_table gr_lab01_hidden __attribute__((weak));

const gr_lab gr_lab01 = {
    .lab_id = "01",
    .lab_name = "tcp-echo",
    .lab_title = "TCP echo",
    .lab_server_cmd = "./echo_server {port}",
    .lab_client_cmd = "./echo_client {host} {port}",
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = &gr_lab01_hidden,
};
