/* pool.c - the one connection fetch keeps alive between requests (step 8). */
#include "pool.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void pool_close(pool *p)
{
    if (p->pl_fd >= 0) {
        close(p->pl_fd);
    }
    free(p->pl_rio);
    p->pl_fd = -1;
    p->pl_rio = NULL;
}

int pool_take(pool *p, const url *u, sl_rio **rio)
{
    /* TODO(step 8): when the kept connection goes to u's host and port and
     * is still quiet (nothing buffered in its reader, and poll() with a
     * timeout of 0 says it is not readable: readable means the server closed
     * it), hand it over (its fd returned, its reader in *rio) and empty the
     * pool; else close it and return -1. */
    (void)u;
    (void)rio;
    pool_close(p);
    return -1;
}

void pool_keep(pool *p, const url *u, int fd, sl_rio *rio)
{
    /* TODO(step 8): close what was kept, then keep fd, rio, u's host and port. */
    (void)u;
    pool_close(p);
    close(fd);
    free(rio);
}
