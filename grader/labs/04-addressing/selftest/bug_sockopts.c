/* bug_sockopts.c - lab 04's sockopts that prints what it asked for as the
 * new value, without reading it back: it believes the kernel keeps a buffer
 * size as given (Linux doubles it, and caps it).
 *
 * usage: bug_sockopts [--rcvbuf N] [--sndbuf N] [--nodelay] [--keepalive] [--reuseaddr] */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static const char *const names[5] = {"SO_RCVBUF", "SO_SNDBUF", "TCP_NODELAY", "SO_KEEPALIVE",
                                         "SO_REUSEADDR"};
    static const char *const flags[5] = {"--rcvbuf", "--sndbuf", "--nodelay", "--keepalive",
                                         "--reuseaddr"};
    static const int level[5] = {SOL_SOCKET, SOL_SOCKET, IPPROTO_TCP, SOL_SOCKET, SOL_SOCKET};
    static const int opt[5] = {SO_RCVBUF, SO_SNDBUF, TCP_NODELAY, SO_KEEPALIVE, SO_REUSEADDR};
    int ask[5] = {-1, -1, -1, -1, -1};
    for (int i = 1; i < argc; i++) {
        for (int k = 0; k < 5; k++) {
            if (strcmp(argv[i], flags[k]) == 0) {
                ask[k] = k < 2 && i + 1 < argc ? atoi(argv[++i]) : 1;
            }
        }
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    for (int k = 0; k < 5; k++) {
        int v;
        socklen_t len = sizeof v;
        getsockopt(fd, level[k], opt[k], &v, &len);
        if (k >= 2) {
            v = v != 0;
        }
        if (ask[k] >= 0) {
            setsockopt(fd, level[k], opt[k], &ask[k], sizeof ask[k]);
            printf("%s default %d asked %d now %d\n", names[k], v, ask[k], ask[k]);
        } else {
            printf("%s default %d asked - now %d\n", names[k], v, v);
        }
    }
    close(fd);
    return 0;
}
