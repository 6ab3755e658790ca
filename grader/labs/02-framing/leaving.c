/* leaving.c - lab 02's clients that leave: at every phase of an upload,
 * with a FIN (close) or a RST (a crash), and many of them in a row.
 *
 * Whichever way a client leaves, the server must not keep a file under NAME
 * for a body cut short, nor a temporary file, nor a descriptor, a thread or
 * a process; and it must serve the next client at once. */
#include "lab02.h"

#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lab02_check_disconnect_mid_body(gr_ctx *ctx)
{
    char name[64];
    lab02_random_name(ctx, name, "cut", "bin");
    gr_str before = {0};
    lab02_dir_snapshot(ctx, &before);
    gr_conn c;
    if (gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}) < 0) {
        gr_str_free(&before);
        return -1;
    }
    enum { SIZE = 1 << 20 };
    char header[100];
    int hn = snprintf(header, sizeof header, "%s|%d\n", name, SIZE);
    int rc = 0;
    if (gr_send_all(&c, header, (size_t)hn, gr_deadline(ctx)) < 0) {
        rc = gr_fail(ctx, "the server closed the connection before the header was sent");
    }
    if (rc == 0) {
        rc = lab02_expect_line(ctx, &c, "OK", "after a header announcing 1 MiB");
    }
    static unsigned char half[SIZE / 2];
    gr_random_bytes(ctx, half, sizeof half);
    if (rc == 0 && gr_send_all(&c, half, sizeof half, gr_deadline(ctx)) < 0) {
        rc = gr_fail(ctx, "the server stopped reading the body before its middle");
    }
    /* Hang up in the middle, as a client that crashed would. */
    gr_reset(&c);
    char next[64];
    if (rc == 0) {
        rc = lab02_upload_next(ctx, "after a client hung up in the middle of its body", next);
    }
    char path[PATH_MAX];
    lab02_up_path(ctx, path, sizeof path, name);
    struct stat st;
    if (rc == 0 && lstat(path, &st) == 0) {
        rc = gr_fail(ctx,
                     "a client announced 1 MiB, sent half and hung up, and %s/%s exists "
                     "(%lld bytes): a partial file must never appear under the real name",
                     UP_DIR, name, (long long)st.st_size);
        gr_hint(ctx, "%s", HINT_PARTIAL_NAME);
    }
    const char *allowed[] = {next, NULL};
    if (rc == 0) {
        rc = lab02_expect_new_entries(
            ctx, &before, allowed,
            "after a client hung up in the middle of its body (and the next "
            "upload)");
        if (rc < 0) {
            gr_hint(ctx, "%s", HINT_TEMP_LEFT);
        }
    }
    gr_str_free(&before);
    return rc;
}
/* ---- every phase, both ways ------------------------------------------------------- */

/* Where in an upload a client leaves. */
typedef enum {
    PHASE_CONNECTED,    /* before the first byte */
    PHASE_MID_HEADER,   /* half a header, no newline */
    PHASE_AFTER_HEADER, /* the whole header, OK not read */
    PHASE_MID_BODY,     /* OK read, half the body sent */
    PHASE_AFTER_BODY,   /* the whole body sent, DONE not read */
    PHASE_COUNT
} leave_phase;

static const char *const phase_desc[PHASE_COUNT] = {
    "before its first byte",
    "in the middle of its header",
    "after its header, before reading OK",
    "in the middle of its body",
    "after the last body byte, before reading DONE",
};

/* The body size of the uploads that leave. */
#define LEAVE_SIZE 65536

/* Read and drop what the server sends until it closes. Returns 0 when it
 * closed (or reset), GR_CONN_TIMEOUT at the deadline. */
static int drain_until_close(gr_conn *c, long deadline)
{
    char buf[4096];
    for (;;) {
        ssize_t n = gr_recv_some(c, buf, sizeof buf, deadline);
        if (n == GR_CONN_TIMEOUT) {
            return GR_CONN_TIMEOUT;
        }
        if (n <= 0) {
            return 0;
        }
    }
}

