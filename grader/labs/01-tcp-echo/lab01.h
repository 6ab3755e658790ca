/* lab01.h - what the files of lab 01's checks share: each file's checks
 * for the table in checks.c. Private to this folder. */
#ifndef SOCKLAB_GRADER_LAB01_H
#define SOCKLAB_GRADER_LAB01_H

#include "kit/kit.h"

/* How a server that died of a leaving client ended: the hints of
 * peer-reset and peer-leaves. */
#define HINT_SIGPIPE                                                                               \
    "A client that vanishes must not kill the server: it died of SIGPIPE, which writing to a "     \
    "connection the peer has closed raises. In C: signal(SIGPIPE, SIG_IGN) at the start of "       \
    "main(), or MSG_NOSIGNAL on every send(); send() then fails with EPIPE: close that client "    \
    "and accept the next. In Python: SIGPIPE is ignored for you; catch BrokenPipeError instead."
#define HINT_EXIT_ON_ERROR                                                                         \
    "One client's error ends that client, not the server: the server exited (status %d) when "     \
    "clients reset their connections. In C: when recv() or send() fails (ECONNRESET, EPIPE), "     \
    "log it, close() that socket and go back to accept(); no exit() on that path. In Python: "     \
    "wrap each client's conversation in try/except OSError (ConnectionResetError, "                \
    "BrokenPipeError)."

/* client.c: step 1 */
int lab01_check_client_echo(gr_ctx *ctx);
int lab01_check_client_prints_reply(gr_ctx *ctx);
int lab01_check_client_pieces(gr_ctx *ctx);
int lab01_check_client_long_line(gr_ctx *ctx);
int lab01_check_client_refused(gr_ctx *ctx);
int lab01_check_client_hangup(gr_ctx *ctx);

/* leave.c: step 4 */
int lab01_check_peer_leaves(gr_ctx *ctx);

#endif
