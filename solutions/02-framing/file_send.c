/*
 * file_send.c - uploads one file to a file_server. Lab 02, reference solution.
 *
 * usage: file_send HOST PORT FILE
 *
 * Sends the header "NAME|SIZE\n" (NAME is FILE's last path component), waits
 * for "OK", streams the file's SIZE bytes, and waits for "DONE SIZE". Progress
 * goes to stderr: a line that updates in place on a terminal, otherwise one
 * final line.
 *
 * Exit status: 0 when the server confirmed with DONE; 1 when it answered ERR
 * (its reason is printed), the connection broke, or the file cannot be read;
 * 2 for a usage error.
 */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define REPLY_MAX 1024
#define COPY_BUF 65536

/* Print progress: on a terminal, overwrite the line ("\r"); else only at the end. */
static void progress(uint64_t sent, uint64_t size, int tty, int last)
{
    if (!tty && !last) {
        return;
    }
    unsigned pct = size == 0 ? 100 : (unsigned)(sent * 100 / size);
    fprintf(stderr, "%ssent %" PRIu64 " of %" PRIu64 " bytes (%u%%)%s", tty ? "\r" : "", sent,
            size, pct, last ? "\n" : "");
    fflush(stderr);
}

/*
 * Read the server's reply line into line (REPLY_MAX bytes) without the
 * newline. Returns 0, or -1 when the connection ended without a full line.
 */
static int read_reply(sl_rio *rp, char *line)
{
    ssize_t n = sl_rio_readline(rp, line, REPLY_MAX);
    if (n <= 0 || line[n - 1] != '\n') {
        return -1;
    }
    line[n - 1] = '\0';
    return 0;
}

/* Report a reply that is not the one hoped for; returns the exit status. */
static int bad_reply(const char *line, const char *expected)
{
    if (strncmp(line, "ERR ", 4) == 0) {
        fprintf(stderr, "file_send: the server refused: %s\n", line + 4);
    } else {
        fprintf(stderr, "file_send: expected %s from the server, got \"%s\"\n", expected, line);
    }
    return 1;
}

int main(int argc, char **argv)
{
    char err[SL_ERR_LEN];
    if (argc != 4) {
        fprintf(stderr, "usage: file_send HOST PORT FILE\n");
        return 2;
    }
    int ffd = open(argv[3], O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (ffd < 0 || fstat(ffd, &st) < 0) {
        fprintf(stderr, "file_send: %s: %s\n", argv[3], strerror(errno));
        return 1;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "file_send: %s: not a regular file\n", argv[3]);
        return 1;
    }
    uint64_t size = (uint64_t)st.st_size;
    /* basename() may modify its argument: give it a copy. */
    char path[4096];
    snprintf(path, sizeof path, "%s", argv[3]);
    const char *name = basename(path);

    signal(SIGPIPE, SIG_IGN);
    int sfd = sl_addr_connect(argv[1], argv[2], err);
    if (sfd < 0) {
        fprintf(stderr, "file_send: %s\n", err);
        return 1;
    }
    char header[REPLY_MAX + 64];
    int hn = snprintf(header, sizeof header, "%s|%" PRIu64 "\n", name, size);
    if (hn < 0 || (size_t)hn >= sizeof header) {
        fprintf(stderr, "file_send: %s: name too long\n", name);
        return 1;
    }
    sl_rio rio;
    sl_rio_init(&rio, sfd);
    char line[REPLY_MAX];
    if (sl_rio_writen(sfd, header, (size_t)hn) < 0 || read_reply(&rio, line) < 0) {
        fprintf(stderr, "file_send: the server closed the connection before answering\n");
        return 1;
    }
    if (strcmp(line, "OK") != 0) {
        return bad_reply(line, "OK");
    }

    int tty = isatty(STDERR_FILENO);
    static char buf[COPY_BUF];
    uint64_t sent = 0;
    unsigned shown = 101;
    while (sent < size) {
        ssize_t n = read(ffd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fprintf(stderr, "\nfile_send: %s: %s\n", argv[3],
                    n == 0 ? "file shrank while sending" : strerror(errno));
            return 1;
        }
        if ((uint64_t)n > size - sent) {
            n = (ssize_t)(size - sent); /* the file grew: send what we announced */
        }
        if (sl_rio_writen(sfd, buf, (size_t)n) < 0) {
            /* The server may have said why before it closed. */
            if (tty) {
                fputc('\n', stderr);
            }
            if (read_reply(&rio, line) == 0) {
                return bad_reply(line, "DONE");
            }
            fprintf(stderr, "file_send: connection lost after %" PRIu64 " bytes: %s\n", sent,
                    strerror(errno));
            return 1;
        }
        sent += (uint64_t)n;
        unsigned pct = (unsigned)(sent * 100 / size);
        if (pct != shown) {
            shown = pct;
            progress(sent, size, tty, 0);
        }
    }
    progress(sent, size, tty, 1);
    close(ffd);

    if (read_reply(&rio, line) < 0) {
        fprintf(stderr, "file_send: the server closed the connection before confirming\n");
        return 1;
    }
    char want[64];
    snprintf(want, sizeof want, "DONE %" PRIu64, size);
    if (strcmp(line, want) != 0) {
        return bad_reply(line, want);
    }
    close(sfd);
    return 0;
}
