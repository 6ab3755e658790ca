/* transcript.c - show bytes to a human: escaping and a diff with a caret
 * (see transcript.h).
 *
 * Everything here is about columns. Every escape is plain ASCII, so one
 * character of output is one column on the terminal, and the caret can be
 * placed by counting characters. That is also why no byte is ever shown raw
 * unless it is printable ASCII: a tab or a UTF-8 sequence would take a
 * number of columns we cannot know.
 */
#include "text/transcript.h"

#include <stdio.h>
#include <string.h>

/* How many bytes to show to the left of the first difference, so the student
 * sees what led up to it; the rest of the window shows what follows. */
#define LEFT_CONTEXT 16

/* Labels of gr_transcript() are right-aligned to the longest one. */
#define LABEL_WIDTH ((int)sizeof "expected" - 1)

_Static_assert(LEFT_CONTEXT < GR_TRANSCRIPT_WINDOW,
               "the differing byte must fall inside the window");

/* Longest escape of one byte ("\xNN") plus a NUL. */
#define ESC_MAX 5

/* Write the escaped form of byte @p c into @p buf; return its length (1..4). */
static size_t escape_byte(unsigned char c, char buf[ESC_MAX])
{
    static const char hex[] = "0123456789abcdef";
    const char *named = NULL;
    switch (c) {
    case '\\':
        named = "\\\\";
        break;
    case '"':
        named = "\\\"";
        break;
    case '\n':
        named = "\\n";
        break;
    case '\r':
        named = "\\r";
        break;
    case '\t':
        named = "\\t";
        break;
    case '\0':
        named = "\\0";
        break;
    default:
        break;
    }
    if (named != NULL) {
        memcpy(buf, named, 3); /* two characters and the NUL */
        return 2;
    }
    if (c >= 0x20 && c <= 0x7e) {
        buf[0] = (char)c;
        buf[1] = '\0';
        return 1;
    }
    buf[0] = '\\';
    buf[1] = 'x';
    buf[2] = hex[c >> 4];
    buf[3] = hex[c & 0xf];
    buf[4] = '\0';
    return 4;
}

/* A byte that gr_escape() shows as itself. */
static int is_plain(unsigned char c)
{
    return c >= 0x20 && c <= 0x7e && c != '\\' && c != '"';
}

void gr_escape(gr_str *out, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i = 0;
    while (i < n) {
        /* Copy runs of plain bytes in one append: most data is text. */
        size_t run = i;
        while (run < n && is_plain(p[run])) {
            run++;
        }
        if (run > i) {
            gr_str_addn(out, (const char *)p + i, run - i);
            i = run;
            continue;
        }
        char esc[ESC_MAX];
        size_t len = escape_byte(p[i], esc);
        gr_str_addn(out, esc, len);
        i++;
    }
}

size_t gr_first_diff(const void *a, size_t alen, const void *b, size_t blen)
{
    const unsigned char *pa = a;
    const unsigned char *pb = b;
    size_t n = alen < blen ? alen : blen;
    size_t i = 0;
    while (i < n && pa[i] == pb[i]) {
        i++;
    }
    return i;
}

/* "1 byte" or "N bytes": students read these sentences, so get the grammar right. */
static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

void gr_show_bytes(gr_str *out, const char *label, const void *data, size_t n, size_t from,
                   size_t window, size_t *column)
{
    const unsigned char *p = data;
    if (from > n) {
        from = n;
    }
    size_t shown = n - from < window ? n - from : window;
    size_t after = n - from - shown;
    if (label == NULL) {
        label = "";
    }

    /* The column is computed from what we format rather than read back from
     * out->s_len, so that it stays right even if @p out ran out of memory. */
    char before[64] = "";
    if (from > 0) {
        snprintf(before, sizeof before, "...(%zu byte%s) ", from, plural(from));
    }
    gr_str_addf(out, "  %s: %s\"", label, before);
    if (column != NULL) {
        *column = 2 + strlen(label) + 2 + strlen(before) + 1;
    }
    if (shown > 0) {
        gr_escape(out, p + from, shown); /* p may be NULL when n is 0 */
    }
    gr_str_add(out, "\"");
    if (after > 0) {
        gr_str_addf(out, " ...(%zu byte%s)", after, plural(after));
    }
    if (from > 0 || after > 0) {
        gr_str_addf(out, ", %zu bytes in all", n);
    }
    gr_str_add(out, "\n");
}

/* Append one byte as a C character literal with its code, e.g. '\n' (0x0a).
 * Inside single quotes it is the single quote that needs a backslash. */
static void add_char(gr_str *out, unsigned char c)
{
    char esc[ESC_MAX];
    if (c == '\'') {
        strcpy(esc, "\\'");
    } else if (c == '"') {
        strcpy(esc, "\"");
    } else {
        escape_byte(c, esc);
    }
    gr_str_addf(out, "'%s' (0x%02x)", esc, c);
}

