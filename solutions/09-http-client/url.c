/* url.c - http:// URLs (RFC 3986): parsing, resolving a relative Location,
 * and the two strings a request needs (its target and its Host). */
#include "url.h"

#include "err.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bytes allowed in a path, query or fragment as sent: printable ASCII but
 * space and the few characters RFC 3986 never allows unencoded; a '%' must
 * start an escape of two hex digits. */
static int check_chars(const char *s, size_t n, const char *part, char *err)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c) != NULL) {
            sl_err_set(err, "byte 0x%02x in the %s is not allowed (percent-encode it)", c, part);
            return -1;
        }
        if (c == '%' && (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
                         !isxdigit((unsigned char)s[i + 2]))) {
            sl_err_set(err, "'%%' in the %s is not followed by two hex digits", part);
            return -1;
        }
    }
    return 0;
}

/* Copy n bytes of s into dst (size cap) as a string. */
static int copy_part(char *dst, size_t cap, const char *s, size_t n, const char *part, char *err)
{
    if (n >= cap) {
        sl_err_set(err, "the %s is longer than %zu bytes", part, cap - 1);
        return -1;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

/* The scheme's port: 80, or 443 for https. */
static const char *default_port(const url *u)
{
    return u->u_tls ? "443" : "80";
}

static int parse_port(const char *s, size_t n, url *u, char *err)
{
    if (n == 0) {
        strcpy(u->u_port, default_port(u));
        return 0;
    }
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) || n > 5) {
            sl_err_set(err, "the port \"%.*s\" is not a number from 1 to 65535", (int)n, s);
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > 65535) {
        sl_err_set(err, "the port %ld is not from 1 to 65535", v);
        return -1;
    }
    snprintf(u->u_port, sizeof u->u_port, "%ld", v);
    return 0;
}

/* host[:port] or [v6]:port, n bytes at s. */
static int parse_authority(const char *s, size_t n, url *u, char *err)
{
    if (memchr(s, '@', n) != NULL) {
        sl_err_set(err, "user names and passwords in URLs are not supported");
        return -1;
    }
    const char *port = NULL;
    size_t hostlen = n;
    const char *host = s;
    u->u_ipv6 = 0;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL) {
            sl_err_set(err, "the IPv6 address has no closing ']'");
            return -1;
        }
        host = s + 1;
        hostlen = (size_t)(close - host);
        if (close + 1 < s + n) {
            if (close[1] != ':') {
                sl_err_set(err, "after the IPv6 address's ']' comes \"%c\", not ':' and a port",
                           close[1]);
                return -1;
            }
            port = close + 2;
        }
        u->u_ipv6 = 1;
    } else {
        const char *colon = memchr(s, ':', n);
        if (colon != NULL) {
            hostlen = (size_t)(colon - s);
            port = colon + 1;
        }
    }
    if (hostlen == 0) {
        sl_err_set(err, "the URL has no host");
        return -1;
    }
    if (copy_part(u->u_host, sizeof u->u_host, host, hostlen, "host", err) < 0) {
        return -1;
    }
    if (u->u_ipv6) {
        struct in6_addr a;
        if (inet_pton(AF_INET6, u->u_host, &a) != 1) {
            sl_err_set(err, "\"%s\" is not an IPv6 address", u->u_host);
            return -1;
        }
    } else {
        for (size_t i = 0; i < hostlen; i++) {
            unsigned char c = (unsigned char)u->u_host[i];
            if (!isalnum(c) && c != '-' && c != '.' && c != '_' && c != '~') {
                sl_err_set(err, "byte 0x%02x is not allowed in a host name", c);
                return -1;
            }
        }
    }
    return parse_port(port, port == NULL ? 0 : (size_t)(s + n - port), u, err);
}

/* Split "path?query#fragment" (n bytes) into u's fields, path as given. */
static int parse_rest(const char *s, size_t n, url *u, char *err)
{
    const char *hash = memchr(s, '#', n);
    const char *end = hash != NULL ? hash : s + n;
    const char *q = memchr(s, '?', (size_t)(end - s));
    const char *pend = q != NULL ? q : end;
    u->u_has_query = q != NULL;
    u->u_has_fragment = hash != NULL;
    if (check_chars(s, (size_t)(pend - s), "path", err) < 0 ||
        copy_part(u->u_path, sizeof u->u_path, s, (size_t)(pend - s), "path", err) < 0) {
        return -1;
    }
    u->u_query[0] = u->u_fragment[0] = '\0';
    if (q != NULL && (check_chars(q + 1, (size_t)(end - q - 1), "query", err) < 0 ||
                      copy_part(u->u_query, sizeof u->u_query, q + 1, (size_t)(end - q - 1),
                                "query", err) < 0)) {
        return -1;
    }
    if (hash != NULL && copy_part(u->u_fragment, sizeof u->u_fragment, hash + 1,
                                  (size_t)(s + n - hash - 1), "fragment", err) < 0) {
        return -1;
    }
    return 0;
}

