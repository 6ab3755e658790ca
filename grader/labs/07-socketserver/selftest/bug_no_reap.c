/* bug_no_reap.c - self-test server: the fork strategy without waitpid().
 * Every child that exits stays a zombie, and the server's close does not
 * wait for the children in flight. */
#include <sys/wait.h>
#define waitpid(pid, status, options) ((void)(options), 0) /* the bug: "still running", always */
#include "selftest07.h"

int main(int argc, char **argv)
{
    return bug_main(argc, argv, &(bug_plan){.bp_strategy = BUG_SAME_STRATEGIES});
}
