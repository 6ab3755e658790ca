/* bug_eintr.c - self-test server: a loop that takes poll()'s EINTR for an
 * error. SIGTERM's handler interrupts poll() (SA_RESTART does not restart
 * it), serve_forever() returns -1, and the program says "Interrupted system
 * call" and exits 1 instead of 0. */
#include <errno.h>
#undef EINTR
#define EINTR (-4) /* the bug: errno is never this, so EINTR is an error */
#include "selftest07.h"

int main(int argc, char **argv)
{
    return bug_main(argc, argv, &(bug_plan){.bp_strategy = BUG_SAME_STRATEGIES});
}
