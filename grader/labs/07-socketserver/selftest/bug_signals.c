/* bug_signals.c - self-test server: SIGTERM handled the wrong way, one
 * mistake per first argument:
 *
 *   bug_signals no-handler ...  SIGTERM keeps its default action: killed
 *   bug_signals in-handler ...  the handler calls ss_shutdown(), which
 *                               waits for the loop it interrupted: for ever
 *
 * then PROG [OPTIONS] PORT|PATH, as every lab 07 bug program. The echo
 * program's sigaction() for SIGTERM is replaced; every other is as it is. */
#include <signal.h>
#include <string.h>

static int bug; /* 1: no handler, 2: ss_shutdown() in the handler */
static void on_term_waits(int sig);

static int bug_sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
    struct sigaction mine = *sa;
    if (sig == SIGTERM && bug == 1) {
        mine.sa_handler = SIG_DFL;
    } else if (sig == SIGTERM && bug == 2) {
        mine.sa_handler = on_term_waits;
    }
    return sigaction(sig, &mine, old);
}
#define sigaction(sig, sa, old) bug_sigaction(sig, sa, old)
#include "selftest07.h"

static void on_term_waits(int sig)
{
    (void)sig;
    ss_server *srv = atomic_load(&running);
    if (srv != NULL) {
        ss_shutdown(srv); /* the bug: it waits for the loop, which is this thread */
    }
}

int main(int argc, char **argv)
{
    bug = argc > 1 && strcmp(argv[1], "no-handler") == 0   ? 1
          : argc > 1 && strcmp(argv[1], "in-handler") == 0 ? 2
                                                           : 0;
    if (bug == 0) {
        fprintf(stderr, "usage: bug_signals no-handler|in-handler PROG [OPTIONS] PORT|PATH\n");
        return 2;
    }
    return bug_main(argc - 1, argv + 1, &(bug_plan){.bp_strategy = BUG_SAME_STRATEGIES});
}
