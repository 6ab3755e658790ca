/* selftest_files.h - what the self-test file servers of lab 02 share.
 *
 * Each buggy file server differs from a correct one in one way, and that way
 * should be all its file shows. This header holds the rest: parse PORT and
 * DIR, create DIR, listen, accept clients one after another and hand each to
 * the server's serve() function; plus a correct header parser and reply(). */
#ifndef SOCKLAB_SELFTEST_FILES_H
#define SOCKLAB_SELFTEST_FILES_H

#include "addr.h"
#include "err.h"
#include "rio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILES_HEADER_MAX 1024

/* Send a reply line; errors are ignored (the client may be gone). */
static void files_reply(int fd, const char *line)
{
    (void)sl_rio_writen(fd, line, strlen(line));
}

/* The correct parser: line[0..len) is "NAME|SIZE\n". Returns 0 and fills
 * name (256 bytes) and *size, or -1. */
__attribute__((unused)) static int files_parse(const char *line, size_t len, char *name, uint64_t *size)
{
    const char *bar = NULL;
    len--;
    for (size_t i = 0; i < len; i++) {
        bar = line[i] == '|' ? line + i : bar;
    }
    if (bar == NULL) {
        return -1;
    }
    size_t nl = (size_t)(bar - line);
    size_t sl = len - nl - 1;
    if (nl == 0 || nl > 255 || (nl == 1 && line[0] == '.') ||
        (nl == 2 && line[0] == '.' && line[1] == '.') || sl == 0 || sl > 13) {
        return -1;
    }
    for (size_t i = 0; i < nl; i++) {
        unsigned char ch = (unsigned char)line[i];
        if (ch < 0x20 || ch == 0x7f || ch == '/') {
            return -1;
        }
    }
    uint64_t v = 0;
    for (size_t i = 0; i < sl; i++) {
        if (bar[1 + i] < '0' || bar[1 + i] > '9') {
            return -1;
        }
        v = v * 10 + (uint64_t)(bar[1 + i] - '0');
    }
    if (v > (UINT64_C(1) << 40)) {
        return -1;
    }
    memcpy(name, line, nl);
    name[nl] = '\0';
    *size = v;
    return 0;
}

/* Read and check the header with a buffered reader; reply ERR on a bad one.
 * Returns 0 with name and *size set, or -1 (the connection is done). */
__attribute__((unused)) static int files_read_header(sl_rio *rp, int fd, char *name, uint64_t *size)
{
    char line[FILES_HEADER_MAX + 1];
    ssize_t n = sl_rio_readline(rp, line, sizeof line);
    if (n < 0 && errno == EMSGSIZE) {
        files_reply(fd, "ERR header too long\n");
        return -1;
    }
    if (n <= 0 || line[n - 1] != '\n') {
        return -1;
    }
    if (files_parse(line, (size_t)n, name, size) < 0) {
        files_reply(fd, "ERR bad header\n");
        return -1;
    }
    return 0;
}

/* Run an iterative file server on argv[1], storing into argv[2]. */
static int files_run(int argc, char **argv, const char *prog, void (*serve)(int fd, const char *dir))
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (argc != 3 || sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "usage: %s PORT DIR\n", prog);
        return 2;
    }
    if (mkdir(argv[2], 0755) < 0 && errno != EEXIST) {
        perror(argv[2]);
        return 1;
    }
    int lfd = sl_addr_listen(NULL, argv[1], 16, err);
    if (lfd < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd >= 0) {
            serve(fd, argv[2]);
            close(fd);
        }
    }
}

#endif
