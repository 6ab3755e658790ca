/* selftest07.h - what lab 07's buggy servers share: the reference
 * framework and echo programs, compiled into one program with a bug of
 * each file's own. A bug is either in the framework (a system call
 * replaced by a macro before the framework is included: no SO_REUSEADDR,
 * no waitpid(), a blocking accept()) or in how the program uses it (a hook
 * or the handler replaced, a strategy served by another), so that each
 * shows the same on the wire as the mistake a student makes.
 *
 * Each program is run as `bug_NAME PROG [OPTIONS] PORT|PATH`, PROG being
 * tcp_echo, udp_echo or unix_echo: what {args} becomes in a --server
 * command. */
#ifndef SOCKLAB_SELFTEST07_H
#define SOCKLAB_SELFTEST07_H

/* A bug program that wraps a framework function includes the framework
 * itself, first, and defines SELFTEST07_OWN_FRAMEWORK. */
#ifndef SELFTEST07_OWN_FRAMEWORK
#include "../../../../solutions/07-socketserver/socketserver.c"
#endif

#include "../../../../solutions/07-socketserver/echo_app.c"

/** What a buggy program changes. */
typedef struct bug_plan {
    ss_strategy bp_strategy[4];   /**< what each --strategy becomes */
    void (*bp_hooks)(ss_hooks *); /**< changes the hooks, or NULL */
    const ss_handler *bp_handler; /**< the handler instead of the echo, or NULL */
} bug_plan;

/* The strategies as they are. */
#define BUG_SAME_STRATEGIES                                                                        \
    {                                                                                              \
        SS_SYNC, SS_THREAD, SS_FORK, SS_POOL                                                       \
    }

static int bug_main(int argc, char **argv, const bug_plan *plan)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s tcp_echo|udp_echo|unix_echo [OPTIONS] PORT|PATH\n", argv[0]);
        return 2;
    }
    ss_kind kind = strcmp(argv[1], "udp_echo") == 0    ? SS_UDP
                   : strcmp(argv[1], "unix_echo") == 0 ? SS_UNIX_STREAM
                                                       : SS_TCP;
    echo_opts o;
    int rc = echo_parse(argc - 1, argv + 1, kind, &o);
    if (rc != 0) {
        return rc < 0 ? 2 : 0;
    }
    o.eo_strategy = plan->bp_strategy[o.eo_strategy];
    ss_config cf = echo_config(&o);
    ss_hooks hooks = *cf.cf_hooks;
    if (plan->bp_hooks != NULL) {
        plan->bp_hooks(&hooks);
    }
    cf.cf_hooks = &hooks;
    if (plan->bp_handler != NULL) {
        cf.cf_handler = plan->bp_handler;
    }
    char err[SL_ERR_LEN] = "";
    ss_server *srv = ss_server_new(&cf, err);
    if (srv == NULL) {
        fprintf(stderr, "%s: cannot serve: %s\n", o.eo_prog, err);
        return 1;
    }
    return echo_run(srv, &o);
}

#endif
