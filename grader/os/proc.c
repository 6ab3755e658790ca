/* proc.c - run, watch and stop the programs under test (see proc.h). */
#include "os/proc.h"

#include "os/clock.h"

#include "err.h"
#include "os/procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_KEEP (64 * 1024)

int gr_proc_init(void)
{
    /* Orphans of the programs we run become our children, so we can kill them. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* Append to a capture, keeping only the newest cap_limit bytes. */
static void capture_add(gr_capture *c, const char *p, size_t n)
{
    c->cap_total += n;
    if (n >= c->cap_limit) {
        p += n - c->cap_limit;
        n = c->cap_limit;
        c->cap_len = 0;
    } else if (c->cap_len + n > c->cap_limit) {
        size_t drop = c->cap_len + n - c->cap_limit;
        memmove(c->cap_buf, c->cap_buf + drop, c->cap_len - drop);
        c->cap_len -= drop;
    }
    memcpy(c->cap_buf + c->cap_len, p, n);
    c->cap_len += n;
}

/* Read whatever is available on stream i. Returns 0 at EOF, 1 otherwise. */
static int drain_once(gr_proc *p, int i)
{
    char chunk[65536];
    for (;;) {
        ssize_t got = read(p->pr_out[i], chunk, sizeof chunk);
        if (got > 0) {
            pthread_mutex_lock(&p->pr_lock);
            capture_add(&p->pr_cap[i], chunk, (size_t)got);
            pthread_mutex_unlock(&p->pr_lock);
            continue;
        }
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0 && errno == EAGAIN) {
            return 1;
        }
        return 0; /* EOF, or an error we cannot do anything about */
    }
}

/* Kill the tree if its resident memory is over the limit. RLIMIT_AS would
 * be simpler, but AddressSanitizer reserves terabytes of address space, so
 * memory is bounded by watching instead. */
static void watch_memory(gr_proc *p)
{
    gr_tree_stats st;
    if (p->pr_memory_limit <= 0 || gr_procfs_tree_stats(p->pr_pid, &st) < 0) {
        return;
    }
    long bytes = st.ts_rss_kb * 1024L;
    pthread_mutex_lock(&p->pr_lock);
    if (bytes > p->pr_memory_peak) {
        p->pr_memory_peak = bytes;
    }
    int over = bytes > p->pr_memory_limit && !p->pr_memory_killed;
    if (over) {
        p->pr_memory_killed = 1;
    }
    pthread_mutex_unlock(&p->pr_lock);
    if (over) {
        kill(-p->pr_pid, SIGKILL);
    }
}

/* The drain thread: keep both pipes empty until EOF on both or a wake-up,
 * and watch memory meanwhile. */
static void *drain_main(void *arg)
{
    gr_proc *p = arg;
    int open_streams[2] = {1, 1};
    for (;;) {
        struct pollfd fds[3];
        nfds_t n = 0;
        int which[3];
        for (int i = 0; i < 2; i++) {
            if (open_streams[i]) {
                fds[n].fd = p->pr_out[i];
                fds[n].events = POLLIN;
                which[n++] = i;
            }
        }
        if (n == 0 && p->pr_memory_limit <= 0) {
            break;
        }
        fds[n].fd = p->pr_wake[0];
        fds[n].events = POLLIN;
        which[n++] = -1;
        /* With a memory limit, look at the tree ten times a second. */
        int r = poll(fds, n, p->pr_memory_limit > 0 ? 100 : -1);
        if (p->pr_memory_limit > 0) {
            watch_memory(p);
        }
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        for (nfds_t k = 0; k < n; k++) {
            if (fds[k].revents == 0) {
                continue;
            }
            if (which[k] < 0) {
                /* Asked to stop: take what is left without waiting for EOF
                 * (a grandchild that escaped may still hold the pipe open). */
                for (int i = 0; i < 2; i++) {
                    if (open_streams[i]) {
                        drain_once(p, i);
                    }
                }
                return NULL;
            }
            if (!drain_once(p, which[k])) {
                open_streams[which[k]] = 0;
                pthread_mutex_lock(&p->pr_lock);
                p->pr_eofs++;
                pthread_cond_broadcast(&p->pr_eof);
                pthread_mutex_unlock(&p->pr_lock);
            }
        }
    }
    return NULL;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Close both ends of the child's three pipes (those that are open). */
static void close_pipes(int in_pipe[2], int out_pipe[2], int err_pipe[2])
{
    int *ends[] = {&in_pipe[0],  &in_pipe[1],  &out_pipe[0],
                   &out_pipe[1], &err_pipe[0], &err_pipe[1]};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        close_fd(ends[i]);
    }
}

