/* cases.c - lab 10's client runs: for each check, what the fake server
 * presents and does, and what tls_client must do. RULES.md says which rule
 * each probes. */
#include "lab10.h"

#define BY_NAME                                                                                    \
    "--cafile ca.pem --servername localhost --timeout 5 --message {msg} 127.0.0.1 {port}"
#define REFUSED(kind, ...)                                                                         \
    {                                                                                              \
        .cs_args = BY_NAME, .cs_cert = (kind), .cs_exit = 4, .cs_why = { __VA_ARGS__ }             \
    }

/* ---- step 1: a verified connection ----------------------------------------------------- */

const lab10_case lab10_echo = {.cs_args = BY_NAME,
                               .cs_cert = GR_CERT_GOOD,
                               .cs_exit = 0,
                               .cs_want_sni = 1,
                               .cs_want_reply = 1};
const lab10_case lab10_ip = {.cs_args =
                                 "--cafile ca.pem --timeout 5 --message {msg} 127.0.0.1 {port}",
                             .cs_cert = GR_CERT_GOOD,
                             .cs_exit = 0,
                             .cs_want_reply = 1};
const lab10_case lab10_facts = {.cs_args = BY_NAME,
                                .cs_cert = GR_CERT_GOOD,
                                .cs_exit = 0,
                                .cs_all = {"version: TLSv1.3", "cipher: TLS_",
                                           "subject:", "localhost", "issuer:", "intermediate",
                                           "san:", "not after:"}};

/* ---- step 2: certificates refused, each for its reason --------------------------------- */

const lab10_case lab10_expired = REFUSED(GR_CERT_EXPIRED, "expired");
const lab10_case lab10_notyet = REFUSED(GR_CERT_NOTYET, "not yet valid");
const lab10_case lab10_wrongname = REFUSED(GR_CERT_WRONGNAME, "hostname mismatch");
const lab10_case lab10_selfsigned = REFUSED(GR_CERT_SELFSIGNED, "self-signed", "self signed");
const lab10_case lab10_untrusted = REFUSED(GR_CERT_UNTRUSTED, "local issuer");
const lab10_case lab10_incomplete = {.cs_args = BY_NAME,
                                     .cs_cert = GR_CERT_GOOD,
                                     .cs_leaf_only = 1,
                                     .cs_exit = 4,
                                     .cs_why = {"local issuer"}};
const lab10_case lab10_notca = REFUSED(GR_CERT_NOTCA, "invalid ca");
const lab10_case lab10_purpose = REFUSED(GR_CERT_CLIENTONLY, "purpose");

/* ---- step 3: how it ends, and its limits ----------------------------------------------- */

const lab10_case lab10_truncated = {.cs_args = BY_NAME,
                                    .cs_cert = GR_CERT_GOOD,
                                    .cs_how = SV_CUT,
                                    .cs_exit = 6,
                                    .cs_why = {"close_notify", "close notify", "truncat", "eof"}};
const lab10_case lab10_min_version = {
    .cs_args = "--cafile ca.pem --servername localhost --min-version 1.3 --timeout 5 --message "
               "{msg} 127.0.0.1 {port}",
    .cs_cert = GR_CERT_GOOD,
    .cs_max_version = 0x0303,
    .cs_exit = 5,
    .cs_why = {"version"}};
const lab10_case lab10_old_version = {.cs_args = BY_NAME,
                                      .cs_cert = GR_CERT_GOOD,
                                      .cs_max_version = 0x0302,
                                      .cs_exit = 5,
                                      .cs_why = {"version"}};
const lab10_case lab10_timeout = {
    .cs_args = "--cafile ca.pem --servername localhost --timeout 1 --message {msg} 127.0.0.1 "
               "{port}",
    .cs_how = SV_SILENT,
    .cs_exit = 7,
    .cs_max_ms = 4000};
