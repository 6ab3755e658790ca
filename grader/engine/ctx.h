/* ctx.h - what a check's context holds, and the engine's functions that
 * share it across its files. Private to grader/engine/: checks see a
 * gr_ctx only through grader.h.
 *
 * One context lives through a whole run. run.c resets its per-check part
 * before each check (engine_begin_check); server.c owns the server's fields,
 * client.c the client's. */
#ifndef SOCKLAB_GRADER_ENGINE_CTX_H
#define SOCKLAB_GRADER_ENGINE_CTX_H

#include "engine/engine.h"
#include "os/proc.h"
#include "text/strbuf.h"

/* Time a program gets to exit after SIGTERM, before scaling. */
#define ENGINE_GRACE_MS 1000

/* Most test programs one run builds (testprog.c). */
#define ENGINE_MAX_TEST_BUILDS 8

/* Most command templates one run starts (programs.c). */
#define ENGINE_MAX_PROGRAMS 32

/* A command template of the run, and what prevents it from running ("" when
 * it was looked at and nothing does). */
typedef struct engine_program {
    const char *ep_tmpl;
    char ep_problem[512];
} engine_program;

struct gr_ctx {
    const gr_options *cx_opt;
    const gr_check *cx_check;
    const char *cx_cwd;        /* where the program under test runs */
    const char *cx_server_cmd; /* the lab's server command template, or NULL */
    const char *cx_client_cmd; /* the lab's client command template, or NULL */
    int cx_port;
    long cx_deadline;
    uint64_t cx_rng;

    /* The check's verdict (ctx.c). */
    gr_str cx_headline;
    gr_str cx_details;
    gr_str cx_hint; /* the hint for the cause the check saw, or empty */
    int cx_failed;

    /* The server (server.c). */
    gr_proc cx_server;
    int cx_server_running;  /* cx_server holds a process (maybe exited) */
    int cx_server_started;  /* gr_server_start() succeeded at least once */
    char *cx_server_stderr; /* stderr of the last server, kept for the report */
    size_t cx_server_stderr_len;
    size_t cx_server_stderr_total;
    char cx_startup_failure[512];      /* why the server never listened, for later checks */
    const char *cx_startup_failed_cmd; /* the command template that never listened */
    int cx_server_memory_killed;       /* the last server went over the memory limit */

    /* The programs the run starts (programs.c). */
    engine_program cx_programs[ENGINE_MAX_PROGRAMS];
    size_t cx_nprograms;
    int cx_build_failed; /* the build failed: a missing program was not built */

    /* The test programs built against the submission (testprog.c). */
    struct engine_test_build {
        char *tb_target; /* the make target */
        int tb_rc;       /* 0 built, -1 not */
        char *tb_log;    /* the compiler's output */
    } cx_test_builds[ENGINE_MAX_TEST_BUILDS];
    size_t cx_ntest_builds;

    /* The client (client.c). */
    char *cx_client_stderr; /* stderr of the last client run, for sanitizer reports */
    char *cx_etc_dir;       /* gr_client_hosts()'s files for client runs, or NULL */

    /* docroot.c: the run's document root ({docroot}), made on first use */
    char *cx_docroot_top;     /* its folder (gr_sandbox_public_dir()), or NULL */
    char *cx_docroot;         /* cx_docroot_top/GR_DOCROOT_NAME, or NULL */
    char *cx_docroot_instead; /* gr_docroot_instead()'s path, or NULL */
};

/* @p ms times @p scale, at least 1 and at most an hour. */
int engine_scale_ms(double scale, int ms);

/* Reset the per-check part of @p ctx for @p ck: verdict, seed stream, port,
 * deadline. */
void engine_begin_check(gr_ctx *ctx, const gr_check *ck, int port);

/* Free what the context holds (not the context). */
void engine_ctx_free(gr_ctx *ctx);

/* Replace {port}, {host}, {unix} and {docroot} (with @p docroot, unless
 * NULL) in a command template; malloc'd. */
