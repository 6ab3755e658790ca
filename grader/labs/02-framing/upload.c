/* upload.c - lab 02's uploads: talking to file_server, one upload in any
 * shape, and the checks of steps 1 to 3 (and replace-existing of step 5).
 *
 * TCP delivers a stream of bytes, not messages: a header may arrive one byte
 * per recv() and a body in pieces of any size, or glued to the header. The
 * checks send the same upload in those shapes and compare the stored file
 * with what was sent, by size and SHA-256. */
#include "lab02.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Body bytes are generated and sent in blocks of this size. */
#define BLOCK 65536
/* large-file: a warm-up upload first, then the large one, sampled. */
#define WARM_SIZE (8u << 20)
#define LARGE_SIZE (128u << 20)

/* ---- talking to the server ------------------------------------------------------ */

/* ---- talking to the server ------------------------------------------------------ */

long lab02_reply_deadline(gr_ctx *ctx)
{
    long d = gr_now_ms() + gr_ms(ctx, REPLY_MS);
    return d < gr_deadline(ctx) ? d : gr_deadline(ctx);
}

int lab02_expect_line(gr_ctx *ctx, gr_conn *c, const char *want, const char *after)
{
    char line[REPLY_MAX];
    int n = gr_read_line(c, line, sizeof line, lab02_reply_deadline(ctx));
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

void lab02_up_path(gr_ctx *ctx, char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s/%s", gr_server_dir(ctx), UP_DIR, name);
}

void lab02_dir_snapshot(gr_ctx *ctx, gr_str *out)
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

int lab02_expect_new_entries(gr_ctx *ctx, const gr_str *before, const char *const *allowed,
                             const char *when)
{
    gr_str now = {0};
    lab02_dir_snapshot(ctx, &now);
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
void lab02_leftover_hint(gr_ctx *ctx, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        lab02_up_path(ctx, path, sizeof path, names[i]);
        struct stat st;
        if (lstat(path, &st) == 0) {
            gr_hint(ctx, "%s", HINT_PARTIAL_NAME);
            return;
        }
    }
    gr_hint(ctx, "%s", HINT_TEMP_LEFT);
}

/* ---- one upload -------------------------------------------------------------------- */

void lab02_random_name(gr_ctx *ctx, char *buf, const char *word, const char *ext)
{
    snprintf(buf, 64, "%s-%08" PRIx64 ".%s", word, gr_random(ctx) & 0xffffffffu, ext);
}

/* Hash the stored file and compare with the digest of what was sent. */
static int verify_file(gr_ctx *ctx, const up_opts *o, const unsigned char *md, unsigned mdlen)
{
    char path[PATH_MAX];
    lab02_up_path(ctx, path, sizeof path, o->uo_name);
    char show[160];
    gr_printable(o->uo_name, strlen(o->uo_name), show, sizeof show);
    unsigned char got[GR_DIGEST_MAX];
    uint64_t total = 0;
    unsigned glen = gr_digest_file(path, got, &total);
    if (glen == 0) {
        return gr_fail(ctx, "the server answered DONE but %s/%s cannot be opened: %s", UP_DIR, show,
                       strerror(errno));
    }
    if (total != o->uo_size) {
        return gr_fail(ctx, "%s/%s has %" PRIu64 " bytes; %" PRIu64 " were sent", UP_DIR, show,
                       total, o->uo_size);
    }
    if (glen != mdlen || memcmp(got, md, mdlen) != 0) {
        char hs[2 * GR_DIGEST_MAX + 1];
        char hg[2 * GR_DIGEST_MAX + 1];
        gr_fail(ctx, "%s/%s has the right size but different bytes", UP_DIR, show);
        return gr_fail(ctx, "SHA-256 of what was sent: %s\nSHA-256 of the stored file: %s",
                       gr_digest_hex(md, mdlen, hs), gr_digest_hex(got, glen, hg));
    }
    return 0;
}

static void sample_rss(gr_ctx *ctx, up_opts *o)
{
    gr_tree_stats st;
    int max = (int)(sizeof o->uo_rss_kb / sizeof o->uo_rss_kb[0]);
    if (o->uo_nrss < max && gr_server_stats(ctx, &st) == 0) {
        o->uo_rss_kb[o->uo_nrss++] = st.ts_rss_kb;
    }
}

/* Make up n body bytes in block, as o says, and add them to the digest. */
static void make_body(gr_ctx *ctx, const up_opts *o, unsigned char *block, size_t n, gr_digest *h)
{
    if (o->uo_text) {
        gr_random_text(ctx, (char *)block, n);
    } else {
        gr_random_bytes(ctx, block, n);
    }
    gr_digest_add(h, block, n);
}

/* Send the header (and, glued, the body: then *sent becomes its size). */
static void send_header(gr_ctx *ctx, gr_conn *c, const up_opts *o, const char *header, int hn,
                        gr_digest *h, uint64_t *sent)
{
    long deadline = gr_deadline(ctx);
    if (o->uo_glued) {
        static unsigned char msg[REPLY_MAX + BLOCK];
        size_t n = o->uo_size < BLOCK ? (size_t)o->uo_size : BLOCK;
        memcpy(msg, header, (size_t)hn);
        make_body(ctx, o, msg + hn, n, h);
        (void)gr_send_all(c, msg, (size_t)hn + n, deadline); /* the reply says the rest */
        *sent = n;
        return;
    }
    for (int i = 0; i < hn; i++) {
        size_t piece = o->uo_header_bytes ? 1 : (size_t)hn;
        if (gr_send_all(c, header + i, piece, deadline) < 0) {
            return; /* the reply, if any, says why */
        }
        i += (int)piece - 1;
        if (o->uo_header_bytes) {
            /* A slow client: a moment between bytes, or an early answer. */
            struct pollfd pfd = {.fd = gr_conn_fd(c), .events = POLLIN};
            if (poll(&pfd, 1, 3) > 0) {
                return;
            }
        }
    }
}

int lab02_decoded_body(gr_ctx *ctx)
{
    return gr_server_said(ctx, "UnicodeDecodeError");
}

/* After a failed upload: a binary body (this one, or one before it in the
 * check) that a Python server decoded, and died of. */
static void decoded_hint(gr_ctx *ctx)
{
    if (lab02_decoded_body(ctx)) {
        gr_hint(ctx, "A body is bytes, not text: the server's stderr shows a UnicodeDecodeError. "
                     "In C the same mistake is a string function on the body (strlen(), "
                     "fputs()): write the count the read returned. In Python: write what "
                     "f.read() returned to a file opened 'wb'; never .decode() it.");
    }
}

int lab02_upload(gr_ctx *ctx, up_opts *o)
{
    gr_conn c;
    int nodelay = o->uo_header_bytes || o->uo_odd_chunks;
    if (gr_connect(ctx, &c, "uploader",
                   &(gr_conn_opts){.co_nodelay = nodelay, .co_quiet_ms = GR_NO_QUIET}) < 0) {
        decoded_hint(ctx);
        return -1;
    }
    char size_text[32];
    snprintf(size_text, sizeof size_text, "%" PRIu64, o->uo_size);
    const char *size_as = o->uo_size_as != NULL ? o->uo_size_as : size_text;
    char header[REPLY_MAX];
    int hn = snprintf(header, sizeof header, "%s|%s\n", o->uo_name, size_as);
    char show[160];
    gr_printable(o->uo_name, strlen(o->uo_name), show, sizeof show);
    char after[REPLY_MAX + 64];
    snprintf(after, sizeof after, "after the header \"%s|%s\\n\"%s", show, size_as,
             o->uo_header_bytes ? " (sent one byte per send())"
             : o->uo_glued      ? " and the body, in one send()"
                                : "");
    gr_digest *h = gr_digest_new();
    if (h == NULL) {
        gr_close(&c);
        return gr_fail(ctx, "grader ran out of memory");
    }
    uint64_t sent = 0;
    send_header(ctx, &c, o, header, hn, h, &sent);
    int rc = lab02_expect_line(ctx, &c, "OK", after);

    static unsigned char block[BLOCK];
    uint64_t step = o->uo_size / 64 > 0 ? o->uo_size / 64 : 1;
    uint64_t next_sample = step;
    long deadline = gr_deadline(ctx);
    while (rc == 0 && sent < o->uo_size) {
        size_t n = o->uo_size - sent < BLOCK ? (size_t)(o->uo_size - sent) : BLOCK;
        make_body(ctx, o, block, n, h);
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
                int k = gr_read_line(&c, line, sizeof line, lab02_reply_deadline(ctx));
                char said[160];
                rc = gr_fail(ctx,
                             "the connection broke after %" PRIu64 " of %" PRIu64 " body bytes%s%s",
                             sent + off, o->uo_size, k >= 0 ? "; the server said: " : "",
                             k >= 0 ? gr_printable(line, (size_t)k, said, sizeof said) : "");
            }
            off += piece;
        }
        sent += n;
        if (o->uo_watch_memory && sent >= next_sample) {
            sample_rss(ctx, o);
            next_sample += step;
        }
    }
    unsigned char md[GR_DIGEST_MAX];
    unsigned mdlen = gr_digest_end(h, md);
    if (rc == 0) {
        char done[64];
        snprintf(done, sizeof done, "DONE %" PRIu64, o->uo_size);
        snprintf(after, sizeof after, "after the %" PRIu64 " body bytes of %s", o->uo_size, show);
        rc = lab02_expect_line(ctx, &c, done, after);
    }
    gr_close(&c);
    if (rc == 0) {
        rc = verify_file(ctx, o, md, mdlen);
    }
    if (rc < 0) {
        decoded_hint(ctx);
    }
    return rc;
}

