/* transfer.c - one URL fetched: a connection with a connect timeout and a
 * read timeout, the request written in one piece, the response read, and
 * redirects followed with RFC 9110's method rules. */
#include "transfer.h"

#include "err.h"
#include "xport_tls.h"
#include "fetch.h"
#include "pool.h"
#include "response.h"
#include "retry.h"
#include "rio.h"
#include "url.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define FOLLOW (-1) /* one_request(): a redirect to follow */
#define RETRY (-2)  /* one_try(): the request is to be made again */
#define COOKIE_HEADER_MAX 8192

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One address: a non-blocking connect, waited for with poll() until the
 * deadline. Returns the fd, -1 with errno, or -2 at the deadline. */
static int connect_one(const struct addrinfo *ai, long long deadline)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        long long left = deadline - now_ms();
        int ready = left > 0 ? poll(&p, 1, (int)left) : 0;
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (ready == 0) {
            close(fd);
            return -2;
        }
        if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
            soerr = errno;
        }
        rc = soerr == 0 ? 0 : -1;
        errno = soerr;
    }
    if (rc < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* Connect to u's host and port: each address in turn, all within
 * timeout_ms. Sets *fdp, blocking again, and *resolved to 0 when the host
 * name does not resolve; returns a fetch_exit status. */
static int open_connection(const url *u, const transfer_opts *o, int *fdp, int *resolved,
                           char *err)
{
    struct addrinfo hints = {.ai_family = u->u_ipv6 ? AF_INET6 : AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | (u->u_ipv6 ? AI_NUMERICHOST : 0)};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(u->u_host, u->u_port, &hints, &res);
    if (gai != 0) {
        sl_err_set(err, "cannot resolve %s: %s", u->u_host, gai_strerror(gai));
        *resolved = 0;
        return FETCH_CONNECT;
    }
    long long deadline = now_ms() + o->to_connect_timeout_ms;
    int fd = -1;
    int timed_out = 0;
    int last_errno = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = connect_one(ai, deadline);
        timed_out |= fd == -2;
        last_errno = fd == -1 ? errno : last_errno;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (timed_out) {
            sl_err_set(err, "connecting to %s port %s timed out after %.1f s", u->u_host, u->u_port,
                       o->to_connect_timeout_ms / 1000.0);
            return FETCH_TIMEOUT;
        }
        errno = last_errno;
        sl_err_errno(err, "cannot connect to %s port %s", u->u_host, u->u_port);
        return FETCH_CONNECT;
    }
    struct timeval tv = {.tv_sec = o->to_read_timeout_ms / 1000,
                         .tv_usec = (o->to_read_timeout_ms % 1000) * 1000};
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
        sl_err_errno(err, "cannot set up the connection");
        close(fd);
        return FETCH_CONNECT;
    }
    *fdp = fd;
    return FETCH_OK;
}

/* Did the user give a header of this name (which then replaces ours)? */
static int user_header(const transfer_opts *o, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < o->to_nheaders; i++) {
        if (strncasecmp(o->to_headers[i], name, n) == 0 && o->to_headers[i][n] == ':') {
            return 1;
        }
    }
    return 0;
}

char *transfer_request(const transfer_opts *o, const url *u, const char *method,
                           const char *body, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    if (m == NULL) {
        return NULL;
    }
    char target[2 * URL_MAX + 2];
    char authority[300];
    url_target(u, target, sizeof target);
    url_authority(u, authority, sizeof authority);
    fprintf(m, "%s %s HTTP/1.1\r\n", method, target);
    static const char *const defaults[][2] = {
        {"Host", NULL}, {"User-Agent", "fetch/1.0"}, {"Accept", "*/*"}};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        if (!user_header(o, defaults[i][0])) {
            fprintf(m, "%s: %s\r\n", defaults[i][0], i == 0 ? authority : defaults[i][1]);
        }
    }
    char cookies[COOKIE_HEADER_MAX];
    if (cookie_jar_header(o->to_jar, u, cookies, sizeof cookies) < sizeof cookies &&
        cookies[0] != '\0' && !user_header(o, "Cookie")) {
        fprintf(m, "Cookie: %s\r\n", cookies);
    }
    if (body != NULL && o->to_content_type != NULL && !user_header(o, "Content-Type")) {
        fprintf(m, "Content-Type: %s\r\n", o->to_content_type);
    }
    for (int i = 0; i < o->to_nheaders; i++) {
        fprintf(m, "%s\r\n", o->to_headers[i]);
    }
    if (body != NULL) {
        fprintf(m, "Content-Length: %zu\r\n\r\n", o->to_body_len);
        fwrite(body, 1, o->to_body_len, m);
    } else {
        fputs("\r\n", m);
    }
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The request on @p fd, or through @p x (https) when it is not NULL. */
static int send_request(int fd, sl_xport *x, const transfer_opts *o, const url *u,
                        const char *method, const char *body, char *err)
{
    size_t len = 0;
    char *req = transfer_request(o, u, method, body, &len);
    if (req == NULL) {
        sl_err_errno(err, "cannot build the request");
        return FETCH_LOCAL;
    }
    ssize_t sent = x != NULL ? sl_xport_writen(x, req, len) : sl_rio_writen(fd, req, len);
    free(req);
    if (sent < 0 && x != NULL) {
        sl_err_set(err, "sending the request: %s", x->x_why);
        return FETCH_TLS;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        sl_err_set(err, "timed out sending the request");
        return FETCH_TIMEOUT;
    }
    if (sent < 0) {
        sl_err_errno(err, "sending the request");
        return FETCH_CONNECT;
    }
    return FETCH_OK;
}

