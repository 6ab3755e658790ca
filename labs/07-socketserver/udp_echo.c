/* udp_echo.c - a UDP echo server on lab 07's framework: Python's
 *
 *     class Echo(socketserver.BaseRequestHandler):
 *         def handle(self):
 *             data, sock = self.request
 *             sock.sendto(data, self.client_address)
 *
 *     with socketserver.UDPServer(("", port), Echo) as server:
 *         server.serve_forever()
 *
 * The same handler as tcp_echo's (echo_app.c): a datagram request carries
 * its bytes, and ss_reply() sends one datagram back. */
#include "echo_app.h"

#include "err.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    echo_opts o;
    int rc = echo_parse(argc, argv, SS_UDP, &o);
    if (rc != 0) {
        return rc < 0 ? 2 : 0;
    }
    ss_config cf = echo_config(&o);
    char err[SL_ERR_LEN] = "";
    ss_server *srv = ss_server_new(&cf, err);
    if (srv == NULL) {
        fprintf(stderr, "%s: cannot serve UDP port %d: %s\n", o.eo_prog, o.eo_port, err);
        return 1;
    }
    return echo_run(srv, &o);
}
