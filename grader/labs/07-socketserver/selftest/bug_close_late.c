/* bug_close_late.c - self-test server: ss_server_close() waits for the
 * requests in flight first and closes the listening socket after, so that
 * after SIGTERM the port goes on listening (and new clients queue) until
 * the last request ends. */
#define ss_server_close reference_server_close
#include "../../../../solutions/07-socketserver/socketserver.c"
#undef ss_server_close

int ss_server_close(ss_server *srv);

int ss_server_close(ss_server *srv)
{
    if (srv != NULL) {
        join_threads(srv, 1); /* the bug: before the socket is closed */
        reap_children(srv, 1);
    }
    return reference_server_close(srv);
}

#define SELFTEST07_OWN_FRAMEWORK
#include "selftest07.h"

int main(int argc, char **argv)
{
    return bug_main(argc, argv, &(bug_plan){.bp_strategy = BUG_SAME_STRATEGIES});
}