/* One client that leaves in phase, with a FIN (fin) or a RST, uploading name. */
static int leave_at(gr_ctx *ctx, leave_phase phase, int fin, const char *name)
{
    gr_conn c;
    if (gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}) < 0) {
        return -1;
    }
    char header[100];
    int hn = snprintf(header, sizeof header, "%s|%d\n", name, LEAVE_SIZE);
    static unsigned char body[LEAVE_SIZE];
    gr_random_bytes(ctx, body, sizeof body);
    long deadline = lab02_reply_deadline(ctx);
    int rc = 0;
    if (phase == PHASE_MID_HEADER) {
        (void)gr_send_all(&c, header, (size_t)hn / 2, deadline);
    } else if (phase >= PHASE_AFTER_HEADER) {
        (void)gr_send_all(&c, header, (size_t)hn, deadline);
    }
    if (phase >= PHASE_MID_BODY) {
        rc = lab02_expect_line(ctx, &c, "OK", "after a header announcing 64 KiB");
    }
    if (rc == 0 && phase >= PHASE_MID_BODY) {
        size_t n = phase == PHASE_MID_BODY ? sizeof body / 2 : sizeof body;
        if (gr_send_all(&c, body, n, deadline) < 0) {
            rc = gr_fail(ctx, "the server stopped reading the body before %zu of %d bytes", n,
                         LEAVE_SIZE);
        }
    }
    if (rc == 0 && fin) {
        /* A FIN: the server reads the end of the stream, and must close. */
        gr_conn_shutdown(&c);
        if (drain_until_close(&c, lab02_reply_deadline(ctx)) == GR_CONN_TIMEOUT) {
            rc = gr_fail(ctx,
                         "a client closed its side %s, and the server had not closed the "
                         "connection %d s later: a read that returns 0 is the end",
                         phase_desc[phase], gr_ms(ctx, REPLY_MS) / 1000);
            gr_hint(ctx, "A read of 0 bytes is the end of the stream: the client has closed "
                         "and nothing more will come. In C: when recv() or sl_rio_read() returns "
                         "0, stop, clean up and close the connection; looping on it spins "
                         "forever. In Python: recv() returning b'' (readline() returning b'' or "
                         "a line without a newline) is the same end.");
        }
        gr_close(&c);
    } else {
        gr_reset(&c);
    }
    return rc;
}

/* The server's processes, threads and zombies, when /proc shows them. */
static int tree_now(gr_ctx *ctx, gr_tree_stats *st)
{
    if (gr_server_stats(ctx, st) < 0) {
        return gr_fail(ctx, "cannot read the server's processes from /proc");
    }
    return 0;
}

/* More threads or processes than before (with a little slack for a
 * runtime's own), or any new zombie? */
static int tree_grew(const gr_tree_stats *before, const gr_tree_stats *now)
{
    return now->ts_threads > before->ts_threads + 3 ||
           now->ts_processes > before->ts_processes + 1 || now->ts_zombies > before->ts_zombies;
}

int lab02_check_leave_anytime(gr_ctx *ctx)
{
    char first[64];
    if (lab02_upload_next(ctx, "first", first) < 0) {
        return -1;
    }
    gr_tree_stats before;
    if (tree_now(ctx, &before) < 0) {
        return -1;
    }
    gr_str entries = {0};
    lab02_dir_snapshot(ctx, &entries);
    /* The uploads that sent their whole body may be stored (or not). */
    char whole[2][64];
    char next[2 * PHASE_COUNT][64];
    int nn = 0;
    char cut[2 * PHASE_COUNT][64];
    const char *cuts[2 * PHASE_COUNT];
    int nc = 0;
    const char *allowed[2 * PHASE_COUNT + 3] = {NULL};
    int na = 0;
    int rc = 0;
    for (int p = 0; p < PHASE_COUNT && rc == 0; p++) {
        for (int fin = 0; fin < 2 && rc == 0; fin++) {
            char name[64];
            lab02_random_name(ctx, name, "left", "bin");
            if (p == PHASE_AFTER_BODY) {
                snprintf(whole[fin], sizeof whole[fin], "%s", name);
                allowed[na++] = whole[fin];
            } else {
                snprintf(cut[nc], sizeof cut[nc], "%s", name);
                cuts[nc] = cut[nc];
                nc++;
            }
            rc = leave_at(ctx, (leave_phase)p, fin, name);
            char when[128];
            snprintf(when, sizeof when, "after a client %s %s",
                     fin ? "closed (FIN)" : "reset (RST)", phase_desc[p]);
            if (rc == 0) {
                rc = lab02_upload_next(ctx, when, next[nn]);
                allowed[na++] = next[nn++];
            }
        }
    }
    if (rc == 0) {
        rc = lab02_expect_new_entries(ctx, &entries, allowed,
                                      "after clients left at every phase of an upload");
        if (rc < 0) {
            lab02_leftover_hint(ctx, cuts, nc);
        }
    }
    for (int i = 0; i < 2 && rc == 0; i++) {
        char path[PATH_MAX];
        lab02_up_path(ctx, path, sizeof path, whole[i]);
        struct stat st;
        if (lstat(path, &st) == 0 && st.st_size != LEAVE_SIZE) {
            rc = gr_fail(ctx, "%s/%s has %lld bytes; its client sent all %d before it left", UP_DIR,
                         whole[i], (long long)st.st_size, LEAVE_SIZE);
        }
    }
    gr_str_free(&entries);
    if (rc < 0) {
        return rc;
    }
    /* A server may end a thread or reap a child a moment after the close. */
    gr_tree_stats now;
    long settle = gr_now_ms() + gr_ms(ctx, 2000);
    do {
        if (tree_now(ctx, &now) < 0) {
            return -1;
        }
    } while (tree_grew(&before, &now) && gr_now_ms() < settle && poll(NULL, 0, 10) == 0);
    gr_str_addf(gr_details(ctx),
                "server: %d processes, %d threads, %d zombies before; %d, %d, %d after\n",
                before.ts_processes, before.ts_threads, before.ts_zombies, now.ts_processes,
                now.ts_threads, now.ts_zombies);
    if (tree_grew(&before, &now)) {
        gr_hint(ctx, "A client's end is the end of what served it: a thread is joined or "
                     "detached, a child process is reaped. In C: pthread_join() or "
                     "pthread_detach(), and waitpid() for each fork() (or SIGCHLD set to "
                     "SIG_IGN). In Python: threading with daemon threads that return, and "
                     "os.waitpid() for os.fork().");
        return gr_fail(ctx,
                       "after %d clients left at every phase, the server has %d processes (%d "
                       "zombies) and %d threads; it had %d (%d) and %d: it keeps something for "
                       "clients that are gone",
                       2 * PHASE_COUNT, now.ts_processes, now.ts_zombies, now.ts_threads,
                       before.ts_processes, before.ts_zombies, before.ts_threads);
    }
    return 0;
}