/* The sentence after the caret: where the received data goes wrong and how. */
static void add_verdict(gr_str *out, const unsigned char *expected, size_t nexpected,
                        const unsigned char *received, size_t nreceived, size_t diff)
{
    if (diff == nreceived) {
        /* A correct prefix that stops early (diff < nexpected here). */
        size_t missing = nexpected - nreceived;
        if (nreceived == 0) {
            gr_str_addf(out, "received nothing; expected %zu byte%s", nexpected, plural(nexpected));
        } else if (missing == 1) {
            gr_str_addf(out, "received only %zu of %zu bytes; the last byte never arrived",
                        nreceived, nexpected);
        } else {
            gr_str_addf(out, "received only %zu of %zu bytes; the remaining %zu never arrived",
                        nreceived, nexpected, missing);
        }
        return;
    }
    gr_str_addf(out, "first difference at byte %zu: expected ", diff);
    if (diff == nexpected) {
        size_t extra = nreceived - nexpected;
        if (extra == 1) {
            gr_str_add(out, "end of data, got 1 extra byte: ");
        } else {
            gr_str_addf(out, "end of data, got %zu extra bytes, starting with ", extra);
        }
        add_char(out, received[diff]);
        return;
    }
    add_char(out, expected[diff]);
    gr_str_add(out, ", got ");
    add_char(out, received[diff]);
}

void gr_transcript(gr_str *out, const void *sent, size_t nsent, const void *expected,
                   size_t nexpected, const void *received, size_t nreceived)
{
    const unsigned char *want = expected;
    const unsigned char *got = received;
    size_t diff = gr_first_diff(want, nexpected, got, nreceived);
    int same = diff == nexpected && diff == nreceived;
    size_t from = 0;
    if (!same && diff > LEFT_CONTEXT) {
        from = diff - LEFT_CONTEXT;
    }

    if (sent != NULL) {
        /* Expected and received share one window so they line up column for
         * column. What was sent lines up with them too when it is as long
         * (an echo); when it is shorter (a request and its reply), show its
         * end rather than a window past it. */
        size_t sent_from = from;
        if (nsent <= GR_TRANSCRIPT_WINDOW) {
            sent_from = 0;
        } else if (sent_from > nsent - GR_TRANSCRIPT_WINDOW) {
            sent_from = nsent - GR_TRANSCRIPT_WINDOW;
        }
        char label[LABEL_WIDTH + 1];
        snprintf(label, sizeof label, "%*s", LABEL_WIDTH, "sent");
        gr_show_bytes(out, label, sent, nsent, sent_from, GR_TRANSCRIPT_WINDOW, NULL);
    }
    gr_show_bytes(out, "expected", want, nexpected, from, GR_TRANSCRIPT_WINDOW, NULL);
    size_t column = 0;
    gr_show_bytes(out, "received", got, nreceived, from, GR_TRANSCRIPT_WINDOW, &column);
    if (same) {
        return;
    }

    /* The received line shows byte `from` at `column`; walk the escapes of
     * the bytes before the differing one to find where it starts. */
    for (size_t i = from; i < diff; i++) {
        char esc[ESC_MAX];
        column += escape_byte(got[i], esc);
    }
    gr_str_addf(out, "%*s^ ", (int)column, "");
    add_verdict(out, want, nexpected, got, nreceived, diff);
    gr_str_add(out, "\n");
}

/* Lines of a program's output shown under a failed check. */
#define OUTPUT_TAIL_LINES 12

void gr_output_tail(gr_str *out, const char *title, const char *text, size_t len, size_t total)
{
    if (len == 0) {
        return;
    }
    size_t start = len;
    int lines = 0;
    /* Skip one trailing newline, then walk back OUTPUT_TAIL_LINES lines. */
    size_t end = len;
    if (end > 0 && text[end - 1] == '\n') {
        end--;
    }
    start = end;
    while (start > 0 && lines < OUTPUT_TAIL_LINES) {
        start--;
        if (text[start] == '\n') {
            lines++;
            if (lines == OUTPUT_TAIL_LINES) {
                start++;
                break;
            }
        }
    }
    /* Long lines are cut: a flood of one line must not flood the report. */
    if (end - start > 2000) {
        start = end - 2000;
    }
    gr_str_addf(out, "%s%s:\n", title, start > 0 || total > len ? " (last lines)" : "");
    gr_str_add(out, "  | ");
    for (size_t i = start; i < end; i++) {
        char ch = text[i];
        if (ch == '\n') {
            gr_str_add(out, "\n  | ");
        } else if ((unsigned char)ch < 0x20 && ch != '\t') {
            gr_escape(out, &text[i], 1);
        } else {
            gr_str_addn(out, &ch, 1);
        }
    }
    gr_str_add(out, "\n");
}
