/* rules.c - lab 02's rules of the header, probed at both edges: each value
 * just inside a rule of the guide's protocol must be accepted and stored,
 * each value just outside refused with "ERR reason", nothing written, and
 * the next client served. RULES.md lists every rule and its check.
 *
 * The header comes from the network, so the checks also send what an
 * attacker would: names that climb out of the directory, absolute paths,
 * NUL bytes, impossible sizes, a header that never ends. */
#include "lab02.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
#define HINT_NAME_CONTROL                                                                          \
    "A NAME holds no control character: bytes 1 to 31 and 127 (DEL) are refused. In C: compare "   \
    "each byte as unsigned char, ch < 0x20 || ch == 0x7f (a plain char is negative above 127). "   \
    "In Python: refuse any(b < 32 or b == 127 for b in name)."
#define HINT_NAME_DOTS                                                                             \
    "A NAME is neither . nor ..: those name directories. In C: compare the whole NAME (by its "    \
    "length) with \".\" and \"..\" before open(). In Python: refuse name in (b'.', b'..')."
/* For a header without '|' the server said OK to. */
#define HINT_NO_BAR                                                                                \
    "A header is NAME|SIZE: without a '|' there is no SIZE, and the line is refused. In C: when "  \
    "no '|' is found in the line, answer \"ERR reason\" (the reference's \"malformed header\"). "  \
    "In Python: line.rpartition(b'|') returns an empty separator then; refuse it."
/* For a bad size the server said OK to: what is wrong with it, and the C
 * call that takes it anyway. */
#define HINT_SIZE_FORMAT                                                                           \
    "SIZE is 1 to 13 decimal digits, at most 2^40, and nothing else: %s. In C: %s; check that "    \
    "each character is '0' to '9', then the value. In Python: int() takes spaces, signs and "      \
    "underscores; check re.fullmatch(rb'[0-9]{1,13}', size) first, then the value."

int lab02_expect_refusal(gr_ctx *ctx, const char *header, size_t n, const char *desc,
                         int may_just_close, const char *ok_why, const char *ok_hint)
{
    gr_conn c;
    if (gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}) < 0) {
        return -1;
    }
    int rc = 0;
    /* A send error is no failure: the server may answer and close early. */
    (void)gr_send_all(&c, header, n, lab02_reply_deadline(ctx));
    char line[REPLY_MAX];
    int k = gr_read_line(&c, line, sizeof line, lab02_reply_deadline(ctx));
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
            (void)gr_send_all(&c, "hello", 5, lab02_reply_deadline(ctx));
            (void)gr_wait_close(&c, lab02_reply_deadline(ctx));
        }
    } else {
        int w = gr_wait_close(&c, lab02_reply_deadline(ctx));
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

void lab02_refusal_cause(gr_ctx *ctx)
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

int lab02_check_hostile_names(gr_ctx *ctx)
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
    char name256[257];
    memset(name256, 'n', 256);
    name256[256] = '\0';
    /* Each byte class the guide forbids, and its edges: 1 and 31, tab and
     * CR, DEL (127). */
    static const struct {
        unsigned char cc_byte;
        const char *cc_desc;
    } controls[] = {
        {0x01, "the name \"a\\x01b\" (byte 1, a control character)"},
        {0x09, "the name \"a\\tb\" (a tab, a control character)"},
        {0x0d, "the name \"a\\rb\" (a carriage return, a control character)"},
        {0x1f, "the name \"a\\x1fb\" (byte 31, a control character)"},
        {0x7f, "the name \"a\\x7fb\" (byte 127, DEL, a control character)"},
    };

    /* Each header: the bytes up to "|5\n"; a NUL is spelled out by length. */
    struct {
        const char *h_desc;
        char h_bytes[PATH_MAX + 64];
        size_t h_len;
        const char *h_hint; /* for an OK: the check that is missing */
    } cases[16];
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
        (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "%s|5\n", name256);
    cases[nc].h_hint = HINT_NAME_LONG;
    cases[nc++].h_desc = "a name of 256 bytes (one more than 255)";
    cases[nc].h_len =
        (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "%s|5\n", longname);
    cases[nc].h_hint = HINT_NAME_LONG;
    cases[nc++].h_desc = "a name of 300 bytes (longer than 255)";
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
        cases[nc].h_len = (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "a%cb|5\n",
                                           (char)controls[i].cc_byte);
        cases[nc].h_hint = HINT_NAME_CONTROL;
        cases[nc++].h_desc = controls[i].cc_desc;
    }
    cases[nc].h_len = (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, ".|5\n");
    cases[nc].h_hint = HINT_NAME_DOTS;
    cases[nc++].h_desc = "the name \".\"";
    cases[nc].h_len = (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes, "..|5\n");
    cases[nc].h_hint = HINT_NAME_DOTS;
    cases[nc++].h_desc = "the name \"..\"";
    cases[nc].h_len = (size_t)snprintf(cases[nc].h_bytes, sizeof cases[nc].h_bytes,
                                       "nopipe-%08" PRIx64 "\n", tag);
    cases[nc].h_hint = HINT_NO_BAR;
    cases[nc++].h_desc = "a header without '|' (a NAME and no SIZE)";

    gr_str before = {0};
    lab02_dir_snapshot(ctx, &before);
    int rc = 0;
    for (int i = 0; i < nc && rc == 0; i++) {
        /* Five body bytes follow the header, as a client that did not wait would send. */
        char msg[PATH_MAX + 80];
        memcpy(msg, cases[i].h_bytes, cases[i].h_len);
        memcpy(msg + cases[i].h_len, "hello", 5);
        rc = lab02_expect_refusal(
            ctx, msg, cases[i].h_len + 5, cases[i].h_desc, 0,
            "a server that accepts this name can be made to write anywhere, or "
            "into a file it cannot name",
            cases[i].h_hint);
    }
    char next[64];
    if (rc == 0) {
        rc = lab02_upload_next(ctx, "after the hostile names", next);
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
        rc = lab02_expect_new_entries(ctx, &before, allowed, "after the refused names");
    }
    if (rc < 0) {
        lab02_refusal_cause(ctx);
    }
    gr_str_free(&before);
    return rc;
}

