/* checks.c - checks for Lab 02, framing and file transfer: file_server.
 *
 * TCP delivers a stream of bytes, not messages: a header may arrive one byte
 * per recv() and a body in pieces of any size, or glued to the header. The
 * checks send the same upload in those shapes and compare the stored file
 * with what was sent, by size and SHA-256. The header comes from the
 * network, so the checks also send what an attacker would: names that climb
 * out of the directory, absolute paths, NUL bytes, impossible sizes, a
 * header that never ends. Each must be refused with "ERR reason", nothing
 * may be written, and the next client must be served.
 *
 * The server runs in the lab's scratch copy with DIR "received", so the
 * files it writes are under gr_server_dir()/received. Uploads use random
 * names, so files left by earlier checks never confuse a later one; checks
 * that must see "nothing written" compare the directory's entries before
 * and after. */
#include "kit/kit.h"
#include "peers/file_server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The DIR argument of the server command. */
#define UP_DIR "received"
/* The longest reply line the checks accept. */
#define REPLY_MAX 512
/* Body bytes are generated and sent in blocks of this size. */
#define BLOCK 65536
/* large-file: the size, and how much the server's resident memory may grow
 * during it. Growth, not a total: a runtime (a JVM, Python) starts bigger
 * than a C program, but streaming keeps any of them about flat. */
#define LARGE_SIZE (64u << 20)
#define LARGE_RSS_KB (32L << 10)
/* How long a single reply may take. */
#define REPLY_MS 5000

/* ---- talking to the server ------------------------------------------------------ */

static long reply_deadline(gr_ctx *ctx)
{
    long d = gr_now_ms() + gr_ms(ctx, REPLY_MS);
    return d < gr_deadline(ctx) ? d : gr_deadline(ctx);
}

/* Read a reply that must be exactly want; fail with what came instead. */
static int expect_line(gr_ctx *ctx, gr_conn *c, const char *want, const char *after)
{
    char line[REPLY_MAX];
    int n = gr_read_line(c, line, sizeof line, reply_deadline(ctx));
    char show[160];
    if (n == GR_CONN_TIMEOUT) {
        return gr_fail(ctx, "%s, the server did not answer \"%s\" within %d s (got \"%s\")", after,
                       want, gr_ms(ctx, REPLY_MS) / 1000,
                       gr_printable(line, strlen(line), show, sizeof show));
    }
    if (n == GR_CONN_CLOSED) {
        return gr_fail(ctx, "%s, the server closed the connection instead of answering \"%s\"%s%s",
                       after, want, line[0] != '\0' ? "; before that it sent: " : "",
                       gr_printable(line, strlen(line), show, sizeof show));
    }
    if (strcmp(line, want) != 0) {
        return gr_fail(ctx, "%s, the server answered \"%s\"; expected \"%s\"", after,
                       gr_printable(line, (size_t)n, show, sizeof show), want);
    }
    return 0;
}

/* ---- the upload directory -------------------------------------------------------- */

static void up_path(gr_ctx *ctx, char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s/%s", gr_server_dir(ctx), UP_DIR, name);
}

/* The entries of the upload directory, as "\nname\nname\n" (empty if it does not exist). */
static void dir_snapshot(gr_ctx *ctx, gr_str *out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", gr_server_dir(ctx), UP_DIR);
    gr_str_add(out, "\n");
    DIR *d = opendir(path);
    if (d == NULL) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            gr_str_addf(out, "%s\n", e->d_name);
        }
    }
    closedir(d);
}

/* Fail unless the entries new since before are exactly the names in allowed
 * (NULL-terminated). */