static int is_redirect(const transfer_opts *o, const response *rs)
{
    int s = rs->rs_status;
    return o->to_follow && rs->rs_location[0] != '\0' &&
           (s == 301 || s == 302 || s == 303 || s == 307 || s == 308);
}

/* A connection and its reader (malloc'd, so that the pool can keep it);
 * for https the reader reads through its TLS transport (rio_x). */
typedef struct conn {
    int c_fd;
    sl_rio *c_rio;
} conn;

static void conn_drop(conn *c)
{
    pool_free_reader(c->c_rio);
    if (c->c_fd >= 0) {
        close(c->c_fd);
    }
    c->c_fd = -1;
    c->c_rio = NULL;
}

/* https: TLS on the new connection, the handshake done, the certificate
 * verified against the roots and u's host (SNI sent for a name). */
static int start_tls(const transfer_opts *o, const url *u, conn *c, char *err)
{
    sl_xport *x = calloc(1, sizeof *x);
    if (x == NULL || sl_xport_tls_client(x, c->c_fd, o->to_tls, u->u_host) < 0) {
        sl_err_set(err, "%s", x != NULL ? x->x_why : "out of memory");
        free(x);
        return FETCH_LOCAL;
    }
    sl_rio_init_xport(c->c_rio, x);
    int rc = sl_xport_handshake(x);
    if (rc == SL_XPORT_AGAIN) {
        sl_err_set(err, "the TLS handshake with %s timed out", u->u_host);
        return FETCH_TIMEOUT;
    }
    if (rc < 0) {
        sl_err_set(err, "%s", x->x_why);
        return FETCH_TLS;
    }
    return FETCH_OK;
}

/* A new connection to u's host and port, with its reader. */
static int conn_open(const transfer_opts *o, const url *u, conn *c, int *resolved, char *err)
{
    int rc = open_connection(u, o, &c->c_fd, resolved, err);
    if (rc == FETCH_OK && (c->c_rio = malloc(sizeof *c->c_rio)) == NULL) {
        sl_err_errno(err, "out of memory");
        rc = FETCH_LOCAL;
    }
    if (rc == FETCH_OK) {
        sl_rio_init(c->c_rio, c->c_fd);
        rc = u->u_tls ? start_tls(o, u, c, err) : FETCH_OK;
    }
    if (rc != FETCH_OK) {
        conn_drop(c);
    }
    return rc;
}

/* Every response's cookies go to the jar, a redirect's and a 503's too
 * (RFC 6265 section 5.3); one the jar refuses is said on stderr. */
static void store_cookies(const transfer_opts *o, const url *u, const response *rs)
{
    for (size_t at = 0; at < rs->rs_cookies_len; at += strlen(rs->rs_cookies + at) + 1) {
        char why[SL_ERR_LEN] = "";
        if (cookie_jar_store(o->to_jar, u, rs->rs_cookies + at, why) < 0) {
            fprintf(stderr, "fetch: a cookie ignored: %s\n", why);
        }
    }
    if (rs->rs_cookies_dropped > 0) {
        fprintf(stderr, "fetch: %d Set-Cookie lines ignored: more than %d bytes of them\n",
                rs->rs_cookies_dropped, RS_COOKIES_MAX);
    }
}

