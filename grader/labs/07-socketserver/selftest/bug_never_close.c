/* bug_never_close.c - self-test server: a framework that never closes a
 * connection when its request is done: the client waits for end of file
 * for ever. */
#include <sys/socket.h>
#include <unistd.h>
static int bug_close(int fd)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    /* The bug: a connected socket is left open. */
    return getpeername(fd, (struct sockaddr *)&peer, &len) == 0 ? 0 : close(fd);
}
#define close(fd) bug_close(fd)
#include "selftest07.h"

int main(int argc, char **argv)
{
    return bug_main(argc, argv, &(bug_plan){.bp_strategy = BUG_SAME_STRATEGIES});
}