int lab02_check_bad_sizes(gr_ctx *ctx)
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
        {"00000000000010", "14 digits are more than 13, leading zeros included",
         "count the digits as they came, before the value"},
        {"0x10", "\"0x10\" is not decimal digits", "strtoull(s, NULL, 0) reads it as hex, 16"},
        {"1_0", "\"1_0\" is not all digits", "Python's int() takes underscores between digits"},
        {"10\r", "\"10\\r\" ends with a carriage return",
         "strtol() stops at it, and Python's int() strips it as white space"},
    };
    gr_str before = {0};
    lab02_dir_snapshot(ctx, &before);
    int rc = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++) {
        char name[64];
        lab02_random_name(ctx, name, "size", "txt");
        char msg[200];
        int n = snprintf(msg, sizeof msg, "%s|%s\nhello", name, sizes[i].sz_text);
        char desc[100];
        char show[40];
        snprintf(desc, sizeof desc, "the size \"%s\"",
                 gr_printable(sizes[i].sz_text, strlen(sizes[i].sz_text), show, sizeof show));
        char hint[512];
        snprintf(hint, sizeof hint, HINT_SIZE_FORMAT, sizes[i].sz_what, sizes[i].sz_trap);
        rc = lab02_expect_refusal(
            ctx, msg, (size_t)n, desc, 0,
            "a server that accepts this size reads a body of a length the client "
            "never said",
            hint);
    }
    char next[64];
    if (rc == 0) {
        rc = lab02_upload_next(ctx, "after the bad sizes", next);
    }
    const char *allowed[] = {next, NULL};
    if (rc == 0) {
        rc = lab02_expect_new_entries(ctx, &before, allowed, "after the refused sizes");
    }
    if (rc < 0) {
        lab02_refusal_cause(ctx);
    }
    gr_str_free(&before);
    return rc;
}

