/* reply.c - what a reply that differs from the expected bytes did (see reply.h). */
#include "kit/reply.h"

#include "kit/kit.h"
#include "text/transcript.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Bytes that must match for the reply to count as resuming further on: with
 * random data, 8 bytes found by chance in a few MiB are as good as never. */
#define RESYNC_MIN 8
/* Bytes compared when looking for where the reply resumes. */
#define RESYNC_LEN 16
/* How far past a gap's start the reply may resume: a whole recv() buffer
 * and then some, but not the rest of a large payload to search each time. */
#define RESYNC_WINDOW (1024 * 1024)
/* Most bytes an addition may have (a newline, "\r\n", a short prefix). */
#define ADDED_MAX 8
/* Gaps counted at most, and stretches walked at most: enough to see a
 * shape, and bounded on any reply. */
#define GAPS_MAX 64
#define STEPS_MAX 256

/* Does the reply at got[gi..] go on with want[wi..] after k added bytes? */
static int resumes_after(const unsigned char *want, size_t nwant, size_t wi,
                         const unsigned char *got, size_t ngot, size_t gi, size_t k)
{
    if (gi + k > ngot) {
        return 0;
    }
    size_t left_got = ngot - gi - k;
    size_t left_want = nwant - wi;
    if (left_got == 0) {
        return left_want == 0; /* the additions are the reply's last bytes */
    }
    size_t m = left_got < left_want ? left_got : left_want;
    if (m > RESYNC_LEN) {
        m = RESYNC_LEN;
    }
    /* A short match counts only when it runs to the end of both. */
    if (m < 4 && !(m == left_got && m == left_want)) {
        return 0;
    }
    return memcmp(got + gi + k, want + wi, m) == 0;
}

/* Where in want, after wi, the reply piece p[0..n) resumes: on RESYNC_LEN
 * bytes (or RESYNC_MIN), else a piece shorter than that which ends where
 * want has a NUL (a C string's piece of a recv() buffer can be that short).
 * Sets *len to the bytes matched; NULL when nothing fits. */
static const unsigned char *resync(const unsigned char *want, size_t nwant, size_t wi,
                                   const unsigned char *p, size_t n, size_t *len)
{
    size_t from = wi + 1;
    if (from >= nwant) {
        return NULL;
    }
    size_t until = nwant - from > RESYNC_WINDOW ? from + RESYNC_WINDOW : nwant;
    for (size_t m = n < RESYNC_LEN ? n : RESYNC_LEN; m >= RESYNC_MIN;
         m = m == RESYNC_MIN ? 0 : RESYNC_MIN) {
        const unsigned char *r = memmem(want + from, until - from, p, m);
        if (r != NULL) {
            *len = m;
            return r;
        }
    }
    /* A short piece: the longest that ends right before a NUL. */
    for (size_t m = n < RESYNC_MIN - 1 ? n : RESYNC_MIN - 1; m >= 1; m--) {
        const unsigned char *z = memchr(want + from, 0, until - from);
        while (z != NULL) {
            if (z - m >= want + from && memcmp(z - m, p, m) == 0) {
                *len = m;
                return z - m;
            }
            size_t rest = (size_t)(want + until - z - 1);
            z = rest > 0 ? memchr(z + 1, 0, rest) : NULL;
        }
    }
    return NULL;
}

void gr_reply_compare(const void *want_v, size_t nwant, const void *got_v, size_t ngot,
                      gr_reply_diff *d)
{
    const unsigned char *want = want_v;
    const unsigned char *got = got_v;
    memset(d, 0, sizeof *d);
    size_t at = gr_first_diff(want, nwant, got, ngot);
    d->rd_at = at;
    if (at == ngot) {
        d->rd_prefix = at < nwant;
        d->rd_end_at_nul = at < nwant && want[at] == 0;
        return;
    }
    /* Bytes the client never sent, after which the expected ones resume. */
    for (size_t k = 1; k <= ADDED_MAX; k++) {
        if (resumes_after(want, nwant, at, got, ngot, at, k)) {
            d->rd_added = k;
            d->rd_added_byte = got[at];
            return;
        }
    }
    /* Gaps: expected bytes missing, the reply resuming further on. A gap
     * counts (its first byte, the reply's end) only after a stretch that
     * was matched on RESYNC_MIN bytes or more, or the reply's start: after
     * a shorter one, where it resumed may be chance. */
    size_t gi = at;
    size_t wi = at;
    int anchored = 1;
    for (int step = 0; gi < ngot && wi < nwant && d->rd_gaps < GAPS_MAX && step < STEPS_MAX;
         step++) {
        size_t len = 0;
        const unsigned char *r = resync(want, nwant, wi, got + gi, ngot - gi, &len);
        if (r == NULL) {
            /* Bytes that belong nowhere further on, right at the first
             * difference: changed, not lost. Later on, too few bytes may
             * be left to say. */
            d->rd_changed = d->rd_gaps == 0 && ngot - gi >= RESYNC_MIN;
            break;
        }
        if (anchored) {
            d->rd_gaps++;
            d->rd_gaps_at_nul += want[wi] == 0;
        }
        wi = (size_t)(r - want);
        size_t same = gr_first_diff(want + wi, nwant - wi, got + gi, ngot - gi);
        anchored = same >= RESYNC_MIN;
        wi += same;
        gi += same;
        if (gi == ngot && anchored) {
            d->rd_end_at_nul = wi < nwant && want[wi] == 0;
        }
    }
}

