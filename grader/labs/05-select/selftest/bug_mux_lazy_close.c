/* bug_mux_lazy_close.c - drops a client whose recv() or send() failed from
 * its set at once, but closes the descriptor only when the next client is
 * accepted: a client that resets stays open on the server until someone
 * else connects.
 * Lab 05's grader must catch it (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_lazy_close", MUX_LAZY_CLOSE_ERRORS);
}
