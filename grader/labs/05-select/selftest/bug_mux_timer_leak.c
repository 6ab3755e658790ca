/* bug_mux_timer_leak.c - gives each client a timerfd for an idle timeout
 * (the guide's "going further") and never closes it: the sockets are
 * closed, but one descriptor leaks per client.
 * Lab 05's grader must catch it (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_timer_leak", MUX_TIMER_LEAK);
}
