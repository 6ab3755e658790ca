/**
 * @file grader.h
 * @brief The interface between the grading engine and the checks of each lab.
 *
 * A lab's checks live in its folder (grader/labs/NN-name/) as one table of
 * ::gr_check, each with a name, the guide step it belongs to, points, a
 * deadline and a hint that names the concept. The engine runs them in
 * order. For a server check it first starts the program under test on a
 * fresh port and waits until it listens; afterwards it stops it, so checks
 * never share a server. A check function talks to the server (kit/conn.h),
 * or runs the student's client against the grader's own fake server
 * (peers/), and returns 0 for pass or the value of gr_fail() for fail. Check
 * files include kit/kit.h, which brings this header and the rest of the kit.
 *
 * Everything a check needs comes through its ::gr_ctx: the port, a random
 * generator seeded from the run's seed (so a replay sends the same bytes),
 * deadlines scaled for slow machines, and the output a student will read.
 */
#ifndef SOCKLAB_GRADER_GRADER_H
#define SOCKLAB_GRADER_GRADER_H

#include "os/clock.h"
#include "text/strbuf.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Per-check context, owned by the engine. */
typedef struct gr_ctx gr_ctx;

/** What a check exercises. */
typedef enum gr_kind {
    GR_SERVER, /**< the student's server, started by the engine before the check */
    GR_CLIENT, /**< the student's client, run by the check itself */
    GR_SOURCE  /**< the submission's source: the check builds a test program of the
                    lab's against it (gr_test_build()) and runs it; it needs the
                    source, so a --server or --client run leaves it out */
} gr_kind;

/** Check flag: the check starts and stops the server itself (gr_server_start()). */
#define GR_OWN_SERVER 0x1u
/** Check flag: a hidden check; every check in a lab's hidden table carries it. */
#define GR_HIDDEN 0x2u

/**
 * One of a lab's programs that some of its checks start, in a lab with
 * several servers (lab 05 grades one on select(), one on poll(), one on
 * epoll). A check names it in ck_program; a --server command stands for
 * every program of the lab.
 */
typedef struct gr_program {
    const char *pg_cmd; /**< its command, e.g. "./echo_select {port}" */
    const void *pg_arg; /**< what its checks need to know of it (gr_arg()), or NULL */
} gr_program;

/** gr_check::ck_ready: as the lab says (lab_udp). */
#define GR_READY_LAB 0
/** gr_check::ck_ready: a TCP socket listens on the port. */
#define GR_READY_TCP 1
/** gr_check::ck_ready: a UDP socket is bound to the port. */
#define GR_READY_UDP 2
/** gr_check::ck_ready: a Unix stream socket listens on the name {unix} stands for. */
#define GR_READY_UNIX_STREAM 3
/** gr_check::ck_ready: a Unix datagram socket is bound to the name {unix} stands for. */
#define GR_READY_UNIX_DGRAM 4

/**
 * What {unix} in a command becomes, with the check's port: an abstract Unix
 * socket name (Linux), written as /proc/net/unix shows it. A program binds
 * it with sun_path[0] = '\0' and the rest of the name after it; it is no
 * file, so no directory needs to be writable and nothing is left behind.
 * In a --server command, {args} becomes the command line of the check's
 * own program (the lab's server for a check that names none), its name
 * without "./" (e.g. "tcp_echo --strategy fork 5000"),
 * so that one command in any language can stand for all of a lab's
 * programs and their options.
 */
#define GR_UNIX_NAME "@socklab-%d"

/**
 * One check: one property of the program under test. Write a lab's table
 * with designated initialisers, so that a row reads by field name; fields
 * left out are 0 or NULL.
 */
