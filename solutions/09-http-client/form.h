/**
 * @file form.h
 * @brief What the user gives as form data (step 11): query parameters
 *        (--query) and multipart bodies (-F).
 *
 * A query parameter is percent-encoded as Python's urllib.parse.urlencode()
 * does: letters, digits and "-._~" as they are, a space as '+', every other
 * byte as %XX. A multipart/form-data body (RFC 7578) holds one part per
 * field, between boundary lines; fetch picks a random boundary and makes
 * sure no part holds it.
 */
#ifndef FETCH_FORM_H
#define FETCH_FORM_H

#include "url.h"

#include <stddef.h>

#define FORM_MAX 32 /**< --query or -F options */

/**
 * @brief Append @p param ("name=value") to @p u's query, encoded.
 * @return 0, or -1 with @p err saying why (no '=', an empty name, too long)
 */
int form_add_query(url *u, const char *param, char *err);

/**
 * @brief Build a multipart/form-data body.
 * @param fields "name=value" (a text field) or "name=@path" (a file's bytes)
 * @param n      how many
 * @param len    set to the body's length
 * @param ctype  set to the Content-Type, with its boundary
 * @param ctype_n room in @p ctype
 * @param err    what went wrong (SL_ERR_LEN bytes): a bad field, a file
 *               that cannot be read
 * @return the body (malloc'd), or NULL
 */
char *form_multipart(char *const *fields, int n, size_t *len, char *ctype, size_t ctype_n,
                     char *err);

#endif
