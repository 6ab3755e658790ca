/* hostile.c - self-test servers that misbehave on purpose, to test containment.
 *
 * usage: hostile MODE PORT
 *   forkbomb    forks without end instead of listening
 *   spin        loops forever before it listens
 *   noterm      a correct echo server that ignores SIGTERM
 *   flood       a correct echo server that floods stdout and stderr meanwhile
 *   daemon      double-forks and setsid()s a child that serves, then exits
 *   closestdio  closes stdin, stdout and stderr, then serves correctly
 *   hog         allocates and touches memory without bound before listening
 *   netlist     serves correctly only if loopback is the one network interface
 *               it can see (otherwise it names them and exits 1)
 * Each must get a verdict with a clear reason in bounded time and leave
 * nothing running behind it. */
#include "rio.h"
#include "selftest_server.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>

static void echo(int fd)
{
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
            return;
        }
    }
}

static void *flood(void *arg)
{
    (void)arg;
    static const char line[] = "flood flood flood flood flood flood flood flood flood flood\n";
    for (;;) {
        (void)!write(1, line, sizeof line - 1);
        (void)!write(2, line, sizeof line - 1);
    }
    return NULL;
}

/* Interfaces in /proc/net/dev other than lo, written to stderr. */
static int foreign_interfaces(void)
{
    FILE *f = fopen("/proc/net/dev", "r");
    if (f == NULL) {
        return 0;
    }
    char line[512];
    int foreign = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');
        if (colon == NULL) {
            continue; /* the two header lines */
        }
        *colon = '\0';
        char *name = line + strspn(line, " ");
        if (strcmp(name, "lo") != 0) {
            fprintf(stderr, "hostile: I can see network interface %s\n", name);
            foreign++;
        }
    }
    fclose(f);
    return foreign;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: hostile MODE PORT\n");
        return 2;
    }
    const char *mode = argv[1];
    char *args[] = {argv[0], argv[2], NULL};
    if (strcmp(mode, "forkbomb") == 0) {
        for (;;) {
            (void)fork();
        }
    }
    if (strcmp(mode, "spin") == 0) {
        for (volatile unsigned long i = 0;; i++) {
        }
    }
    if (strcmp(mode, "hog") == 0) {
        for (;;) {
            char *p = malloc(16 << 20);
            if (p != NULL) {
                memset(p, 1, 16 << 20);
            }
        }
    }
    if (strcmp(mode, "noterm") == 0) {
        signal(SIGTERM, SIG_IGN);
    }
    if (strcmp(mode, "flood") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, flood, NULL);
    }
    if (strcmp(mode, "closestdio") == 0) {
        close(0);
        close(1);
        close(2);
    }
    if (strcmp(mode, "netlist") == 0 && foreign_interfaces() > 0) {
        return 1;
    }
    if (strcmp(mode, "daemon") == 0) {
        if (fork() != 0) {
            return 0; /* the parent leaves at once */
        }
        setsid();
        if (fork() != 0) {
            _exit(0);
        }
    }
    return selftest_run(2, args, "hostile", 0, echo);
}
