/*
 * sockopts.c - read and set socket options, and show what the kernel keeps. Lab 04.
 *
 * This is the skeleton: it builds, runs, checks its arguments and tells you
 * what is missing. Your work is marked TODO(step 5); the guide is README.md.
 *
 * usage: sockopts [--rcvbuf BYTES] [--sndbuf BYTES] [--nodelay] [--keepalive]
 *                 [--reuseaddr]
 *
 * Creates one TCP socket and prints one line per option, always in this
 * order:
 *
 *     SO_RCVBUF default 131072 asked 65536 now 131072
 *     SO_SNDBUF default 16384 asked - now 16384
 *     TCP_NODELAY default 0 asked 1 now 1
 *     SO_KEEPALIVE default 0 asked - now 0
 *     SO_REUSEADDR default 0 asked - now 0
 *
 * "default" is what getsockopt() reports on the fresh socket, "asked" the
 * value given to setsockopt() ("-" when the option was not set), and "now"
 * what getsockopt() reports afterwards. On Linux "now" is not always what was
 * asked: the kernel doubles a buffer size (the extra half pays for its own
 * bookkeeping) and caps it at net.core.rmem_max / wmem_max.
 *
 * Exit status: 0 on success, 1 if a socket call fails, 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One option this program knows. */
struct opt {
    const char *name; /* as printed */
    int level;        /* SOL_SOCKET or IPPROTO_TCP */
    int optname;
    int asked; /* 1 if --option was given */
    int value; /* the value to set */
};

static void usage(FILE *out)
{
    fprintf(out, "usage: sockopts [--rcvbuf BYTES] [--sndbuf BYTES] [--nodelay] [--keepalive]\n"
                 "                [--reuseaddr]\n"
                 "Create a TCP socket, set the options given, and print for each of SO_RCVBUF,\n"
                 "SO_SNDBUF, TCP_NODELAY, SO_KEEPALIVE and SO_REUSEADDR its default, the value\n"
                 "asked for ('-' if none) and what the kernel reports afterwards.\n");
}

/* Parse a buffer size: a whole number of bytes from 1 to 1 GiB. */
static int parse_bytes(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1 || v > (1L << 30)) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

/*
 * Read option @o of socket @fd into *value.
 * Returns 0, or -1 after printing why on stderr.
 */
static int get_int(int fd, const struct opt *o, int *value)
{
    /* TODO(step 5): read the option.
     *   socklen_t len = sizeof *value;    in: the room; out: the size used
     *   getsockopt(fd, o->level, o->optname, value, &len)
     *   on -1: fprintf(stderr, "sockopts: getsockopt(%s): %s\n", o->name,
     *                  strerror(errno)) and return -1.
     *   Return 0. Then delete the message below. */
    (void)fd;
    *value = 0;
    fprintf(stderr,
            "sockopts: step 5 is not done yet: get_int() cannot read %s; see "
            "TODO(step 5) in sockopts.c and labs/04-addressing/README.md\n",
            o->name);
    return -1;
}

/*
 * Set option @o of socket @fd to o->value.
 * Returns 0, or -1 after printing why on stderr.
 */
static int set_int(int fd, const struct opt *o)
{
    /* TODO(step 5): set the option. Every option here takes an int, passed
     * by address with its size:
     *   setsockopt(fd, o->level, o->optname, &o->value, sizeof o->value)
     *   on -1: fprintf(stderr, "sockopts: setsockopt(%s, %d): %s\n",
     *                  o->name, o->value, strerror(errno)) and return -1.
     *   Return 0. Then delete the message below. */
    (void)fd;
    fprintf(stderr,
            "sockopts: step 5 is not done yet: set_int() cannot set %s; see "
            "TODO(step 5) in sockopts.c and labs/04-addressing/README.md\n",
            o->name);
    return -1;
}

int main(int argc, char **argv)
{
    struct opt opts[] = {
        {"SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, 0, 0},
        {"SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, 0, 0},
        {"TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, 0, 1},
        {"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, 0, 1},
        {"SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, 0, 1},
    };
    enum { RCVBUF, SNDBUF, NODELAY, KEEPALIVE, REUSEADDR, NOPTS };
    static const struct option longopts[] = {
        {"rcvbuf", required_argument, NULL, 'r'},
        {"sndbuf", required_argument, NULL, 's'},
        {"nodelay", no_argument, NULL, 'n'},
        {"keepalive", no_argument, NULL, 'k'},
        {"reuseaddr", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
        case 's': {
            struct opt *o = &opts[c == 'r' ? RCVBUF : SNDBUF];
            if (parse_bytes(optarg, &o->value) < 0) {
                fprintf(stderr, "sockopts: %s: not a size in bytes (1 to 1073741824): '%s'\n",
                        o->name, optarg);
                return 2;
            }
            o->asked = 1;
            break;
        }
        case 'n':
            opts[NODELAY].asked = 1;
            break;
        case 'k':
            opts[KEEPALIVE].asked = 1;
            break;
        case 'a':
            opts[REUSEADDR].asked = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "sockopts: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("sockopts: socket");
        return 1;
    }
    int status = 0;
    for (int i = 0; i < NOPTS; i++) {
        struct opt *o = &opts[i];
        int before, after;
        if (get_int(fd, o, &before) < 0 || (o->asked && set_int(fd, o) < 0) ||
            get_int(fd, o, &after) < 0) {
            status = 1;
            break;
        }
        /* TODO(step 5): TCP_NODELAY, SO_KEEPALIVE and SO_REUSEADDR are
         * booleans: the kernel may report "on" as any non-zero value. Print
         * them as 0 or 1 (before = before != 0; the same for after). The two
         * buffer sizes are numbers: print them as they are. */
        if (o->asked) {
            printf("%s default %d asked %d now %d\n", o->name, before, o->value, after);
        } else {
            printf("%s default %d asked - now %d\n", o->name, before, after);
        }
    }
    close(fd);
    if (fflush(stdout) != 0) {
        perror("sockopts: stdout");
        return 1;
    }
    return status;
}
