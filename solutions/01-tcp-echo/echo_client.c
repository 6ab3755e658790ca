/*
 * echo_client.c - send standard input to an echo server, line by line. Lab 01,
 * reference solution.
 *
 * usage: echo_client HOST PORT
 *
 * Connects to HOST (a name or an IPv4/IPv6 address) on TCP PORT. For each
 * line of standard input (its '\n' included; the last line may lack one),
 * sends the line, reads back as many bytes as it sent, and writes those
 * bytes - the server's reply - to standard output. Messages go to standard
 * error, so standard output carries the replies and nothing else.
 *
 * Exit status: 0 at the end of standard input, 1 if the connection fails or
 * breaks, 2 for a usage error or a bad PORT.
 */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: echo_client HOST PORT\n"
                 "Connect to HOST on TCP PORT, send each line of standard input and\n"
                 "print the server's reply to it on standard output.\n");
}

/*
 * Send the @len bytes at @line on @fd, then read back @len bytes and write
 * them to standard output. Returns 0, or -1 with the reason in @err.
 */
static int echo_line(int fd, const char *line, size_t len, char *err)
{
    /* One send() may take only part of a long line; sl_rio_writen() loops
     * until every byte is sent. */
    if (sl_rio_writen(fd, line, len) < 0) {
        sl_err_errno(err, "send");
        return -1;
    }

    /* The reply may come in several pieces, so one recv() is not one reply:
     * keep reading until all len bytes are back. Each piece goes straight
     * to standard output, so a long reply needs no long buffer. */
    char buf[8192];
    size_t got = 0;
    while (got < len) {
        size_t want = len - got < sizeof buf ? len - got : sizeof buf;
        ssize_t n = recv(fd, buf, want, 0);
        if (n == 0) {
            sl_err_set(err, "server closed the connection after %zu of %zu bytes", got, len);
            return -1;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            sl_err_errno(err, "recv");
            return -1;
        }
        /* Write exactly the n bytes received: they may contain NUL bytes,
         * so this is not a C string, and printf("%s") would cut it short. */
        if (sl_rio_writen(STDOUT_FILENO, buf, (size_t)n) < 0) {
            sl_err_errno(err, "write to standard output");
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

/*
 * Echo every line of standard input through the server on @fd.
 * Returns 0 at the end of input, or -1 with the reason in @err.
 */
static int echo_stdin(int fd, char *err)
{
    /* getline() grows the buffer to fit any line, and returns its length:
     * lines may be very long and may contain NUL bytes. */
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        if (echo_line(fd, line, (size_t)len, err) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(stdin)) {
        sl_err_errno(err, "read standard input");
        rc = -1;
    }
    free(line);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc != 3) {
        usage(stderr);
        return 2;
    }
    const char *host = argv[1];
    const char *port = argv[2];
    char err[SL_ERR_LEN];

    /* Check the port now, so that "80x" is reported as a usage error
     * instead of a failed connection. */
    uint16_t port_number = 0;
    if (sl_addr_parse_port(port, 0, &port_number, err) < 0) {
        fprintf(stderr, "echo_client: %s\n", err);
        return 2;
    }

    /* A server that goes away while we send must give us an EPIPE error
     * to report, not a SIGPIPE that kills us without a word. */
    signal(SIGPIPE, SIG_IGN);

    /* sl_addr_connect() looks HOST up (getaddrinfo), then tries socket() and
     * connect() on each address it gets, IPv6 or IPv4, until one works. */
    int fd = sl_addr_connect(host, port, err);
    if (fd < 0) {
        fprintf(stderr, "echo_client: %s\n", err);
        return 1;
    }

    int rc = echo_stdin(fd, err);
    if (rc < 0) {
        fprintf(stderr, "echo_client: %s\n", err);
    }
    close(fd);
    return rc < 0 ? 1 : 0;
}
