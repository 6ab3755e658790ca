/* http_parse.c - the request head: request line, field lines, the body's
 * framing.
 *
 * The head is read line by line. Each call starts again at the first line
 * it had not finished (rq_next_line), so bytes that trickle in cost only a
 * new look at the last line, never the whole head again. A line that is
 * still arriving is checked as far as it goes: a request-target already
 * longer than the limit is 414 at once, a head already over its size 431,
 * so that a server never waits for a line it would refuse. */
#include "http_parse.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/* The stages of a head. */
enum { STAGE_START, STAGE_FIELDS };

/* RFC 9110 tchar: the bytes of a token (a method, a field name). */
static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return 1;
    }
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte of a request-target: visible ASCII (RFC 3986 allows no others). */
static int is_target_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

/* A byte of a field value: anything but a control byte (HTAB is allowed). */
static int is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static hp_method method_id(const char *m, size_t n)
{
    if (n == 3 && memcmp(m, "GET", 3) == 0) {
        return HP_GET;
    }
    if (n == 4 && memcmp(m, "HEAD", 4) == 0) {
        return HP_HEAD;
    }
    if (n == 4 && memcmp(m, "POST", 4) == 0) {
        return HP_POST;
    }
    return HP_METHOD_OTHER;
}

/* The version after the target: exactly HTTP/D.D, major 1. */
static int parse_version(hp_request *rq, const char *v, size_t n)
{
    if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9') {
        return HP_ERR_BAD_REQUEST;
    }
    if (v[5] != '1') {
        return HP_ERR_VERSION;
    }
    rq->rq_minor = v[7] - '0';
    return 0;
}

/* The request line p[0..n) (its line end left out); @p complete says
 * whether its line end has come. */
static int request_line(hp_request *rq, const char *p, size_t n, int complete)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i])) {
        if (++i > HP_MAX_METHOD) {
            return HP_ERR_NOT_IMPLEMENTED;
        }
    }
    if (i == n) {
        return complete ? HP_ERR_BAD_REQUEST : HP_INCOMPLETE;
    }
    if (i == 0 || p[i] != ' ') {
        return HP_ERR_BAD_REQUEST;
    }
    size_t t = i + 1, j = t;
    while (j < n && p[j] != ' ') {
        if (!is_target_char((unsigned char)p[j]) || (j == t && p[j] != '/')) {
            return HP_ERR_BAD_REQUEST;
        }
        if (++j - t > HP_MAX_TARGET) {
            return HP_ERR_TARGET_TOO_LONG;
        }
    }
    if (j == n) {
        return complete ? HP_ERR_BAD_REQUEST : HP_INCOMPLETE;
    }
    if (j == t) {
        return HP_ERR_BAD_REQUEST; /* two spaces: no target */
    }
    if (!complete) {
        return HP_INCOMPLETE;
    }
    int rc = parse_version(rq, p + j + 1, n - j - 1);
    if (rc < 0) {
        return rc;
    }
    rq->rq_method = p;
    rq->rq_method_len = i;
    rq->rq_method_id = method_id(p, i);
    rq->rq_target = p + t;
    rq->rq_target_len = j - t;
    return 0;
}

/* A field line p[0..n): name ":" OWS value OWS. */
static int field_line(hp_field *f, const char *p, size_t n, int complete)
{
    if (p[0] == ' ' || p[0] == '\t') {
        return HP_ERR_BAD_REQUEST; /* obs-fold */
    }
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)p[i])) {
        i++;
    }
    if (i == n) {
        return complete ? HP_ERR_BAD_REQUEST : HP_INCOMPLETE;
    }
    if (i == 0 || p[i] != ':') {
        return HP_ERR_BAD_REQUEST; /* no name, a space before the colon, a bad byte */
    }
    for (size_t k = i + 1; k < n; k++) {
        if (!is_value_char((unsigned char)p[k])) {
            return HP_ERR_BAD_REQUEST;
        }
    }
    if (!complete) {
        return HP_INCOMPLETE;
    }
    size_t b = i + 1, e = n;
    while (b < e && (p[b] == ' ' || p[b] == '\t')) {
        b++;
    }
    while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\t')) {
        e--;
    }
    *f = (hp_field){.f_name = p, .f_name_len = i, .f_value = p + b, .f_value_len = e - b};
    return 0;
}

/* The head is complete: the checks that need all of it. */
static int whole_head(const hp_request *rq)
{
    size_t hosts = 0;
    hp_find_field(rq, "host", &hosts);
    if (hosts > 1 || (hosts == 0 && hp_is_http11(rq))) {
        return HP_ERR_BAD_REQUEST;
    }
    return 0;
}

/* The buffer moved since the last call: move the pointers kept with it. */
static void rebase(hp_request *rq, const char *buf)
{
    if (rq->rq_base == buf || rq->rq_base == NULL) {
        rq->rq_base = buf;
        return;
    }
    uintptr_t old = (uintptr_t)rq->rq_base;
    if (rq->rq_stage == STAGE_FIELDS) {
        rq->rq_method = buf + ((uintptr_t)rq->rq_method - old);
        rq->rq_target = buf + ((uintptr_t)rq->rq_target - old);
    }
    for (size_t i = 0; i < rq->rq_nfields; i++) {
        hp_field *f = &rq->rq_fields[i];
        f->f_name = buf + ((uintptr_t)f->f_name - old);
        f->f_value = buf + ((uintptr_t)f->f_value - old);
    }
    rq->rq_base = buf;
}

