/* bug_file_send.c - a file_send that never listens: it sends the header and
 * the body at once, without waiting for OK, then reads until the server
 * closes without looking at what it said, and exits 0. It works against a
 * server that accepts everything, and reports success when the server
 * refused or never confirmed. (It does read: a socket closed with unread
 * bytes sends a reset, which could destroy its own last bytes.) */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char err[SL_ERR_LEN];
    struct stat st;
    int ffd = argc == 4 ? open(argv[3], O_RDONLY) : -1;
    if (ffd < 0 || fstat(ffd, &st) < 0) {
        fprintf(stderr, "usage: bug_file_send HOST PORT FILE\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int fd = sl_addr_connect(argv[1], argv[2], err);
    if (fd < 0) {
        fprintf(stderr, "bug_file_send: %s\n", err);
        return 1;
    }
    char header[512];
    int n = snprintf(header, sizeof header, "%s|%lld\n", basename(argv[3]), (long long)st.st_size);
    (void)sl_rio_writen(fd, header, (size_t)n);
    char buf[65536];
    ssize_t k;
    while ((k = read(ffd, buf, sizeof buf)) > 0) {
        if (sl_rio_writen(fd, buf, (size_t)k) < 0) {
            break;
        }
    }
    shutdown(fd, SHUT_WR);
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
    return 0;
}