/* ---- descriptors over many clients ------------------------------------------------- */

/* What each block of clients does. */
typedef enum { KIND_STORED, KIND_REFUSED, KIND_RESET, KIND_GONE, KIND_COUNT } client_kind;

static const char *const kind_desc[KIND_COUNT] = {
    "uploads stored",
    "headers refused",
    "clients reset in the middle of the body",
    "clients gone (FIN) in the middle of the header",
};

/* Open descriptors of the server's process tree, or -1. */
static int tree_fds(gr_ctx *ctx)
{
    gr_tree_stats st;
    return gr_server_stats(ctx, &st) < 0 ? -1 : st.ts_fds;
}

static int one_client_once(gr_ctx *ctx, client_kind kind)
{
    char name[64];
    if (kind == KIND_STORED) {
        return lab02_upload_next(ctx, "in a row of uploads", name);
    }
    if (kind == KIND_REFUSED) {
        lab02_random_name(ctx, name, "refused", "txt");
        char msg[100];
        int n = snprintf(msg, sizeof msg, "%s|-1\n", name);
        return lab02_expect_refusal(ctx, msg, (size_t)n, "the size \"-1\"", 0, NULL, NULL);
    }
    lab02_random_name(ctx, name, "gone", "bin");
    return leave_at(ctx, kind == KIND_RESET ? PHASE_MID_BODY : PHASE_MID_HEADER, kind == KIND_GONE,
                    name);
}

/* One client of that kind; after a failure, a server that ended on a
 * refusal says so. */
static int one_client(gr_ctx *ctx, client_kind kind)
{
    if (one_client_once(ctx, kind) == 0) {
        return 0;
    }
    if (!lab02_decoded_body(ctx)) {
        lab02_refusal_cause(ctx);
    }
    return -1;
}

int lab02_check_fd_count(gr_ctx *ctx)
{
    enum { EACH = 24, SLACK = 8 };
    /* Warm up first: runtimes open files lazily (a JIT, a log file). */
    for (int k = 0; k < KIND_COUNT; k++) {
        if (one_client(ctx, (client_kind)k) < 0) {
            return -1;
        }
    }
    int first = tree_fds(ctx);
    if (first < 0) {
        return gr_fail(ctx, "cannot read the server's open files from /proc");
    }
    int before = first;
    for (int k = 0; k < KIND_COUNT; k++) {
        for (int i = 0; i < EACH; i++) {
            if (one_client(ctx, (client_kind)k) < 0) {
                return gr_fail(ctx, "(after %d %s, with %d open descriptors before them)", i,
                               kind_desc[k], before);
            }
        }
        /* The server may close a moment after the client's last reply. */
        int after = tree_fds(ctx);
        long settle = gr_now_ms() + gr_ms(ctx, 2000);
        while (after >= 0 && after - before > SLACK && gr_now_ms() < settle) {
            poll(NULL, 0, 10);
            after = tree_fds(ctx);
        }
        gr_str_addf(gr_details(ctx), "open descriptors: %d, then %d after %d %s\n", before, after,
                    EACH, kind_desc[k]);
        if (after < 0) {
            return gr_fail(ctx, "cannot read the server's open files from /proc");
        }
        if (after - before > SLACK) {
            gr_hint(ctx, "Every descriptor opened for a client is closed on every path: the "
                         "temporary file's and the connection's, whether the upload was stored, "
                         "refused or cut short. Once the limit (ulimit -n) is reached, open() "
                         "and accept() fail. In C: one exit path per client that closes both "
                         "(goto out). In Python: with open(...) as f: and with conn:, so every "
                         "path closes.");
            return gr_fail(ctx,
                           "the server's open descriptors grew from %d to %d over %d %s: it "
                           "does not close what it opened for them",
                           before, after, EACH, kind_desc[k]);
        }
        before = after;
    }
    return 0;
}