typedef struct gr_check {
    const char *ck_name;          /**< unique in the lab: lowercase words and dashes */
    int ck_step;                  /**< the guide step it belongs to */
    gr_kind ck_kind;              /**< server or client check */
    int ck_points;                /**< points when it passes */
    int ck_deadline_ms;           /**< time allowed, before scaling */
    unsigned ck_flags;            /**< GR_OWN_SERVER, ... */
    const char *ck_summary;       /**< one line: what is checked */
    const char *ck_hint;          /**< shown on failure: the concept, and where to look */
    int (*ck_run)(gr_ctx *ctx);   /**< returns 0 (pass) or gr_fail()'s value */
    const gr_program *ck_program; /**< the server it starts, or NULL: the lab's
                                       (lab_server_cmd) */
    const void *ck_arg;           /**< the check's own argument (gr_arg()), or NULL: one
                                       function serves several rows */
    const char *ck_topic;         /**< a hidden check: what it is about, shown to students
                                       (who do not see the check) so that they know what
                                       to test; NULL for a visible check */
    long ck_max_files;            /**< open-file limit (RLIMIT_NOFILE) of its server, or 0:
                                       the default (4096). Where the grader cannot raise its
                                       own hard limit the server gets that instead; a check
                                       reads what it got with gr_procfs_max_files() and
                                       scales itself. */
    int ck_ready;                 /**< how the engine knows its server is ready:
                                       GR_READY_LAB (0), or a GR_READY_* of its own, in a
                                       lab whose programs serve different families */
} gr_check;

/**
 * A table of checks kept apart from a lab's main list: its hidden checks.
 *
 * Hidden checks live in their own file (labNN_hidden.c), which the students'
 * hand-out leaves out. Students' runs only say that hidden checks exist;
 * instructors' runs (--instructor, --batch) run them too.
 */
typedef struct gr_check_table {
    const gr_check *ct_checks; /**< the checks */
    size_t ct_n;               /**< how many */
} gr_check_table;

/** One lab, as the engine sees it. */
typedef struct gr_lab {
    const char *lab_id;               /**< "01" */
    const char *lab_name;             /**< "tcp-echo" */
    const char *lab_title;            /**< "TCP echo" */
    const char *lab_server_cmd;       /**< e.g. "./echo_server {port}", or NULL */
    const char *lab_client_cmd;       /**< e.g. "./echo_client {host} {port}", or NULL */
    const char *const *lab_steps;     /**< step titles; [0] unused, [N] is step N */
    size_t lab_nsteps;                /**< highest step number */
    const gr_check *lab_checks;       /**< the checks, in the order they run */
    size_t lab_nchecks;               /**< how many */
    const gr_check_table *lab_hidden; /**< hidden checks, run after the others; NULL
                                           when their file is not in this copy */
    int lab_udp;                      /**< 1: the server is ready when a UDP socket is
                                           bound to the port (0: when a TCP socket
                                           listens on it) */
    int lab_quiet_ms;                 /**< how long its conversations may go quiet before
                                           a check gives up (gr_quiet_ms()), or 0: the
                                           kit's default */
    const char *lab_sanitize;         /**< NULL, or the -fsanitize= list submissions are
                                           built with instead of "address,undefined"
                                           (e.g. "thread,undefined": ThreadSanitizer
                                           and AddressSanitizer do not combine) */
    const char *lab_sibling;          /**< NULL, or the folder of another lab that the
                                           build takes from beside the graded copy
                                           ("07-socketserver": lab 08's Makefile has
                                           SOCKETSERVER ?= ../07-socketserver); the
                                           build copies it beside its scratch copy */
    int (*lab_docroot)(gr_ctx *ctx, const char *top); /**< NULL, or what fills the
                                           folder {docroot} stands for (gr_docroot()):
                                           it makes @p top/GR_DOCROOT_NAME and what
                                           the checks fetch, in and beside it;
                                           returns 0, or gr_fail()'s value */
} gr_lab;

/** The document root's name inside the folder a lab's lab_docroot fills. */
#define GR_DOCROOT_NAME "www"

/** Every lab the grader knows, in order; ends with NULL. */
extern const gr_lab *const gr_labs[];

/* ---- time ---------------------------------------------------------------- */

