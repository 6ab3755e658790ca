/**
 * @file ca_run.h
 * @brief The run's test CA (kit/ca.h) as the TLS checks of labs 08, 09 and
 *        10 use it: made once per run, written where a server under test
 *        or a client under test reads it, and turned into the grader's own
 *        TLS peers (net/tls.h).
 */
#ifndef SOCKLAB_GRADER_KIT_CA_RUN_H
#define SOCKLAB_GRADER_KIT_CA_RUN_H

#include "engine/grader.h"
#include "kit/ca.h"
#include "net/tls.h"

/** @brief The run's test CA, made on first use; NULL after gr_fail(). */
gr_ca *gr_ca_run(gr_ctx *ctx);

/**
 * @brief Write the CA's files into @p dir (gr_ca_write()), the server keys
 *        readable by the sandbox user the server under test runs as (test
 *        keys, in a folder of the grader's, gone after the run).
 * @return 0, or gr_fail()'s value
 */
int gr_ca_run_write(gr_ctx *ctx, const char *dir);

/**
 * @brief ca.pem, the root alone, into @p dir (a client's folder, for its
 *        --cafile or --cacert).
 * @return 0, or gr_fail()'s value
 */
int gr_ca_run_write_root(gr_ctx *ctx, const char *dir);

/**
 * @brief A grader client: verifying the root and the name localhost when
 *        @p verify, else nothing; offering at most @p max_version (0: any).
 * @return the configuration (gr_tls_free() it), or NULL after gr_fail()
 */
gr_tls *gr_ca_run_client(gr_ctx *ctx, int verify, int max_version);

/**
 * @brief A grader server sending the certificate @p kind, with its
 *        intermediate when @p chain, at most @p max_version (0: any).
 * @return the configuration (gr_tls_free() it), or NULL after gr_fail()
 */
gr_tls *gr_ca_run_server(gr_ctx *ctx, gr_cert kind, int chain, int max_version);

#endif
