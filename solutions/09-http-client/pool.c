/* pool.c - the one connection fetch keeps alive between requests. Before
 * reusing it, fetch asks poll() whether it became readable while idle: a
 * kept connection has nothing to say until it is asked, so readable means
 * the server closed it (or sent junk), and it is closed instead. */
#include "pool.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <unistd.h>

void pool_free_reader(sl_rio *rio)
{
    if (rio != NULL && rio->rio_x != NULL) {
        (void)sl_xport_shutdown(rio->rio_x); /* close_notify */
        sl_xport_release(rio->rio_x);
        free(rio->rio_x);
    }
    free(rio);
}

void pool_close(pool *p)
{
    pool_free_reader(p->pl_rio);
    if (p->pl_fd >= 0) {
        close(p->pl_fd);
    }
    p->pl_fd = -1;
    p->pl_rio = NULL;
}

int pool_take(pool *p, const url *u, sl_rio **rio)
{
    if (p->pl_fd < 0 || strcasecmp(p->pl_host, u->u_host) != 0 ||
        strcmp(p->pl_port, u->u_port) != 0 || (p->pl_rio->rio_x != NULL) != u->u_tls) {
        pool_close(p);
        return -1;
    }
    struct pollfd pf = {.fd = p->pl_fd, .events = POLLIN};
    sl_xport *x = p->pl_rio->rio_x;
    if (p->pl_rio->rio_cnt > 0 || (x != NULL && sl_xport_pending(x) > 0) || poll(&pf, 1, 0) != 0) {
        pool_close(p);
        return -1;
    }
    int fd = p->pl_fd;
    *rio = p->pl_rio;
    p->pl_fd = -1;
    p->pl_rio = NULL;
    return fd;
}

void pool_keep(pool *p, const url *u, int fd, sl_rio *rio)
{
    pool_close(p);
    p->pl_fd = fd;
    p->pl_rio = rio;
    snprintf(p->pl_host, sizeof p->pl_host, "%s", u->u_host);
    snprintf(p->pl_port, sizeof p->pl_port, "%s", u->u_port);
}
