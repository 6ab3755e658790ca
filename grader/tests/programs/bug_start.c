/* bug_start.c - self-test server: starts the way a buggy server does.
 *
 *     bug_start [--udp] MODE NARGS PORT [ARG...]
 *
 * A server of any lab, as far as its start goes: it takes NARGS arguments,
 * the first of them PORT, binds a TCP socket (listening) or with --udp a
 * UDP socket on every IPv4 address, and then only waits to be stopped.
 * MODE is the one mistake it makes, each one the start-errors checks of
 * every lab must catch:
 *
 *   ok        none (it follows the guides: exit 2 for a usage error, 1 if
 *             it cannot bind, a message each time)
 *   atoi      PORT through atoi(), unchecked: "80x" is 80, "" is 0 (the
 *             kernel picks a port) and it serves anyway
 *   usage1    exits 1 for a usage error
 *   exit0     exits 0 when bind() fails
 *   nobind    ignores a failed bind() and listens anyway (on a port the
 *             kernel picks)
 *   range     refuses PORT 65535 (port < 65535: one off at the top)
 *   quiet     exits 2 for a usage error without a word on stderr */
#include "addr.h"
#include "err.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Exit with @p status for a usage error, saying so unless MODE is quiet. */
static int usage_error(const char *mode, const char *why)
{
    if (strcmp(mode, "quiet") != 0) {
        fprintf(stderr, "bug_start: %s\nusage: bug_start [--udp] MODE NARGS PORT [ARG...]\n", why);
    }
    return strcmp(mode, "usage1") == 0 ? 1 : 2;
}

/* PORT as MODE reads it: 0 and a message in @p err when refused. */
static int parse_port(const char *mode, const char *s, char *err)
{
    if (strcmp(mode, "atoi") == 0) {
        return atoi(s) & 0xffff; /* BUG (atoi): no check at all */
    }
    uint16_t port = 0;
    if (sl_addr_parse_port(s, 0, &port, err) < 0) {
        return 0;
    }
    if (strcmp(mode, "range") == 0 && port >= 65535) {
        snprintf(err, SL_ERR_LEN, "bad PORT %s: not below 65535", s); /* BUG (range) */
        return 0;
    }
    return port;
}

/* Bind (and for TCP listen on) @p port; -1 with errno when bind() fails. */
static int bind_port(int udp, int port, const char *mode)
{
    int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    int bound = bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
    if (!bound && strcmp(mode, "nobind") != 0) {
        close(fd);
        return -1;
    }
    /* BUG (nobind): listen() on a socket that is not bound picks a port. */
    if (!udp && listen(fd, 16) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    int udp = argc > 1 && strcmp(argv[1], "--udp") == 0;
    argv += udp;
    argc -= udp;
    if (argc < 3) {
        return usage_error("ok", "MODE and NARGS missing");
    }
    const char *mode = argv[1];
    int nargs = atoi(argv[2]);
    int want = strcmp(mode, "atoi") == 0 ? argc - 3 >= nargs : argc - 3 == nargs;
    if (!want) {
        return usage_error(mode, "wrong number of arguments");
    }
    char err[SL_ERR_LEN] = "";
    int port = parse_port(mode, argv[3], err);
    if (port == 0 && strcmp(mode, "atoi") != 0) {
        return usage_error(mode, err);
    }
    int fd = bind_port(udp, port, mode);
    if (fd < 0) {
        perror("bug_start: bind");
        return strcmp(mode, "exit0") == 0 ? 0 : 1; /* BUG (exit0) */
    }
    for (;;) {
        pause();
    }
}