/* Send the request and read the response head, on the connection kept
 * alive to u's host and port if there is one, else on a new one. A kept
 * connection the server closed while the request went out gives nothing
 * at all: an idempotent request is then sent once more on a new one. *t
 * says what came of it, for the retry policy. */
static int exchange(const transfer_opts *o, const url *u, const char *method, const char *body,
                    conn *c, response *rs, FILE *echo, retry_try *t, char *err)
{
    c->c_fd = pool_take(o->to_pool, u, &c->c_rio);
    int reused = c->c_fd >= 0;
    for (;;) {
        *t = (retry_try){.rt_resolved = 1, .rt_after_ms = -1};
        int rc = c->c_fd >= 0 ? FETCH_OK : conn_open(o, u, c, &t->rt_resolved, err);
        if (rc == FETCH_OK) {
            t->rt_sent = 1;
            rc = send_request(c->c_fd, c->c_rio->rio_x, o, u, method, body, err);
        }
        if (rc == FETCH_OK) {
            rc = response_read_head(c->c_rio, rs, echo, err);
        }
        if (rc == FETCH_OK) {
            store_cookies(o, u, rs);
        }
        t->rt_rc = rc;
        t->rt_status = rc == FETCH_OK ? rs->rs_status : 0;
        t->rt_after_ms = rc == FETCH_OK ? rs->rs_after_ms : -1;
        if (!reused || rc != FETCH_CONNECT || !retry_idempotent(method)) {
            return rc;
        }
        conn_drop(c);
        reused = 0;
    }
}

/* The response whose head came, and that is not retried: a redirect to
 * follow (FOLLOW), a failure for --fail, or the head (-i) and the body
 * written to out; the connection kept when it may carry another request. */
static int finish(const transfer_opts *o, const url *u, const char *method, conn *c,
                  const response *rs, const char *head, size_t headlen, FILE *out, char *err)
{
    if (is_redirect(o, rs)) {
        return FOLLOW;
    }
    if (o->to_fail && rs->rs_status >= 400) {
        sl_err_set(err, "the server answered %d %s", rs->rs_status, rs->rs_reason);
        return FETCH_HTTP;
    }
    if (head != NULL && fwrite(head, 1, headlen, out) != headlen) {
        sl_err_errno(err, "cannot write the head");
        return FETCH_LOCAL;
    }
    int rc = FETCH_OK;
    if (response_has_body(rs, method)) {
        progress_start(o->to_progress, rs->rs_chunked ? -1 : rs->rs_length);
        rc = response_read_body(c->c_rio, rs, out, err);
        progress_end(o->to_progress);
    }
    if (rc == FETCH_OK && response_keeps_connection(rs, method)) {
        pool_keep(o->to_pool, u, c->c_fd, c->c_rio);
        *c = (conn){.c_fd = -1, .c_rio = NULL};
    }
    return rc;
}

/* One try of a request. Returns a fetch_exit status, FOLLOW with *rs
 * holding the redirect, or RETRY with *wait_ms set and err saying why. */
static int one_try(const transfer_opts *o, const url *u, const char *method, const char *body,
                   int done, FILE *out, response *rs, long *wait_ms, char *err)
{
    char *head = NULL;
    size_t headlen = 0;
    FILE *echo = o->to_include ? open_memstream(&head, &headlen) : NULL;
    if (o->to_include && echo == NULL) {
        sl_err_errno(err, "out of memory");
        return FETCH_LOCAL;
    }
    conn c = {.c_fd = -1, .c_rio = NULL};
    retry_try t;
    int rc = exchange(o, u, method, body, &c, rs, echo, &t, err);
    if (echo != NULL) {
        fclose(echo);
    }
    char why[SL_ERR_LEN];
    if (retry_decide(o, method, &t, done, wait_ms, why)) {
        if (rc == FETCH_OK) {
            sl_err_set(err, "the server answered %d %s", rs->rs_status, rs->rs_reason);
        }
        rc = RETRY;
    } else if (rc == FETCH_OK) {
        rc = finish(o, u, method, &c, rs, head, headlen, out, err);
    } else if (why[0] != '\0') {
        char what[SL_ERR_LEN];
        snprintf(what, sizeof what, "%s", err);
        sl_err_set(err, "%.120s (%.120s)", what, why);
    }
    free(head);
    conn_drop(&c);
    return rc;
}

/* A request and its response, tried again as the retry policy says, each
 * retry one line on stderr. */
