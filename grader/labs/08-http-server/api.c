/* api.c - lab 08's bodies and its JSON API: bodies framed by
 * Content-Length and by chunks, the body limit at its edge, each row of
 * the API table at its edges, and JSON compared by value (jansson), with
 * the escapes string formatting gets wrong. */
#include "lab08.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* @p method @p target with @p body framed by Content-Length (or by
 * @p framed, a body already chunked, when not NULL). */
static char *with_body(const char *method, const char *target, const char *body, size_t n,
                       const char *framed)
{
    gr_str s = {0};
    gr_str_addf(&s, "%s %s HTTP/1.1\r\nHost: localhost\r\n", method, target);
    if (framed != NULL) {
        gr_str_addf(&s, "Transfer-Encoding: chunked\r\n\r\n%s", framed);
    } else {
        gr_str_addf(&s, "Content-Length: %zu\r\n\r\n", n);
        gr_str_addn(&s, body, n);
    }
    return gr_str_take(&s);
}

/* The response's body is JSON equal to @p want (a JSON text). */
static int want_json(gr_ctx *ctx, const char *req, const gr_http_resp *r, int status,
                     const char *want, const char *what)
{
    if (lab08_want_status(ctx, req, r, status, what) ||
        lab08_want_field(ctx, req, r, "Content-Type", "application/json", what)) {
        return -1;
    }
    json_error_t err;
    json_t *w = json_loads(want, JSON_DECODE_ANY, &err);
    json_t *g = json_loadb((const char *)r->hr_body, r->hr_body_len, JSON_DECODE_ANY, &err);
    int rc = 0;
    if (g == NULL) {
        gr_hint(ctx, "A JSON text is built by a JSON library, never by formatting strings: a "
                     "quote, a backslash or a newline in the data breaks the text. In C: "
                     "json_pack(\"{s:s}\", \"received\", body) and json_dumps() (jansson "
                     "escapes every string). In Python: json.dumps({\"received\": body}), not "
                     "'{\"received\": \"%%s\"}' %% body.");
        rc = gr_http_fail(ctx, req, strlen(req), r, "%s: the body is not JSON (%s at %d)", what,
                          err.text, err.position);
    } else if (!json_equal(w, g)) {
        char *ws = json_dumps(w, JSON_ENCODE_ANY | JSON_COMPACT);
        rc = gr_http_fail(ctx, req, strlen(req), r, "%s: the JSON is not %.300s", what,
                          ws != NULL ? ws : want);
        free(ws);
    }
    json_decref(w);
    json_decref(g);
    return rc;
}

/* One request, its JSON compared. */
static int api(gr_ctx *ctx, const char *req, int status, const char *want, const char *what)
{
    gr_http_resp r = {0};
    int rc = lab08_request(ctx, req, 0, &r, what);
    if (rc == 0 && want != NULL) {
        rc = want_json(ctx, req, &r, status, want, what);
    } else if (rc == 0) {
        rc = lab08_want_status(ctx, req, &r, status, what);
    }
    gr_http_resp_free(&r);
    return rc;
}

static int get(gr_ctx *ctx, const char *target, int status, const char *want)
{
    char req[512];
    return api(ctx, lab08_get(req, sizeof req, "GET", target, NULL), status, want, target);
}

/* POST @p body to /api/submit: {"received": body}. */
static int submit(gr_ctx *ctx, const char *body, size_t n, const char *framed, const char *what)
{
    char *req = with_body("POST", "/api/submit", body, n, framed);
    json_t *v = json_pack("{s:s%}", "received", body, n);
    char *want = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
    int rc = req == NULL || want == NULL ? gr_fail(ctx, "the grader ran out of memory")
                                         : api(ctx, req, 200, want, what);
    free(want);
    json_decref(v);
    free(req);
    return rc;
}

int lab08_check_bodies(gr_ctx *ctx)
{
    static const char get_body[] =
        "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"
        "GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if (submit(ctx, "hello world", 11, NULL, "POST /api/submit with Content-Length") ||
        submit(ctx, "", 0, NULL, "POST /api/submit with an empty body") ||
        submit(ctx, "hello world", 11, "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n",
               "a chunked body") ||
        submit(ctx, "abc", 3, "3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n",
               "a chunked body with a trailer") ||
        submit(ctx, "", 0, "0\r\n\r\n", "an empty chunked body") ||
        submit(ctx, "0123456789abcdef", 16, "A\r\n0123456789\r\n6\r\nabcdef\r\n0\r\n\r\n",
               "chunk sizes in hex")) {
        return -1;
    }
    /* GET with a body: read and ignored, and the next request is whole. */
    gr_http h;
    if (gr_http_connect(ctx, &h, "GET with a body") != 0) {
        return -1;
    }
    int rc = gr_http_send(&h, get_body, sizeof get_body - 1, gr_deadline(ctx));
    for (int i = 0; i < 2 && rc == 0; i++) {
        gr_http_resp r = {0};
        if (gr_http_read(&h, 0, gr_soon(ctx, 3000), &r) != GR_HTTP_OK || r.hr_status != 200) {
            rc =
                gr_http_fail(ctx, get_body, sizeof get_body - 1, &r,
                             "a GET with a 5-byte body, then a GET: response %d is not 200", i + 1);
        }
        gr_http_resp_free(&r);
    }
    gr_http_close(&h);
    return rc;
}