/* A fresh process record with its output buffers. Returns 0, or -1. */
static int proc_init(gr_proc *p, const gr_spawn_opts *opts, char *err)
{
    p->pr_pid = 0;
    p->pr_pidfd = -1;
    p->pr_stdin = -1;
    p->pr_out[0] = p->pr_out[1] = -1;
    p->pr_wake[0] = p->pr_wake[1] = -1;
    p->pr_drain_running = 0;
    p->pr_reaped = 0;
    p->pr_status = 0;
    p->pr_killed = 0;
    p->pr_memory_limit = opts->so_limits != NULL ? opts->so_limits->lim_memory_bytes : 0;
    p->pr_memory_peak = 0;
    p->pr_memory_killed = 0;
    pthread_mutex_init(&p->pr_lock, NULL);
    pthread_cond_init(&p->pr_eof, NULL);
    p->pr_eofs = 0;
    size_t keep[2] = {opts->so_keep_stdout ? opts->so_keep_stdout : DEFAULT_KEEP,
                      opts->so_keep_stderr ? opts->so_keep_stderr : DEFAULT_KEEP};
    for (int i = 0; i < 2; i++) {
        memset(&p->pr_cap[i], 0, sizeof p->pr_cap[i]);
        p->pr_cap[i].cap_limit = keep[i];
        p->pr_cap[i].cap_buf = malloc(keep[i]);
        if (p->pr_cap[i].cap_buf == NULL) {
            sl_err_set(err, "out of memory for output buffers");
            return -1;
        }
    }
    return 0;
}

/* Undo proc_init() and the wake pipe, after a spawn that failed. */
static void proc_undo(gr_proc *p)
{
    close_fd(&p->pr_wake[0]);
    close_fd(&p->pr_wake[1]);
    for (int i = 0; i < 2; i++) {
        free(p->pr_cap[i].cap_buf);
        p->pr_cap[i].cap_buf = NULL;
    }
    pthread_mutex_destroy(&p->pr_lock);
    pthread_cond_destroy(&p->pr_eof);
}

/* In the child, after fork(): its own process group, default signals, the
 * pipes as stdin/stdout/stderr, its directory and sandbox, then the shell.
 * Only async-signal-safe calls until exec. Never returns. */
