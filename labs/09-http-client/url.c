/* url.c - http:// URLs (RFC 3986): parsing, resolving a relative Location,
 * and the two strings a request needs (its target and its Host). */
#include "url.h"

#include "err.h"

#include <stdio.h>
#include <string.h>

int url_parse(const char *text, url *u, char *err)
{
    memset(u, 0, sizeof *u);
    /* TODO(step 1): check that text starts with "http://" (any case), then
     * split it: the authority up to the first '/', '?' or '#' (host, or
     * [IPv6] checked with inet_pton(), then an optional :port from 1 to
     * 65535, "80" when absent), the path ("/" when empty), the query after
     * '?', the fragment after '#'. Refuse spaces and control bytes. */
    sl_err_set(err, "TODO(step 1): parse the URL \"%.100s\"", text);
    return -1;
}

int url_resolve(const url *base, const char *ref, url *out, char *err)
{
    /* TODO(step 5): an absolute ref ("http://...") is parsed as it is; a
     * ref starting with "//" takes base's scheme; otherwise keep base's
     * host and port, and merge the path (RFC 3986 section 5.2): "/x"
     * replaces it, "x" replaces its last segment, then remove "." and ".."
     * segments. */
    (void)base;
    (void)out;
    sl_err_set(err, "TODO(step 5): resolve the Location \"%.100s\"", ref);
    return -1;
}

void url_target(const url *u, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s", u->u_path, u->u_has_query ? "?" : "", u->u_query);
}

void url_authority(const url *u, char *buf, size_t n)
{
    const char *open = u->u_ipv6 ? "[" : "";
    const char *close = u->u_ipv6 ? "]" : "";
    if (strcmp(u->u_port, "80") == 0) {
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
    snprintf(buf, n, "http://%s%s", auth, target);
}