int lab08_check_body_limits(gr_ctx *ctx)
{
    char *body = malloc(LAB08_BODY_MAX);
    if (body == NULL) {
        return gr_fail(ctx, "the grader ran out of memory");
    }
    memset(body, 'a', LAB08_BODY_MAX);
    int rc = submit(ctx, body, LAB08_BODY_MAX, NULL, "a body of exactly 1 MiB");
    free(body);
    char head[256];
    snprintf(head, sizeof head,
             "POST /api/submit HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n",
             LAB08_BODY_MAX + 1);
    lab08_probe over = {"Content-Length 1 MiB + 1, before its body", head, 413};
    if (rc == 0 && lab08_probe_set(ctx, &over, 1) != 0) {
        gr_hint(ctx, "A body over the limit is refused from its Content-Length, before it is "
                     "read: 413 and a close. In C: compare the parsed length with 1048576 as "
                     "soon as the head is parsed. In Python: int(headers['Content-Length']) > "
                     "limit, before rfile.read().");
        return -1;
    }
    /* Chunks growing past the limit: 16 of 64 KiB make 1 MiB, one more byte. */
    gr_str s = {0};
    gr_str_add(
        &s, "POST /api/submit HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
    char *chunk = malloc(64 * KiB);
    if (chunk != NULL) {
        memset(chunk, 'b', 64 * KiB);
        for (int i = 0; i < 16; i++) {
            gr_str_add(&s, "10000\r\n");
            gr_str_addn(&s, chunk, 64 * KiB);
            gr_str_add(&s, "\r\n");
        }
        gr_str_add(&s, "1\r\nb");
    }
    free(chunk);
    lab08_probe grow = {"a chunked body growing to 1 MiB + 1", gr_str_cstr(&s), 413};
    rc = rc == 0 ? lab08_probe_set(ctx, &grow, 1) : rc;
    gr_str_free(&s);
    return rc;
}

int lab08_check_api_routes(gr_ctx *ctx)
{
    return get(ctx, "/api", 200, "{\"message\": \"Hello from API\"}") ||
           get(ctx, "/api?x=1", 200, "{\"message\": \"Hello from API\"}") ||
           get(ctx, "/api/data", 200, "{\"message\": \"Hello, Guest!\"}") ||
           get(ctx, "/api/data?name=Ada", 200, "{\"message\": \"Hello, Ada!\"}") ||
           get(ctx, "/api/data?name=", 200, "{\"message\": \"Hello, !\"}") ||
           get(ctx, "/api/data?x=1&name=Ada+Lovelace&name=Bob", 200,
               "{\"message\": \"Hello, Ada Lovelace!\"}") ||
           get(ctx, "/api/data?name=%41%62c%2b%26", 200, "{\"message\": \"Hello, Abc+&!\"}") ||
           get(ctx, "/api/data?name=%zz", 400, NULL) || get(ctx, "/api/nothing", 404, NULL) ||
           get(ctx, "/api/", 404, NULL) || lab08_want_405(ctx, "POST", "/api", "GET, HEAD") ||
           lab08_want_405(ctx, "GET", "/api/submit", "POST") ||
           lab08_want_405(ctx, "GET", "/api/users", "POST") ||
           lab08_want_405(ctx, "POST", "/api/users/1", "GET, HEAD");
}

int lab08_check_api_escaping(gr_ctx *ctx)
{
    static const struct {
        const char *body;
        const char *what;
    } bodies[] = {
        {"say \"hi\"", "a body with quotes"},
        {"back\\slash \\n", "a body with backslashes"},
        {"line 1\nline 2\r\n\ttab\x01\x1f", "a body with control bytes"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "a UTF-8 body"},
        {"</script>{\"a\": 1}", "a body that looks like JSON"},
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        if (submit(ctx, bodies[i].body, strlen(bodies[i].body), NULL, bodies[i].what) != 0) {
            return -1;
        }
    }
    char *bad = with_body("POST", "/api/submit", "\xff\xfe", 2, NULL);
    int rc = api(ctx, bad, 400, NULL, "a body that is not UTF-8");
    free(bad);
    return rc || get(ctx, "/api/data?name=%22q%22%5C%0A", 200,
                     "{\"message\": \"Hello, \\\"q\\\"\\\\\\n!\"}");
}

/* POST @p json to /api/users: 201 with it as "user", or @p status. */
static int user(gr_ctx *ctx, const char *json, int status, const char *what)
{
    char *req = with_body("POST", "/api/users", json, strlen(json), NULL);
    gr_str want = {0};
    gr_str_addf(&want, "{\"user\": %s, \"status\": \"created\"}", json);
    int rc = api(ctx, req, status, status == 201 ? gr_str_cstr(&want) : NULL, what);
    gr_str_free(&want);
    free(req);
    return rc;
}

int lab08_check_api_users(gr_ctx *ctx)
{
    return user(ctx, "{\"name\": \"Ada\", \"age\": 36}", 201, "a user") ||
           user(ctx, "{\"n\": \"q\\\"uote\", \"list\": [1, 2.5, null, true], \"o\": {}}", 201,
                "a user with nested values") ||
           user(ctx, "{\"name\": ", 400, "a body that is not JSON") ||
           user(ctx, "", 400, "an empty body") ||
           get(ctx, "/api/users/1", 200, "{\"user_id\": 1, \"name\": \"User 1\"}") ||
           get(ctx, "/api/users/007", 200, "{\"user_id\": 7, \"name\": \"User 7\"}") ||
           get(ctx, "/api/users/999999999999999999", 200,
               "{\"user_id\": 999999999999999999, \"name\": \"User 999999999999999999\"}") ||
           get(ctx, "/api/users/", 404, NULL) || get(ctx, "/api/users/-1", 404, NULL) ||
           get(ctx, "/api/users/+1", 404, NULL) || get(ctx, "/api/users/1a", 404, NULL) ||
           get(ctx, "/api/users/1/", 404, NULL) ||
           get(ctx, "/api/users/1000000000000000000", 404, NULL);
}
