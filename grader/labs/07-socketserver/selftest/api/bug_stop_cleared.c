/* bug_stop_cleared.c - self-test framework: ss_serve_forever() clears the
 * shutdown flag when it starts, so that a shutdown asked for before the
 * loop runs is lost and the loop serves on. Seen only through the API
 * (api-shutdown-start): a program's loop is running long before its
 * SIGTERM. */
#define _GNU_SOURCE /* before any system header, as the framework needs */
#define ss_serve_forever reference_serve_forever
#include "../../../../../solutions/07-socketserver/socketserver.c"
#undef ss_serve_forever

int ss_serve_forever(ss_server *srv, int poll_interval_ms);

int ss_serve_forever(ss_server *srv, int poll_interval_ms)
{
    atomic_store(&srv->sv_stop, 0); /* the bug: a shutdown that came first is forgotten */
    return reference_serve_forever(srv, poll_interval_ms);
}