static void __attribute__((noreturn))
exec_child(const char *cmd, const gr_spawn_opts *opts, const int in_pipe[2], const int out_pipe[2],
           const int err_pipe[2])
{
    setpgid(0, 0);
    /* Undo what the grader changed for itself: a student's program must
     * meet SIGPIPE with the default action, as it would outside. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_RDONLY);
    int in = opts->so_stdin_pipe ? in_pipe[0] : devnull;
    if (in < 0 || dup2(in, 0) < 0 || dup2(out_pipe[1], 1) < 0 || dup2(err_pipe[1], 2) < 0) {
        _exit(126);
    }
    if (opts->so_cwd != NULL && chdir(opts->so_cwd) < 0) {
        static const char msg[] = "grader: cannot enter the program's directory\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(126);
    }
    if (opts->so_limits != NULL &&
        gr_sandbox_enter_child(gr_sandbox_current(), opts->so_limits, opts->so_etc_dir) < 0) {
        static const char msg[] = "grader: cannot enter the sandbox (limits, user)\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(126);
    }
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
}

/* The processes gr_proc_spawn() started and gr_proc_stop() has not stopped:
 * gr_proc_reap_orphans() after one of them (a client run beside the server
 * under test, lab 08's curl) leaves the others running. */
#define LIVE_MAX 64
static pid_t live[LIVE_MAX];
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static void live_set(pid_t old, pid_t now)
{
    pthread_mutex_lock(&live_lock);
    for (size_t i = 0; i < LIVE_MAX; i++) {
        if (live[i] == old) {
            live[i] = now;
            break;
        }
    }
    pthread_mutex_unlock(&live_lock);
}

static int is_live(pid_t pid)
{
    int found = 0;
    pthread_mutex_lock(&live_lock);
    for (size_t i = 0; i < LIVE_MAX && !found; i++) {
        found = live[i] == pid;
    }
    pthread_mutex_unlock(&live_lock);
    return found;
}

/* In the parent, after fork(): keep our ends of the pipes, non-blocking,
 * and start the thread that drains the child's output. */
static int watch_child(gr_proc *p, pid_t pid, int in_pipe[2], int out_pipe[2], int err_pipe[2],
                       char *err)
{
    /* Set the group here too, so it exists before we ever signal it. */
    setpgid(pid, pid);
    p->pr_pid = pid;
    live_set(0, pid);
    p->pr_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    close_fd(&in_pipe[0]);
    close_fd(&out_pipe[1]);
    close_fd(&err_pipe[1]);
    p->pr_stdin = in_pipe[1];
    p->pr_out[0] = out_pipe[0];
    p->pr_out[1] = err_pipe[0];
    for (int i = 0; i < 2; i++) {
        fcntl(p->pr_out[i], F_SETFL, O_NONBLOCK);
    }
    if (p->pr_stdin >= 0) {
        fcntl(p->pr_stdin, F_SETFL, O_NONBLOCK);
    }
    if (pthread_create(&p->pr_drain, NULL, drain_main, p) != 0) {
        sl_err_set(err, "cannot start the output drain thread");
        gr_proc_stop(p, 0);
        return -1;
    }
    p->pr_drain_running = 1;
    return 0;
}

int gr_proc_spawn(gr_proc *p, const char *cmd, const gr_spawn_opts *opts, char *err)
{
    gr_spawn_opts defaults = {0};
    if (opts == NULL) {
        opts = &defaults;
    }
    if (proc_init(p, opts, err) < 0) {
        proc_undo(p);
        return -1;
    }
    int in_pipe[2] = {-1, -1};
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    if ((opts->so_stdin_pipe && pipe2(in_pipe, O_CLOEXEC) < 0) || pipe2(out_pipe, O_CLOEXEC) < 0 ||
        pipe2(err_pipe, O_CLOEXEC) < 0 || pipe2(p->pr_wake, O_CLOEXEC) < 0) {
        sl_err_errno(err, "pipe");
        close_pipes(in_pipe, out_pipe, err_pipe);
        proc_undo(p);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        sl_err_errno(err, "fork");
        close_pipes(in_pipe, out_pipe, err_pipe);
        proc_undo(p);
        return -1;
    }
    if (pid == 0) {
        exec_child(cmd, opts, in_pipe, out_pipe, err_pipe);
    }
    return watch_child(p, pid, in_pipe, out_pipe, err_pipe, err);
}

int gr_proc_wait_output(gr_proc *p, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->pr_lock);
    int rc = 0;
    while (p->pr_drain_running && p->pr_eofs < 2 && rc == 0) {
        rc = pthread_cond_timedwait(&p->pr_eof, &p->pr_lock, &until);
    }
    int done = !p->pr_drain_running || p->pr_eofs == 2;
    pthread_mutex_unlock(&p->pr_lock);
    return done;
}

int gr_proc_exited(gr_proc *p)
{
    if (p->pr_reaped) {
        return 1;
    }
    if (p->pr_pid <= 0) {
        return 1;
    }
    int status;
    pid_t r = waitpid(p->pr_pid, &status, WNOHANG);
    if (r == p->pr_pid) {
        p->pr_reaped = 1;
        p->pr_status = status;
        return 1;
    }
    return 0;
}

int gr_proc_wait_fd(gr_proc *p, int fd, int timeout_ms)
{
    long deadline = gr_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (gr_proc_exited(p)) {
            return 1;
        }
        long left = deadline - gr_now_ms();
        if (left < 0) {
            return 0;
        }
        struct pollfd fds[2];
        nfds_t n = 0;
        if (p->pr_pidfd >= 0) {
            fds[n].fd = p->pr_pidfd;
            fds[n++].events = POLLIN;
        }
        if (fd >= 0) {
            fds[n].fd = fd;
            fds[n++].events = POLLIN;
        }
        /* Without a pidfd (old kernels) look again every 10 ms. */
        int wait = p->pr_pidfd >= 0 ? (int)left : (left < 10 ? (int)left : 10);
        int r = poll(fds, n, wait);
        if (r < 0 && errno != EINTR) {
            return 0;
        }
        if (r > 0 && fd >= 0 && (fds[n - 1].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (gr_proc_exited(p)) {
                return 1;
            }
            return 2;
        }
        if (r == 0 && left == 0) {
            return gr_proc_exited(p);
        }
    }
}

int gr_proc_wait(gr_proc *p, int timeout_ms)
{
    return gr_proc_wait_fd(p, -1, timeout_ms);
}