static int expect_new_entries(gr_ctx *ctx, const gr_str *before, const char *const *allowed,
                              const char *when)
{
    gr_str now = {0};
    dir_snapshot(ctx, &now);
    int rc = 0;
    const char *p = gr_str_cstr(&now) + 1;
    while (*p != '\0' && rc == 0) {
        const char *end = strchr(p, '\n');
        size_t len = (size_t)(end - p);
        char name[NAME_MAX + 1];
        snprintf(name, sizeof name, "%.*s", (int)len, p);
        char key[NAME_MAX + 3];
        snprintf(key, sizeof key, "\n%s\n", name);
        int known = strstr(gr_str_cstr(before), key) != NULL;
        for (size_t i = 0; allowed[i] != NULL && !known; i++) {
            known = strcmp(allowed[i], name) == 0;
        }
        if (!known) {
            char show[160];
            rc = gr_fail(ctx, "%s, a new entry \"%s\" appeared in %s/", when,
                         gr_printable(name, len, show, sizeof show), UP_DIR);
        }
        p = end + 1;
    }
    gr_str_free(&now);
    return rc;
}

/* ---- one upload -------------------------------------------------------------------- */

typedef struct up_opts {
    const char *uo_name; /* a safe name */
    uint64_t uo_size;    /* body size */
    int uo_text;         /* body of readable text (else any bytes) */
    int uo_header_bytes; /* header one byte per send() */
    int uo_odd_chunks;   /* body in random odd-sized send()s */
    int uo_watch_memory; /* sample the server's resident memory */
    long uo_max_rss_kb;  /* set: the largest sample */
} up_opts;

/* A random name "WORD-HEX.EXT" in buf (64 bytes). */
static void random_name(gr_ctx *ctx, char *buf, const char *word, const char *ext)
{
    snprintf(buf, 64, "%s-%08" PRIx64 ".%s", word, gr_random(ctx) & 0xffffffffu, ext);
}

/* Hash the stored file and compare with the digest of what was sent. */
static int verify_file(gr_ctx *ctx, const up_opts *o, const unsigned char *md, unsigned mdlen)
{
    char path[PATH_MAX];
    up_path(ctx, path, sizeof path, o->uo_name);
    unsigned char got[GR_DIGEST_MAX];
    uint64_t total = 0;
    unsigned glen = gr_digest_file(path, got, &total);
    if (glen == 0) {
        return gr_fail(ctx, "the server answered DONE but %s/%s cannot be opened: %s", UP_DIR,
                       o->uo_name, strerror(errno));
    }
    if (total != o->uo_size) {
        return gr_fail(ctx, "%s/%s has %" PRIu64 " bytes; %" PRIu64 " were sent", UP_DIR,
                       o->uo_name, total, o->uo_size);
    }
    if (glen != mdlen || memcmp(got, md, mdlen) != 0) {
        char hs[2 * GR_DIGEST_MAX + 1];
        char hg[2 * GR_DIGEST_MAX + 1];
        gr_fail(ctx, "%s/%s has the right size but different bytes", UP_DIR, o->uo_name);
        return gr_fail(ctx, "SHA-256 of what was sent: %s\nSHA-256 of the stored file: %s",
                       gr_digest_hex(md, mdlen, hs), gr_digest_hex(got, glen, hg));
    }
    return 0;
}

static int sample_rss(gr_ctx *ctx, up_opts *o)
{
    gr_tree_stats st;
    if (gr_server_stats(ctx, &st) == 0 && st.ts_rss_kb > o->uo_max_rss_kb) {
        o->uo_max_rss_kb = st.ts_rss_kb;
    }
    return 0;
}

