/* bug_mux_blocking.c - leaves the client sockets blocking and echoes with a
 * send-all loop: a client that never reads stops the whole server in send().
 * Lab 05's grader must catch it (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_blocking", MUX_BLOCKING);
}
