/*
 * echo_dual.c - one echo service on IPv4, IPv6 and a Unix domain socket. Lab 04.
 *
 * usage: echo_dual PORT [SOCKET-PATH]
 *
 * Listens on TCP PORT for IPv4 and IPv6 clients alike (one AF_INET6 socket
 * with IPV6_V6ONLY turned off, so 127.0.0.1 and ::1 both reach it) and, when
 * SOCKET-PATH is given, on a Unix domain stream socket at that path. Every
 * byte a client sends comes back to it. Each connection is logged on stdout
 * with the peer's address from getpeername():
 *
 *     connection from 127.0.0.1 port 40312 (IPv4)
 *     connection from ::1 port 40318 (IPv6)
 *     connection from the Unix socket echo.sock
 *
 * A stale socket file left at SOCKET-PATH by a server that died is replaced;
 * a live one (another server answers there) or any other kind of file is an
 * error. SIGINT and SIGTERM remove SOCKET-PATH before the server exits.
 *
 * Exit status: 2 for a usage error, 1 if the server cannot start, 0 after a
 * SIGINT or SIGTERM.
 */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* At most this many clients at once; more wait in the listen queue. */
#define MAX_CLIENTS 64

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: echo_dual PORT [SOCKET-PATH]\n"
                 "Echo every byte back to its sender, on TCP PORT over IPv4 and IPv6 and,\n"
                 "with SOCKET-PATH, on a Unix domain socket there (removed on exit).\n");
}

/* Listen on [::]:port with IPv4-mapped addresses allowed: one socket for
 * both families. Falls back to 0.0.0.0 where the host has no IPv6. */
static int listen_tcp(uint16_t port, char *err)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    int one = 1, zero = 0;
    if (fd >= 0) {
        struct sockaddr_in6 a6;
        memset(&a6, 0, sizeof a6);
        a6.sin6_family = AF_INET6;
        a6.sin6_addr = in6addr_any;
        a6.sin6_port = htons(port);
        /* IPV6_V6ONLY's default comes from a sysctl: set it either way. */
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0 ||
            bind(fd, (struct sockaddr *)&a6, sizeof a6) < 0 || listen(fd, 64) < 0) {
            sl_err_errno(err, "listen on [::]:%u", (unsigned)port);
            close(fd);
            return -1;
        }
        return fd;
    }
    if (errno != EAFNOSUPPORT) {
        sl_err_errno(err, "socket(AF_INET6)");
        return -1;
    }
    fprintf(stderr, "echo_dual: no IPv6 on this host; listening on IPv4 only\n");
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    return sl_addr_listen(NULL, service, 64, err);
}

/* Is the file at sun->sun_path a socket that no server listens on? A
 * refused connect() means its server is gone. */
