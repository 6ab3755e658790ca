/* bug_mux_unbounded.c - reads from every client whenever it has data and grows
 * its buffer to fit, so a client that never reads fills the server's memory.
 * Lab 05's grader must catch it (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_unbounded", MUX_UNBOUNDED);
}