int lab02_upload_next(gr_ctx *ctx, const char *when, char *name)
{
    lab02_random_name(ctx, name, "next", "txt");
    up_opts o = {.uo_name = name, .uo_size = 1000 + gr_random_below(ctx, 1000), .uo_text = 1};
    if (lab02_upload(ctx, &o) < 0) {
        return gr_fail(ctx, "(this upload came %s: the server must serve the next client)", when);
    }
    return 0;
}

/* ---- checks: uploads ------------------------------------------------------------- */

int lab02_check_upload_small(gr_ctx *ctx)
{
    char name[64];
    lab02_random_name(ctx, name, "notes", "txt");
    up_opts o = {.uo_name = name, .uo_size = 200 + gr_random_below(ctx, 2000), .uo_text = 1};
    return lab02_upload(ctx, &o);
}

int lab02_check_empty_file(gr_ctx *ctx)
{
    char name[64];
    lab02_random_name(ctx, name, "empty", "txt");
    up_opts o = {.uo_name = name, .uo_size = 0, .uo_text = 1};
    if (lab02_upload(ctx, &o) < 0) {
        return -1;
    }
    char again[64];
    return lab02_upload_next(ctx, "after an empty file", again);
}

int lab02_check_header_pieces(gr_ctx *ctx)
{
    char name[64];
    lab02_random_name(ctx, name, "pieces", "bin");
    up_opts o = {
        .uo_name = name, .uo_size = 5000 + gr_random_below(ctx, 5000), .uo_header_bytes = 1};
    return lab02_upload(ctx, &o);
}