int lab02_check_long_header(gr_ctx *ctx)
{
    gr_str before = {0};
    lab02_dir_snapshot(ctx, &before);
    /* Exactly 1024 bytes and no newline, the connection held open: the line
     * can no longer fit, so the answer comes now, not after another byte. */
    char msg[2000];
    memset(msg, 'h', sizeof msg);
    int rc = lab02_expect_refusal(ctx, msg, 1024,
                                  "exactly 1024 bytes without a newline (the client then waits)", 0,
                                  NULL, NULL);
    if (rc < 0) {
        gr_hint(ctx, "The header line has at most 1024 bytes, newline included: once 1024 bytes "
                     "have come without one, it cannot be a header. In C: sl_rio_readline() with "
                     "a buffer of 1025 bytes returns -1 with EMSGSIZE after 1024; answer \"ERR "
                     "header too long\" then, without waiting for more. In Python: "
                     "f.readline(1024) returns the line, or 1024 bytes without a newline: refuse "
                     "those at once (f.readline(1025) waits for one byte more).");
    }
    /* Much more than the limit: a server may close without reading it all
     * (its close then resets, and the ERR may be lost). */
    if (rc == 0) {
        rc = lab02_expect_refusal(ctx, msg, sizeof msg, "2000 bytes without a newline", 1, NULL,
                                  NULL);
    }
    char next[64];
    if (rc == 0) {
        rc = lab02_upload_next(ctx, "after a header of 2000 bytes", next);
    }
    const char *allowed[] = {next, NULL};
    if (rc == 0) {
        rc = lab02_expect_new_entries(ctx, &before, allowed, "after the long header");
    }
    if (rc < 0) {
        lab02_refusal_cause(ctx);
    }
    gr_str_free(&before);
    return rc;
}

/* ---- what must be accepted ----------------------------------------------------------- */

/* A valid header the server refused: the rule it broke the other way. */
#define HINT_VALID_NAME                                                                            \
    "A server that refuses a valid NAME is as wrong as one that takes a bad one: NAME is 1 to "    \
    "255 bytes, and only '/', NUL, bytes 1 to 31 and 127, \".\" and \"..\" are refused; spaces, "  \
    "punctuation, leading dots and bytes 128 to 255 are allowed. In C: test exactly those "        \
    "bytes, on unsigned char, and the length with > 255. In Python: keep NAME as bytes (no "       \
    ".decode()), and test exactly those rules."

/* Upload a small file under each name; each must be stored under exactly
 * those bytes. */
static int upload_names(gr_ctx *ctx, const char *const *names, const char *const *why, int n,
                        const char *hint)
{
    for (int i = 0; i < n; i++) {
        up_opts o = {.uo_name = names[i], .uo_size = 20 + gr_random_below(ctx, 200), .uo_text = 1};
        if (lab02_upload(ctx, &o) < 0) {
            gr_fail(ctx, "(this name is valid: %s)", why[i]);
            gr_hint(ctx, "%s", hint);
            return -1;
        }
    }
    return 0;
}

int lab02_check_names_allowed(gr_ctx *ctx)
{
    uint64_t tag = gr_random(ctx) & 0xffffffffu;
    char longest[256];
    int k = snprintf(longest, sizeof longest, "longest-%08" PRIx64 "-", tag);
    memset(longest + k, 'n', 255 - (size_t)k);
    longest[255] = '\0';
    char edges[64];
    snprintf(edges, sizeof edges, " ~!#$%%&'()*+,-;<=>?@[\\]^_`{}-%08" PRIx64 " ", tag);
    char high[64];
    snprintf(high, sizeof high, "\x80high-%08" PRIx64 "\xff", tag);
    char utf8[64];
    snprintf(utf8, sizeof utf8, "r\xc3\xa9sum\xc3\xa9-%08" PRIx64 ".txt", tag);
    char dotted[64];
    snprintf(dotted, sizeof dotted, ".hidden-%08" PRIx64, tag);
    char dotdotx[64];
    snprintf(dotdotx, sizeof dotdotx, "..%08" PRIx64, tag);
    const char *names[] = {longest, edges, high, utf8, dotted, dotdotx, "..."};
    const char *why[] = {
        "255 bytes, the longest NAME the guide allows",
        "a space at both ends, and every punctuation byte but '/' and '|' (bytes 32 and 126 "
        "are the edges of the allowed ASCII)",
        "bytes 128 and 255 (not UTF-8): only '/', NUL and bytes 1 to 31 and 127 are refused",
        "UTF-8 (\"r\\xc3\\xa9sum\\xc3\\xa9\")",
        "a leading dot: only \".\" and \"..\" themselves are refused",
        "two dots and more: only \".\" and \"..\" themselves are refused",
        "three dots: only \".\" and \"..\" themselves are refused",
    };
    /* "..." cannot take a random tag: a file of an earlier run must not
     * make this upload a replacement (replace-existing's question). */
    char three[PATH_MAX];
    lab02_up_path(ctx, three, sizeof three, "...");
    unlink(three);
    return upload_names(ctx, names, why, (int)(sizeof names / sizeof names[0]), HINT_VALID_NAME);
}

