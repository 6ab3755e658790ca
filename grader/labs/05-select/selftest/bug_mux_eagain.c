/* bug_mux_eagain.c - takes EAGAIN for an error: when a client's socket has
 * no room for the echo (it reads slowly), the server drops the client.
 * Lab 05's grader must catch it (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_eagain", MUX_EAGAIN_AS_ERROR);
}