int lab02_check_odd_chunks(gr_ctx *ctx)
{
    char name[64];
    lab02_random_name(ctx, name, "chunks", "bin");
    up_opts o = {
        .uo_name = name, .uo_size = (256u << 10) + gr_random_below(ctx, 4096), .uo_odd_chunks = 1};
    return lab02_upload(ctx, &o);
}

int lab02_check_body_with_header(gr_ctx *ctx)
{
    /* A client that does not wait for OK (the guide's Python client is one
     * when the server is quick): the header and the whole body in one
     * segment, so a buffered reader holds the body after reading the line. */
    char name[64];
    lab02_random_name(ctx, name, "glued", "bin");
    up_opts o = {.uo_name = name, .uo_size = 3000 + gr_random_below(ctx, 3000), .uo_glued = 1};
    if (lab02_upload(ctx, &o) < 0) {
        if (lab02_decoded_body(ctx)) {
            return -1; /* the cause is known, and its hint given */
        }
        gr_hint(ctx, "A buffered reader reads ahead: the body came in the same segment as the "
                     "header, so it is in the reader's buffer, not in the socket. In C: read the "
                     "body with sl_rio_read() on the same reader as the header, never recv() on "
                     "the fd. In Python: read the body from the same conn.makefile('rb') object, "
                     "or keep what recv() returned after the newline.");
        return -1;
    }
    return 0;
}

