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
    if (rc < 0 && gr_server_said(ctx, "UnicodeDecodeError")) {
        /* A binary body (this one, or one before it in the check): a Python
         * server that decodes it dies of it. */
        gr_hint(ctx, "A body is bytes, not text: the server's stderr shows a UnicodeDecodeError. "
                     "In C the same mistake is a string function on the body (strlen(), "
                     "fputs()): write the count the read returned. In Python: write what "
                     "f.read() returned to a file opened 'wb'; never .decode() it.");
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

/* For a hostile name the server said OK to: the check of NAME it lacks. */
#define HINT_NAME_SLASH                                                                            \
    "A NAME is one path component: \"../escape-...\" climbs out of the directory. In C: refuse "   \
    "any NAME holding a '/' before joining it to DIR with snprintf(). In Python: refuse b'/' in "  \
    "name; os.path.join(dir, name) checks nothing."
#define HINT_NAME_ABSOLUTE                                                                         \
    "A NAME is one path component: an absolute path names a file anywhere. In C: refuse a '/' "    \
    "anywhere in NAME. In Python: os.path.join(dir, name) throws dir away when name is "           \
    "absolute; refuse b'/' in name before joining."
#define HINT_NAME_EMPTY                                                                            \
    "A NAME has 1 to 255 bytes: an empty one names the directory itself. In C: refuse a NAME of "  \
    "length 0 before open(). In Python: refuse name == b''."
#define HINT_NAME_NUL                                                                              \
    "A NAME holds no NUL byte: to C, \"a\\0b\" is the file a. In C: look for a NUL by the "        \
    "length (memchr(name, 0, len)), not with strlen(), and refuse it. In Python: open() raises "   \
    "ValueError on a NUL; refuse b'\\0' in name with ERR first."
#define HINT_NAME_LONG                                                                             \
    "A NAME has at most 255 bytes: check its length before saying OK. In C: open() or rename() "   \
    "fails with ENAMETOOLONG only after OK went out; refuse a longer NAME first. In Python: "      \
    "refuse len(name) > 255 before sending OK."
#define HINT_NAME_DOTS                                                                             \
    "A NAME is neither . nor ..: those name directories. In C: compare the whole NAME (by its "    \
    "length) with \".\" and \"..\" before open(). In Python: refuse name in (b'.', b'..')."
/* For a bad size the server said OK to: what is wrong with it, and the C
 * call that takes it anyway. */
#define HINT_SIZE_FORMAT                                                                           \
    "SIZE is 1 to 13 decimal digits, at most 2^40, and nothing else: %s. In C: %s; check that "    \
    "each character is '0' to '9', then the value. In Python: int() takes spaces, signs and "      \
    "underscores; check re.fullmatch(rb'[0-9]{1,13}', size) first, then the value."

/* Send header[0..n) (with some body bytes after it) and expect "ERR reason"
 * and a close. With may_just_close, a close without a reply is accepted.
 * For an "OK", ok_why says what that lets a client do, and ok_hint is the
 * hint for the one check of the header it shows missing (either NULL). */
static int expect_refusal(gr_ctx *ctx, const char *header, size_t n, const char *desc,
                          int may_just_close, const char *ok_why, const char *ok_hint)
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
            if (ok_why != NULL) {
                gr_fail(ctx, "%s", ok_why);
            }
            if (ok_hint != NULL) {
                gr_hint(ctx, "%s", ok_hint);
            }
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

/* After a failed refusal check: a server that ended on the bad headers
 * says why (a Python traceback, an exit status). */
static void refusal_cause(gr_ctx *ctx)
{
    int signo = 0;
    int status = -1;
    if (!gr_server_ended(ctx, 200, &signo, &status)) {
        return;
    }
    /* "embedded null byte" (open()) or "embedded null character" (os.open()) */
    if (gr_server_said(ctx, "embedded null")) {
        gr_hint(ctx, "Check NAME before anything touches the disk: the server died of Python's "
                     "ValueError for a NUL byte in a path. In C: a NUL cuts a C string, so look "
                     "for it by length (memchr(name, 0, len)) and refuse. In Python: refuse "
                     "b'\\0' in name with ERR before open(), and catch errors per client.");
    } else if (status > 0) {
        gr_hint(ctx,
                "A refused header ends that client, not the server: the server exited (status "
                "%d) while it was sent bad headers. In C: answer \"ERR reason\", close that "
                "connection and go back to accept(); no exit() on bad input. In Python: catch "
                "the exception for that client (ValueError from int() or open(), say), answer "
                "ERR and go on.",
                status);
    }
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
        const char *h_hint; /* for an OK: the check that is missing */
    } cases[6];
    int nc = 0;
    cases[nc].h_len =
        (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "../%s|5\n", escape);
    cases[nc].h_hint = HINT_NAME_SLASH;
    cases[nc++].h_desc = "the name \"../escape-...\" (it climbs out of the directory)";
    cases[nc].h_len =
        (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "%s|5\n", absolute);
    cases[nc].h_hint = HINT_NAME_ABSOLUTE;
    cases[nc++].h_desc = "an absolute path as the name";
    cases[nc].h_len = (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "|5\n");
    cases[nc].h_hint = HINT_NAME_EMPTY;
    cases[nc++].h_desc = "an empty name";
    memcpy(cases[nc].h_bytes, "a\0b|5\n", 6);
    cases[nc].h_len = 6;
    cases[nc].h_hint = HINT_NAME_NUL;
    cases[nc++].h_desc = "the name \"a\\0b\" (a NUL byte inside it)";
    cases[nc].h_len =
        (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "%s|5\n", longname);
    cases[nc].h_hint = HINT_NAME_LONG;
    cases[nc++].h_desc = "a name of 300 bytes (longer than 255)";
    cases[nc].h_len = (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "..|5\n");
    cases[nc].h_hint = HINT_NAME_DOTS;
    cases[nc++].h_desc = "the name \"..\"";

    gr_str before = {0};
    dir_snapshot(ctx, &before);
    int rc = 0;
    for (int i = 0; i < nc && rc == 0; i++) {
        /* Five body bytes follow the header, as a client that did not wait would send. */
        char msg[PATH_MAX + 80];
        memcpy(msg, cases[i].h_bytes, cases[i].h_len);
        memcpy(msg + cases[i].h_len, "hello", 5);
        rc = expect_refusal(ctx, msg, cases[i].h_len + 5, cases[i].h_desc, 0,
                            "a server that accepts this name can be made to write anywhere, or "
                            "into a file it cannot name",
                            cases[i].h_hint);
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
    if (rc < 0) {
        refusal_cause(ctx);
    }
    gr_str_free(&before);
    return rc;
}

static int check_bad_sizes(gr_ctx *ctx)
{
    static const struct {
        const char *sz_text;
        const char *sz_what; /* what is wrong with it */
        const char *sz_trap; /* the C call that takes it anyway */
    } sizes[] = {
        {"-1", "\"-1\" has a sign",
         "atoi() and strtol() take a sign, and strtoull(\"-1\") is 2^64 - 1"},
        {"abc", "\"abc\" has no digit", "atoi(\"abc\") is 0, a valid size"},
        {"1e9", "\"1e9\" is not all digits", "atoi() and strtol() stop at the e and return 1"},
        {"99999999999999999999", "20 digits are more than 13",
         "they overflow 64 bits: atoi() wraps, strtoull() gives ULLONG_MAX"},
        {" 10", "\" 10\" starts with a space", "atoi() and strtol() skip leading spaces"},
        {"", "SIZE is empty", "atoi(\"\") is 0"},
        {"+5", "\"+5\" has a sign", "atoi() and strtol() take a plus sign too"},
        {"10 ", "\"10 \" ends with a space", "strtol() stops at the space and returns 10"},
        {"1099511627777", "1099511627777 is more than 2^40",
         "13 digits can exceed 2^40: compare the value with 1099511627776"},
    };
    gr_str before = {0};
    dir_snapshot(ctx, &before);
    int rc = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++) {
        char name[64];
        random_name(ctx, name, "size", "txt");
        char msg[200];
        int n = snprintf(msg, sizeof msg, "%s|%s\nhello", name, sizes[i].sz_text);
        char desc[100];
        snprintf(desc, sizeof desc, "the size \"%s\"", sizes[i].sz_text);
        char hint[512];
        snprintf(hint, sizeof hint, HINT_SIZE_FORMAT, sizes[i].sz_what, sizes[i].sz_trap);
        rc = expect_refusal(ctx, msg, (size_t)n, desc, 0,
                            "a server that accepts this size reads a body of a length the client "
                            "never said",
                            hint);
    }
    char next[64];
    if (rc == 0) {
        rc = upload_next(ctx, "after the bad sizes", next);
    }
    const char *allowed[] = {next, NULL};
    if (rc == 0) {
        rc = expect_new_entries(ctx, &before, allowed, "after the refused sizes");
    }
    if (rc < 0) {
        refusal_cause(ctx);
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
    int rc = expect_refusal(ctx, msg, sizeof msg, "2000 bytes without a newline", 1, NULL, NULL);
    char next[64];
    if (rc == 0) {
        rc = upload_next(ctx, "after a header of 2000 bytes", next);
    }
    const char *allowed[] = {next, NULL};
    if (rc == 0) {
        rc = expect_new_entries(ctx, &before, allowed, "after the long header");
    }
    if (rc < 0) {
        refusal_cause(ctx);
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
        gr_hint(ctx, "A file appears whole or not at all: the body was written straight to "
                     "NAME. In C: write to a temporary name in DIR (open() with O_CREAT | "
                     "O_EXCL), and rename() it to NAME only after the last byte. In Python: "
                     "write to a temporary file in DIR, then os.replace(tmp, path).");
    }
    const char *allowed[] = {next, NULL};
    if (rc == 0) {
        rc = expect_new_entries(ctx, &before, allowed,
                                "after a client hung up in the middle of its body (and the next "
                                "upload)");
        if (rc < 0) {
            gr_hint(ctx, "A client that leaves early leaves nothing behind: the temporary file "
                         "stayed. In C: when a read returns 0 or fails before SIZE bytes, "
                         "close() and unlink() the temporary file. In Python: os.unlink(tmp) "
                         "when recv() returns b'' too early (try/finally does it on every path).");
        }
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
        gr_hint(ctx, "The body waits for OK: the client sent body bytes before the server had "
                     "answered. In C: after the header, read the whole reply line "
                     "(sl_rio_readline()) and send the body only if it is \"OK\". In Python: "
                     "sock.makefile('rb').readline() before the first body byte.");
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
         "An upload is a header line, OK, exactly SIZE bytes, then DONE SIZE. In C: read the "
         "line with sl_rio_readline(), split it at the last '|', reply \"OK\\n\", copy SIZE bytes "
         "into DIR/NAME, then reply \"DONE SIZE\\n\". In Python: f = conn.makefile('rb'); "
         "f.readline(1025), name, _, size = line.rstrip(b'\\n').rpartition(b'|'), then the body "
         "and DONE.",
     .ck_run = check_upload_small},
    {.ck_name = "empty-file",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_summary = "a file of 0 bytes is stored, then the next one",
     .ck_hint =
         "SIZE 0 is a valid upload: OK, no body at all, an empty file, DONE 0. In C: a loop "
         "while (left > 0) reads nothing and is right; waiting for a first recv() of the body "
         "waits forever. Create the file all the same. In Python: the same loop, while left > 0, "
         "and open(tmp, 'xb') even when nothing is written.",
     .ck_run = check_empty_file},
    {.ck_name = "header-pieces",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 10,
     .ck_deadline_ms = 15000,
     .ck_summary = "a header sent one byte per send() is understood",
     .ck_hint =
         "One recv() is not one header: it returns whatever has arrived, maybe one byte. In C: "
         "read until the newline with sl_rio_readline(), never trust a single recv() to hold the "
         "line. In Python: conn.makefile('rb').readline(1025) reads up to the newline, however "
         "many recv() calls that takes.",
     .ck_run = check_header_pieces},
    {.ck_name = "odd-chunks",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 8,
     .ck_deadline_ms = 15000,
     .ck_summary = "a body sent in random odd-sized pieces is stored byte for byte",
     .ck_hint =
         "Count body bytes as they arrive: each read returns from 1 byte up. In C: read the "
         "body through the same sl_rio reader as the header (sl_rio_read()), never recv() on the "
         "fd, which would skip what the reader holds. In Python: read the body from the same "
         "file object as the header, f.read(min(65536, left)), until left is 0.",
     .ck_run = check_odd_chunks},
    {.ck_name = "large-file",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 10,
     .ck_deadline_ms = 60000,
     .ck_summary =
         "a 64 MiB file arrives intact (SHA-256); the server's memory grows by less than 32 MiB",
     .ck_hint =
         "Copy the body through a fixed buffer: memory must not grow with SIZE, which comes from "
         "the network and may be 1 TiB. In C: a 64 KiB buffer, read some, write them, repeat; "
         "never malloc(SIZE). In Python: chunk = f.read(65536) and out.write(chunk) in a loop; "
         "never data += chunk or f.read(size).",
     .ck_run = check_large_file},
    {.ck_name = "hostile-names",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 13,
     .ck_deadline_ms = 20000,
     .ck_summary =
         "../, absolute, empty, NUL, 300-byte and \"..\" names get ERR, nothing is written",
     .ck_hint =
         "A NAME from the network is one path component, checked before anything touches the "
         "disk: 1 to 255 bytes, no '/', no NUL, no control character, not \".\" or \"..\". In C: "
         "check it by its length, then answer \"ERR reason\" and close if it fails. In Python: "
         "the same checks on the bytes; os.path.join() validates nothing.",
     .ck_run = check_hostile_names},
    {.ck_name = "bad-sizes",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 8,
     .ck_deadline_ms = 20000,
     .ck_summary =
         "sizes like -1, abc, 1e9, \" 10\", 20 digits and empty get ERR, nothing is written",
     .ck_hint =
         "SIZE is 1 to 13 decimal digits, at most 2^40, and nothing else. In C: atoi() and "
         "strtol() accept spaces, signs and junk; check each character yourself, then the value. "
         "In Python: int() accepts spaces, signs and underscores; check "
         "re.fullmatch(rb'[0-9]{1,13}', size) first.",
     .ck_run = check_bad_sizes},
    {.ck_name = "long-header",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 20000,
     .ck_summary = "2000 bytes without a newline are refused, and the next client is served",
     .ck_hint =
         "Bound the header: a line without a newline must not grow without end. In C: "
         "sl_rio_readline() with a 1025-byte buffer returns -1 with EMSGSIZE after 1024 bytes; "
         "answer \"ERR header too long\" and close. In Python: f.readline(1025) returns at most "
         "1025 bytes; without a newline at the end, answer ERR.",
     .ck_run = check_long_header},
    {.ck_name = "disconnect-mid-body",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 10,
     .ck_deadline_ms = 20000,
     .ck_summary = "a client that hangs up halfway leaves no file and no temporary file behind",
     .ck_hint =
         "A file appears whole or not at all: a client that hangs up halfway leaves nothing. In "
         "C: write the body to a temporary name in DIR (O_CREAT | O_EXCL), rename() it to NAME "
         "after the last byte, and unlink() it when the client leaves early. In Python: the same "
         "with os.replace(tmp, path) and os.unlink(tmp).",
     .ck_run = check_disconnect_mid_body},

    {.ck_name = "client-upload",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 8,
     .ck_deadline_ms = 15000,
     .ck_summary = "file_send sends NAME|SIZE, waits for OK, sends the file and exits 0 on DONE",
     .ck_hint =
         "The client sends NAME|SIZE, waits for OK, sends exactly SIZE bytes and waits for "
         "DONE SIZE. In C: \"upload.bin|SIZE\\n\" (basename, size from fstat()), read the reply "
         "line, sl_rio_writen() the file in chunks, read \"DONE SIZE\", exit 0. In Python: "
         "sock.sendall(header), f.readline(), then sock.sendall() each chunk, then DONE.",
     .ck_run = check_client_upload},
    {.ck_name = "client-slow-ack",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "the body waits for OK, which comes late and in pieces, as does DONE",
     .ck_hint =
         "The body waits for OK, however late and in however many pieces it comes. In C: read "
         "the whole reply line with sl_rio_readline() before sending any body byte; one recv() "
         "may hold \"O\" alone. In Python: sock.makefile('rb').readline(), not one sock.recv(), "
         "and no short timeout.",
     .ck_run = check_client_slow_ack},
    {.ck_name = "client-err",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "an ERR reply ends the upload: the server's reason on stderr, exit 1",
     .ck_hint =
         "Anything but OK ends the upload: show the server's reason and fail. In C: print the "
         "text after \"ERR \" on stderr and exit 1. In Python: print it to sys.stderr and "
         "sys.exit(1).",
     .ck_run = check_client_err},
    {.ck_name = "client-no-done",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "a server that closes without DONE makes the client exit 1",
     .ck_hint =
         "An upload succeeds only when the server says DONE SIZE: sending every byte proves "
         "nothing. In C: a connection closed before that line (sl_rio_readline() returning 0) is a "
         "failure: say so and exit 1. In Python: readline() returning b'' is the same.",
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
