/*
 * echo_server.c - an iterative TCP echo server (RFC 862). Lab 01.
 *
 * This is the skeleton: it builds and runs, and tells you which step is
 * missing. Your work is marked TODO(step 2), (step 3) and (step 4); the
 * guide is README.md.
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
    /* TODO(step 2): open the listening socket.
     *   1. int fd = socket(AF_INET, SOCK_STREAM, 0);
     *      on -1: sl_err_errno(err, "socket") and return -1.
     *   2. struct sockaddr_in addr, zeroed with memset(), then
     *        addr.sin_family = AF_INET;
     *        addr.sin_addr.s_addr = htonl(INADDR_ANY);   (every local address)
     *        addr.sin_port = htons(port);                (network byte order)
     *   3. bind(fd, (struct sockaddr *)&addr, sizeof addr);
     *      on -1: sl_err_errno(err, "bind 0.0.0.0 port %u", (unsigned)port).
     *   4. listen(fd, SOMAXCONN);
     *      on -1: sl_err_errno(err, "listen").
     *   Return fd. After a failure in 3 or 4, close(fd) before returning -1
     *   (one "fail:" label at the end of the function does it in one place).
     *
     * TODO(step 4): between 1 and 3, set SO_REUSEADDR, so that the server
     *   can be restarted at once on the same port:
     *     int on = 1;
     *     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
     */
    (void)port;
    sl_err_set(err, "step 2 is not done yet: see TODO(step 2) in echo_server.c and "
                    "labs/01-tcp-echo/README.md");
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
    /* TODO(step 2): echo until the client is done. In a loop:
     *   ssize_t n = recv(conn, buf, sizeof buf, 0);
     *   n == 0: the client shut down its sending side: return 0;
     *   n < 0:  retry if errno == EINTR; otherwise return -1 (errno says why);
     *   n > 0:  send back exactly those n bytes, all of them:
     *           sl_rio_writen(conn, buf, n); if it returns -1, return -1.
     *   Do not look for newlines, do not add anything, and do not treat buf
     *   as a C string: it may hold any byte, NUL included.
     */
    char buf[8192];
    (void)conn;
    (void)buf;
    fprintf(stderr, "echo_server: step 2 is not done yet: serve_client() does not echo; "
                    "see TODO(step 2) in echo_server.c and labs/01-tcp-echo/README.md\n");
    errno = ENOSYS;
    return -1;
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

    /* TODO(step 4): ignore SIGPIPE, so that writing to a client that has
     * gone away fails with EPIPE instead of killing the server:
     *     signal(SIGPIPE, SIG_IGN);
     */

    int listen_fd = open_listener(port, err);
    if (listen_fd < 0) {
        fprintf(stderr, "echo_server: %s\n", err);
        return 1;
    }
    fprintf(stderr, "echo_server: listening on port %u\n", (unsigned)port);

    /* TODO(step 3): this serves ONE client; the next one is turned away and
     * the server exits. Make it serve clients one after another: put
     * everything from accept() to close(conn) in a for (;;) loop, and delete
     * the "step 3" block at the end. Inside the loop, when accept() fails with
     * EINTR or ECONNABORTED, just `continue`; for any other error, perror()
     * and `break`.
     */

    /* accept() waits for a client and returns a NEW socket connected to
     * it; listen_fd stays open, listening for the next one. */
    int conn = accept(listen_fd, NULL, NULL);
    if (conn < 0) {
        perror("echo_server: accept");
        close(listen_fd);
        return 1;
    }

    char peer[SL_ADDR_STRLEN] = "?"; /* stays "?" if the client has already left */
    (void)sl_addr_peer(conn, peer, sizeof peer);
    fprintf(stderr, "echo_server: connection from %s\n", peer);

    if (serve_client(conn) == 0) {
        fprintf(stderr, "echo_server: %s closed\n", peer);
    } else {
        /* The error belongs to this connection only (ECONNRESET, EPIPE: the
         * client has gone away): log it, go on. Never exit here (step 4). */
        fprintf(stderr, "echo_server: %s: %s\n", peer, strerror(errno));
    }
    /* Every accepted socket is a file descriptor: a server that never closes
     * them runs out after about a thousand clients (accept() fails with
     * EMFILE). Closing it is also how the client sees end of file. */
    close(conn);

    /* TODO(step 3): delete this block. Until the loop is there, the server
     * waits for a second client only to turn it away. */
    {
        int next = accept(listen_fd, NULL, NULL);
        fprintf(stderr, "echo_server: step 3 is not done yet: the server serves one client only; "
                        "see TODO(step 3) in echo_server.c and labs/01-tcp-echo/README.md\n");
        if (next >= 0) {
            close(next);
        }
    }

    close(listen_fd);
    return 1;
}
