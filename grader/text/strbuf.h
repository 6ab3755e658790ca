/**
 * @file strbuf.h
 * @brief A growable, always NUL-terminated string for building messages.
 *
 * The grader assembles failure reports piece by piece (a reason, a
 * transcript, a hint). ::gr_str keeps that simple and bounded: appends never
 * fail visibly; if memory runs out the string is marked truncated (s_oom),
 * keeps what fitted, and ignores every later append, so the text is always a
 * prefix of what was appended.
 */
#ifndef SOCKLAB_GRADER_STRBUF_H
#define SOCKLAB_GRADER_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/** A heap string. Zero-initialise (`gr_str s = {0};`) before use. */
typedef struct gr_str {
    char *s_buf;  /**< the text, NUL-terminated; NULL until the first append */
    size_t s_len; /**< bytes used, not counting the NUL */
    size_t s_cap; /**< bytes allocated */
    int s_oom;    /**< set when an append could not allocate */
} gr_str;

/** @brief Append @p n bytes (which may include NUL bytes). */
void gr_str_addn(gr_str *s, const char *p, size_t n);

/** @brief Append a NUL-terminated string. */
void gr_str_add(gr_str *s, const char *p);

/** @brief Append printf-style. */
void gr_str_addf(gr_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** @brief Append vprintf-style. */
void gr_str_vaddf(gr_str *s, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/**
 * @brief Append @p word quoted for /bin/sh: as it is when it has only
 *        letters, digits and punctuation the shell leaves alone (dash,
 *        underscore, dot, slash, equals, colon, comma, plus, at, percent),
 *        else in single quotes.
 */
void gr_str_add_quoted(gr_str *s, const char *word);

/**
 * @brief Append a space (unless @p s is empty), then @p word quoted as by
 *        gr_str_add_quoted(): one word of a shell command line.
 */
void gr_str_add_word(gr_str *s, const char *word);

/** @brief The text so far; "" (never NULL) when empty. Valid until the next append. */
const char *gr_str_cstr(const gr_str *s);

/**
 * @brief Hand the buffer to the caller and reset @p s.
 * @return the text, which the caller must free(); a fresh "" when nothing was
 *         appended; NULL only if even that one byte could not be allocated
 */
char *gr_str_take(gr_str *s);

/** @brief Free the buffer and reset @p s to empty. */
void gr_str_free(gr_str *s);

#endif
