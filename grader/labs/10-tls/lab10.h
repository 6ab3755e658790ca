/* lab10.h - what lab 10's check files share: a run of the student's
 * tls_client against the grader's fake TLS server, with a certificate of
 * the test CA (kit/ca.h), and what must come of it. */
#ifndef SOCKLAB_GRADER_LAB10_H
#define SOCKLAB_GRADER_LAB10_H

#include "kit/ca_run.h"
#include "kit/kit.h"

/** What the fake server does once the handshake is done. */
typedef enum lab10_how {
    SV_REPLY,  /**< send the line back, then close_notify */
    SV_CUT,    /**< send the line back, then end the TCP stream without close_notify */
    SV_SILENT, /**< plain TCP that never answers the ClientHello */
} lab10_how;

/** One run of tls_client and what it must do. */
typedef struct lab10_case {
    const char *cs_args;   /**< after ./tls_client: {port} and {msg} are replaced */
    gr_cert cs_cert;       /**< the leaf the server presents */
    int cs_leaf_only;      /**< 1: without its intermediate (an incomplete chain) */
    int cs_max_version;    /**< the server's highest version, or 0 */
    lab10_how cs_how;      /**< what the server does after the handshake */
    int cs_exit;           /**< the exit status it must have */
    const char *cs_why[5]; /**< words stderr must hold, any of them (any case), or NULL */
    const char *cs_all[8]; /**< texts stderr must hold, all of them (any case) */
    int cs_want_sni;       /**< 1: the client must have sent SNI "localhost" */
    int cs_want_reply;     /**< 1: stdout must be the message line */
    int cs_max_ms;         /**< it must end within this (before scaling), or 0 */
} lab10_case;

/** @brief Run the lab10_case in gr_arg(ctx). */
int lab10_check_client(gr_ctx *ctx);

/** The server's --handshake-timeout in the lab's command, in ms. */
#define LAB10_HANDSHAKE_MS 2000

/** @brief The lab's lab_docroot: the test CA's files, for the server's command line. */
int lab10_certs(gr_ctx *ctx, const char *top);

/** @brief Server checks (server.c): each against the student's tls_echo_server. */
int lab10_check_server_echo(gr_ctx *ctx);
int lab10_check_server_chain(gr_ctx *ctx);
int lab10_check_server_openssl(gr_ctx *ctx);
int lab10_check_server_large(gr_ctx *ctx);
int lab10_check_server_min_version(gr_ctx *ctx);
int lab10_check_server_stalled(gr_ctx *ctx);
int lab10_check_server_plaintext(gr_ctx *ctx);
int lab10_check_server_vanish(gr_ctx *ctx);
int lab10_check_server_idle_cpu(gr_ctx *ctx);
int lab10_check_server_old_version(gr_ctx *ctx);
int lab10_check_server_key_secret(gr_ctx *ctx);

extern const lab10_case lab10_echo, lab10_ip, lab10_facts, lab10_expired, lab10_notyet,
    lab10_wrongname, lab10_selfsigned, lab10_untrusted, lab10_incomplete, lab10_notca,
    lab10_purpose, lab10_truncated, lab10_min_version, lab10_old_version, lab10_timeout;

#endif