/**
 * @brief Scale a duration by SOCKLAB_TIMEOUT_SCALE (slow machines, valgrind).
 * @return @p ms times the scale, at least 1
 */
int gr_ms(const gr_ctx *ctx, int ms);

/** @brief The check's absolute deadline, on the gr_now_ms() clock. */
long gr_deadline(const gr_ctx *ctx);

/* ---- the running check ----------------------------------------------------- */

/**
 * @brief The running check's argument: its ck_arg, or when that is NULL its
 *        program's pg_arg; NULL when neither is set.
 */
const void *gr_arg(const gr_ctx *ctx);

/** @brief The lab being graded. */
const gr_lab *gr_lab_of(const gr_ctx *ctx);

/* ---- files the server under test serves ------------------------------------ */

/**
 * @brief The folder a server command's {docroot} stands for: made and
 *        filled (the lab's lab_docroot) the first time a check asks for it,
 *        the same for every later check of the run, removed at its end.
 *        It sits in a folder of its own (gr_docroot_top()), world-readable
 *        and owned by the grader: the server reads it, and changes nothing.
 * @return its path, or NULL with the reason recorded (gr_fail())
 */
const char *gr_docroot(gr_ctx *ctx);

/**
 * @brief What {docroot} stands for in the commands the check runs from now
 *        on (gr_server_run_args()), in place of gr_docroot(): for the rules
 *        on a bad DOCROOT (a file, a missing path). NULL: gr_docroot() again.
 *        The engine forgets it when the check ends.
 * @return 0, or gr_fail()'s value if out of memory
 */
int gr_docroot_instead(gr_ctx *ctx, const char *path);

/** @brief The folder around gr_docroot() (NULL before it was made). */
const char *gr_docroot_top(const gr_ctx *ctx);

/* ---- the run's seed -------------------------------------------------------- */

/** @brief Next 64 random bits of this check's stream (derived from --seed). */
uint64_t gr_random(gr_ctx *ctx);

/** @brief A random number in [0, n). */
size_t gr_random_below(gr_ctx *ctx, size_t n);

/** @brief Fill @p buf with @p n random bytes (every value 0..255 possible). */
void gr_random_bytes(gr_ctx *ctx, void *buf, size_t n);

/**
 * @brief Fill @p buf with @p n bytes of readable text: lowercase words,
 *        spaces and punctuation, no newline.
 */
void gr_random_text(gr_ctx *ctx, char *buf, size_t n);

/* ---- reporting ------------------------------------------------------------- */

/**
 * @brief Record why the check failed.
 *
 * The first call gives the headline shown after FAIL; each later call adds a
 * line of detail. Returns -1 so a check can `return gr_fail(ctx, ...)`.
 */