/* One line of the field section, from @p pos: 1 for the empty line that
 * ends the head, 0 for a field line, or an error or HP_INCOMPLETE. */
static int fields_line(hp_request *rq, const char *buf, size_t pos, size_t line_bytes,
                       size_t content, int complete)
{
    if (content == 0) {
        return complete ? 1 : HP_INCOMPLETE;
    }
    if (rq->rq_nfields == HP_MAX_FIELDS || rq->rq_field_bytes + line_bytes > HP_MAX_FIELD_BYTES) {
        return HP_ERR_FIELDS_TOO_LARGE;
    }
    int rc = field_line(&rq->rq_fields[rq->rq_nfields], buf + pos, content, complete);
    if (rc < 0) {
        return rc;
    }
    rq->rq_nfields++;
    rq->rq_field_bytes += line_bytes;
    return 0;
}

ssize_t hp_parse_request(const char *buf, size_t len, size_t prev_len, hp_request *rq)
{
    if (prev_len == 0 || prev_len > len) {
        memset(rq, 0, sizeof *rq);
    }
    rebase(rq, buf);
    size_t pos = rq->rq_next_line;
    for (;;) {
        const char *lf = memchr(buf + pos, '\n', len - pos);
        int complete = lf != NULL;
        size_t end = complete ? (size_t)(lf - buf) : len;
        size_t content = end - pos;
        if (content > 0 && buf[end - 1] == '\r') {
            content--; /* CRLF, or a CR whose LF has not come yet */
        }
        size_t line_bytes = (complete ? end + 1 : len) - pos;
        int rc;
        if (rq->rq_stage == STAGE_START) {
            if (content == 0) {
                rc = complete ? 0 : HP_INCOMPLETE; /* an empty line before the request */
            } else {
                rc = request_line(rq, buf + pos, content, complete);
                rq->rq_stage = rc == 0 ? STAGE_FIELDS : STAGE_START;
            }
        } else {
            rc = fields_line(rq, buf, pos, line_bytes, content, complete);
            if (rc == 1) {
                rc = whole_head(rq);
                return rc < 0 ? rc : (ssize_t)(end + 1);
            }
        }
        if (rc < 0) {
            return rc;
        }
        pos = end + 1;
        rq->rq_next_line = pos;
    }
}

size_t hp_empty_lines(const char *buf, size_t len)
{
    size_t i = 0, kept = 0;
    while (i < len) {
        if (buf[i] == '\n') {
            kept = ++i;
        } else if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n') {
            kept = i += 2;
        } else {
            break;
        }
    }
    return kept;
}

int hp_is_http11(const hp_request *rq)
{
    return rq->rq_minor >= 1;
}

const hp_field *hp_find_field(const hp_request *rq, const char *name, size_t *count)
{
    const hp_field *first = NULL;
    size_t n = 0, len = strlen(name);
    for (size_t i = 0; i < rq->rq_nfields; i++) {
        const hp_field *f = &rq->rq_fields[i];
        if (f->f_name_len == len && strncasecmp(f->f_name, name, len) == 0) {
            first = first != NULL ? first : f;
            n++;
        }
    }
    if (count != NULL) {
        *count = n;
    }
    return first;
}

int hp_field_has_token(const hp_request *rq, const char *name, const char *token)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < rq->rq_nfields; i++) {
        const hp_field *f = &rq->rq_fields[i];
        if (f->f_name_len == len && strncasecmp(f->f_name, name, len) == 0 &&
            hp_list_has_token(f->f_value, f->f_value_len, token)) {
            return 1;
        }
    }
    return 0;
}

int hp_body_framing(const hp_request *rq, hp_body *body)
{
    size_t n_cl = 0, n_te = 0;
    const hp_field *cl = hp_find_field(rq, "content-length", &n_cl);
    const hp_field *te = hp_find_field(rq, "transfer-encoding", &n_te);
    *body = (hp_body){.b_kind = HP_BODY_NONE};
    if (n_te > 0) {
        if (!hp_is_http11(rq) || n_cl > 0) {
            return HP_ERR_BAD_REQUEST;
        }
        if (n_te > 1 || te->f_value_len != 7 || strncasecmp(te->f_value, "chunked", 7) != 0) {
            return HP_ERR_NOT_IMPLEMENTED;
        }
        body->b_kind = HP_BODY_CHUNKED;
        return 0;
    }
    if (n_cl > 1) {
        return HP_ERR_BAD_REQUEST;
    }
    if (n_cl == 1) {
        if (hp_content_length(cl->f_value, cl->f_value_len, &body->b_length) < 0) {
            return HP_ERR_BAD_REQUEST;
        }
        body->b_kind = HP_BODY_LENGTH;
    }
    return 0;
}
