/* bug_file_seed.c - lab 02's seed receiver, in C: it trusts one recv() to
 * hold the whole header (a header in pieces is "malformed", and body bytes
 * that came with the header are lost), joins DIR and NAME without checking
 * NAME (an absolute NAME replaces DIR, as os.path.join does) and writes
 * straight to the final name. */
#include "selftest_files.h"

#include <stdlib.h>

static void serve(int fd, const char *dir)
{
    char buf[1024 + 1];
    ssize_t n = recv(fd, buf, 1024, 0);
    if (n <= 0) {
        return;
    }
    buf[n] = '\0';
    char *nl = memchr(buf, '\n', (size_t)n);
    size_t len = nl != NULL ? (size_t)(nl - buf) : (size_t)n;
    char *bar = memchr(buf, '|', len);
    if (bar == NULL || len - (size_t)(bar - buf) < 2) {
        files_reply(fd, "ERR bad header\n");
        return;
    }
    *bar = '\0';
    uint64_t size = 0;
    for (char *p = bar + 1; p < buf + len; p++) {
        if (*p < '0' || *p > '9') {
            files_reply(fd, "ERR bad size\n");
            return;
        }
        size = size * 10 + (uint64_t)(*p - '0');
    }
    char path[4096];
    if (buf[0] == '/') {
        snprintf(path, sizeof path, "%s", buf);
    } else {
        snprintf(path, sizeof path, "%s/%s", dir, buf);
    }
    files_reply(fd, "OK\n");
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    uint64_t got = 0;
    while (got < size) {
        char data[4096];
        ssize_t k =
            recv(fd, data, size - got < sizeof data ? (size_t)(size - got) : sizeof data, 0);
        if (k <= 0) {
            break;
        }
        if (out >= 0) {
            (void)sl_rio_writen(out, data, (size_t)k);
        }
        got += (uint64_t)k;
    }
    if (out >= 0) {
        close(out);
    }
    if (got == size) {
        char done[64];
        snprintf(done, sizeof done, "DONE %llu\n", (unsigned long long)size);
        files_reply(fd, done);
    }
}

int main(int argc, char **argv)
{
    return files_run(argc, argv, "bug_file_seed", serve);
}