int gr_reply_cut_at_nul(const gr_reply_diff *d, size_t seen)
{
    if (d->rd_added > 0 || d->rd_changed || d->rd_gaps != d->rd_gaps_at_nul) {
        return 0;
    }
    /* The first difference must itself be a cut at a NUL: a stop there, or
     * the first gap. */
    if (!d->rd_prefix && d->rd_gaps == 0) {
        return 0;
    }
    return d->rd_gaps_at_nul + (size_t)d->rd_end_at_nul >= seen && seen > 0;
}

void gr_reply_of(const gr_conn *c, gr_reply_diff *d)
{
    gr_reply_compare(c->c_want, c->c_want_len, c->c_got, c->c_got_len, d);
}

int gr_reply_peer_closed(const gr_conn *c)
{
    int e = c->c_xp.xp_errno;
    return c->c_eof || e == ECONNRESET || e == EPIPE;
}

/* ---- the cause of a failed echo, and its hint ------------------------------------- */

/* The hints for each cause: the concept, then C, then Python. */
#define HINT_CSTRING                                                                               \
    "Data from recv() is bytes, not a C string: the reply stopped or skipped ahead exactly at "    \
    "NUL bytes. In C: send the count recv() returned, never strlen(buf), and no strcpy(), "        \
    "strcat() or printf(\"%%s\") on the data. In Python: send back the bytes recv() returned, "    \
    "as they are; never .decode() them or cut them at b'\\0'."
#define HINT_DECODE                                                                                \
    "Data is bytes, not text: the server's stderr shows a %s. In C the same mistake is a string "  \
    "function on the data (strlen(), printf(\"%%s\")): use the count recv() returned. In "         \
    "Python: send back what recv() returned, as bytes; .decode() fails on bytes that are not "     \
    "UTF-8, such as 0x80 to 0xff."
#define HINT_ADDED                                                                                 \
    "Echo adds nothing: the reply holds %s the client never sent. In C: send exactly the n "       \
    "bytes recv() returned; no printf(\"%%s\\n\"), puts() or appended '\\n'. In Python: "          \
    "conn.sendall(data) as received; no print()-style data + b'\\n'."
#define HINT_LAST_LINE                                                                             \
    "Echo bytes, not lines: the bytes after the last newline never came back. In C: send back "    \
    "each piece recv() returns at once, without waiting for a newline. In Python: echo each "      \
    "conn.recv() as it comes; a loop over lines (conn.makefile(), readline()) must still send "    \
    "the last piece at end of file."
#define HINT_CLOSED_EARLY                                                                          \
    "Serve a connection until the client is done: the server closed it before it had echoed "      \
    "everything the client sent. In C: loop over recv() and send() until recv() returns 0, and "   \
    "only then close(). In Python: loop on data = conn.recv(65536) until it is b'', with "         \
    "conn.sendall(data) each time."

int gr_echo_decode_cause(gr_ctx *ctx)
{
    /* Python names the error in its traceback: the bytes cannot say it. */
    static const char *const names[] = {"UnicodeDecodeError", "UnicodeEncodeError"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (gr_server_said(ctx, names[i])) {
            gr_hint(ctx, HINT_DECODE, names[i]);
            return 1;
        }
    }
    return 0;
}

/* A printable name for a byte a reply added, for a hint. */
static const char *added_name(unsigned char b, char *buf, size_t n)
{
    if (b == '\n') {
        return "a newline (\\n)";
    }
    if (b == '\r') {
        return "a carriage return (\\r)";
    }
    snprintf(buf, n, "bytes (the first is 0x%02x)", b);
    return buf;
}