/* Upload one file as o says, check the replies and the stored file. */
static int upload(gr_ctx *ctx, up_opts *o)
{
    gr_conn c;
    int nodelay = o->uo_header_bytes || o->uo_odd_chunks;
    if (gr_connect(ctx, &c, "uploader",
                   &(gr_conn_opts){.co_nodelay = nodelay, .co_quiet_ms = GR_NO_QUIET}) < 0) {
        return -1;
    }
    char header[REPLY_MAX];
    int hn = snprintf(header, sizeof header, "%s|%" PRIu64 "\n", o->uo_name, o->uo_size);
    char after[REPLY_MAX + 64];
    snprintf(after, sizeof after, "after the header \"%s|%" PRIu64 "\\n\"%s", o->uo_name,
             o->uo_size, o->uo_header_bytes ? " (sent one byte per send())" : "");
    int rc = 0;
    long deadline = gr_deadline(ctx);
    for (int i = 0; i < hn && rc == 0; i++) {
        size_t piece = o->uo_header_bytes ? 1 : (size_t)hn;
        if (gr_send_all(&c, header + i, piece, deadline) < 0) {
            break; /* the reply, if any, says why */
        }
        i += (int)piece - 1;
        if (o->uo_header_bytes) {
            /* A slow client: a moment between bytes, or an early answer. */
            struct pollfd pfd = {.fd = gr_conn_fd(&c), .events = POLLIN};
            if (poll(&pfd, 1, 3) > 0) {
                break;
            }
        }
    }
    rc = expect_line(ctx, &c, "OK", after);

    gr_digest *h = gr_digest_new();
    if (h == NULL) {
        gr_close(&c);
        return gr_fail(ctx, "grader ran out of memory");
    }
    static unsigned char block[BLOCK];
    uint64_t sent = 0;
    uint64_t next_sample = 0;
    while (rc == 0 && sent < o->uo_size) {
        size_t n = o->uo_size - sent < BLOCK ? (size_t)(o->uo_size - sent) : BLOCK;
        if (o->uo_text) {
            gr_random_text(ctx, (char *)block, n);
        } else {
            gr_random_bytes(ctx, block, n);
        }
        gr_digest_add(h, block, n);
        for (size_t off = 0; off < n && rc == 0;) {
            size_t piece = n - off;
            if (o->uo_odd_chunks) {
                size_t odd = 1 + 2 * gr_random_below(ctx, 2048);
                piece = odd < piece ? odd : piece;
            }
            int s = gr_send_all(&c, block + off, piece, deadline);
            if (s == GR_CONN_TIMEOUT) {
                rc = gr_fail(ctx,
                             "the server stopped reading the body after %" PRIu64 " of %" PRIu64
                             " bytes",
                             sent + off, o->uo_size);
            } else if (s < 0) {
                char line[REPLY_MAX];
                int k = gr_read_line(&c, line, sizeof line, reply_deadline(ctx));
                char show[160];
                rc = gr_fail(ctx,
                             "the connection broke after %" PRIu64 " of %" PRIu64 " body bytes%s%s",
                             sent + off, o->uo_size, k >= 0 ? "; the server said: " : "",
                             k >= 0 ? gr_printable(line, (size_t)k, show, sizeof show) : "");
            }
            off += piece;
        }
        sent += n;
        if (o->uo_watch_memory && sent >= next_sample) {
            sample_rss(ctx, o);
            next_sample += 1u << 20;
        }
    }
    unsigned char md[GR_DIGEST_MAX];
    unsigned mdlen = gr_digest_end(h, md);
    if (rc == 0) {
        char done[64];
        snprintf(done, sizeof done, "DONE %" PRIu64, o->uo_size);
        snprintf(after, sizeof after, "after the %" PRIu64 " body bytes of %s", o->uo_size,
                 o->uo_name);
        rc = expect_line(ctx, &c, done, after);
    }
    if (o->uo_watch_memory) {
        sample_rss(ctx, o);
    }
    gr_close(&c);
    if (rc == 0) {
        rc = verify_file(ctx, o, md, mdlen);
    }
    return rc;
}

/* A normal upload of a short text file, after something else was tried. */
static int upload_next(gr_ctx *ctx, const char *when, char *name)
{
    random_name(ctx, name, "next", "txt");
    up_opts o = {.uo_name = name, .uo_size = 1000 + gr_random_below(ctx, 1000), .uo_text = 1};
    if (upload(ctx, &o) < 0) {
        return gr_fail(ctx, "(this upload came %s: the server must serve the next client)", when);
    }
    return 0;
}

/* ---- checks: uploads ------------------------------------------------------------- */

static int check_upload_small(gr_ctx *ctx)
{
    char name[64];
    random_name(ctx, name, "notes", "txt");
    up_opts o = {.uo_name = name, .uo_size = 200 + gr_random_below(ctx, 2000), .uo_text = 1};
    return upload(ctx, &o);
}

static int check_empty_file(gr_ctx *ctx)
{
    char name[64];
    random_name(ctx, name, "empty", "txt");
    up_opts o = {.uo_name = name, .uo_size = 0, .uo_text = 1};
    if (upload(ctx, &o) < 0) {
        return -1;
    }
    char again[64];
    return upload_next(ctx, "after an empty file", again);
}

