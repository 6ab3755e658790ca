/* bug_accept_blocks.c - self-test server: a loop that blocks in accept()
 * instead of polling the socket and the wake-up pipe. SIGTERM's handler
 * (SA_RESTART) asks for a shutdown, accept() is restarted, and the loop
 * never looks at the request. */
#include <poll.h>
#include <sys/socket.h>
#undef SOCK_NONBLOCK
#define SOCK_NONBLOCK 0 /* a blocking socket... */
static int bug_poll(struct pollfd *fds)
{
    fds[0].revents = POLLIN; /* ...and no poll(): straight into accept() */
    return 1;
}
#define poll(fds, n, ms) ((void)(ms), bug_poll(fds))
#include "selftest07.h"

int main(int argc, char **argv)
{
    return bug_main(argc, argv, &(bug_plan){.bp_strategy = BUG_SAME_STRATEGIES});
}
