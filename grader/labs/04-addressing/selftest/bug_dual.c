/* bug_dual.c - lab 04's dual-stack echo server with one classic bug each,
 * chosen by MODE:
 *
 *   v4only    listens with an AF_INET socket: IPv6 clients are refused
 *   v6only    listens with an AF_INET6 socket left at IPV6_V6ONLY: IPv4
 *             clients are refused
 *   nounix    never opens the Unix socket (the second argument is ignored)
 *   nounlink  never removes its Unix socket file (SIGTERM kills it)
 *   nostale   fails to start when a stale socket file is at the path
 *   buffered  logs peers with printf() and no fflush(): the lines sit in
 *             stdio's buffer while stdout is a pipe
 *   ntohs     logs the peer's port as it is in the struct, without ntohs()
 *   sockname  logs its own end of the connection (getsockname()), not the peer
 *   keepfile  exits on SIGTERM but never removes its socket file
 *   cstring   echoes what recv() returned as a C string (strlen()): stops at a NUL
 *
 * usage: bug_dual MODE PORT SOCKET-PATH */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

/* "ADDRESS port N" for one end of connection c: the peer's (with its port
 * as it is in the struct: mode ntohs) or the server's own (mode sockname). */
static void log_end(int c, int own, char *out, size_t n)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int rc = own ? getsockname(c, (struct sockaddr *)&ss, &len)
                 : getpeername(c, (struct sockaddr *)&ss, &len);
    char addr[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (rc == 0 && ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
        port = own ? ntohs(s6->sin6_port) : s6->sin6_port; /* BUG (ntohs): no ntohs() */
    } else if (rc == 0 && ss.ss_family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof addr);
        port = own ? ntohs(s4->sin_port) : s4->sin_port;
    }
    snprintf(out, n, "%s port %u", addr, port);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bug_dual v4only|v6only|nounix|nounlink|nostale|buffered|ntohs|"
                        "sockname|keepfile|cstring PORT SOCKET-PATH\n");
        return 2;
    }
    const char *mode = argv[1];
    char err[SL_ERR_LEN];
    uint16_t port;
    if (sl_addr_parse_port(argv[2], 0, &port, err) < 0) {
        fprintf(stderr, "bug_dual: %s\n", err);
        return 2;
    }
    const char *path = argv[3];
    int v4only = strcmp(mode, "v4only") == 0;
    int nounlink = strcmp(mode, "nounlink") == 0;
    int nostale = strcmp(mode, "nostale") == 0;
    int buffered = strcmp(mode, "buffered") == 0;
    int v6only = strcmp(mode, "v6only") == 0;
    int nounix = strcmp(mode, "nounix") == 0;
    int ntohs_bug = strcmp(mode, "ntohs") == 0;
    int sockname = strcmp(mode, "sockname") == 0;
    int keepfile = strcmp(mode, "keepfile") == 0;
    int cstring = strcmp(mode, "cstring") == 0;
    signal(SIGPIPE, SIG_IGN);
    if (!nounlink) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop;
        sigaction(SIGTERM, &sa, NULL);
    }

    int one = 1, v6flag = v6only;
    int tcp;
    if (v4only) {
        struct sockaddr_in a4;
        memset(&a4, 0, sizeof a4);
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)port);
        tcp = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(tcp, (struct sockaddr *)&a4, sizeof a4) < 0) {
            perror("bind");
            return 1;
        }
    } else {
        struct sockaddr_in6 a6;
        memset(&a6, 0, sizeof a6);
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)port);
        tcp = socket(AF_INET6, SOCK_STREAM, 0);
        setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(tcp, IPPROTO_IPV6, IPV6_V6ONLY, &v6flag, sizeof v6flag);
        if (bind(tcp, (struct sockaddr *)&a6, sizeof a6) < 0) {
            perror("bind");
            return 1;
        }
    }
    listen(tcp, 64);

    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    int unx = nounix ? -1 : socket(AF_UNIX, SOCK_STREAM, 0);
    if (!nostale && !nounix) {
        unlink(path); /* the other modes replace any old file (even a live one) */
    }
    if (!nounix && (bind(unx, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(unx, 64) < 0)) {
        perror("bind unix");
        return 1;
    }

    struct pollfd pfd[66];
    nfds_t n = 2;
    pfd[0] = (struct pollfd){.fd = tcp, .events = POLLIN};
    pfd[1] = (struct pollfd){.fd = unx, .events = POLLIN};
    while (!stop) {
        if (poll(pfd, n, -1) < 0) {
            continue;
        }
        for (nfds_t i = 0; i < 2; i++) {
            if ((pfd[i].revents & POLLIN) && n < 66) {
                int c = accept(pfd[i].fd, NULL, NULL);
                if (c < 0) {
                    continue;
                }
                char peer[128] = "unix";
                if (i == 0 && (ntohs_bug || sockname)) {
                    log_end(c, sockname, peer, sizeof peer);
                } else if (i == 0) {
                    sl_addr_peer(c, peer, sizeof peer);
                }
                printf("connection from %s\n", peer);
                if (!buffered) {
                    fflush(stdout);
                }
                pfd[n++] = (struct pollfd){.fd = c, .events = POLLIN};
            }
        }
        for (nfds_t i = 2; i < n; i++) {
            if (pfd[i].revents == 0) {
                continue;
            }
            char buf[8193];
            ssize_t got = recv(pfd[i].fd, buf, sizeof buf - 1, 0);
            if (got > 0 && cstring) {
                buf[got] = '\0';
                got = (ssize_t)strlen(buf); /* the bug: the data ends at its first NUL */
                if (got == 0 || sl_rio_writen(pfd[i].fd, buf, (size_t)got) == got) {
                    continue;
                }
            } else if (got > 0 && sl_rio_writen(pfd[i].fd, buf, (size_t)got) == got) {
                continue;
            }
            close(pfd[i].fd);
            pfd[i--] = pfd[--n];
        }
    }
    if (!nounix && !keepfile) {
        unlink(path); /* in mode keepfile, the bug: the file stays */
    }
    return 0;
}
