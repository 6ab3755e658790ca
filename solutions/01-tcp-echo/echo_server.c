/*
 * echo_server.c - an iterative TCP echo server (RFC 862). Lab 01, reference solution.
 *
 * usage: echo_server PORT
 *
 * Listens on TCP PORT on every IPv4 address of this host and serves clients
 * one after another: everything a client sends comes back to it unchanged,
 * as soon as it arrives. When the client shuts down its sending side, the
 * server closes the connection and accepts the next client.
 *
 * Exit status: 2 for a usage error or a bad PORT, 1 if the server cannot
 * start (e.g. the port is in use) or accept() fails for good. Otherwise the
 * server runs until a signal (Ctrl-C, kill) stops it.
 */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: echo_server PORT\n"
                 "Listen on TCP PORT (every IPv4 address) and send back to each client,\n"
                 "one client at a time, every byte it sends.\n");
}

/*
 * Open a TCP socket that listens on @port on every IPv4 address.
 * Returns the listening socket (the caller closes it), or -1 with the reason
 * in @err.
 */
static int open_listener(uint16_t port, char *err)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        sl_err_errno(err, "socket");
        return -1;
    }

    /* Without SO_REUSEADDR, bind() fails with "Address already in use" for a
     * minute or so after a restart, while the connections of the previous
     * run linger in TIME_WAIT. It must be set before bind(). */
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
        sl_err_errno(err, "setsockopt SO_REUSEADDR");
        goto fail;
    }

    /* The address to listen on: any local IPv4 address, this port. Both
     * fields go over the wire, so both are in network byte order (htonl,
     * htons: "host to network long/short"). */
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        sl_err_errno(err, "bind 0.0.0.0 port %u", (unsigned)port);
        goto fail;
    }

    /* SOMAXCONN: let the kernel queue as many not-yet-accepted connections
     * as it allows. The seeds' listen(5) works by hand, but clients that
     * connect in a burst would find a queue of 5 full and have to retry. */
    if (listen(fd, SOMAXCONN) < 0) {
        sl_err_errno(err, "listen");
        goto fail;
    }
    return fd;

fail:
    close(fd);
    return -1;
}

/*
 * Send back everything the client on @conn sends, until it shuts down its
 * sending side. Returns 0 then, or -1 with errno set if the connection
 * failed (ECONNRESET, EPIPE: the client has gone away).
 * The caller accepted @conn and stays its owner: this function does not close it.
 */
static int serve_client(int conn)
{
    char buf[8192];
    for (;;) {
        /* recv() returns what has arrived so far, at most sizeof buf bytes:
         * part of a line, several lines, anything. TCP carries a stream of
         * bytes, not messages, so we never wait for "a whole line". */
        ssize_t n = recv(conn, buf, sizeof buf, 0);
        if (n == 0) {
            return 0; /* end of file: the client will send nothing more */
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue; /* a signal interrupted the wait; nothing was lost */
            }
            return -1;
        }
        /* One send() may take fewer bytes than asked; sl_rio_writen()
         * loops until all n are sent, so none are dropped. */
        if (sl_rio_writen(conn, buf, (size_t)n) < 0) {
            return -1;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc != 2) {
        usage(stderr);
        return 2;
    }
    char err[SL_ERR_LEN];
    uint16_t port = 0;
    if (sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "echo_server: %s\n", err);
        return 2;
    }

    /* Writing to a connection the client has closed raises SIGPIPE, and
     * SIGPIPE kills the process by default: one impatient client would stop
     * the server for everyone. Ignored, it turns into an EPIPE error that
     * serve_client() reports like any other. (sl_rio_writen() also sends
     * with MSG_NOSIGNAL; this covers every other write.) */
    signal(SIGPIPE, SIG_IGN);

    int listen_fd = open_listener(port, err);
    if (listen_fd < 0) {
        fprintf(stderr, "echo_server: %s\n", err);
        return 1;
    }
    fprintf(stderr, "echo_server: listening on port %u\n", (unsigned)port);

    /* Iterative: serve one client to the end, then the next. Clients that
     * connect meanwhile wait in the listen queue. */
    for (;;) {
        /* accept() waits for a client and returns a NEW socket connected to
         * it; listen_fd stays open, listening for the next one. */
        int conn = accept(listen_fd, NULL, NULL);
        if (conn < 0) {
            /* A signal, or a client that gave up before we got to it:
             * no reason to stop serving the others. */
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            perror("echo_server: accept");
            break;
        }

        char peer[SL_ADDR_STRLEN] = "?"; /* stays "?" if the client has already left */
        (void)sl_addr_peer(conn, peer, sizeof peer);
        fprintf(stderr, "echo_server: connection from %s\n", peer);

        if (serve_client(conn) == 0) {
            fprintf(stderr, "echo_server: %s closed\n", peer);
        } else {
            /* The error belongs to this connection only: log it, go on. */
            fprintf(stderr, "echo_server: %s: %s\n", peer, strerror(errno));
        }
        /* Every accepted socket is a file descriptor: close it, or after
         * about a thousand clients accept() fails with EMFILE. */
        close(conn);
    }

    close(listen_fd);
    return 1;
}