int lab02_check_name_with_bar(gr_ctx *ctx)
{
    uint64_t tag = gr_random(ctx) & 0xffffffffu;
    char one[64];
    snprintf(one, sizeof one, "a|b-%08" PRIx64 ".txt", tag);
    char two[64];
    snprintf(two, sizeof two, "pipe||%08" PRIx64 "|", tag);
    const char *names[] = {one, two};
    const char *why[] = {
        "the guide separates NAME and SIZE at the last '|' of the line; NAME may hold '|'",
        "NAME may hold '|', even several and at its end; SIZE never does",
    };
    return upload_names(
        ctx, names, why, 2,
        "NAME and SIZE are separated by the last '|': NAME may hold '|', SIZE never "
        "does. In C: find the last '|' of the line (a loop to the end, or "
        "memrchr()), not the first (strchr(), strtok()). In Python: "
        "line.rpartition(b'|') or line.rsplit(b'|', 1); line.split(b'|') makes "
        "three parts of \"a|b.txt|5\".");
}

int lab02_check_size_edges(gr_ctx *ctx)
{
    static const struct {
        const char *se_text;
        uint64_t se_value;
        const char *se_why;
    } sizes[] = {
        {"0010", 10, "leading zeros are digits: SIZE is 1 to 13 decimal digits, so 0010 is ten"},
        {"0000000000007", 7, "13 digits, the most SIZE may have, leading zeros included"},
        {"00", 0, "two zeros are zero: an empty body"},
    };
    char names[8][64];
    int na = 0;
    int rc = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++) {
        lab02_random_name(ctx, names[na], "size", "txt");
        up_opts o = {.uo_name = names[na++],
                     .uo_size_as = sizes[i].se_text,
                     .uo_size = sizes[i].se_value,
                     .uo_text = 1};
        rc = lab02_upload(ctx, &o);
        if (rc < 0) {
            gr_fail(ctx,
                    "(the size \"%s\" is valid: %s; the answer is DONE and the number of "
                    "bytes, %" PRIu64 ")",
                    sizes[i].se_text, sizes[i].se_why, sizes[i].se_value);
            gr_hint(ctx, "SIZE is decimal, 1 to 13 digits, leading zeros included: \"0010\" is "
                         "10. In C: after checking the digits, convert with base 10: your own "
                         "loop, or strtoull(s, NULL, 10); base 0 reads 0010 as octal (8) and 0x10 "
                         "as hex. In Python: int(size, 10) after the digit check; int() with base "
                         "0 refuses leading zeros.");
        }
    }
    /* The largest SIZE: OK, then the client gives up (nobody sends 1 TiB in
     * a test). */
    if (rc == 0) {
        gr_conn c;
        rc = gr_connect(ctx, &c, "client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET});
        if (rc == 0) {
            lab02_random_name(ctx, names[na], "huge", "bin");
            char header[100];
            int hn = snprintf(header, sizeof header, "%s|%" PRIu64 "\n", names[na], LAB02_SIZE_MAX);
            (void)gr_send_all(&c, header, (size_t)hn, lab02_reply_deadline(ctx));
            rc = lab02_expect_line(ctx, &c, "OK",
                                   "after a header with SIZE 1099511627776 (2^40, the largest "
                                   "allowed)");
            if (rc < 0) {
                gr_hint(ctx, "SIZE may be 2^40 (1099511627776) itself: \"at most 2^40\". In C: "
                             "refuse value > (UINT64_C(1) << 40), not >=. In Python: refuse "
                             "int(size) > 2**40.");
            } else {
                static char some[4096];
                (void)gr_send_all(&c, some, sizeof some, lab02_reply_deadline(ctx));
            }
            gr_reset(&c);
        }
    }
    char next[64];
    if (rc == 0) {
        rc = lab02_upload_next(ctx, "after a client announced 2^40 bytes and left", next);
    }
    /* What a server keeps of a body cut short is step 5's question
     * (leave-anytime), not this one's. */
    return rc;
}
