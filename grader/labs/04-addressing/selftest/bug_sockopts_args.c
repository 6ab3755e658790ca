/* bug_sockopts_args.c - lab 04's sockopts with its size limit one short:
 * it checks n < 1073741824 where the guide says 1 to 1073741824, so the
 * largest valid size is refused as a usage error. Everything else (reading
 * each option back, usage errors, --help) is right.
 *
 * usage: bug_sockopts_args [--rcvbuf N] [--sndbuf N] [--nodelay] [--keepalive] [--reuseaddr] */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: sockopts [--rcvbuf BYTES] [--sndbuf BYTES] [--nodelay] [--keepalive] [--reuseaddr]\n";

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
        if (strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        int k = 0;
        while (k < 5 && strcmp(argv[i], flags[k]) != 0) {
            k++;
        }
        if (k == 5 || (k < 2 && i + 1 >= argc)) {
            fputs(usage_text, stderr);
            return 2;
        }
        if (k < 2) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (end == argv[i] || *end != '\0' || n < 1 || n >= 1073741824) { /* BUG: <= */
                fprintf(stderr, "sockopts: not a size in bytes: '%s'\n", argv[i]);
                return 2;
            }
            ask[k] = (int)n;
        } else {
            ask[k] = 1;
        }
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("sockopts: socket");
        return 1;
    }
    for (int k = 0; k < 5; k++) {
        int v;
        socklen_t len = sizeof v;
        getsockopt(fd, level[k], opt[k], &v, &len);
        int def = k >= 2 ? v != 0 : v;
        if (ask[k] >= 0) {
            setsockopt(fd, level[k], opt[k], &ask[k], sizeof ask[k]);
            len = sizeof v;
            getsockopt(fd, level[k], opt[k], &v, &len);
            printf("%s default %d asked %d now %d\n", names[k], def, ask[k], k >= 2 ? v != 0 : v);
        } else {
            printf("%s default %d asked - now %d\n", names[k], def, def);
        }
    }
    close(fd);
    return 0;
}