static int check_header_pieces(gr_ctx *ctx)
{
    char name[64];
    random_name(ctx, name, "pieces", "bin");
    up_opts o = {
        .uo_name = name, .uo_size = 5000 + gr_random_below(ctx, 5000), .uo_header_bytes = 1};
    return upload(ctx, &o);
}

static int check_odd_chunks(gr_ctx *ctx)
{
    char name[64];
    random_name(ctx, name, "chunks", "bin");
    up_opts o = {
        .uo_name = name, .uo_size = (256u << 10) + gr_random_below(ctx, 4096), .uo_odd_chunks = 1};
    return upload(ctx, &o);
}

static int check_large_file(gr_ctx *ctx)
{
    char name[64];
    random_name(ctx, name, "large", "bin");
    up_opts o = {.uo_name = name, .uo_size = LARGE_SIZE, .uo_watch_memory = 1};
    sample_rss(ctx, &o);
    long base_kb = o.uo_max_rss_kb;
    if (upload(ctx, &o) < 0) {
        return -1;
    }
    if (o.uo_max_rss_kb - base_kb > LARGE_RSS_KB) {
        return gr_fail(ctx,
                       "the server's resident memory grew from %ld MiB to %ld MiB during a %u MiB "
                       "upload; it may grow by at most %ld MiB",
                       base_kb >> 10, o.uo_max_rss_kb >> 10, LARGE_SIZE >> 20, LARGE_RSS_KB >> 10);
    }
    return 0;
}

/* ---- checks: refusals -------------------------------------------------------------- */

/* Send header[0..n) (with some body bytes after it) and expect "ERR reason"
 * and a close. With may_just_close, a close without a reply is accepted. */
static int expect_refusal(gr_ctx *ctx, const char *header, size_t n, const char *desc,
                          int may_just_close)
{
    gr_conn c;
    if (gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}) < 0) {
        return -1;
    }
    int rc = 0;
    /* A send error is no failure: the server may answer and close early. */
    (void)gr_send_all(&c, header, n, reply_deadline(ctx));
    char line[REPLY_MAX];
    int k = gr_read_line(&c, line, sizeof line, reply_deadline(ctx));
    char show[160];
    if (k == GR_CONN_TIMEOUT) {
        rc = gr_fail(ctx,
                     "the server did not answer %s within %d s; it must answer \"ERR "
                     "reason\" and close",
                     desc, gr_ms(ctx, REPLY_MS) / 1000);
    } else if (k == GR_CONN_CLOSED && line[0] == '\0') {
        if (!may_just_close) {
            rc = gr_fail(ctx,
                         "the server closed the connection after %s without a reply; it "
                         "must answer \"ERR reason\" first",
                         desc);
        }
    } else if (k < 0 || strncmp(line, "ERR ", 4) != 0 || k < 5) {
        rc = gr_fail(ctx, "the server answered %s with \"%s\"; it must answer \"ERR reason\"", desc,
                     gr_printable(line, strlen(line), show, sizeof show));
        if (strcmp(line, "OK") == 0) {
            gr_fail(ctx, "a server that accepts this header can be made to write anywhere, or "
                         "into a file it cannot name");
            /* Let it finish, so that whatever it wrote is there to be seen
             * (and removed) when this function returns. */
            (void)gr_send_all(&c, "hello", 5, reply_deadline(ctx));
            (void)gr_wait_close(&c, reply_deadline(ctx));
        }
    } else {
        int w = gr_wait_close(&c, reply_deadline(ctx));
        if (w != 0) {
            rc = gr_fail(ctx, "after \"%s\" (the answer to %s) the server %s", line, desc,
                         w == 1 ? "sent more bytes; it must close the connection"
                                : "kept the connection open; it must close it");
        }
    }
    /* A reset: a server that said OK gets no body and must not keep a file. */
    gr_reset(&c);
    return rc;
}

/* Remove path if it exists; 1 if it did. */
static int remove_if_there(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        return 0;
    }
    unlink(path);
    return 1;
}

