/* http.c - a fake HTTP/1.1 server that answers from a script (see http.h). */
#include "peers/http.h"

#include "os/clock.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define HEAD_MAX 65536
#define HOLD_MS 600000 /* a held connection: until the fake is stopped */

static const char not_found[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

/* Read a request head into buf (NUL-terminated); its length, or -1. */
static long read_head(gr_fake *f, gr_xport *x, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        if (gr_fake_recv_arrived(f, x, buf + n, 1) != 1) {
            return -1;
        }
        buf[++n] = '\0';
        if (n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0) {
            return (long)n;
        }
        if (n >= 2 && memcmp(buf + n - 2, "\n\n", 2) == 0) {
            return (long)n;
        }
    }
    return -1;
}

/* The Content-Length of a head, or 0. */
static long content_length(const char *head)
{
    for (const char *p = strchr(head, '\n'); p != NULL; p = strchr(p + 1, '\n')) {
        if (strncasecmp(p + 1, "Content-Length:", 15) == 0) {
            long v = strtol(p + 16, NULL, 10);
            return v > 0 && v < HEAD_MAX ? v : 0;
        }
    }
    return 0;
}

/* The first route for the head's target that has requests left to
 * answer, counted as used; NULL when none. */
static const gr_http_route *find_route(gr_http_script *s, const char *head)
{
    const char *sp = strchr(head, ' ');
    const char *end = sp != NULL ? strchr(sp + 1, ' ') : NULL;
    for (size_t i = 0; end != NULL && i < s->hs_nroutes && i < GR_HTTP_MAX_ROUTES; i++) {
        const gr_http_route *r = &s->hs_routes[i];
        const char *t = r->hr_target;
        int match =
            t == NULL || (strlen(t) == (size_t)(end - sp - 1) && memcmp(t, sp + 1, strlen(t)) == 0);
        if (match && (r->hr_times <= 0 || s->hs_used[i] < r->hr_times)) {
            s->hs_used[i]++;
            return r;
        }
    }
    return NULL;
}

/* Read one request (its head, and the body its Content-Length frames),
 * noting when it came; the route that answers it, or NULL (404). Returns
 * -1 when the client closed or sent no whole head. */
static int read_request(gr_fake *f, gr_xport *x, gr_http_script *s, const gr_http_route **route)
{
    char *head = malloc(HEAD_MAX);
    if (head == NULL || read_head(f, x, head, HEAD_MAX) < 0) {
        free(head);
        return -1;
    }
    if (s->hs_requests < GR_HTTP_MAX_REQS) {
        s->hs_at_ms[s->hs_requests] = gr_now_ms();
    }
    s->hs_requests++;
    char body[512];
    for (long left = content_length(head); left > 0;) {
        long want = left < (long)sizeof body ? left : (long)sizeof body;
        ssize_t got = gr_fake_recv_arrived(f, x, body, (size_t)want);
        if (got <= 0) {
            break;
        }
        left -= got;
    }
    *route = find_route(s, head);
    free(head);
    return 0;
}

/* Keep the connection open and answer nothing, until the client closes it
 * (or the fake is stopped); what it sends is read, and kept. */
static void hold(gr_fake *f, gr_xport *x)
{
    char buf[512];
    while (gr_fake_recv(f, x, buf, sizeof buf) > 0) {
    }
}

void gr_http_fake(gr_fake *f, gr_xport *x, void *arg)
{
    gr_http_script *s = arg;
    const gr_http_route *r = NULL;
    while (read_request(f, x, s, &r) == 0) {
        if (r != NULL && r->hr_after == GR_HTTP_SILENT) {
            gr_fake_pause(f, HOLD_MS);
            return;
        }
        if (r != NULL && r->hr_delay_ms > 0 && gr_fake_pause(f, r->hr_delay_ms) < 0) {
            return;
        }
        if (s->hs_requests <= GR_HTTP_MAX_REQS) {
            s->hs_answered_ms[s->hs_requests - 1] = gr_now_ms();
        }
        const char *resp = r != NULL ? r->hr_response : not_found;
        int sent = r != NULL && r->hr_pieces > 1
                       ? gr_fake_send_pieces(f, x, resp, strlen(resp), r->hr_pieces, r->hr_pause_ms)
                       : gr_fake_send(f, x, resp, strlen(resp));
        if (sent == 0 && r != NULL && r->hr_after == GR_HTTP_HOLD) {
            hold(f, x);
        }
        if (sent == 0 && r != NULL && r->hr_after == GR_HTTP_CUT) {
            shutdown(x->xp_fd, SHUT_WR); /* a FIN, no close_notify before it */
            hold(f, x);
            gr_xport_close(x, 0); /* closed without close_notify */
        }
        if (sent != 0 || r == NULL || r->hr_after != GR_HTTP_KEEP) {
            return;
        }
    }
}
