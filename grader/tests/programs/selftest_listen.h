/* selftest_listen.h - how a self-test server that is not about its start
 * starts: PORT checked and bound the way the guides ask, so that it loses
 * no start-errors check for a mistake it is not about. */
#ifndef SOCKLAB_SELFTEST_LISTEN_H
#define SOCKLAB_SELFTEST_LISTEN_H

#include "addr.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>

/* Listen on PORT, @p text (NULL when the command line has too few or too
 * many arguments), the way the guides ask a server to start: a usage
 * error prints @p usage and exits 2, a port that cannot be bound exits 1,
 * so that a self-test server loses no start-errors check for a mistake it
 * is not about. Returns the listening socket. */
static int selftest_listen_or_exit(const char *text, const char *usage)
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (text == NULL || sl_addr_parse_port(text, 0, &port, err) < 0) {
        fprintf(stderr, "usage: %s\n", usage);
        exit(2);
    }
    int lfd = sl_addr_listen(NULL, text, 128, err);
    if (lfd < 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    return lfd;
}

#endif
