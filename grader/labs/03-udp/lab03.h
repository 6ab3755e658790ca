/* lab03.h - what the files of lab 03's checks share: each file's checks
 * for the table in checks.c. Private to this folder. */
#ifndef SOCKLAB_GRADER_LAB03_H
#define SOCKLAB_GRADER_LAB03_H

#include "kit/kit.h"
#include "peers/udp.h"

/* client.c: step 5 */
int lab03_check_client_ping(gr_ctx *ctx);
int lab03_check_client_loss(gr_ctx *ctx);
int lab03_check_client_late_dup(gr_ctx *ctx);
int lab03_check_client_duration(gr_ctx *ctx);
int lab03_check_client_no_reply(gr_ctx *ctx);
int lab03_check_client_refused(gr_ctx *ctx);

#endif