int gr_fail(gr_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * @brief The hint for the cause this check saw, when it can tell causes
 *        apart from what it saw (the reply stopped at a NUL byte: a C string;
 *        replies cut at recv()-sized pieces: one recv() taken for a message).
 *
 * Shown instead of the check's general hint (ck_hint) if the check fails.
 * Like ck_hint: the concept first, then what it means in C and in Python.
 * The last call wins.
 */
void gr_hint(gr_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** @brief Has gr_fail() been called in this check? */
int gr_failed(const gr_ctx *ctx);

/** @brief The running check's failure headline so far, "" if none (so a
 *         hint can follow the reason a kit function gave). */
const char *gr_headline(const gr_ctx *ctx);

/**
 * @brief Where a check appends detail (transcripts, figures) for its report.
 *
 * Shown to the student when the check fails, and with --verbose always.
 */
gr_str *gr_details(gr_ctx *ctx);

/** @brief Print a progress note with --verbose (not part of the report). */
void gr_verbose(gr_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the program under test ------------------------------------------------ */

/** @brief The host the server under test is reached at: "127.0.0.1". */
const char *gr_host(const gr_ctx *ctx);

/** @brief The port the server under test was told to listen on. */
int gr_port(const gr_ctx *ctx);

/**
 * @brief The directory the program under test runs in (its working directory):
 *        the scratch copy of the lab, or "." (the grader's own directory) for
 *        a --server or --client command. Checks find the files a server wrote
 *        under it.
 */
const char *gr_server_dir(const gr_ctx *ctx);

/**
 * @brief Process id of the running server (the top of its process tree), or 0.
 */
pid_t gr_server_pid(const gr_ctx *ctx);

/**
 * @brief Start the server on gr_port() and wait until it listens.
 *
 * The engine does this before every server check; a check flagged
 * ::GR_OWN_SERVER calls it itself, e.g. to restart the server.
 * @return 0, or gr_fail()'s value with the reason recorded
 */
int gr_server_start(gr_ctx *ctx);

/**
 * @brief Stop the server: SIGTERM, a grace period, SIGKILL, reap.
 * @return 0 if it was still running when asked to stop, or gr_fail()'s value
 *         if it had already died (the report says how)
 */
int gr_server_stop(gr_ctx *ctx);

/**
 * @brief Is the server still running? If not, record how it ended as a failure.
 * @return 0 if running, else gr_fail()'s value
 */
int gr_server_check_alive(gr_ctx *ctx);

/**
 * @brief Did the server end during the check, and how? For a hint that
 *        follows the cause (killed by SIGPIPE, or exited after one client's
 *        error). Waits up to @p wait_ms (scaled) for a server on its way out:
 *        a dying process closes its sockets a moment before it can be reaped.
 * @param ctx     the check
 * @param wait_ms how long to wait for it to end
 * @param signo   set to the signal that killed it (also when a shell reports
 *                that as status 128 + N), else 0
 * @param status  set to its exit status when it exited by itself, else -1
 * @return 1 if it has ended, 0 if it still runs (or none was started)
 */
int gr_server_ended(gr_ctx *ctx, int wait_ms, int *signo, int *status);

/** What a run of the student's client did. */
typedef struct gr_client_run {
    int cr_status;        /**< wait status, valid unless cr_timed_out */
    int cr_timed_out;     /**< 1 if it was still running at the deadline (then killed) */
    char *cr_stdout;      /**< everything it printed on stdout (NUL-terminated copy) */
    size_t cr_stdout_len; /**< its length */
    char *cr_stderr;      /**< the last 64 KiB of its stderr */
    size_t cr_stderr_len; /**< its length */
    long cr_ms;           /**< how long it ran */
    const char *cr_what;  /**< what it is, for gr_client_describe(): NULL, "the
                               client"; gr_test_run() says "the test program",
                               gr_server_run_args() "the server" */
    int cr_ready;         /**< the port it was stopped on once ready there
                               (gr_server_run_args()), or 0 */
} gr_client_run;

/**
 * @brief Run the lab's client against @p port and wait for it to exit.
 * @param ctx      the check
 * @param port     port to put in place of {port}; {host} becomes gr_host()
 * @param input    bytes for its stdin, closed after them
 * @param ninput   their count
 * @param timeout_ms time allowed (scaled by the caller with gr_ms())
 * @param run      filled in; release with gr_client_run_free()
 * @return 0 if the client ran (whatever it did), or gr_fail()'s value if it
 *         could not be started
 */
int gr_client_start_and_wait(gr_ctx *ctx, int port, const void *input, size_t ninput,
                             int timeout_ms, gr_client_run *run);

/**
 * @brief Run the check's server program with a port argument of the check's
 *        choosing, and wait for it to exit: for the rules on how a server
 *        starts (a bad PORT is a usage error, a port in use an error).
 *
 * The program is the one gr_server_start() would start (the check's
 * ck_program, the lab's server, or the --server command, with {args},
 * {host} and {unix} as there), run in the same sandbox with the same
 * limits, but {port} becomes @p port_words, and the run is a client's: its
 * status, stdout and stderr come back in @p run (cr_what "the server").
 * The command line goes into the check's details.
 * @param ctx        the check
 * @param port_words shell text in place of {port}, quoted by the caller
 *                   (gr_str_add_word()): "'80x'", "''" (an empty argument),
 *                   "" (the argument left out), "9000 extra"
 * @param ready_port > 0: stop it as soon as it is ready on that port (listens,
 *                   or for a UDP program is bound), and say so in cr_ready: a
 *                   probe that must be accepted; ::GR_ANY_PORT: as soon as it
 *                   listens (is bound) on any port, a probe that must make it
 *                   exit (a TCP or UDP program); 0: wait for it to exit
 * @param timeout_ms time allowed (scaled by the caller with gr_ms())
 * @param run        filled in; release with gr_client_run_free()
 * @return 0 if it ran, or gr_fail()'s value if it could not be started
 */
int gr_server_run_args(gr_ctx *ctx, const char *port_words, int ready_port, int timeout_ms,
                       gr_client_run *run);

/** gr_server_run_args()'s ready_port: ready on whatever port it listens on. */
#define GR_ANY_PORT (-1)

/**
 * @brief Run one of the lab's client programs with arguments, and wait for it.
 *
 * For labs with several client programs that take more than {host} and
 * {port} (lab 04's hostinfo, sockopts, portscan). A --client 'CMD' run puts
 * CMD in place of @p program, so one program at a time is graded that way
 * (with --only). The command line goes into the check's details.
 * @param ctx        the check
 * @param program    the program as the lab ships it, e.g. "./portscan"
 * @param args       its arguments, already shell-quoted (gr_str_add_word())
 * @param timeout_ms time allowed (scaled by the caller with gr_ms())
 * @param run        filled in; release with gr_client_run_free()
 * @return 0 if the client ran, or gr_fail()'s value if it could not be started
 */
int gr_client_run_args(gr_ctx *ctx, const char *program, const char *args, int timeout_ms,
                       gr_client_run *run);

/**
 * @brief Give the client programs this check runs a resolver of their own:
 *        @p hosts_text as /etc/hosts, and an nsswitch.conf that reads only
 *        that file (no DNS), so that every name lookup has an answer the
 *        check knows. Undone when the check ends.
 * @return 1 if later client runs will see them; 0 if this sandbox cannot
 *         (no private mounts: not root), and they see the real files
 */
int gr_client_hosts(gr_ctx *ctx, const char *hosts_text);

/**
 * @brief What the running server has printed so far (the last 64 KiB).
 * @param ctx    the check
 * @param stream 0 for stdout, 1 for stderr
 * @param len    set to the length
 * @return a NUL-terminated copy to free(), or NULL if no server runs
 */
char *gr_server_output(gr_ctx *ctx, int stream, size_t *len);

/* ---- a test program built against the submission --------------------------- */

/**
 * @brief Build one of the lab's test programs against the submission's
 *        source: `make TARGET` in the copy being graded, with the
 *        sanitizers the run builds with (a ::GR_SOURCE check). A run builds
 *        each target once; a later call gives the first call's answer.
 * @return 0, or gr_fail()'s value with the compiler's output in the details
 */
int gr_test_build(gr_ctx *ctx, const char *target);

/**
 * @brief Run a test program built by gr_test_build(): the shell command
 *        @p cmd (e.g. "SOCKLAB_SUITE=api-echo ./test_socketserver") in the
 *        copy being graded, in the sandbox, until it exits or @p timeout_ms
 *        (scaled by the caller) passes. Its stderr is looked at for
 *        sanitizer reports, as a client's is.
 * @return 0 if it ran (whatever it did), or gr_fail()'s value
 */
int gr_test_run(gr_ctx *ctx, const char *cmd, int timeout_ms, gr_client_run *run);

/** @brief Free the buffers of a client run. */
void gr_client_run_free(gr_client_run *run);

/**
 * @brief Append a short description of a client's run to the check's details:
 *        how it ended and the tail of its stderr.
 */
void gr_client_describe(gr_ctx *ctx, const gr_client_run *run);

#endif
