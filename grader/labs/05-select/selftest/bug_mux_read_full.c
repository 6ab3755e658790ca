/* bug_mux_read_full.c - asks to read every client whatever its buffer holds:
 * when the buffer is full, recv() is called for 0 bytes, returns 0, and the
 * server takes that for end of file and closes a client that was not done
 * (lab 05's skeleton at step 2, before conn_wants_read() checks for room).
 * Lab 05's grader must catch it (see selftest_mux.h). */
#include "selftest_mux.h"

int main(int argc, char **argv)
{
    return selftest_mux_run(argc, argv, "bug_mux_read_full", MUX_READ_WHEN_FULL);
}