static int check_hostile_names(gr_ctx *ctx)
{
    char top[PATH_MAX];
    if (realpath(gr_server_dir(ctx), top) == NULL) {
        return gr_fail(ctx, "grader cannot resolve the server's directory: %s", strerror(errno));
    }
    uint64_t tag = gr_random(ctx) & 0xffffffffu;
    char escape[64];
    snprintf(escape, sizeof escape, "escape-%08" PRIx64, tag);
    char absolute[PATH_MAX + 32];
    snprintf(absolute, sizeof absolute, "%s/absolute-%08" PRIx64, top, tag);
    char outside_rel[PATH_MAX + 80];
    snprintf(outside_rel, sizeof outside_rel, "%s/%s", top, escape);
    char longname[301];
    memset(longname, 'n', 300);
    longname[300] = '\0';

    /* Each header: the bytes up to "|5\n"; a NUL is spelled out by length. */
    struct {
        const char *h_desc;
        char h_bytes[PATH_MAX + 64];
        size_t h_len;
    } cases[6];
    int nc = 0;
    cases[nc].h_len =
        (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "../%s|5\n", escape);
    cases[nc++].h_desc = "the name \"../escape-...\" (it climbs out of the directory)";
    cases[nc].h_len =
        (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "%s|5\n", absolute);
    cases[nc++].h_desc = "an absolute path as the name";
    cases[nc].h_len = (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "|5\n");
    cases[nc++].h_desc = "an empty name";
    memcpy(cases[nc].h_bytes, "a\0b|5\n", 6);
    cases[nc].h_len = 6;
    cases[nc++].h_desc = "the name \"a\\0b\" (a NUL byte inside it)";
    cases[nc].h_len =
        (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "%s|5\n", longname);
    cases[nc++].h_desc = "a name of 300 bytes (longer than 255)";
    cases[nc].h_len = (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "..|5\n");
    cases[nc++].h_desc = "the name \"..\"";

    gr_str before = {0};
    dir_snapshot(ctx, &before);
    int rc = 0;
    for (int i = 0; i < nc && rc == 0; i++) {
        /* Five body bytes follow the header, as a client that did not wait would send. */
        char msg[PATH_MAX + 80];
        memcpy(msg, cases[i].h_bytes, cases[i].h_len);
        memcpy(msg + cases[i].h_len, "hello", 5);
        rc = expect_refusal(ctx, msg, cases[i].h_len + 5, cases[i].h_desc, 0);
    }
    char next[64];
    if (rc == 0) {
        rc = upload_next(ctx, "after the hostile names", next);
    }
    /* Files outside DIR: report them, and remove them so they cannot linger. */
    if (remove_if_there(outside_rel) && rc == 0) {
        rc = gr_fail(ctx,
                     "the name \"../%s\" created %s: the server writes outside its "
                     "directory",
                     escape, outside_rel);
    }
    if (remove_if_there(absolute) && rc == 0) {
        rc = gr_fail(ctx,
                     "the name \"%s\" created that file: the server writes outside its "
                     "directory",
                     absolute);
    }
    const char *allowed[] = {next, NULL};
    if (rc == 0) {
        rc = expect_new_entries(ctx, &before, allowed, "after the refused names");
    }
    gr_str_free(&before);
    return rc;
}

static int check_bad_sizes(gr_ctx *ctx)
{
    static const char *const sizes[] = {"-1", "abc", "1e9", "99999999999999999999", " 10",
                                        "",   "+5",  "10 ", "1099511627777"};
    gr_str before = {0};
    dir_snapshot(ctx, &before);
    int rc = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++) {
        char name[64];
        random_name(ctx, name, "size", "txt");
        char msg[200];
        int n = snprintf(msg, sizeof msg, "%s|%s\nhello", name, sizes[i]);
        char desc[100];
        snprintf(desc, sizeof desc, "the size \"%s\"", sizes[i]);
        rc = expect_refusal(ctx, msg, (size_t)n, desc, 0);
    }
    char next[64];
    if (rc == 0) {
        rc = upload_next(ctx, "after the bad sizes", next);
    }
    const char *allowed[] = {next, NULL};
    if (rc == 0) {
        rc = expect_new_entries(ctx, &before, allowed, "after the refused sizes");
    }
    gr_str_free(&before);
    return rc;
}