static int stale_socket(const struct sockaddr_un *sun)
{
    struct stat st;
    if (lstat(sun->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        return 0;
    }
    /* Non-blocking: a live server with a full queue answers EAGAIN at once
     * instead of keeping us waiting (and is not stale). */
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (probe < 0) {
        return 0;
    }
    int stale =
        connect(probe, (const struct sockaddr *)sun, sizeof *sun) < 0 && errno == ECONNREFUSED;
    close(probe);
    return stale;
}

/* Listen on a Unix stream socket at path, replacing a stale socket file. */
static int listen_unix(const char *path, char *err)
{
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sun.sun_path) {
        sl_err_set(err, "socket path too long (at most %zu bytes): %s", sizeof sun.sun_path - 1,
                   path);
        return -1;
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        sl_err_errno(err, "socket(AF_UNIX)");
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        /* The path exists (EADDRINUSE). Replace it only if it is a stale
         * socket: a socket file nobody serves any more. */
        int bind_errno = errno;
        if (bind_errno != EADDRINUSE || !stale_socket(&sun)) {
            errno = bind_errno;
            if (bind_errno == EADDRINUSE) {
                sl_err_set(err, "%s exists and is not a stale socket: not replacing it", path);
            } else {
                sl_err_errno(err, "bind %s", path);
            }
            close(fd);
            return -1;
        }
        unlink(path);
        if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
            sl_err_errno(err, "bind %s", path);
            close(fd);
            return -1;
        }
    }
    if (listen(fd, 64) < 0) {
        sl_err_errno(err, "listen on %s", path);
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

/* Log the peer of a new connection, as getpeername() reports it. */
static void log_peer(int fd, const char *unix_path)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) {
        printf("connection from an unknown peer (getpeername: %s)\n", strerror(errno));
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        char text[INET6_ADDRSTRLEN];
        if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) {
            /* ::ffff:a.b.c.d is an IPv4 client on the dual-stack socket. */
            inet_ntop(AF_INET, &a6->sin6_addr.s6_addr[12], text, sizeof text);
            printf("connection from %s port %u (IPv4)\n", text, ntohs(a6->sin6_port));
        } else {
            inet_ntop(AF_INET6, &a6->sin6_addr, text, sizeof text);
            printf("connection from %s port %u (IPv6)\n", text, ntohs(a6->sin6_port));
        }
    } else if (ss.ss_family == AF_INET) {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        char text[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &a4->sin_addr, text, sizeof text);
        printf("connection from %s port %u (IPv4)\n", text, ntohs(a4->sin_port));
    } else {
        /* A Unix client is usually unbound: its address has no path. */
        printf("connection from the Unix socket %s\n", unix_path != NULL ? unix_path : "");
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc != 2 && argc != 3) {
        usage(stderr);
        return 2;
    }
    char err[SL_ERR_LEN];
    uint16_t port;
    if (sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "echo_dual: %s\n", err);
        return 2;
    }
    const char *path = argc == 3 ? argv[2] : NULL;

    /* No SA_RESTART: a signal interrupts poll(), so the loop sees it. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int tcp = listen_tcp(port, err);
    if (tcp < 0) {
        fprintf(stderr, "echo_dual: %s\n", err);
        return 1;
    }
    int unx = -1;
    if (path != NULL && (unx = listen_unix(path, err)) < 0) {
        fprintf(stderr, "echo_dual: %s\n", err);
        close(tcp);
        return 1;
    }
    printf("echo_dual: listening on port %u (IPv4 and IPv6)%s%s\n", (unsigned)port,
           path != NULL ? " and on " : "", path != NULL ? path : "");
    fflush(stdout);

    /* pfd[0] and pfd[1] are the listeners, the rest clients. One poll()
     * waits on all of them, so no client waits behind another's silence. */
    struct pollfd pfd[2 + MAX_CLIENTS];
    nfds_t n = 2;
    pfd[0] = (struct pollfd){.fd = tcp, .events = POLLIN};
    pfd[1] = (struct pollfd){.fd = unx, .events = POLLIN}; /* fd -1 is ignored */
    while (!stop_signal) {
        /* With every slot taken, stop watching the listeners (new clients
         * wait in the listen queue) instead of waking for them in a loop. */
        pfd[0].events = pfd[1].events = n == 2 + MAX_CLIENTS ? 0 : POLLIN;
        if (poll(pfd, n, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("echo_dual: poll");
            break;
        }
        for (nfds_t i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & POLLIN) || n == 2 + MAX_CLIENTS) {
                continue;
            }
            int c = accept(pfd[i].fd, NULL, NULL);
            if (c < 0) {
                continue; /* e.g. the client already gave up: keep serving */
            }
            log_peer(c, i == 1 ? path : NULL);
            pfd[n++] = (struct pollfd){.fd = c, .events = POLLIN};
        }
        for (nfds_t i = 2; i < n; i++) {
            if (pfd[i].revents == 0) {
                continue;
            }
            char buf[16384];
            ssize_t got = recv(pfd[i].fd, buf, sizeof buf, 0);
            if (got > 0 && sl_rio_writen(pfd[i].fd, buf, (size_t)got) == got) {
                continue;
            }
            if (got < 0 && errno == EINTR) {
                continue;
            }
            /* End of stream, or an error: this client is done. */
            close(pfd[i].fd);
            pfd[i] = pfd[--n];
            i--;
        }
    }
    for (nfds_t i = 2; i < n; i++) {
        close(pfd[i].fd);
    }
    close(tcp);
    if (unx >= 0) {
        close(unx);
        unlink(path); /* a Unix socket file outlives its socket: remove it */
    }
    return 0;
}
