/* requests.c - lab 09's judgments request by request: how many connections
 * the requests came on (keep-alive), how long fetch waited between them
 * (the backoff of its retries), what each one held (its Cookie header),
 * and the retries it reported on stderr. */
#include "lab09.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The request that starts at p: its length (head, and the body its
 * Content-Length frames), or the rest of the text when its head is cut. */
static size_t request_len(const char *p)
{
    const char *end = strstr(p, "\r\n\r\n");
    if (end == NULL) {
        return strlen(p);
    }
    size_t head = (size_t)(end - p) + 4;
    long body = 0;
    for (const char *l = strchr(p, '\n'); l != NULL && l < end; l = strchr(l + 1, '\n')) {
        if (strncasecmp(l + 1, "Content-Length:", 15) == 0) {
            body = strtol(l + 16, NULL, 10);
        }
    }
    size_t rest = strlen(p + head);
    return head + (body > 0 && (size_t)body < rest ? (size_t)body : body > 0 ? rest : 0);
}

/* Request i (from 0) of the received text, copied (malloc'd), or NULL. */
static char *nth_request(const char *got, int i)
{
    const char *p = got;
    for (int k = 0; k < i && *p != '\0'; k++) {
        p += request_len(p);
    }
    if (*p == '\0') {
        return NULL;
    }
    size_t n = request_len(p);
    char *copy = malloc(n + 1);
    if (copy != NULL) {
        memcpy(copy, p, n);
        copy[n] = '\0';
    }
    return copy;
}

static int judge_one(gr_ctx *ctx, const lab09_req *rq, int i, const char *req)
{
    char show[160];
    for (int k = 0; k < 4 && rq->rq_has[k] != NULL; k++) {
        if (strstr(req, rq->rq_has[k]) == NULL) {
            gr_show_text(ctx, "that request", req, 20);
            return gr_fail(ctx, "request %d does not hold \"%s\"", i + 1,
                           gr_printable(rq->rq_has[k], strlen(rq->rq_has[k]), show, sizeof show));
        }
    }
    for (int k = 0; k < 6 && rq->rq_lacks[k] != NULL; k++) {
        if (strstr(req, rq->rq_lacks[k]) != NULL) {
            gr_show_text(ctx, "that request", req, 20);
            return gr_fail(
                ctx, "request %d holds \"%s\", which it must not", i + 1,
                gr_printable(rq->rq_lacks[k], strlen(rq->rq_lacks[k]), show, sizeof show));
        }
    }
    return 0;
}

/* Each request against its sc_req row. */
static int judge_each(gr_ctx *ctx, const lab09_scenario *sc, const char *got)
{
    for (int i = 0; i < LAB09_MAX_REQS; i++) {
        const lab09_req *rq = &sc->sc_req[i];
        if (rq->rq_has[0] == NULL && rq->rq_lacks[0] == NULL) {
            continue;
        }
        char *req = nth_request(got, i);
        if (req == NULL) {
            return gr_fail(ctx, "the server never received request %d", i + 1);
        }
        int rc = judge_one(ctx, rq, i, req);
        free(req);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* The waits between requests: never shorter than sc_min_gap_ms (a lower
 * bound only: a loaded machine makes waits longer, never shorter). */
static int judge_gaps(gr_ctx *ctx, const lab09_scenario *sc, const gr_http_script *script)
{
    for (int i = 0; i + 1 < LAB09_MAX_REQS && i + 1 < script->hs_requests; i++) {
        long gap = script->hs_at_ms[i + 1] - script->hs_at_ms[i];
        if (gap < sc->sc_min_gap_ms[i]) {
            gr_str *d = gr_details(ctx);
            gr_str_addf(d, "the requests came at");
            for (int k = 0; k < script->hs_requests && k < LAB09_MAX_REQS; k++) {
                gr_str_addf(d, "%s %ld ms", k > 0 ? "," : "",
                            script->hs_at_ms[k] - script->hs_at_ms[0]);
            }
            gr_str_addf(d, "\n");
            return gr_fail(ctx,
                           "request %d came %ld ms after request %d; fetch should have waited at "
                           "least %d ms",
                           i + 2, gap, i + 1, sc->sc_min_gap_ms[i]);
        }
    }
    return 0;
}

/* Lines of text that hold "retry" in any case. */
static int retry_lines(const char *text)
{
    int n = 0;
    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        for (size_t i = 0; i + 5 <= len; i++) {
            if (strncasecmp(line + i, "retry", 5) == 0) {
                n++;
                break;
            }
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return n;
}

int lab09_judge_requests(gr_ctx *ctx, const lab09_scenario *sc, const char *got,
                         const gr_http_script *script, int connections, const char *stderr_text)
{
    if (sc->sc_connections > 0 && connections != sc->sc_connections) {
        gr_show_text(ctx, "the server received", got, 40);
        return gr_fail(ctx, "the %d requests came on %d connection%s; they should have come on %d",
                       script->hs_requests, connections, connections == 1 ? "" : "s",
                       sc->sc_connections);
    }
    int rc = judge_gaps(ctx, sc, script);
    if (rc == 0) {
        rc = judge_each(ctx, sc, got);
    }
    int lines = retry_lines(stderr_text != NULL ? stderr_text : "");
    if (rc == 0 && lines < sc->sc_retry_lines) {
        rc = gr_fail(ctx,
                     "fetch made %d retries but its stderr has %d line%s saying \"retry\": each "
                     "retry should be logged",
                     sc->sc_retry_lines, lines, lines == 1 ? "" : "s");
    }
    return rc;
}
