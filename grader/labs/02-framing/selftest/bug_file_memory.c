/* bug_file_memory.c - a file server that reads the whole body into memory
 * before writing it: memory grows with SIZE, which comes from the network.
 * Everything else is correct (temporary file, rename). */
#include "selftest_files.h"

#include <stdlib.h>

static void serve(int fd, const char *dir)
{
    sl_rio rio;
    sl_rio_init(&rio, fd);
    char name[256];
    uint64_t size;
    if (files_read_header(&rio, fd, name, &size) < 0) {
        return;
    }
    char *body = malloc(size > 0 ? (size_t)size : 1);
    if (body == NULL) {
        files_reply(fd, "ERR out of memory\n");
        return;
    }
    char tmp[4096];
    char path[4096];
    snprintf(tmp, sizeof tmp, "%s/.partial-%d", dir, (int)getpid());
    snprintf(path, sizeof path, "%s/%s", dir, name);
    files_reply(fd, "OK\n");
    if (sl_rio_readnb(&rio, body, (size_t)size) == (ssize_t)size) {
        int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out >= 0 && sl_rio_writen(out, body, (size_t)size) >= 0 && close(out) == 0 &&
            rename(tmp, path) == 0) {
            char done[64];
            snprintf(done, sizeof done, "DONE %llu\n", (unsigned long long)size);
            files_reply(fd, done);
        } else {
            unlink(tmp);
            files_reply(fd, "ERR write failed\n");
        }
    }
    free(body);
}

int main(int argc, char **argv)
{
    return files_run(argc, argv, "bug_file_memory", serve);
}
