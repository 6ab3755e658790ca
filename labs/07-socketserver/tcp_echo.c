/* tcp_echo.c - a TCP echo server on lab 07's framework: Python's
 *
 *     class Echo(socketserver.BaseRequestHandler):
 *         def handle(self):
 *             while data := self.request.recv(16384):
 *                 self.request.sendall(data)
 *
 *     with socketserver.TCPServer(("", port), Echo) as server:
 *         server.serve_forever()
 *
 * with a strategy of its own choosing (--strategy) and allow/deny rules.
 * The handler and hooks are in echo_app.c; this file only makes the
 * server. */
#include "echo_app.h"

#include "err.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    echo_opts o;
    int rc = echo_parse(argc, argv, SS_TCP, &o);
    if (rc != 0) {
        return rc < 0 ? 2 : 0;
    }
    ss_config cf = echo_config(&o);
    char err[SL_ERR_LEN] = "";
    ss_server *srv = ss_server_new(&cf, err);
    if (srv == NULL) {
        fprintf(stderr, "%s: cannot serve TCP port %d: %s\n", o.eo_prog, o.eo_port, err);
        return 1;
    }
    return echo_run(srv, &o);
}