static int one_request(const transfer_opts *o, const url *u, const char *method, const char *body,
                       FILE *out, response *rs, char *err)
{
    for (int done = 0;; done++) {
        long wait_ms = 0;
        int rc = one_try(o, u, method, body, done, out, rs, &wait_ms, err);
        if (rc != RETRY) {
            return rc;
        }
        char shown[URL_MAX + 16];
        url_format(u, shown, sizeof shown);
        fprintf(stderr, "fetch: %.200s: %s; retry %d of %d in %.1f s\n", shown, err, done + 1,
                o->to_retries, (double)wait_ms / 1000.0);
        retry_sleep(wait_ms);
    }
}

/* RFC 9110 section 15.4: 303 turns every method but HEAD into GET; 301
 * and 302 turn POST into GET (as browsers do); 307 and 308 keep both the
 * method and the body. */
static void redirect_method(int status, const char **method, const char **body)
{
    int to_get = (status == 303 && strcmp(*method, "HEAD") != 0) ||
                 ((status == 301 || status == 302) && strcmp(*method, "POST") == 0);
    if (to_get) {
        *method = "GET";
        *body = NULL;
    }
}

/* The URL and the redirects it leads to, the final body to out. */
static int follow_hops(const transfer_opts *o, const char *text, FILE *out, char *err)
{
    char why[SL_ERR_LEN] = "";
    url *hops = calloc((size_t)o->to_max_redirs + 1, sizeof *hops);
    const char **methods = calloc((size_t)o->to_max_redirs + 1, sizeof *methods);
    if (hops == NULL || methods == NULL) {
        free(hops);
        free(methods);
        sl_err_set(err, "%s: out of memory", text);
        return FETCH_LOCAL;
    }
    const char *method = o->to_method;
    const char *body = o->to_body;
    char shown[URL_MAX + 16];
    snprintf(shown, sizeof shown, "%s", text);
    int rc = url_parse(text, &hops[0], why) < 0 ? FETCH_BAD_URL : FETCH_OK;
    for (int i = 0; i < o->to_nparams && rc == FETCH_OK; i++) {
        rc = form_add_query(&hops[0], o->to_params[i], why) < 0 ? FETCH_USAGE : FETCH_OK;
    }
    for (int n = 0; rc == FETCH_OK; n++) {
        response rs;
        methods[n] = method;
        rc = one_request(o, &hops[n], method, body, out, &rs, why);
        if (rc != FOLLOW) {
            break;
        }
        if (n == o->to_max_redirs) {
            sl_err_set(why, "more than %d redirects (the last to %.100s)", o->to_max_redirs,
                       rs.rs_location);
            rc = FETCH_REDIRECTS;
            break;
        }
        redirect_method(rs.rs_status, &method, &body);
        if (url_resolve(&hops[n], rs.rs_location, &hops[n + 1], why) < 0) {
            char inner[SL_ERR_LEN];
            snprintf(inner, sizeof inner, "%s", why);
            sl_err_set(why, "the redirect to \"%.100s\": %s", rs.rs_location, inner);
            rc = FETCH_BAD_URL;
            break;
        }
        char next[URL_MAX + 16];
        url_format(&hops[n + 1], next, sizeof next);
        for (int i = 0; i <= n && rc == FOLLOW; i++) {
            char seen[URL_MAX + 16];
            url_format(&hops[i], seen, sizeof seen);
            if (strcmp(seen, next) == 0 && strcmp(methods[i], method) == 0) {
                sl_err_set(why, "redirect loop: %d %s leads back to %.100s", rs.rs_status,
                           rs.rs_reason, next);
                rc = FETCH_REDIRECTS;
            }
        }
        if (rc == FOLLOW) {
            rc = FETCH_OK;
            snprintf(shown, sizeof shown, "%s", next);
        }
    }
    free(hops);
    free(methods);
    if (rc != FETCH_OK) {
        sl_err_set(err, "%.100s: %s", shown, why);
    }
    return rc;
}

int transfer_fetch(const transfer_opts *o, const char *text, FILE *out, char *err)
{
    FILE *w = o->to_progress != NULL ? progress_wrap(o->to_progress, out) : out;
    int rc = follow_hops(o, text, w, err);
    if (w != out && fclose(w) != 0 && rc == FETCH_OK) {
        sl_err_errno(err, "cannot write the body");
        rc = FETCH_LOCAL;
    }
    return rc;
}