/* The highest of samples [from, to). */
static long peak_of(const up_opts *o, int from, int to)
{
    long peak = 0;
    for (int i = from; i < to; i++) {
        peak = o->uo_rss_kb[i] > peak ? o->uo_rss_kb[i] : peak;
    }
    return peak;
}

int lab02_check_large_file(gr_ctx *ctx)
{
    /* Memory that holds the body grows with every byte; a runtime's own
     * (Python's, Node's buffers, which a collector frees lazily) reaches a
     * level of its own and goes no higher, however long the file. So the
     * check compares two sizes: the peak while the second half of the body
     * arrives with the peak while the first half did. A warm-up upload
     * first lets a runtime reach its working size sooner. */
    char warm[64];
    lab02_random_name(ctx, warm, "warmup", "bin");
    up_opts w = {.uo_name = warm, .uo_size = WARM_SIZE};
    if (lab02_upload(ctx, &w) < 0) {
        return -1;
    }
    char path[PATH_MAX];
    lab02_up_path(ctx, path, sizeof path, warm);
    unlink(path);
    char name[64];
    lab02_random_name(ctx, name, "large", "bin");
    up_opts o = {.uo_name = name, .uo_size = LARGE_SIZE, .uo_watch_memory = 1};
    int rc = lab02_upload(ctx, &o);
    lab02_up_path(ctx, path, sizeof path, name);
    unlink(path);
    if (rc < 0) {
        return -1;
    }
    int half = o.uo_nrss / 2;
    long first_kb = peak_of(&o, 0, half);
    long second_kb = peak_of(&o, half, o.uo_nrss);
    gr_str_addf(gr_details(ctx),
                "resident memory during a %u MiB upload (after a %u MiB one): at most %ld MiB "
                "while its first half arrived, %ld MiB while its second half did\n",
                LARGE_SIZE >> 20, WARM_SIZE >> 20, first_kb >> 10, second_kb >> 10);
    /* Holding the body: half the upload more. A quarter is the limit. */
    long limit_kb = (long)(LARGE_SIZE / 4 / KiB);
    if (first_kb > 0 && second_kb - first_kb > limit_kb) {
        return gr_fail(ctx,
                       "the server's resident memory grew with the upload: at most %ld MiB while "
                       "the first %u MiB of the body arrived, %ld MiB while the next %u MiB did; "
                       "memory that grows by more than %ld MiB with %u MiB more holds the body",
                       first_kb >> 10, LARGE_SIZE >> 21, second_kb >> 10, LARGE_SIZE >> 21,
                       limit_kb >> 10, LARGE_SIZE >> 21);
    }
    return 0;
}

int lab02_check_replace_existing(gr_ctx *ctx)
{
    char name[64];
    lab02_random_name(ctx, name, "again", "txt");
    up_opts first = {.uo_name = name, .uo_size = 1500 + gr_random_below(ctx, 500), .uo_text = 1};
    if (lab02_upload(ctx, &first) < 0) {
        return -1;
    }
    /* The same NAME, another body, shorter: every byte of the old file goes. */
    up_opts second = {.uo_name = name, .uo_size = 500 + gr_random_below(ctx, 500), .uo_text = 1};
    if (lab02_upload(ctx, &second) < 0) {
        gr_fail(ctx,
                "(this was the second upload of %s: the guide says a file of that name "
                "already there is replaced)",
                name);
        gr_hint(ctx, "An upload replaces a file of the same name: the protocol says so. In C: "
                     "O_EXCL belongs on the temporary file only; renameat(dirfd, tmp, dirfd, "
                     "name) replaces NAME in one step. In Python: os.replace(tmp, path); no "
                     "os.path.exists(path) test, no open(path, 'xb').");
        return -1;
    }
    return 0;
}
