/**
 * @file sandbox.h
 * @brief Containing the code under test: a private network, limits, a scratch directory.
 *
 * The grader runs code nobody has reviewed, often a whole class's worth on a
 * shared machine. Each grading run therefore gets:
 * - its own network namespace with only loopback up (as root, or through an
 *   unprivileged user namespace where the system allows it), so runs never
 *   collide on ports and student code reaches nothing outside. Where neither
 *   is possible the grader says so once and uses the shared loopback with
 *   free ports;
 * - resource limits on every student process: CPU time, open files, number
 *   of processes, file size, no core dumps; memory is bounded by watching the
 *   process tree's resident size (RLIMIT_AS and AddressSanitizer do not mix);
 * - an unprivileged user when the grader runs as root, a private /tmp, and a
 *   scratch copy of the submission as its only writable directory.
 */
#ifndef SOCKLAB_GRADER_SANDBOX_H
#define SOCKLAB_GRADER_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

/** How a grading run is contained. */
typedef struct gr_sandbox {
    int sb_netns;          /**< 1 if the run has its own network namespace */
    int sb_userns;         /**< 1 if that took an unprivileged user namespace */
    int sb_drop_user;      /**< 1 if student processes run as sb_uid/sb_gid */
    uid_t sb_uid;          /**< user for student processes */
    gid_t sb_gid;          /**< group for student processes */
    int sb_private_tmp;    /**< 1 if student processes get their own /tmp */
    long sb_user_procs;    /**< processes the grader's user had at start (RLIMIT_NPROC
                                counts them too when student code keeps that user) */
    char sb_note[256];     /**< what could not be done, said once; "" if all was */
    int sb_private_mounts; /**< 1 if student processes may get a mount namespace of
                                their own (root, or a user namespace), whether or not
                                /tmp is private in it */
} gr_sandbox;

/** Limits applied to each student process (0 leaves a limit alone). */
typedef struct gr_limits {
    long lim_cpu_seconds;  /**< RLIMIT_CPU */
    long lim_files;        /**< RLIMIT_NOFILE */
    long lim_processes;    /**< RLIMIT_NPROC, counted per user */
    long lim_file_bytes;   /**< RLIMIT_FSIZE */
    long lim_memory_bytes; /**< resident memory of the whole process tree (watched) */
} gr_limits;

/** The limits bin/grade uses unless told otherwise. */
extern const gr_limits gr_default_limits;

/** The uids of sandboxed runs (when the grader is root): one per run, from
 *  GR_SANDBOX_UID_BASE on, GR_SANDBOX_UIDS of them. */
#define GR_SANDBOX_UID_BASE 61000
/** How many uids sandboxed runs pick from. */
#define GR_SANDBOX_UIDS 4000
/** Where each run holds a lock on a file named after its uid, so that no
 *  two runs share one: first pick GR_SANDBOX_UID_BASE + pid % GR_SANDBOX_UIDS. */
#define GR_SANDBOX_UID_LOCKS "/tmp/.socklab-uids"

/**
 * @brief Isolate this grading run. Call once, early, while single-threaded.
 * @param sb      filled in with what was achieved
 * @param enable  0 to skip everything (--no-sandbox): shared loopback, no user change
 * @return 0 (the run can go on, isolated or not; sb_note says what is missing)
 */
int gr_sandbox_init(gr_sandbox *sb, int enable);

/**
 * @brief Can an unprivileged user reach @p path (every directory on the way
 *        searchable by others)?
 * @return 1 or 0
 */
int gr_sandbox_reachable(const char *path);

/**
 * @brief Give student processes the shared /tmp after all, e.g. because the
 *        command to grade runs from a directory under /tmp, which a private
 *        /tmp would hide. Call before spawning.
 */
void gr_sandbox_shared_tmp(void);

/**
 * @brief Run student processes as the grader's own user after all, e.g.
 *        because the command to grade lives where a dropped user cannot
 *        reach it. Call before spawning.
 */
void gr_sandbox_keep_user(void);

/** @brief The run's sandbox, as gr_sandbox_init() left it (for spawning). */
const gr_sandbox *gr_sandbox_current(void);

/**
 * @brief In a freshly forked child, before exec: apply @p lim and the
 *        sandbox's user, group and private /tmp. Uses only system calls.
 * @param sb      the run's sandbox
 * @param lim     limits to apply, or NULL
 * @param etc_dir NULL, or a directory with files "hosts" and "nsswitch.conf"
 *                to mount over /etc's (needs sb_private_mounts)
 * @return 0, or -1 with errno set (the child should then _exit)
 */
int gr_sandbox_enter_child(const gr_sandbox *sb, const gr_limits *lim, const char *etc_dir);

/**
 * @brief Can a child see its own /etc/hosts and /etc/nsswitch.conf from
 *        @p etc_dir? Tries it in a short-lived child.
 * @return 1 or 0
 */
int gr_sandbox_can_bind_etc(const gr_sandbox *sb, const char *etc_dir);

/**
 * @brief Make a scratch directory for one submission, writable by the
 *        sandbox user, and copy @p src into it.
 * @param src   directory to copy
 * @param out   set to the malloc'd path of the copy
 * @param err   reason on failure (::SL_ERR_LEN bytes), may be NULL
 * @return 0, or -1
 */
int gr_sandbox_scratch_copy(const char *src, char **out, char *err);

/**
 * @brief Copy @p src beside the scratch copy @p work (made by
 *        gr_sandbox_scratch_copy()), under its own name, owned like it:
 *        a lab whose Makefile takes a sibling lab's folder (lab 08's
 *        SOCKETSERVER ?= ../07-socketserver) finds it where it looks.
 * @return 0, or -1 with the reason in @p err
 */
int gr_sandbox_scratch_sibling(const char *work, const char *src, char *err);

/**
 * @brief Make a directory for files the grader serves to the code under
 *        test (lab 08's document root): world-readable, owned by the grader,
 *        so that the sandbox user reads it and cannot change it.
 * @param out set to its malloc'd path; remove it with gr_sandbox_scratch_remove()
 * @param err reason on failure (::SL_ERR_LEN bytes), may be NULL
 * @return 0, or -1 with the reason in @p err
 */
int gr_sandbox_public_dir(char **out, char *err);

/**
 * @brief Give this run's user what earlier runs' users left in @p dir.
 *
 * Each run has a user of its own; a directory one run's server made (lab
 * 02's received/, say) would refuse the next run's server. Every entry of
 * @p dir owned by another run's user, and everything under it, is given to
 * this run's user, so that grading twice in a row gives the same verdict.
 * Nothing else is walked into. Does nothing unless student code runs as a
 * user of its own.
 * @return the number of entries given over, or -1 if @p dir cannot be read
 */
int gr_sandbox_adopt_leftovers(const char *dir);

/** @brief Remove a scratch directory made by gr_sandbox_scratch_copy(). */
void gr_sandbox_scratch_remove(const char *path);

#endif