char *engine_expand(const char *tmpl, const char *host, int port, const char *docroot);

/* Remove the run's document root (docroot.c), if one was made. */
void engine_docroot_free(gr_ctx *ctx);

/* engine_expand() with @p port_words (shell text, "" for nothing) in place
 * of {port}; {unix} still names @p port's socket. */
char *engine_expand_words(const char *tmpl, const char *host, const char *port_words, int port,
                          const char *docroot);

/* Is the program @p pid of the running check ready on @p port, as the
 * check's server would be (listening, or bound: the check's ck_ready), or
 * with GR_ANY_PORT on any port at all (TCP and UDP kinds)? Returns the
 * port, or 0. */
int engine_program_ready(const gr_ctx *ctx, pid_t pid, int port);

/* Run the command @p cmd (expanded) with @p so, feeding it @p input, until it
 * exits, or until it is ready on @p ready_port (when not 0:
 * engine_program_ready(), cr_ready says where), or @p timeout_ms
 * passes; fill @p run (cr_what set by the caller, or NULL: the client).
 * Returns 0 if it ran, or gr_fail()'s value. */
int engine_run_to_exit(gr_ctx *ctx, const char *cmd, const gr_spawn_opts *so, const void *input,
                       size_t ninput, int ready_port, int timeout_ms, gr_client_run *run);

/* Stop the server if one runs, keeping its stderr for the report. */
void engine_server_release(gr_ctx *ctx);

/* After a check: wait a moment for a server that failed it to finish dying,
 * stop it, and describe a crash or a memory kill in @p note (for the report).
 * May record a failure (a memory kill always fails the check). */
void engine_server_after_check(gr_ctx *ctx, char *note, size_t len);

/* Forget the last client run's stderr and the check's hosts file. */
void engine_client_forget(gr_ctx *ctx);

/* Look, before the first check, at every program the plan starts; append
 * "cannot run CMD: WHY" to @p report for each that cannot be started.
 * Returns how many cannot. */
int engine_programs_check(gr_ctx *ctx, const gr_check *const *plan, size_t n, gr_str *report);

/* What prevents the program check @p ck starts from running, or NULL. */
const char *engine_check_problem(gr_ctx *ctx, const gr_check *ck);

/* What prevents the command template @p tmpl from running, or NULL. */
const char *engine_program_problem(gr_ctx *ctx, const char *tmpl);

/* What prevents the program of command @p cmd from running (looked at
 * now, and remembered), or NULL. */
const char *engine_command_problem(gr_ctx *ctx, const char *cmd);

/* The last non-empty line of @p text (@p len bytes) into @p out. */
void engine_last_line(const char *text, size_t len, char *out, size_t cap);

/* A program of command template @p tmpl ended with wait status @p status
 * and stderr @p err: if that was the shell saying it could not start it
 * (126, 127: not found, not executable), later runs of it are not tried. */
void engine_shell_failure(gr_ctx *ctx, const char *tmpl, int status, const char *err, size_t len);

/* The -fsanitize= list the lab's submissions are built with. */
const char *engine_sanitizers(const gr_lab *lab);

/* If the stderr of the server or of the last client holds a sanitizer
 * report, fail the check (if nothing failed it yet) and add the report to
 * its details. Returns 1 if the server's stderr held one. */
int engine_sanitizer_verdict(gr_ctx *ctx);

/* The make command of the run: "make clean; make -k" (@p target NULL), or
 * "make TARGET", with the kit's root and the run's sanitizers; malloc'd. */
char *engine_make_command(const gr_options *opt, const char *target);

/* Forget the test programs built in this run (testprog.c). */
void engine_test_builds_free(gr_ctx *ctx);

/* Build the lab directory @p dir in a scratch copy with make. Returns 0, or
 * -1 with the compiler's output in *log; *workdir is the copy (NULL if none
 * was made). */
int engine_build(const gr_options *opt, const char *dir, char **workdir, char **log,
                 size_t *loglen);

#endif
