/* cookies.c - a cookie jar (RFC 6265 sections 5.1 to 5.4): parse Set-Cookie,
 * store by name, domain and path, and build the Cookie header. */
#define _DEFAULT_SOURCE /* timegm */
#include "cookies.h"

#include "err.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct cookie {
    char c_pair[COOKIE_MAX_PAIR + 2]; /* name, NUL, value, NUL */
    size_t c_value;                   /* offset of the value in c_pair */
    char c_domain[256];               /* lower case; the host when host-only */
    char c_path[URL_MAX];
    int c_host_only, c_secure, c_expires; /* c_expires 0: a session cookie */
    time_t c_expiry;
} cookie;

struct cookie_jar {
    cookie j_c[COOKIE_MAX_JAR]; /* oldest first */
    size_t j_n;
};

/* What the attributes said, before the cookie is complete. */
typedef struct attrs {
    int a_max_age, a_expires, a_domain;
    time_t a_max_age_at, a_expires_at;
} attrs;

/* Drop spaces and tabs from both ends of the n bytes at *s. */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) {
        (*n)--;
    }
}

/* Read min to max digits at s (n bytes) not followed by a digit; 0 if not so. */
static size_t digits(const char *s, size_t n, size_t min, size_t max, int *v)
{
    size_t i = 0;
    for (*v = 0; i < n && isdigit((unsigned char)s[i]); i++) {
        if (i == max) {
            return 0;
        }
        *v = *v * 10 + (s[i] - '0');
    }
    return i >= min ? i : 0;
}

/* 1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT, maybe followed by a non-digit and more. */
static int is_time(const char *s, size_t n, struct tm *tm)
{
    size_t a = digits(s, n, 1, 2, &tm->tm_hour);
    if (a == 0 || a >= n || s[a] != ':') {
        return 0;
    }
    size_t b = digits(s + a + 1, n - a - 1, 1, 2, &tm->tm_min);
    if (b == 0 || a + b + 1 >= n || s[a + b + 1] != ':') {
        return 0;
    }
    return digits(s + a + b + 2, n - a - b - 2, 1, 2, &tm->tm_sec) != 0;
}

