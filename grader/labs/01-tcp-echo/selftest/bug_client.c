/* bug_client.c - self-test echo clients, each with one classic bug.
 *
 * usage: bug_client BUG HOST PORT, where BUG is
 *   one-recv  one recv() per line, taken to be the whole reply
 *             (expected to fail: client-pieces, client-long-line)
 *   own-copy  prints its own copy of the line instead of the reply
 *             (expected to fail: client-prints-reply)
 *   quiet     on a refused connection or a server that hangs up, exits 0
 *             without a word (expected to fail: client-refused, client-hangup)
 *   cstring   prints each reply with fputs(), which stops at a NUL byte
 *             (expected to fail: the hidden check client-binary)
 */
#include "addr.h"
#include "rio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bug_client one-recv|own-copy|quiet|cstring HOST PORT\n");
        return 2;
    }
    const char *bug = argv[1];
    int quiet = strcmp(bug, "quiet") == 0;
    char err[256];
    int fd = sl_addr_connect(argv[2], argv[3], err);
    if (fd < 0) {
        if (quiet) {
            return 0; /* BUG: a failure reported as success, with no message */
        }
        fprintf(stderr, "bug_client: %s\n", err);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int status = 0;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        if (sl_rio_writen(fd, line, (size_t)len) < 0) {
            perror("bug_client: send");
            status = 1;
            break;
        }
        char *reply = malloc((size_t)len);
        if (reply == NULL) {
            status = 1;
            break;
        }
        ssize_t got;
        if (strcmp(bug, "one-recv") == 0) {
            got = recv(fd, reply, (size_t)len, 0); /* BUG: one recv is not one reply */
        } else {
            got = sl_rio_readn(fd, reply, (size_t)len);
        }
        if (got < (strcmp(bug, "one-recv") == 0 ? 1 : len)) {
            free(reply);
            if (quiet) {
                break; /* BUG: the server hung up, and nobody is told */
            }
            fprintf(stderr, "bug_client: the server closed the connection\n");
            status = 1;
            break;
        }
        if (strcmp(bug, "own-copy") == 0) {
            fwrite(line, 1, (size_t)len, stdout); /* BUG: not what the server sent */
        } else if (strcmp(bug, "cstring") == 0) {
            char *text = malloc((size_t)got + 1);
            if (text != NULL) {
                memcpy(text, reply, (size_t)got);
                text[got] = '\0';
                fputs(text, stdout); /* BUG: stops at the first NUL byte */
                free(text);
            }
        } else {
            fwrite(reply, 1, (size_t)got, stdout);
        }
        free(reply);
    }
    free(line);
    close(fd);
    return status;
}
