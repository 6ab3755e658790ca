/* bug_file_direct.c - a file server that writes the body straight to
 * DIR/NAME: a client that hangs up halfway leaves a partial file under the
 * real name. Everything else is correct. */
#include "selftest_files.h"

static void serve(int fd, const char *dir)
{
    sl_rio rio;
    sl_rio_init(&rio, fd);
    char name[256];
    uint64_t size;
    if (files_read_header(&rio, fd, name, &size) < 0) {
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        files_reply(fd, "ERR cannot create file\n");
        return;
    }
    files_reply(fd, "OK\n");
    uint64_t left = size;
    while (left > 0) {
        char data[65536];
        ssize_t k = sl_rio_read(&rio, data, left < sizeof data ? (size_t)left : sizeof data);
        if (k <= 0) {
            break; /* the bug: the partial file stays */
        }
        (void)sl_rio_writen(out, data, (size_t)k);
        left -= (uint64_t)k;
    }
    close(out);
    if (left == 0) {
        char done[64];
        snprintf(done, sizeof done, "DONE %llu\n", (unsigned long long)size);
        files_reply(fd, done);
    }
}

int main(int argc, char **argv)
{
    return files_run(argc, argv, "bug_file_direct", serve);
}