int url_parse(const char *text, url *u, char *err)
{
    memset(u, 0, sizeof *u);
    size_t n = strlen(text);
    if (n > URL_MAX) {
        sl_err_set(err, "the URL is longer than %d bytes", URL_MAX);
        return -1;
    }
    const char *colon = strstr(text, "://");
    if (colon == NULL) {
        sl_err_set(err, "the URL does not start with http:// or https://");
        return -1;
    }
    size_t slen = (size_t)(colon - text);
    u->u_tls = slen == 5 && strncasecmp(text, "https", 5) == 0;
    if (!u->u_tls && (slen != 4 || strncasecmp(text, "http", 4) != 0)) {
        sl_err_set(err, "the scheme \"%.*s\" is not supported (only http and https)", (int)slen,
                   text);
        return -1;
    }
    const char *auth = colon + 3;
    size_t alen = strcspn(auth, "/?#");
    if (parse_authority(auth, alen, u, err) < 0 ||
        parse_rest(auth + alen, n - (size_t)(auth + alen - text), u, err) < 0) {
        return -1;
    }
    if (u->u_path[0] == '\0') {
        strcpy(u->u_path, "/");
    }
    return 0;
}

/* Drop the last segment written to path[0..*out), and the '/' before it. */
static void drop_last_segment(const char *path, size_t *out)
{
    while (*out > 0 && path[*out - 1] != '/') {
        (*out)--;
    }
    if (*out > 0) {
        (*out)--;
    }
}

/* RFC 3986 section 5.2.4: remove "." and ".." segments from path, in place. */
static void remove_dots(char *path)
{
    char in[URL_MAX];
    snprintf(in, sizeof in, "%s", path);
    char *p = in;
    size_t out = 0;
    while (*p != '\0') {
        if (strncmp(p, "../", 3) == 0) {
            p += 3;
        } else if (strncmp(p, "./", 2) == 0 || strncmp(p, "/./", 3) == 0) {
            p += 2;
        } else if (strcmp(p, "/.") == 0) {
            p[1] = '\0';
        } else if (strncmp(p, "/../", 4) == 0) {
            p += 3;
            drop_last_segment(path, &out);
        } else if (strcmp(p, "/..") == 0) {
            p[1] = '\0';
            drop_last_segment(path, &out);
        } else if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
            p += strlen(p);
        } else {
            do {
                path[out++] = *p++;
            } while (*p != '\0' && *p != '/');
        }
    }
    path[out] = '\0';
}

int url_resolve(const url *base, const char *ref, url *out, char *err)
{
    size_t i = 0;
    while (isalnum((unsigned char)ref[i]) || ref[i] == '+' || ref[i] == '-' || ref[i] == '.') {
        i++;
    }
    if (i > 0 && isalpha((unsigned char)ref[0]) && ref[i] == ':') {
        return url_parse(ref, out, err);
    }
    if (strncmp(ref, "//", 2) == 0) {
        char full[URL_MAX + 8];
        snprintf(full, sizeof full, "%s:%s", base->u_tls ? "https" : "http", ref);
        return url_parse(full, out, err);
    }
    url r;
    memset(&r, 0, sizeof r);
    if (strlen(ref) > URL_MAX) {
        sl_err_set(err, "the URL is longer than %d bytes", URL_MAX);
        return -1;
    }
    if (parse_rest(ref, strlen(ref), &r, err) < 0) {
        return -1;
    }
    *out = *base;
    out->u_has_fragment = r.u_has_fragment;
    strcpy(out->u_fragment, r.u_fragment);
    if (r.u_path[0] == '\0') {
        if (r.u_has_query) {
            out->u_has_query = 1;
            strcpy(out->u_query, r.u_query);
        }
        return 0;
    }
    out->u_has_query = r.u_has_query;
    strcpy(out->u_query, r.u_query);
    if (r.u_path[0] == '/') {
        strcpy(out->u_path, r.u_path);
    } else {
        const char *slash = strrchr(base->u_path, '/');
        size_t keep = slash == NULL ? 0 : (size_t)(slash - base->u_path) + 1;
        if (keep + strlen(r.u_path) >= sizeof out->u_path) {
            sl_err_set(err, "the path is longer than %zu bytes", sizeof out->u_path - 1);
            return -1;
        }
        memcpy(out->u_path, base->u_path, keep);
        strcpy(out->u_path + keep, r.u_path);
    }
    remove_dots(out->u_path);
    if (out->u_path[0] == '\0') {
        strcpy(out->u_path, "/");
    }
    return 0;
}

void url_target(const url *u, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s", u->u_path, u->u_has_query ? "?" : "", u->u_query);
}

void url_authority(const url *u, char *buf, size_t n)
{
    const char *open = u->u_ipv6 ? "[" : "";
    const char *close = u->u_ipv6 ? "]" : "";
    if (strcmp(u->u_port, default_port(u)) == 0) {
        snprintf(buf, n, "%s%s%s", open, u->u_host, close);
    } else {
        snprintf(buf, n, "%s%s%s:%s", open, u->u_host, close, u->u_port);
    }
}

void url_format(const url *u, char *buf, size_t n)
{
    char auth[300];
    char target[2 * URL_MAX + 2];
    url_authority(u, auth, sizeof auth);
    url_target(u, target, sizeof target);
    snprintf(buf, n, "%s://%s%s", u->u_tls ? "https" : "http", auth, target);
}
