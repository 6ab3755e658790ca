/* bug_bind_leak.c - self-test framework: a failed bind() forgets the
 * socket instead of closing it, so every failed ss_server_new() leaks a
 * descriptor. Seen only through the API (api-failed-bind): a program that
 * fails to bind exits, and its descriptors go with it. */
#define _GNU_SOURCE /* before any system header, as the framework needs */
#include <sys/socket.h>
static int bug_bind(int *fd, const struct sockaddr *addr, socklen_t len)
{
    int rc = bind(*fd, addr, len);
    if (rc < 0) {
        *fd = -1; /* the bug: the cleanup now has nothing to close */
    }
    return rc;
}
#define bind(fd, addr, len) bug_bind(&(fd), addr, len)
#include "../../../../../solutions/07-socketserver/socketserver.c"
