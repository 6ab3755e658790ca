/**
 * @file url.h
 * @brief http:// URLs: parse one, resolve a Location against it, and write
 *        the request target and Host header it gives.
 *
 * A parsed URL holds copies of its parts (no pointers into the input), so
 * it outlives the text it came from. The fragment is kept for resolution
 * but never sent.
 */
#ifndef FETCH_URL_H
#define FETCH_URL_H

#include <stddef.h>

#define URL_MAX 2048 /**< longest URL accepted, in bytes */

/** A parsed http:// URL. */
typedef struct url {
    /* TODO(step 12): 1 for https (TLS, port 443 by default) */
    char u_host[256];         /**< host name or address, IPv6 without brackets */
    int u_ipv6;               /**< 1: u_host is an IPv6 literal ([...] in the URL) */
    char u_port[6];           /**< "80" when the URL names none */
    char u_path[URL_MAX];     /**< "/" when the URL has none; never empty */
    char u_query[URL_MAX];    /**< after '?', without it; u_has_query says if present */
    int u_has_query;          /**< 1: the URL has a '?' (the query may be empty) */
    char u_fragment[URL_MAX]; /**< after '#'; never sent */
    int u_has_fragment;       /**< 1: the URL has a '#' */
} url;

/**
 * @brief Parse an absolute http:// URL.
 * @param text the URL
 * @param u    filled in on success
 * @param err  what is wrong (SL_ERR_LEN bytes)
 * @return 0, or -1
 */
int url_parse(const char *text, url *u, char *err);

/**
 * @brief Resolve @p ref (a Location value: absolute, or relative as in
 *        RFC 3986 section 5) against @p base into @p out.
 * @return 0, or -1 with @p err saying why
 */
int url_resolve(const url *base, const char *ref, url *out, char *err);

/** @brief Write "path?query" (the request target) into @p buf. */
void url_target(const url *u, char *buf, size_t n);

/** @brief Write the Host header's value ("host", "host:port", "[::1]:port"). */
void url_authority(const url *u, char *buf, size_t n);

/** @brief Write the URL back as text, without its fragment. */
void url_format(const url *u, char *buf, size_t n);

#endif
