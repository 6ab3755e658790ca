/* bug_mux_errors.c - treats every error of recv() and send() like EAGAIN,
 * so a connection that was reset is never closed.
 * Lab 05's grader must catch it (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_errors", MUX_ERRORS_AS_EAGAIN);
}
