/* http_api.c - the JSON API under /api, the routes a Flask app would
 * write as
 *
 *     @app.get("/api")                def hello(): ...
 *     @app.post("/api/submit")        def submit(): ...
 *     @app.get("/api/data")           def data(): ...
 *     @app.post("/api/users")         def create(): ...
 *     @app.get("/api/users/<int:n>")  def user(n): ...
 *
 * Every JSON text is made and read by jansson, never by hand: a body
 * echoed back as a string is escaped by the library, and a body that is
 * not JSON (or not UTF-8) is the library's to refuse. */
#include "http_server.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The methods each route takes. */
enum { GET_ONLY, POST_ONLY };

int hs_is_api_path(const char *path)
{
    return strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0;
}

/* Send @p v (a reference taken) as the answer's JSON body. */
static int send_json(hs_exchange *ex, int status, json_t *v)
{
    char *text = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    if (text == NULL) {
        return hs_send_error(ex, 500, NULL, "The answer could not be made.");
    }
    int rc = hs_send_buffer(ex, status, "application/json", text, strlen(text), NULL);
    free(text);
    return rc;
}

/* /api/users/N: N 1 to 18 ASCII digits (decimal), else -1. */
static long long user_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18 || strspn(s, "0123456789") != n) {
        return -1;
    }
    return strtoll(s, NULL, 10);
}

/* GET /api/data?name=X: "Hello, X!" (X may hold any byte that is UTF-8,
 * NUL too: the message is made with its length, not as a C string). */
static int api_data(hs_exchange *ex)
{
    const hp_request *rq = ex->ex_rq;
    size_t qlen = 0;
    const char *q = hp_target_query(rq->rq_target, rq->rq_target_len, &qlen);
    size_t cap = qlen + sizeof "Hello, Guest!";
    char *msg = malloc(cap);
    if (msg == NULL) {
        return hs_send_error(ex, 500, NULL, NULL);
    }
    memcpy(msg, "Hello, ", 7);
    ssize_t n = hp_query_param(q, qlen, "name", msg + 7, cap - 7);
    if (n == HP_PARAM_ABSENT) {
        n = (ssize_t)strlen(strcpy(msg + 7, "Guest"));
    }
    json_t *v = NULL;
    if (n >= 0) {
        msg[7 + n] = '!';
        v = json_stringn(msg, 7 + (size_t)n + 1);
    }
    free(msg);
    if (v == NULL) {
        return hs_send_error(ex, 400, NULL, "The name is not well escaped UTF-8.");
    }
    return send_json(ex, 200, json_pack("{s:o}", "message", v));
}

/* POST /api/submit: the body, as a JSON string. */
static int api_submit(hs_exchange *ex)
{
    json_t *s = json_stringn(ex->ex_body != NULL ? ex->ex_body : "", ex->ex_body_len);
    if (s == NULL) {
        return hs_send_error(ex, 400, NULL, "The body is not UTF-8.");
    }
    return send_json(ex, 200, json_pack("{s:o}", "received", s));
}

/* POST /api/users: the body's JSON value, created. */
static int api_users(hs_exchange *ex)
{
    json_error_t err;
    json_t *user = json_loadb(ex->ex_body != NULL ? ex->ex_body : "", ex->ex_body_len,
                              JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (user == NULL) {
        char detail[256];
        snprintf(detail, sizeof detail, "The body is not JSON: %s.", err.text);
        return hs_send_error(ex, 400, NULL, detail);
    }
    return send_json(ex, 201, json_pack("{s:o,s:s}", "user", user, "status", "created"));
}

/* GET /api/users/N */
static int api_user(hs_exchange *ex, long long id)
{
    char name[32];
    snprintf(name, sizeof name, "User %lld", id);
    return send_json(ex, 200, json_pack("{s:I,s:s}", "user_id", (json_int_t)id, "name", name));
}

/* The wrong method on a route: 405 and what it takes. */
static int wrong_method(hs_exchange *ex, int takes)
{
    return hs_send_error(ex, 405, takes == GET_ONLY ? "Allow: GET, HEAD\r\n" : "Allow: POST\r\n",
                         "This address does not take that method.");
}

int hs_serve_api(hs_exchange *ex)
{
    const char *p = ex->ex_path;
    int post = ex->ex_rq->rq_method_id == HP_POST;
    long long id = strncmp(p, "/api/users/", 11) == 0 ? user_id(p + 11) : -1;
    if (strcmp(p, "/api") == 0) {
        return post ? wrong_method(ex, GET_ONLY)
                    : send_json(ex, 200, json_pack("{s:s}", "message", "Hello from API"));
    }
    if (strcmp(p, "/api/data") == 0) {
        return post ? wrong_method(ex, GET_ONLY) : api_data(ex);
    }
    if (strcmp(p, "/api/submit") == 0) {
        return post ? api_submit(ex) : wrong_method(ex, POST_ONLY);
    }
    if (strcmp(p, "/api/users") == 0) {
        return post ? api_users(ex) : wrong_method(ex, POST_ONLY);
    }
    if (id >= 0) {
        return post ? wrong_method(ex, GET_ONLY) : api_user(ex, id);
    }
    char detail[PATH_MAX + 64];
    snprintf(detail, sizeof detail, "The API has no %s.", p);
    return hs_send_error(ex, 404, NULL, detail);
}
