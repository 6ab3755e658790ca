/* https.c - lab 09's HTTPS (step 12): the grader's fake server speaks TLS
 * with a certificate of the run's test CA (kit/ca_run.h), and fetch is
 * given the root alone (--cacert ca.pem). RULES.md says which rule each
 * scenario probes. */
#include "lab09.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TLS_GOOD .sc_tls = 1, .sc_cert = GR_CERT_GOOD

/* ---- a good chain: verified, by name and by IP address ------------------------------ */

static const gr_http_route r_get[] = {
    {.hr_target = "/a.txt",
     .hr_response = "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nover TLS\n"},
};
static const gr_http_route r_close[] = {
    {.hr_target = "/close.txt",
     .hr_response = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the close_notify\n",
     .hr_pieces = 3,
     .hr_pause_ms = 20},
};
static const gr_http_route r_kept[] = {
    {.hr_target = "/k1",
     .hr_response = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\none\n",
     .hr_after = GR_HTTP_KEEP},
    {.hr_target = "/k2", .hr_response = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ntwo\n"},
};
const lab09_scenario lab09_https_get[] = {
    {.sc_args = "--cacert ca.pem {surl}/a.txt",
     .sc_routes = r_get,
     .sc_nroutes = N(r_get),
     .sc_stdout = "over TLS\n",
     .sc_requests = 1,
     .sc_sent = {"GET /a.txt HTTP/1.1\r\n", "Host: localhost:"},
     TLS_GOOD},
    {.sc_args = "--cacert ca.pem {sip}/a.txt",
     .sc_routes = r_get,
     .sc_nroutes = N(r_get),
     .sc_stdout = "over TLS\n",
     .sc_requests = 1,
     TLS_GOOD},
    {.sc_args = "--cacert ca.pem {surl}/close.txt",
     .sc_routes = r_close,
     .sc_nroutes = N(r_close),
     .sc_stdout = "to the close_notify\n",
     .sc_requests = 1,
     TLS_GOOD},
    {.sc_args = "--cacert ca.pem {surl}/k1 {surl}/k2",
     .sc_routes = r_kept,
     .sc_nroutes = N(r_kept),
     .sc_stdout = "one\ntwo\n",
     .sc_requests = 2,
     .sc_connections = 1,
     TLS_GOOD},
    {.sc_args = NULL},
};

/* ---- refused before a byte of the request is sent ------------------------------------ */

#define REFUSED(CERT, LEAF)                                                                        \
    {                                                                                              \
        .sc_args = "--cacert ca.pem {surl}/a.txt", .sc_routes = r_get, .sc_nroutes = N(r_get),     \
        .sc_exit = 9, .sc_stdout = "", .sc_requests = 0, .sc_tls = 1, .sc_cert = (CERT),           \
        .sc_leaf_only = (LEAF)                                                                     \
    }
const lab09_scenario lab09_https_refused[] = {
    REFUSED(GR_CERT_EXPIRED, 0),   REFUSED(GR_CERT_WRONGNAME, 0), REFUSED(GR_CERT_SELFSIGNED, 0),
    REFUSED(GR_CERT_UNTRUSTED, 0), REFUSED(GR_CERT_GOOD, 1),      {.sc_args = NULL},
};

/* ---- a body delimited by the close, cut without close_notify ---------------------------- */

static const gr_http_route r_cut[] = {
    {.hr_target = "/cut",
     .hr_response = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthe first half, and then",
     .hr_after = GR_HTTP_CUT},
};
const lab09_scenario lab09_https_truncated = {.sc_args = "--cacert ca.pem -o dl/out.bin {surl}/cut",
                                              .sc_routes = r_cut,
                                              .sc_nroutes = N(r_cut),
                                              .sc_exit = 9,
                                              .sc_requests = 1,
                                              .sc_uses_file = 1,
                                              TLS_GOOD};
