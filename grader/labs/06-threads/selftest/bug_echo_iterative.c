/* bug_echo_iterative.c - self-test server: a correct echo server that serves
 * one client after another, as lab 01's does. Lab 06's pool and fork checks
 * must catch it: while one client is connected, nobody else is served. */
#include "rio.h"
#include "selftest_server.h"

static void serve(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
            return;
        }
    }
}

int main(int argc, char **argv)
{
    return selftest_run(argc, argv, "bug_echo_iterative", 0, serve);
}
