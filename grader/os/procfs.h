/**
 * @file procfs.h
 * @brief Looking inside the server under test through /proc.
 *
 * Architecture is checked by behaviour, and behaviour includes what the
 * kernel knows about a process: how many files it holds open, how many
 * threads and child processes it has, how much CPU time it has used, whether
 * its sockets are non-blocking, whether it holds an epoll descriptor. All of
 * it is read from /proc, for one process or summed over a process tree (the
 * server may be a shell script that runs the real server, or fork workers).
 *
 * Functions return -1 with errno set when the process is gone or /proc
 * cannot be read.
 */
#ifndef SOCKLAB_GRADER_PROCFS_H
#define SOCKLAB_GRADER_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

/** Most processes gr_procfs_tree() reports. */
#define GR_PROCFS_MAX_TREE 4096

/**
 * @brief List @p root and all its descendants.
 * @param root the top of the tree
 * @param out  array to fill, @p root first
 * @param max  room in @p out
 * @return number of processes stored, or -1 if @p root does not exist
 */
int gr_procfs_tree(pid_t root, pid_t *out, size_t max);

/** @brief Number of open file descriptors of one process, or -1. */
int gr_procfs_fd_count(pid_t pid);

/** @brief Number of threads of one process, or -1. */
int gr_procfs_threads(pid_t pid);

/**
 * @brief The state letter of one process's main thread (/proc/PID/stat):
 *        'R' running, 'S' asleep, waiting for something, 'Z' a zombie...
 * @return the letter, or -1 if the process is gone
 */
int gr_procfs_state(pid_t pid);

/**
 * @brief Is one process on its way out: its main thread exiting (a fatal
 *        signal taken, exit() called) or already a zombie? A big process
 *        (many threads, a sanitizer's shadow memory) may take hundreds of
 *        milliseconds to be torn down, its descriptors open until the end.
 * @return 1 if so, 0 if not, -1 if it is gone
 */
int gr_procfs_exiting(pid_t pid);

/**
 * @brief Where one process's main thread sleeps in the kernel
 *        (/proc/PID/wchan): "inet_csk_accept" (in accept()),
 *        "poll_schedule_timeout" (poll() or select()), "do_epoll_wait", a
 *        name with "futex" (a lock, a condition variable, a join),
 *        "do_wait" (waitpid())... The names are the kernel's own and vary
 *        between versions: look for a part of them.
 * @param pid the process
 * @param buf filled with the name, or "" when the thread runs or the
 *            kernel does not say
 * @param len room in @p buf
 * @return 0, or -1 if the process is gone or its wchan cannot be read
 *         (another user's process)
 */
int gr_procfs_wchan(pid_t pid, char *buf, size_t len);

/**
 * @brief Does one process's main thread block signal @p sig now
 *        (/proc/PID/status, SigBlk)? A thread in a signal handler blocks
 *        that signal until the handler returns (unless SA_NODEFER), so this
 *        tells a thread stuck in its handler from one stuck elsewhere.
 * @return 1 if it does, 0 if not, -1 if the process is gone
 */
int gr_procfs_blocks_signal(pid_t pid, int sig);

/**
 * @brief Does one process hold capability @p cap (CAP_DAC_OVERRIDE, ...) in
 *        its effective set now (/proc/PID/status, CapEff)? Root has them
 *        all, and so has root in a user namespace over the files of the
 *        users mapped into it.
 * @return 1 if it does, 0 if not, -1 if the process is gone
 */
int gr_procfs_has_cap(pid_t pid, int cap);

/**
 * @brief CPU time (user + system) used by one process so far.
 * @return milliseconds, or -1
 */
long gr_procfs_cpu_ms(pid_t pid);

/**
 * @brief The soft limit on open files (RLIMIT_NOFILE) of one process, from
 *        /proc/PID/limits.
 * @return the limit, LONG_MAX when unlimited, or -1
 */
long gr_procfs_max_files(pid_t pid);

/** Totals over a process tree. */
typedef struct gr_tree_stats {
    int ts_processes; /**< processes in the tree, the root included */
    int ts_threads;   /**< threads in all of them */
    int ts_fds;       /**< open file descriptors in all of them */
    int ts_sockets;   /**< of those, sockets */
    long ts_cpu_ms;   /**< CPU time of the live processes */
    long ts_rss_kb;   /**< resident memory of the live processes, KiB */
    int ts_zombies;   /**< of the processes, zombies: exited, not yet reaped by
                           their parent (waitpid) */
} gr_tree_stats;

/**
 * @brief Add up processes, threads, fds, sockets and CPU time under @p root.
 * @return 0, or -1 if @p root is gone
 */
int gr_procfs_tree_stats(pid_t root, gr_tree_stats *st);

/** What /proc says about one open file descriptor. */
typedef struct gr_fdinfo {
    int fi_fd;          /**< the descriptor number */
    char fi_target[64]; /**< readlink of /proc/PID/fd/N: "socket:[1234]",
                             "anon_inode:[eventpoll]", "/dev/null", ... */
    unsigned fi_flags;  /**< open flags from fdinfo (O_NONBLOCK etc.) */
} gr_fdinfo;

/**
 * @brief Describe the open descriptors of one process.
 * @param pid process
 * @param out array to fill
 * @param max its room
 * @return number stored (at most @p max), or -1
 */
int gr_procfs_fds(pid_t pid, gr_fdinfo *out, size_t max);

/**
 * @brief Is some socket listening on TCP @p port (IPv4 or IPv6, any address)?
 *
 * Reads /proc/net/tcp and /proc/net/tcp6 of the grader's network namespace.
 * This is how the grader knows a server is ready without connecting to it
 * (a connection would use up a server that serves one client and exits).
 * @return 1 if listening, 0 if not, -1 if neither file can be read
 */
int gr_procfs_tcp_listening(int port);

/**
 * @brief Is some UDP socket bound to @p port (IPv4 or IPv6, any address)?
 *
 * Reads /proc/net/udp and /proc/net/udp6 of the grader's network namespace.
 * UDP has no listening state: a bound socket, connected or not, is all a
 * datagram server needs, so this is how the grader knows a UDP server is
 * ready without sending it anything.
 * @return 1 if bound, 0 if not, -1 if neither file can be read
 */
int gr_procfs_udp_bound(int port);

/**
 * @brief On which port does a socket of @p root's process tree listen (TCP)
 *        or stand bound (UDP, @p udp)? A server that was told a bad port
 *        and serves anyway shows here, whatever port it took.
 *
 * Matches the sockets of the tree's descriptors (/proc/PID/fd) with the
 * entries of /proc/net/tcp{,6} in state LISTEN (or /proc/net/udp{,6}
 * with a port) by inode. The caller's own sockets are left out: a child
 * holds them from fork() until exec() closes them.
 * @return the first such port, 0 if there is none, -1 if /proc cannot say
 */
int gr_procfs_tree_port(pid_t root, int udp);

/**
 * @brief Is a Unix domain socket bound to @p path (an abstract name written
 *        "@name", as /proc/net/unix shows it), and listening if @p want_listen?
 *
 * Reads /proc/net/unix of the grader's network namespace (abstract names
 * belong to it), so the grader knows a Unix-socket server is ready.
 * @return 1 if so, 0 if not, -1 if the file cannot be read
 */
int gr_procfs_unix_bound(const char *path, int want_listen);

#endif
