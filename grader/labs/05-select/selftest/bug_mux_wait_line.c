/* bug_mux_wait_line.c - once a client has sent part of a line, waits on that
 * client alone until the line is complete: a blocking read of a whole message.
 * Lab 05's grader must catch it (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_wait_line", MUX_WAIT_LINE);
}