gr_echo_seen gr_echo_cause(gr_ctx *ctx, const gr_conn *c, size_t nul_seen)
{
    if (gr_echo_decode_cause(ctx)) {
        return GR_ECHO_DECODE;
    }
    gr_reply_diff d;
    gr_reply_of(c, &d);
    if (gr_reply_cut_at_nul(&d, nul_seen)) {
        size_t places = d.rd_gaps_at_nul + (size_t)d.rd_end_at_nul;
        gr_str_addf(gr_details(ctx),
                    "what the reply shows: it stops or skips ahead exactly where the data holds a "
                    "NUL byte (%zu place%s), as C string functions do\n",
                    places, places == 1 ? "" : "s");
        gr_hint(ctx, HINT_CSTRING);
        return GR_ECHO_CSTRING;
    }
    if (d.rd_added > 0) {
        char buf[48];
        const char *what = added_name(d.rd_added_byte, buf, sizeof buf);
        gr_str_addf(gr_details(ctx),
                    "what the reply shows: %s at byte %zu that the client never sent; after %s "
                    "the echo goes on as expected\n",
                    what, d.rd_at, d.rd_added == 1 ? "it" : "them");
        gr_hint(ctx, HINT_ADDED, what);
        return GR_ECHO_ADDED;
    }
    /* Everything up to the last newline came back, and no more: the server
     * echoes lines, and the bytes after the last one have no newline. */
    if (d.rd_prefix && c->c_got_len > 0 && c->c_got[c->c_got_len - 1] == '\n' &&
        memchr(c->c_want + c->c_got_len, '\n', c->c_want_len - c->c_got_len) == NULL) {
        gr_str_addf(gr_details(ctx),
                    "what the reply shows: everything up to the last newline came back, and "
                    "none of the %zu bytes after it\n",
                    c->c_want_len - c->c_got_len);
        gr_hint(ctx, HINT_LAST_LINE);
        return GR_ECHO_LAST_LINE;
    }
    /* A hang-up, by a server that goes on (one that died says so itself). */
    int signo = 0;
    int status = -1;
    if (gr_reply_peer_closed(c) && c->c_got_len < c->c_want_len && !d.rd_changed &&
        !gr_server_ended(ctx, 200, &signo, &status)) {
        if (c->c_out_len > 0) {
            gr_str_addf(gr_details(ctx),
                        "what the connection shows: the server ended it (end of file or a "
                        "reset) when %zu of the %zu bytes the client had sent had come back\n",
                        c->c_got_len, c->c_out_off);
        } else {
            gr_str_addf(gr_details(ctx),
                        "what the connection shows: the server ended it (end of file or a "
                        "reset) when %zu of the %zu bytes it owed had come back\n",
                        c->c_got_len, c->c_want_len);
        }
        gr_hint(ctx, HINT_CLOSED_EARLY);
        return GR_ECHO_CLOSED_EARLY;
    }
    return GR_ECHO_UNCLEAR;
}

int gr_echo_line(gr_ctx *ctx, gr_conn *c, const char *line, const char *what)
{
    int rc = gr_exchange(ctx, c, line, strlen(line), line, strlen(line), 0, what);
    if (rc < 0) {
        gr_echo_cause(ctx, c, 1);
    }
    return rc;
}

int gr_echo_out_of_order(gr_ctx *ctx, gr_conn *c, size_t n)
{
    int rc = gr_echo_line(ctx, &c[0], "client 1 stops in the mid", "echo of half a line");
    for (size_t i = n; i-- > 1 && rc == 0;) {
        char line[64];
        snprintf(line, sizeof line, "client %zu, served while client 1 waits\n", i + 1);
        rc = gr_echo_line(ctx, &c[i], line, "echo");
        if (rc < 0) {
            gr_fail(ctx,
                    "(clients 1 to %zu are connected, client 1 in the middle of a line; "
                    "served in the order %zu, %zu, ... 2: each must be served while the "
                    "others wait)",
                    n, n, n - 1);
        }
    }
    if (rc == 0) {
        rc = gr_echo_line(ctx, &c[0], "dle of a line\n", "echo of the rest of client 1's line");
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = gr_exchange(ctx, &c[i], "bye\n", 4, "bye\n", 4, GR_SHUT_AFTER | GR_WANT_EOF,
                         "echo of a last line, then end of file after the client closed its side");
    }
    return rc;
}