static int check_long_header(gr_ctx *ctx)
{
    char msg[2000];
    memset(msg, 'h', sizeof msg);
    gr_str before = {0};
    dir_snapshot(ctx, &before);
    int rc = expect_refusal(ctx, msg, sizeof msg, "2000 bytes without a newline", 1);
    char next[64];
    if (rc == 0) {
        rc = upload_next(ctx, "after a header of 2000 bytes", next);
    }
    const char *allowed[] = {next, NULL};
    if (rc == 0) {
        rc = expect_new_entries(ctx, &before, allowed, "after the long header");
    }
    gr_str_free(&before);
    return rc;
}

static int check_disconnect_mid_body(gr_ctx *ctx)
{
    char name[64];
    random_name(ctx, name, "cut", "bin");
    gr_str before = {0};
    dir_snapshot(ctx, &before);
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
        rc = expect_line(ctx, &c, "OK", "after a header announcing 1 MiB");
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
        rc = upload_next(ctx, "after a client hung up in the middle of its body", next);
    }
    char path[PATH_MAX];
    up_path(ctx, path, sizeof path, name);
    struct stat st;
    if (rc == 0 && lstat(path, &st) == 0) {
        rc = gr_fail(ctx,
                     "a client announced 1 MiB, sent half and hung up, and %s/%s exists "
                     "(%lld bytes): a partial file must never appear under the real name",
                     UP_DIR, name, (long long)st.st_size);
    }
    const char *allowed[] = {next, NULL};
    if (rc == 0) {
        rc = expect_new_entries(ctx, &before, allowed,
                                "after a client hung up in the middle of its body (and the next "
                                "upload)");
    }
    gr_str_free(&before);
    return rc;
}

/* ---- checks: the client -------------------------------------------------------------- */

/* The file the client command sends, in its working directory. */
#define CLIENT_FILE "upload.bin"

/* Write size random bytes to CLIENT_FILE in the client's directory, run the
 * client against a fake server in mode, and check what it saw. want_exit:
 * 0 for success, 1 for "must fail"; want_err: text its stderr must hold. */
static int client_run(gr_ctx *ctx, gr_upload_mode mode, size_t size, int want_exit,
                      const char *want_err)
{
    unsigned char *body = malloc(size > 0 ? size : 1);
    if (body == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_bytes(ctx, body, size);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", gr_server_dir(ctx), CLIENT_FILE);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, body, size) != (ssize_t)size || close(fd) < 0) {
        free(body);
        return gr_fail(ctx, "grader cannot write %s: %s", path, strerror(errno));
    }
    fchmodat(AT_FDCWD, path, 0644, 0);
    gr_upload u = {.up_mode = mode,
                   .up_pause_ms = gr_ms(ctx, 500),
                   .up_body = body,
                   .up_size = size,
                   .up_header_len = -1};
    char err[256] = "";
    gr_fake *fake = gr_fake_start(gr_file_server, &u, err);
    if (fake == NULL) {
        free(body);
        return gr_fail(ctx, "grader could not start its file server: %s", err);
    }
    gr_client_run run;
    int rc = gr_client_start_and_wait(ctx, gr_fake_port(fake), "", 0, gr_time_left(ctx), &run);
    gr_fake_stop(fake);
    free(body);
    if (rc < 0) {
        return rc;
    }
    char want_header[REPLY_MAX];
    snprintf(want_header, sizeof want_header, "%s|%zu", CLIENT_FILE, size);
    char show[160];
    int exited = !run.cr_timed_out && WIFEXITED(run.cr_status);
    int status = exited ? WEXITSTATUS(run.cr_status) : -1;
    if (run.cr_timed_out) {
        rc = gr_fail(ctx, "the client was still running at the deadline");
    } else if (!exited) {
        rc = gr_fail(ctx, "the client was killed by a signal");
    } else if (u.up_header_len < 0) {
        rc = gr_fail(ctx, "the grader's server never received a whole header line");
    } else if (strcmp(u.up_header, want_header) != 0) {
        rc = gr_fail(ctx, "the header was \"%s\"; expected \"%s\" and a newline",
                     gr_printable(u.up_header, (size_t)u.up_header_len, show, sizeof show),
                     want_header);
    } else if (u.up_early) {
        rc = gr_fail(ctx, "the client sent body bytes before the server answered OK");
    } else if (mode != GR_UPLOAD_ERR && u.up_got != size) {
        rc = gr_fail(ctx, "the server received %zu of the %zu bytes of the file", u.up_got, size);
    } else if (mode != GR_UPLOAD_ERR && u.up_diff != size) {
        rc = gr_fail(ctx, "the body differs from the file at byte %zu", u.up_diff);
    } else if (want_exit == 0 && status != 0) {
        rc = gr_fail(ctx, "the server answered DONE, but the client exited with status %d", status);
    } else if (want_exit != 0 && status == 0) {
        rc = gr_fail(ctx, "the client exited with status 0; it must exit 1 when the upload "
                          "was not confirmed with DONE");
    } else if (want_err != NULL &&
               (run.cr_stderr == NULL || strstr(run.cr_stderr, want_err) == NULL)) {
        rc = gr_fail(ctx,
                     "the client's message on stderr should include the server's reason, "
                     "\"%s\"",
                     want_err);
    }
    if (rc < 0) {
        gr_client_describe(ctx, &run);
    }
    gr_client_run_free(&run);
    return rc;
}

