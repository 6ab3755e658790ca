/**
 * @file proc.h
 * @brief Running the program under test: spawn, drain its output, stop it.
 *
 * Every program the grader runs (a student's server or client, a build)
 * starts in its own process group, with stdout and stderr connected to pipes
 * that a background thread drains all the time into bounded buffers. So a
 * chatty program never stalls on a full pipe, and a flood never fills memory
 * or disk: only the last bytes of each stream are kept.
 *
 * Stopping sends SIGTERM to the whole group, waits a grace period, sends
 * SIGKILL, and reaps. The grader makes itself a child subreaper at start-up
 * (gr_proc_init()), so descendants that escape the group (a double fork and
 * setsid) are reparented to the grader and killed too: nothing survives.
 */
#ifndef SOCKLAB_GRADER_PROC_H
#define SOCKLAB_GRADER_PROC_H

#include "os/sandbox.h"

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

/** The kept part of one output stream of a child. */
typedef struct gr_capture {
    char *cap_buf;    /**< the last cap_len bytes (not NUL-terminated) */
    size_t cap_len;   /**< bytes kept */
    size_t cap_limit; /**< most bytes kept; older bytes are dropped */
    size_t cap_total; /**< bytes seen in all */
} gr_capture;

/** A child process and its output. Zero-initialise, then gr_proc_spawn(). */
typedef struct gr_proc {
    pid_t pr_pid;            /**< the child; also its process group id; 0 if none */
    int pr_pidfd;            /**< pidfd for waiting with poll(), or -1 */
    int pr_stdin;            /**< write end of the child's stdin, or -1 */
    int pr_out[2];           /**< read ends of stdout, stderr pipes; -1 once at EOF */
    int pr_wake[2];          /**< self-pipe that tells the drain thread to stop */
    pthread_t pr_drain;      /**< drain thread */
    int pr_drain_running;    /**< 1 while the drain thread exists */
    pthread_mutex_t pr_lock; /**< guards pr_cap and pr_eofs */
    pthread_cond_t pr_eof;   /**< signalled when an output stream reaches its end */
    int pr_eofs;             /**< output streams at their end (0 to 2) */
    gr_capture pr_cap[2];    /**< kept stdout [0] and stderr [1] */
    int pr_reaped;           /**< 1 once waitpid() collected the child */
    int pr_status;           /**< its wait status, valid when pr_reaped */
    int pr_killed;           /**< 1 if the grader signalled it (not a crash) */
    long pr_memory_limit;    /**< resident bytes the tree may use (0: unwatched) */
    long pr_memory_peak;     /**< most resident bytes seen (when watched) */
    int pr_memory_killed;    /**< 1 if killed for going over pr_memory_limit */
} gr_proc;

/** Options for gr_proc_spawn(). */
typedef struct gr_spawn_opts {
    const char *so_cwd;         /**< directory to run in, or NULL for the grader's */
    int so_stdin_pipe;          /**< 1: give the child a pipe on stdin (pr_stdin);
                                     0: stdin is /dev/null */
    size_t so_keep_stdout;      /**< bytes of stdout to keep (0: a default of 64 KiB) */
    size_t so_keep_stderr;      /**< bytes of stderr to keep (0: a default of 64 KiB) */
    const gr_limits *so_limits; /**< code under test: limits, the sandbox's user and
                                     private /tmp (see sandbox.h); NULL for the
                                     grader's own helpers (make, cp) */
    const char *so_etc_dir;     /**< NULL, or a directory whose hosts and nsswitch.conf the
                                     child sees as /etc/hosts and /etc/nsswitch.conf (with
                                     so_limits, in a sandbox with private mounts) */
} gr_spawn_opts;

/**
 * @brief Prepare the grader's process for supervising children.
 *
 * Makes the grader a child subreaper and ignores SIGPIPE (the grader writes to
 * sockets and pipes whose other end may vanish). Call once at start-up.
 * @return 0, or -1 with errno set
 */
int gr_proc_init(void);

/**
 * @brief Start `/bin/sh -c CMD` in a new process group.
 * @param p    process to fill in; zero-initialised by the caller
 * @param cmd  shell command line
 * @param opts options, or NULL for the defaults
 * @param err  reason on failure (::SL_ERR_LEN bytes), may be NULL
 * @return 0, or -1 (nothing is left running)
 */
int gr_proc_spawn(gr_proc *p, const char *cmd, const gr_spawn_opts *opts, char *err);

/**
 * @brief Has the child exited? Reaps it if so, without blocking.
 * @return 1 if it has exited (pr_status is valid), 0 if it is still running
 */
int gr_proc_exited(gr_proc *p);

/**
 * @brief Wait up to @p timeout_ms for the child to exit.
 * @return 1 if it exited, 0 on timeout
 */
int gr_proc_wait(gr_proc *p, int timeout_ms);

/**
 * @brief Wait up to @p timeout_ms for the child to exit, or for @p fd to be readable.
 * @return 1 if the child exited, 2 if @p fd became readable, 0 on timeout
 */
int gr_proc_wait_fd(gr_proc *p, int fd, int timeout_ms);

/**
 * @brief Stop the child and everything it started, then release all resources.
 *
 * SIGTERM to the process group, up to @p grace_ms to exit, then SIGKILL to the
 * group and to any descendant that left it; reaps them all, stops the drain
 * thread, closes the pipes. The captured output stays readable until
 * gr_proc_free(). Safe to call on a child that already exited, and twice.
 */
void gr_proc_stop(gr_proc *p, int grace_ms);

/**
 * @brief Wait until the child's stdout and stderr have reached their end,
 *        so that gr_proc_output() has everything it wrote (after it exited:
 *        its last words may still be in the pipes).
 * @return 1 when both ended, 0 at the timeout (a grandchild may hold them)
 */
int gr_proc_wait_output(gr_proc *p, int timeout_ms);

/** @brief Release the captured output (after gr_proc_stop()). */
void gr_proc_free(gr_proc *p);

/**
 * @brief Copy what was kept of stdout (stream 0) or stderr (stream 1).
 * @param p      the process
 * @param stream 0 or 1
 * @param len    set to the number of bytes
 * @param total  if not NULL, set to the number of bytes seen in all
 * @return a malloc'd copy, NUL-terminated for convenience (free() it), or NULL
 *         when out of memory
 */
char *gr_proc_output(gr_proc *p, int stream, size_t *len, size_t *total);

/**
 * @brief Describe a wait status: "exited with status 1",
 *        "was killed by signal 11 (SIGSEGV, Segmentation fault)".
 * @param status a status from waitpid()
 * @param buf    output buffer
 * @param len    its size
 * @return @p buf
 */
const char *gr_proc_describe(int status, char *buf, size_t len);

/**
 * @brief Kill and reap every remaining child of the grader process.
 *
 * The grader is a subreaper, so orphans of a student's program become its
 * children; this removes them.
 * @return the number of processes killed
 */
int gr_proc_reap_orphans(void);

#endif
