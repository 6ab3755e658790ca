/*
 * echo_client.c - send standard input to an echo server, line by line. Lab 01.
 *
 * This is the skeleton: it builds and runs, and tells you which step is
 * missing. Your work is marked TODO(step 1); the guide is README.md.
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
    /* TODO(step 1): send the whole line: sl_rio_writen(fd, line, len).
     *   It returns -1 on error: then sl_err_errno(err, "send") and return -1.
     *
     * TODO(step 1): read the reply back, until len bytes have arrived:
     *   char buf[8192]; size_t got = 0;
     *   while got < len:
     *     n = recv(fd, buf, min(len - got, sizeof buf), 0)
     *     n == 0: the server closed the connection: sl_err_set(err,
     *             "server closed the connection after %zu of %zu bytes", got, len)
     *             and return -1;
     *     n < 0:  retry if errno == EINTR; otherwise sl_err_errno(err, "recv"),
     *             return -1;
     *     n > 0:  write exactly those n bytes to standard output with
     *             sl_rio_writen(STDOUT_FILENO, buf, n) (not printf: they may
     *             hold NUL bytes; if it fails, sl_err_errno(err, "write to
     *             standard output") and return -1), and add n to got.
     *   Then return 0.
     */
    (void)fd;
    (void)line;
    (void)len;
    sl_err_set(err, "step 1 is not done yet: see TODO(step 1) in echo_client.c and "
                    "labs/01-tcp-echo/README.md");
    return -1;
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

    /* TODO(step 1): connect. Replace the placeholder below (three
     * statements) with
     *     int fd = sl_addr_connect(host, port, err);
     * sl_addr_connect() looks HOST up (getaddrinfo), then tries socket() and
     * connect() on each address it gets, IPv6 or IPv4, until one works. It
     * returns the connected socket, or -1 with the reason in err, such as
     * "connect to 127.0.0.1:9: Connection refused". */
    (void)host;
    int fd = -1;
    sl_err_set(err, "step 1 is not done yet: see TODO(step 1) in echo_client.c and "
                    "labs/01-tcp-echo/README.md");
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