static int check_client_upload(gr_ctx *ctx)
{
    return client_run(ctx, GR_UPLOAD_NORMAL, (100u << 10) + gr_random_below(ctx, 4096), 0, NULL);
}

static int check_client_slow_ack(gr_ctx *ctx)
{
    return client_run(ctx, GR_UPLOAD_SLOW, (64u << 10) + gr_random_below(ctx, 4096), 0, NULL);
}

static int check_client_err(gr_ctx *ctx)
{
    return client_run(ctx, GR_UPLOAD_ERR, 1000 + gr_random_below(ctx, 1000), 1, "disk full");
}

static int check_client_no_done(gr_ctx *ctx)
{
    return client_run(ctx, GR_UPLOAD_NO_DONE, 10000 + gr_random_below(ctx, 1000), 1, NULL);
}

/* ---- the list ---------------------------------------------------------------------- */

static const char *const steps[] = {
    "",           "one upload", "framing", "constant memory", "hostile headers", "no partial files",
    "the client",
};

static const gr_check checks[] = {
    {.ck_name = "upload-small",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 10,
     .ck_deadline_ms = 10000,
     .ck_summary = "a text file uploaded with NAME|SIZE arrives intact, with OK and DONE replies",
     .ck_hint =
         "Read the header line with sl_rio_readline(), split it at the last '|', reply \"OK\\n\", "
         "copy exactly SIZE bytes into DIR/NAME, then reply \"DONE SIZE\\n\".",
     .ck_run = check_upload_small},
    {.ck_name = "empty-file",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_summary = "a file of 0 bytes is stored, then the next one",
     .ck_hint =
         "SIZE 0 is a valid upload: reply OK, read nothing, create the (empty) file and reply "
         "\"DONE 0\". A loop `while (left > 0)` handles it; waiting for a first recv() does not.",
     .ck_run = check_empty_file},
    {.ck_name = "header-pieces",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 10,
     .ck_deadline_ms = 15000,
     .ck_summary = "a header sent one byte per send() is understood",
     .ck_hint =
         "One recv() returns whatever has arrived, maybe one byte of the header. Read until the "
         "newline (sl_rio_readline() does it), never trust a single recv() to hold the header.",
     .ck_run = check_header_pieces},
    {.ck_name = "odd-chunks",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 8,
     .ck_deadline_ms = 15000,
     .ck_summary = "a body sent in random odd-sized pieces is stored byte for byte",
     .ck_hint =
         "Count body bytes as they arrive: each read returns anything from 1 byte up, and the "
         "header's buffered reader may already hold the first body bytes. Read the body through "
         "the same sl_rio reader, never with recv() on the fd.",
     .ck_run = check_odd_chunks},
    {.ck_name = "large-file",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 10,
     .ck_deadline_ms = 60000,
     .ck_summary =
         "a 64 MiB file arrives intact (SHA-256); the server's memory grows by less than 32 MiB",
     .ck_hint =
         "Copy the body through a fixed buffer (64 KiB is plenty): read some, write them, repeat. "
         "Never malloc(SIZE): SIZE comes from the network and may be 1 TiB.",
     .ck_run = check_large_file},
    {.ck_name = "hostile-names",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 13,
     .ck_deadline_ms = 20000,
     .ck_summary =
         "../, absolute, empty, NUL, 300-byte and \"..\" names get ERR, nothing is written",
     .ck_hint =
         "A NAME is one path component: 1..255 bytes, no '/', no NUL, no control characters, not "
         "\".\" or \"..\". Check it before opening anything and answer \"ERR reason\" and close "
         "otherwise. Joining DIR and NAME (os.path.join, snprintf) without checks lets a client "
         "write anywhere.",
     .ck_run = check_hostile_names},
    {.ck_name = "bad-sizes",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 8,
     .ck_deadline_ms = 20000,
     .ck_summary =
         "sizes like -1, abc, 1e9, \" 10\", 20 digits and empty get ERR, nothing is written",
     .ck_hint =
         "SIZE is 1 to 13 decimal digits and at most 2^40, nothing else. atoi() and strtol() "
         "accept spaces, signs and junk; check each character yourself (or strtoull with endptr, "
         "errno and a first-character test).",
     .ck_run = check_bad_sizes},
    {.ck_name = "long-header",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 20000,
     .ck_summary = "2000 bytes without a newline are refused, and the next client is served",
     .ck_hint =
         "Bound the header: read at most 1024 bytes looking for the newline (sl_rio_readline() "
         "returns -1 with EMSGSIZE), then answer \"ERR header too long\" and close.",
     .ck_run = check_long_header},
    {.ck_name = "disconnect-mid-body",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 10,
     .ck_deadline_ms = 20000,
     .ck_summary = "a client that hangs up halfway leaves no file and no temporary file behind",
     .ck_hint =
         "Write the body to a temporary name in DIR (open with O_CREAT|O_EXCL), rename() it to "
         "NAME only after the last byte, and unlink() it when the client leaves early (a read "
         "returning 0 or an error before SIZE bytes).",
     .ck_run = check_disconnect_mid_body},

    {.ck_name = "client-upload",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 8,
     .ck_deadline_ms = 15000,
     .ck_summary = "file_send sends NAME|SIZE, waits for OK, sends the file and exits 0 on DONE",
     .ck_hint =
         "Send \"upload.bin|SIZE\\n\" (the file's last path component and its size from fstat), "
         "read the reply line, then copy exactly SIZE bytes with sl_rio_writen(), read \"DONE "
         "SIZE\" and exit 0.",
     .ck_run = check_client_upload},
    {.ck_name = "client-slow-ack",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "the body waits for OK, which comes late and in pieces, as does DONE",
     .ck_hint = "Read the reply line with sl_rio_readline() before sending any body byte: a server "
                "that refuses the header never reads the body. One recv() may hold \"O\" alone.",
     .ck_run = check_client_slow_ack},
    {.ck_name = "client-err",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "an ERR reply ends the upload: the server's reason on stderr, exit 1",
     .ck_hint =
         "Anything but \"OK\" ends the upload: print the reason after \"ERR \" on stderr and "
         "exit 1.",
     .ck_run = check_client_err},
    {.ck_name = "client-no-done",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "a server that closes without DONE makes the client exit 1",
     .ck_hint =
         "Sending every byte proves nothing: the file is stored only when the server says "
         "\"DONE SIZE\". A closed connection (sl_rio_readline() returning 0) before that is a "
         "failure: say so and exit 1.",
     .ck_run = check_client_no_done},
};

const gr_lab gr_lab02 = {
    .lab_id = "02",
    .lab_name = "framing",
    .lab_title = "Framing and file transfer",
    .lab_server_cmd = "./file_server {port} " UP_DIR,
    .lab_client_cmd = "./file_send {host} {port} " CLIENT_FILE,
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = NULL,
    .lab_udp = 0,
};
