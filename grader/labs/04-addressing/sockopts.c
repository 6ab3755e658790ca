/* sockopts.c - lab 04's check of sockopts (step 5): the options it reports,
 * compared with what the kernel says. */
#include "addr.h"
#include "lab04.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- step 5: socket options ------------------------------------------------ */

#define NOPTS 5

static const char *const opt_names[NOPTS] = {"SO_RCVBUF", "SO_SNDBUF", "TCP_NODELAY",
                                             "SO_KEEPALIVE", "SO_REUSEADDR"};

/* What the kernel reports for the five options on a fresh TCP socket before
 * and after setting them to ask[] (ask[i] < 0: not set). */
static int kernel_view(const int ask[NOPTS], int def[NOPTS], int now[NOPTS])
{
    static const int level[NOPTS] = {SOL_SOCKET, SOL_SOCKET, IPPROTO_TCP, SOL_SOCKET, SOL_SOCKET};
    static const int name[NOPTS] = {SO_RCVBUF, SO_SNDBUF, TCP_NODELAY, SO_KEEPALIVE, SO_REUSEADDR};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    for (int i = 0; i < NOPTS; i++) {
        socklen_t len = sizeof def[i];
        getsockopt(fd, level[i], name[i], &def[i], &len);
        if (ask[i] >= 0) {
            setsockopt(fd, level[i], name[i], &ask[i], sizeof ask[i]);
        }
        len = sizeof now[i];
        getsockopt(fd, level[i], name[i], &now[i], &len);
        if (i >= 2) {
            def[i] = def[i] != 0;
            now[i] = now[i] != 0;
        }
    }
    close(fd);
    return 0;
}

/* Run sockopts with args and compare each line with the kernel's view. */
static int sockopts_run(gr_ctx *ctx, const char *args, const int ask[NOPTS])
{
    int def[NOPTS], now[NOPTS];
    if (kernel_view(ask, def, now) < 0) {
        return gr_fail(ctx, "grader could not create a socket: %s", strerror(errno));
    }
    gr_client_run r;
    if (lab04_run_prog(ctx, "./sockopts", args, 5000, &r) < 0) {
        return -1;
    }
    int rc = 0;
    int seen[NOPTS] = {0};
    char line[512];
    const char *p = r.cr_stdout;
    if (!gr_exited_zero(&r)) {
        rc = gr_fail(ctx, "sockopts %s did not exit with status 0", args);
    }
    while (rc == 0 && gr_next_line(&p, line, sizeof line)) {
        char name[32], asked[32], extra[8];
        int d, n;
        if (line[0] == '\0') {
            continue;
        }
        if (sscanf(line, "%31s default %d asked %31s now %d %7s", name, &d, asked, &n, extra) !=
            4) {
            rc = gr_fail(ctx,
                         "sockopts printed a line that is not \"NAME default N asked N now "
                         "N\": \"%.200s\"",
                         line);
            break;
        }
        int i = 0;
        while (i < NOPTS && strcmp(name, opt_names[i]) != 0) {
            i++;
        }
        if (i == NOPTS || seen[i]) {
            rc = gr_fail(ctx, "sockopts printed %s %s", i == NOPTS ? "an unknown option" : "twice",
                         name);
            break;
        }
        seen[i] = 1;
        char want_asked[32];
        if (ask[i] < 0) {
            strcpy(want_asked, "-");
        } else {
            snprintf(want_asked, sizeof want_asked, "%d", ask[i]);
        }
        if (d != def[i]) {
            rc = gr_fail(ctx,
                         "sockopts %s: %s default %d, but the kernel reports %d on a fresh "
                         "TCP socket",
                         args, name, d, def[i]);
        } else if (strcmp(asked, want_asked) != 0) {
            rc = gr_fail(ctx, "sockopts %s: %s asked %s, but the value asked for was %s", args,
                         name, asked, want_asked);
        } else if (n != now[i]) {
            rc = gr_fail(ctx,
                         "sockopts %s: %s now %d, but after setsockopt(%s) the kernel "
                         "reports %d",
                         args, name, n, want_asked, now[i]);
            if (i < 2 && ask[i] >= 0) {
                gr_str_addf(gr_details(ctx),
                            "Linux doubles a buffer size it is given (the extra half pays for "
                            "its own bookkeeping) and caps it at net.core.%s_max: print what "
                            "getsockopt() says afterwards, not what you asked for.\n",
                            i == 0 ? "rmem" : "wmem");
            }
        }
    }
    for (int i = 0; rc == 0 && i < NOPTS; i++) {
        if (!seen[i]) {
            rc = gr_fail(ctx, "sockopts %s printed no line for %s", args, opt_names[i]);
        }
    }
    if (rc < 0) {
        lab04_describe_run(ctx, &r);
    }
    gr_client_run_free(&r);
    return rc;
}

int lab04_check_sockopts(gr_ctx *ctx)
{
    int none[NOPTS] = {-1, -1, -1, -1, -1};
    if (sockopts_run(ctx, "", none) < 0) {
        return -1;
    }
    /* A seeded receive buffer size, and a send buffer size beyond the cap. */
    int ask[NOPTS] = {4096 + (int)gr_random_below(ctx, 60000), 50000000, 1, 1, 1};
    char args[160];
    snprintf(args, sizeof args, "--rcvbuf %d --sndbuf %d --nodelay --keepalive --reuseaddr", ask[0],
             ask[1]);
    return sockopts_run(ctx, args, ask);
}

int lab04_check_sockopts_args(gr_ctx *ctx)
{
    /* Sizes are whole numbers from 1 to 1073741824: both ends are valid
     * (the kernel clamps what it cannot give), the numbers just outside and
     * anything that is not a number are usage errors. */
    static const struct {
        const char *args;
        const char *what;
        int status;
    } cases[] = {
        {"--rcvbuf 1", "the smallest size", 0},
        {"--sndbuf 1073741824", "the largest size", 0},
        {"--help", "--help", 0},
        {"--rcvbuf 0", "a size of 0", 2},
        {"--sndbuf 1073741825", "a size above 1073741824", 2},
        {"--rcvbuf 12x", "a size with trailing junk", 2},
        {"--rcvbuf -4096", "a negative size", 2},
        {"--rcvbuf", "--rcvbuf without its size", 2},
        {"--bogus", "an unknown option", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].status == 0 && strcmp(cases[i].args, "--help") != 0) {
            /* A valid size: five lines, exit 0 (what they say is sockopts'). */
            gr_client_run r;
            if (lab04_run_prog(ctx, "./sockopts", cases[i].args, 5000, &r) < 0) {
                return -1;
            }
            int ok = gr_exited_zero(&r);
            if (!ok) {
                gr_fail(ctx,
                        "sockopts %s (%s) is valid: sizes go from 1 to 1073741824, ends "
                        "included; it should exit 0",
                        cases[i].args, cases[i].what);
                gr_hint(ctx, "A limit has two sides: the values at its ends are valid. In C: "
                             "accept 1 <= n && n <= 1073741824 (strtol(), then check what it "
                             "left and the range); the kernel clamps a size it cannot give. In "
                             "Python: 1 <= n <= 1073741824.");
                lab04_describe_run(ctx, &r);
            }
            gr_client_run_free(&r);
            if (!ok) {
                return -1;
            }
        } else if (lab04_expect_status(ctx, "./sockopts", cases[i].args, cases[i].what,
                                       cases[i].status, 5000) < 0) {
            return -1;
        }
    }
    return 0;
}
