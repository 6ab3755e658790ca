/* strbuf.c - a growable string for building messages (see strbuf.h).
 *
 * Appends have no error return on purpose: a failure message that cannot be
 * built completely is still worth showing in part. So when memory runs out
 * the string keeps the bytes that fitted, sets s_oom, and ignores every later
 * append. Ignoring them matters: a later, smaller append might succeed and
 * the text would then have a silent hole in the middle. With this rule the
 * text is always a prefix of everything that was appended.
 */
#include "text/strbuf.h"

#include <ctype.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Smallest buffer we allocate, so that a run of tiny appends does not
 * reallocate on every call. */
#define MIN_CAP 64

/* Make room for @p n more bytes plus the NUL. Returns how many of those n
 * bytes fit afterwards: n on success, fewer (possibly 0) when memory ran out,
 * in which case s_oom is set. */
static size_t reserve(gr_str *s, size_t n)
{
    size_t avail = s->s_cap > s->s_len ? s->s_cap - s->s_len - 1 : 0;
    if (n <= avail) {
        return n;
    }
    if (n > SIZE_MAX - s->s_len - 1) {
        s->s_oom = 1; /* s_len + n + 1 would wrap around */
        return avail;
    }
    size_t need = s->s_len + n + 1;
    /* Doubling keeps the total copying linear in the final length. */
    size_t cap = s->s_cap < MIN_CAP ? MIN_CAP : s->s_cap;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    char *p = realloc(s->s_buf, cap);
    if (p == NULL && cap > need) {
        cap = need; /* the generous size failed; the exact size might not */
        p = realloc(s->s_buf, cap);
    }
    if (p == NULL) {
        s->s_oom = 1;
        return avail;
    }
    s->s_buf = p;
    s->s_cap = cap;
    return n;
}

void gr_str_addn(gr_str *s, const char *p, size_t n)
{
    if (s->s_oom || n == 0) {
        return;
    }
    size_t fits = reserve(s, n);
    if (fits == 0) {
        return;
    }
    memcpy(s->s_buf + s->s_len, p, fits);
    s->s_len += fits;
    s->s_buf[s->s_len] = '\0';
}

void gr_str_add(gr_str *s, const char *p)
{
    if (p != NULL) {
        gr_str_addn(s, p, strlen(p));
    }
}

void gr_str_addf(gr_str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gr_str_vaddf(s, fmt, ap);
    va_end(ap);
}

void gr_str_vaddf(gr_str *s, const char *fmt, va_list ap)
{
    if (s->s_oom) {
        return;
    }
    /* First ask how long the text is, then format it in place: one pass
     * through vsnprintf when it fits, two when the buffer must grow. */
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (len <= 0) {
        return; /* nothing to add, or a format error: leave the text alone */
    }
    size_t fits = reserve(s, (size_t)len);
    if (fits == 0) {
        return;
    }
    /* vsnprintf writes at most fits bytes plus a NUL, so a partial fit keeps
     * the start of the formatted text, as promised. */
    vsnprintf(s->s_buf + s->s_len, fits + 1, fmt, ap);
    s->s_len += fits;
    s->s_buf[s->s_len] = '\0';
}

const char *gr_str_cstr(const gr_str *s)
{
    return s->s_buf != NULL ? s->s_buf : "";
}

char *gr_str_take(gr_str *s)
{
    char *p = s->s_buf;
    if (p == NULL) {
        p = calloc(1, 1); /* the caller always gets something to free() */
    }
    *s = (gr_str){0};
    return p;
}

void gr_str_free(gr_str *s)
{
    free(s->s_buf);
    *s = (gr_str){0};
}

void gr_str_add_quoted(gr_str *s, const char *word)
{
    int plain = *word != '\0';
    for (const char *p = word; *p != '\0' && plain; p++) {
        plain = isalnum((unsigned char)*p) || strchr("-_./=:,+@%", *p) != NULL;
    }
    if (plain) {
        gr_str_add(s, word);
        return;
    }
    /* Inside single quotes everything is literal but the quote itself,
     * which is written as: end quote, escaped quote, start quote. */
    gr_str_add(s, "'");
    for (const char *p = word; *p != '\0'; p++) {
        if (*p == '\'') {
            gr_str_add(s, "'\\''");
        } else {
            gr_str_addn(s, p, 1);
        }
    }
    gr_str_add(s, "'");
}

void gr_str_add_word(gr_str *s, const char *word)
{
    if (s->s_len > 0) {
        gr_str_add(s, " ");
    }
    gr_str_add_quoted(s, word);
}