/* Children of this process, found through /proc (the grader is a subreaper). */
static size_t list_children(pid_t *out, size_t max)
{
    size_t n = 0;
    DIR *d = opendir("/proc");
    if (d == NULL) {
        return 0;
    }
    pid_t self = getpid();
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0) {
            continue;
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            continue;
        }
        char buf[512];
        size_t got = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[got] = '\0';
        /* The command name is in parentheses and may contain anything. */
        char *rp = strrchr(buf, ')');
        int ppid = 0;
        char state;
        if (rp != NULL && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == self) {
            out[n++] = (pid_t)pid;
        }
    }
    closedir(d);
    return n;
}

int gr_proc_reap_orphans(void)
{
    int killed = 0;
    /* Bounded: each round kills every child; their children come next round. */
    for (int round = 0; round < 1000; round++) {
        pid_t kids[256];
        size_t n = list_children(kids, sizeof kids / sizeof kids[0]);
        if (n == 0) {
            break;
        }
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (!is_live(kids[i])) {
                kids[k++] = kids[i];
            }
        }
        if (k == 0) {
            break;
        }
        for (size_t i = 0; i < k; i++) {
            if (kill(kids[i], SIGKILL) == 0) {
                killed++;
            }
        }
        for (size_t i = 0; i < k; i++) {
            while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR) {
            }
        }
    }
    return killed;
}

void gr_proc_stop(gr_proc *p, int grace_ms)
{
    if (p->pr_pid > 0) {
        if (!gr_proc_exited(p)) {
            p->pr_killed = 1;
            kill(-p->pr_pid, SIGTERM);
            if (!gr_proc_wait(p, grace_ms)) {
                kill(-p->pr_pid, SIGKILL);
                while (waitpid(p->pr_pid, &p->pr_status, 0) < 0 && errno == EINTR) {
                }
                p->pr_reaped = 1;
            }
        }
        /* The leader is gone; anything left in its group goes now. */
        kill(-p->pr_pid, SIGKILL);
        live_set(p->pr_pid, 0);
        gr_proc_reap_orphans();
        p->pr_pid = 0;
    }
    close_fd(&p->pr_pidfd);
    close_fd(&p->pr_stdin);
    if (p->pr_drain_running) {
        static const char stop = 'x';
        (void)!write(p->pr_wake[1], &stop, 1);
        pthread_join(p->pr_drain, NULL);
        p->pr_drain_running = 0;
    }
    close_fd(&p->pr_out[0]);
    close_fd(&p->pr_out[1]);
    close_fd(&p->pr_wake[0]);
    close_fd(&p->pr_wake[1]);
}

void gr_proc_free(gr_proc *p)
{
    gr_proc_stop(p, 0);
    for (int i = 0; i < 2; i++) {
        free(p->pr_cap[i].cap_buf);
        p->pr_cap[i].cap_buf = NULL;
        p->pr_cap[i].cap_len = 0;
    }
    pthread_mutex_destroy(&p->pr_lock);
    pthread_cond_destroy(&p->pr_eof);
}

char *gr_proc_output(gr_proc *p, int stream, size_t *len, size_t *total)
{
    gr_capture *c = &p->pr_cap[stream ? 1 : 0];
    pthread_mutex_lock(&p->pr_lock);
    char *copy = malloc(c->cap_len + 1);
    if (copy != NULL) {
        memcpy(copy, c->cap_buf, c->cap_len);
        copy[c->cap_len] = '\0';
        *len = c->cap_len;
        if (total != NULL) {
            *total = c->cap_total;
        }
    }
    pthread_mutex_unlock(&p->pr_lock);
    return copy;
}

const char *gr_proc_describe(int status, char *buf, size_t len)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) > 128 && WEXITSTATUS(status) - 128 < NSIG &&
        sigabbrev_np(WEXITSTATUS(status) - 128) != NULL) {
        /* How a shell reports a child that a signal killed. */
        int sig = WEXITSTATUS(status) - 128;
        snprintf(buf, len,
                 "exited with status %d (a shell's way of saying: killed by signal %d, "
                 "SIG%s, %s)",
                 WEXITSTATUS(status), sig, sigabbrev_np(sig), strsignal(sig));
    } else if (WIFEXITED(status)) {
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char *abbrev = sigabbrev_np(sig);
        snprintf(buf, len, "was killed by signal %d (SIG%s, %s)%s", sig,
                 abbrev != NULL ? abbrev : "?", strsignal(sig),
                 WCOREDUMP(status) ? ", core dumped" : "");
    } else {
        snprintf(buf, len, "stopped with wait status 0x%x", (unsigned)status);
    }
    return buf;
}
