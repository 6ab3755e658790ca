/* bug_mux_busy_write.c - asks for write readiness on every client, pending output or
 * not, like seed 000's selectors example (EVENT_READ | EVENT_WRITE forever): a
 * socket with room is always writable, so the loop never sleeps.
 * Lab 05's grader must catch it (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_busy_write", MUX_ALWAYS_WRITE);
}
