/* port.c - ports for the grader's own use (see port.h). */
#include "net/port.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

int gr_port_reserve(int any, int *fd)
{
    *fd = -1;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return -1;
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(any ? INADDR_ANY : INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        getsockname(s, (struct sockaddr *)&sin, &len) < 0) {
        int saved = errno;
        close(s);
        errno = saved;
        return -1;
    }
    *fd = s;
    return ntohs(sin.sin_port);
}

int gr_port_free(void)
{
    int fd;
    int port = gr_port_reserve(1, &fd);
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

int gr_closed_port(int *fd)
{
    return gr_port_reserve(0, fd);
}
