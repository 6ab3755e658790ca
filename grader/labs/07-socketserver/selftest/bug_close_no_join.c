/* bug_close_no_join.c - self-test server: server_close() that does not
 * wait for the handler threads still running: main() returns, and the
 * request in flight is cut off. */
#include <pthread.h>
#define pthread_join(thread, ret) pthread_detach(thread) /* the bug: nobody waits */
#include "selftest07.h"

int main(int argc, char **argv)
{
    return bug_main(argc, argv, &(bug_plan){.bp_strategy = BUG_SAME_STRATEGIES});
}
