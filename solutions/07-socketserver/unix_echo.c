/* unix_echo.c - an echo server on a Unix domain socket, stream or (with
 * --dgram) datagram, on lab 07's framework: Python's UnixStreamServer and
 * UnixDatagramServer with the handler of tcp_echo and udp_echo. PATH is a
 * file the server makes (and removes when it closes), or @NAME, a Linux
 * abstract name, which is no file at all. */
#include "echo_app.h"

#include "err.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    echo_opts o;
    int rc = echo_parse(argc, argv, SS_UNIX_STREAM, &o);
    if (rc != 0) {
        return rc < 0 ? 2 : 0;
    }
    ss_config cf = echo_config(&o);
    char err[SL_ERR_LEN] = "";
    ss_server *srv = ss_server_new(&cf, err);
    if (srv == NULL) {
        fprintf(stderr, "%s: cannot serve %s: %s\n", o.eo_prog, o.eo_path, err);
        return 1;
    }
    return echo_run(srv, &o);
}
