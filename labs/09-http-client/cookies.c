/* cookies.c - a cookie jar (RFC 6265 sections 5.1 to 5.4), step 9. */
#include "cookies.h"

#include "err.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* TODO(step 9): what a cookie is (name, value, domain, host-only, path,
 * expiry, Secure) and the jar of them, oldest first. */
struct cookie_jar {
    size_t j_n;
};

cookie_jar *cookie_jar_new(void)
{
    return calloc(1, sizeof(cookie_jar));
}

void cookie_jar_free(cookie_jar *j)
{
    free(j);
}

int cookie_jar_store(cookie_jar *j, const url *u, const char *set_cookie, char *err)
{
    /* TODO(step 9): parse "name=value; Attr=v; ..." (RFC 6265 section 5.2),
     * check Domain against u's host, default the Path (section 5.1.4), and
     * store, replace or (expired) delete the cookie. */
    (void)j;
    (void)u;
    (void)set_cookie;
    sl_err_set(err, "TODO(step 9): store the cookie");
    return -1;
}

size_t cookie_jar_header(const cookie_jar *j, const url *u, char *buf, size_t n)
{
    /* TODO(step 9): "a=1; b=2": the cookies whose domain and path match u
     * and that have not expired, longest path first. */
    (void)j;
    (void)u;
    if (n > 0) {
        buf[0] = '\0';
    }
    return 0;
}
