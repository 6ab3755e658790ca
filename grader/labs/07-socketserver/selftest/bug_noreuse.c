/* bug_noreuse.c - self-test server: the framework without SO_REUSEADDR.
 * Restarted while a connection of its last run is in TIME_WAIT, its bind()
 * fails with EADDRINUSE. */
#include <sys/socket.h>
#define setsockopt(fd, level, name, val, len) ((void)(val), 0) /* the bug: no SO_REUSEADDR */
#include "selftest07.h"

int main(int argc, char **argv)
{
    return bug_main(argc, argv, &(bug_plan){.bp_strategy = BUG_SAME_STRATEGIES});
}
