/* bug_mux_blocking_listener.c - makes every client's socket non-blocking but
 * leaves the listening socket blocking (and so accepts one client per
 * wakeup, since a second accept() would wait). Lab 05's grader must catch it
 * (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_blocking_listener", MUX_BLOCKING_LISTENER);
}