/* A token starting with a month's three letters; its number (0-11) in *m. */
static int is_month(const char *s, size_t n, int *m)
{
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    for (*m = 0; n >= 3 && *m < 12; (*m)++) {
        if (strncasecmp(s, months + 3 * *m, 3) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Try one date token (5.1.1 step 2) as a time, day, month, then year, the
 * first not yet found (f[]) that it fits. */
static void date_token(const char *s, size_t n, int f[4], struct tm *tm)
{
    if (!f[0] && is_time(s, n, tm)) {
        f[0] = 1;
    } else if (!f[1] && digits(s, n, 1, 2, &tm->tm_mday)) {
        f[1] = 1;
    } else if (!f[2] && is_month(s, n, &tm->tm_mon)) {
        f[2] = 1;
    } else if (!f[3] && digits(s, n, 2, 4, &tm->tm_year)) {
        f[3] = 1;
    }
}

/* A delimiter between date tokens (RFC 6265 5.1.1). */
static int is_delim(unsigned char c)
{
    return c == 0x09 || (c >= 0x20 && c <= 0x2f) || (c >= 0x3b && c <= 0x40) ||
           (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

/* RFC 6265 5.1.1: parse a cookie date (n bytes at s) into *t. */
static int parse_date(const char *s, size_t n, time_t *t)
{
    int f[4] = {0};
    struct tm tm = {0};
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        while (i + len < n && !is_delim((unsigned char)s[i + len])) {
            len++;
        }
        date_token(s + i, len, f, &tm); /* an empty token fits nothing */
        i += len;
    }
    int y = tm.tm_year + (tm.tm_year >= 70 && tm.tm_year <= 99 ? 1900
                          : tm.tm_year <= 69                   ? 2000
                                                               : 0);
    if (!f[0] || !f[1] || !f[2] || !f[3] || tm.tm_mday < 1 || tm.tm_mday > 31 || y < 1601 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59) {
        return -1;
    }
    tm.tm_year = y - 1900;
    *t = timegm(&tm);
    return 0;
}

/* Max-Age (5.2.2): an optional '-' and digits; <= 0 means expire now. */
static int parse_max_age(const char *s, size_t n, time_t now, time_t *t)
{
    size_t i = n > 0 && s[0] == '-';
    long long v = 0;
    if (i == n) {
        return -1;
    }
    for (; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return -1;
        }
        v = v >= 1000000000000LL ? v : v * 10 + (s[i] - '0'); /* saturate */
    }
    *t = s[0] == '-' || v == 0 ? 0 : now + (time_t)v;
    return 0;
}

/* 1: host is an IP address (u_ipv6, or dotted IPv4). */
static int is_ip(const url *u)
{
    struct in_addr a;
    return u->u_ipv6 || inet_pton(AF_INET, u->u_host, &a) == 1;
}

/* RFC 6265 5.1.3: the request host domain-matches dom (lower case). */
static int domain_match(const url *u, const char *dom)
{
    size_t h = strlen(u->u_host), d = strlen(dom);
    if (strcasecmp(u->u_host, dom) == 0) {
        return 1;
    }
    return !is_ip(u) && d > 0 && h > d && u->u_host[h - d - 1] == '.' &&
           strcasecmp(u->u_host + h - d, dom) == 0;
}

/* RFC 6265 5.1.4: the cookie path cp path-matches the request path rp. */
static int path_match(const char *cp, const char *rp)
{
    size_t n = strlen(cp);
    return strncmp(cp, rp, n) == 0 && (rp[n] == '\0' || cp[n - 1] == '/' || rp[n] == '/');
}

/* RFC 6265 5.1.4: the default path, the request path up to its last '/'. */
static void default_path(const char *rp, char *out)
{
    const char *last = strrchr(rp, '/');
    if (rp[0] != '/' || last == rp) {
        strcpy(out, "/");
    } else {
        memcpy(out, rp, (size_t)(last - rp));
        out[last - rp] = '\0';
    }
}

/* Copy the n bytes at v into dst (cap bytes), lower-cased if lower. */
static int copy_attr(char *dst, size_t cap, const char *v, size_t n, int lower, const char *what,
                     char *err)
{
    if (n >= cap) {
        sl_err_set(err, "the %s attribute is longer than %zu bytes", what, cap - 1);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        dst[i] = lower ? (char)tolower((unsigned char)v[i]) : v[i];
    }
    dst[n] = '\0';
    return 0;
}

/* Apply one attribute (name and value trimmed, n and vn bytes) to c and a.
 * HttpOnly changes nothing here; unknown names are ignored. */
static int apply_attr(cookie *c, attrs *a, const char *name, size_t n, const char *v, size_t vn,
                      char *err)
{
    if (n == 7 && strncasecmp(name, "expires", n) == 0) {
        a->a_expires |= parse_date(v, vn, &a->a_expires_at) == 0;
    } else if (n == 7 && strncasecmp(name, "max-age", n) == 0) {
        a->a_max_age |= parse_max_age(v, vn, time(NULL), &a->a_max_age_at) == 0;
    } else if (n == 6 && strncasecmp(name, "domain", n) == 0 && vn > 0) {
        size_t dot = v[0] == '.';
        a->a_domain = vn > dot; /* "." leaves it empty: as if absent */
        return copy_attr(c->c_domain, sizeof c->c_domain, v + dot, vn - dot, 1, "Domain", err);
    } else if (n == 4 && strncasecmp(name, "path", n) == 0) {
        size_t keep = vn > 0 && v[0] == '/' ? vn : 0; /* 0: the default path */
        return copy_attr(c->c_path, sizeof c->c_path, v, keep, 0, "Path", err);
    } else if (n == 6 && strncasecmp(name, "secure", n) == 0) {
        c->c_secure = 1;
    }
    return 0;
}

/* RFC 6265 5.3 steps 5-6: check the Domain attribute (has_domain: one given,
 * in c_domain) against the host of u, or make c host-only. */
static int settle_domain(cookie *c, const url *u, int has_domain, char *err)
{
    c->c_host_only = !has_domain;
    if (has_domain && !domain_match(u, c->c_domain)) {
        sl_err_set(err, "the host %s is not in the cookie's domain %s", u->u_host, c->c_domain);
        return -1;
    }
    if (!has_domain) {
        copy_attr(c->c_domain, sizeof c->c_domain, u->u_host, strlen(u->u_host), 1, "", NULL);
    }
    return 0;
}

/* Parse "name=value" (n bytes at s) into c. */
static int parse_pair(cookie *c, const char *s, size_t n, char *err)
{
    const char *eq = memchr(s, '=', n), *name = s, *v = eq != NULL ? eq + 1 : s + n;
    size_t nn = eq != NULL ? (size_t)(eq - s) : 0, vn = n - (size_t)(v - s);
    trim(&name, &nn);
    trim(&v, &vn);
    if (nn == 0) {
        sl_err_set(err, eq == NULL ? "the cookie has no '='" : "the cookie's name is empty");
        return -1;
    }
    if (nn + vn > COOKIE_MAX_PAIR) {
        sl_err_set(err, "the cookie's name and value are longer than %d bytes", COOKIE_MAX_PAIR);
        return -1;
    }
    memcpy(c->c_pair, name, nn);
    c->c_pair[nn] = '\0';
    c->c_value = nn + 1;
    memcpy(c->c_pair + nn + 1, v, vn);
    c->c_pair[nn + 1 + vn] = '\0';
    return 0;
}

/* RFC 6265 5.2: parse a whole Set-Cookie value into c, then settle its domain,
 * path and expiry (5.3) for a response to u. */
static int parse_cookie(cookie *c, const url *u, const char *s, char *err)
{
    for (const char *p = s; *p != '\0'; p++) {
        if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
            sl_err_set(err, "byte 0x%02x in Set-Cookie is not allowed", (unsigned char)*p);
            return -1;
        }
    }
    attrs a = {0};
    size_t n = strcspn(s, ";");
    if (parse_pair(c, s, n, err) < 0) {
        return -1;
    }
    for (s += n; *s == ';';) {
        const char *name = s + 1;
        size_t len = strcspn(name, ";");
        const char *eq = memchr(name, '=', len);
        size_t nn = eq != NULL ? (size_t)(eq - name) : len;
        const char *v = eq != NULL ? eq + 1 : name + len;
        size_t vn = eq != NULL ? len - nn - 1 : 0;
        trim(&name, &nn);
        trim(&v, &vn);
        if (apply_attr(c, &a, name, nn, v, vn, err) < 0) {
            return -1;
        }
        s += len + 1;
    }
    c->c_expires = a.a_max_age || a.a_expires;
    c->c_expiry = a.a_max_age ? a.a_max_age_at : a.a_expires_at;
    if (c->c_path[0] == '\0') {
        default_path(u->u_path, c->c_path);
    }
    return settle_domain(c, u, a.a_domain, err);
}

cookie_jar *cookie_jar_new(void)
{
    return calloc(1, sizeof(cookie_jar));
}

void cookie_jar_free(cookie_jar *j)
{
    free(j);
}

/* 1: c has expired at now. */
static int expired(const cookie *c, time_t now)
{
    return c->c_expires && c->c_expiry <= now;
}

/* Remove cookie i from the jar, keeping the others in order. */
static void remove_at(cookie_jar *j, size_t i)
{
    memmove(&j->j_c[i], &j->j_c[i + 1], (j->j_n - i - 1) * sizeof j->j_c[0]);
    j->j_n--;
}

/* The index of the cookie with c's name, domain and path, or j_n if none;
 * expired cookies are dropped on the way (5.3, the end). */
static size_t find_same(cookie_jar *j, const cookie *c, time_t now)
{
    size_t i = 0;
    while (i < j->j_n) {
        const cookie *o = &j->j_c[i];
        if (expired(o, now)) {
            remove_at(j, i);
        } else if (strcmp(o->c_pair, c->c_pair) == 0 && strcmp(o->c_domain, c->c_domain) == 0 &&
                   strcmp(o->c_path, c->c_path) == 0) {
            return i;
        } else {
            i++;
        }
    }
    return i;
}

int cookie_jar_store(cookie_jar *j, const url *u, const char *set_cookie, char *err)
{
    cookie c;
    memset(&c, 0, sizeof c);
    if (parse_cookie(&c, u, set_cookie, err) < 0) {
        return -1;
    }
    time_t now = time(NULL);
    size_t i = find_same(j, &c, now);
    if (expired(&c, now)) {
        if (i < j->j_n) {
            remove_at(j, i);
        }
        return 0; /* nothing to store, with or without an old one to delete */
    }
    if (i == j->j_n && j->j_n == COOKIE_MAX_JAR) {
        sl_err_set(err, "the cookie jar already holds %d cookies", COOKIE_MAX_JAR);
        return -1;
    }
    j->j_c[i] = c; /* a replacement keeps the old one's place, so its age */
    j->j_n += i == j->j_n;
    return 0;
}

/* 1: c goes in the Cookie header of a request to u at now (5.4 step 1). */
static int sendable(const cookie *c, const url *u, time_t now)
{
    int host_ok =
        c->c_host_only ? strcasecmp(u->u_host, c->c_domain) == 0 : domain_match(u, c->c_domain);
    return host_ok && path_match(c->c_path, u->u_path) && !expired(c, now) && !c->c_secure;
}

/* Append s to buf (n bytes) at *len, writing only what fits. */
static void append(char *buf, size_t n, size_t *len, const char *s)
{
    for (; *s != '\0'; s++, (*len)++) {
        if (*len + 1 < n) {
            buf[*len] = *s;
        }
    }
}

size_t cookie_jar_header(const cookie_jar *j, const url *u, char *buf, size_t n)
{
    const cookie *pick[COOKIE_MAX_JAR];
    size_t k = 0, len = 0;
    time_t now = time(NULL);
    for (size_t i = 0; i < j->j_n; i++) {
        if (sendable(&j->j_c[i], u, now)) {
            size_t at = k++; /* insertion sort: longer paths first, stable */
            while (at > 0 && strlen(pick[at - 1]->c_path) < strlen(j->j_c[i].c_path)) {
                pick[at] = pick[at - 1];
                at--;
            }
            pick[at] = &j->j_c[i];
        }
    }
    for (size_t i = 0; i < k; i++) {
        append(buf, n, &len, i > 0 ? "; " : "");
        append(buf, n, &len, pick[i]->c_pair);
        append(buf, n, &len, "=");
        append(buf, n, &len, pick[i]->c_pair + pick[i]->c_value);
    }
    if (n > 0) {
        buf[len < n ? len : n - 1] = '\0';
    }
    return len;
}
