/**
 * @file cookies.h
 * @brief A cookie jar for one run of fetch: a subset of RFC 6265.
 *
 * Set-Cookie values are parsed as in RFC 6265 section 5.2 (Expires,
 * Max-Age, Domain, Path, Secure, HttpOnly; others are ignored), stored as
 * in section 5.3 and sent back as in section 5.4. The jar lives in memory
 * only. Secure cookies are kept but never sent, since fetch speaks only
 * http://. There is no public suffix list.
 */
#ifndef FETCH_COOKIES_H
#define FETCH_COOKIES_H

#include "url.h"

#include <stddef.h>

#define COOKIE_MAX_PAIR 4096 /**< longest name plus value, in bytes */
#define COOKIE_MAX_JAR 50    /**< most cookies the jar holds */

/** A jar of cookies (opaque). */
typedef struct cookie_jar cookie_jar;

/**
 * @brief Make an empty jar.
 * @return the jar, or NULL when out of memory
 */
cookie_jar *cookie_jar_new(void);

/**
 * @brief Free a jar and its cookies.
 * @param j the jar, or NULL (then nothing happens)
 */
void cookie_jar_free(cookie_jar *j);

/**
 * @brief Store one Set-Cookie field value.
 * @param j          the jar
 * @param u          the URL of the request whose response carried it
 * @param set_cookie the field's value, without "Set-Cookie:"
 * @param err        why it was ignored (SL_ERR_LEN bytes), or NULL
 * @return 0 when stored, or when it deleted a cookie (an already expired
 *         cookie is never stored), or -1 when ignored
 */
int cookie_jar_store(cookie_jar *j, const url *u, const char *set_cookie, char *err);

/**
 * @brief Write the Cookie header's value for a request to @p u.
 *
 * Cookies are joined with "; ", longest path first, then oldest first:
 * "a=1; b=2", or "" when none applies. Like snprintf, at most @p n bytes
 * are written, the NUL included, and nothing when @p n is 0.
 * @param j   the jar
 * @param u   the URL about to be requested
 * @param buf where the value goes (may be NULL when @p n is 0)
 * @param n   size of @p buf
 * @return the length of the whole value, without its NUL
 */
size_t cookie_jar_header(const cookie_jar *j, const url *u, char *buf, size_t n);

#endif
