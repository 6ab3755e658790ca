/* bug_mux_poll_zero.c - waits with a timeout of 0, so poll() returns at once and
 * the loop spins.
 * Lab 05's grader must catch it (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_poll_zero", MUX_TIMEOUT_ZERO);
}
