/* test_proc.c - spawning, draining, teardown and /proc introspection. */
#include "cu_run.h"
#include "os/proc.h"
#include "os/procfs.h"

#include "addr.h"

#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* How many processes (other than this one) have in /proc/PID/FILE (NUL-
 * separated strings) a string that contains needle (whole == 0) or is
 * needle (whole == 1)? */
static int count_processes(const char *file, const char *needle, int whole)
{
    DIR *d = opendir("/proc");
    if (d == NULL) {
        return -1;
    }
    int count = 0;
    size_t nlen = strlen(needle);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == (long)getpid()) {
            continue;
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/%s", pid, file);
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            continue;
        }
        static char buf[1 << 16];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        if (!whole) {
            /* The command line, its arguments joined by spaces. */
            for (size_t i = 0; i < n; i++) {
                buf[i] = buf[i] == '\0' ? ' ' : buf[i];
            }
            count += strstr(buf, needle) != NULL;
            continue;
        }
        for (size_t i = 0; i < n;) {
            size_t len = strnlen(buf + i, n - i);
            if (len == nlen && memcmp(buf + i, needle, nlen) == 0) {
                count++;
                break;
            }
            i += len + 1;
        }
    }
    closedir(d);
    return count;
}

/* Processes whose command line contains marker. Shared with other suites. */
int count_processes_with(const char *marker)
{
    return count_processes("cmdline", marker, 0);
}

/* Processes with the string tag (e.g. "NAME=value") in their environment.
 * Programs inherit it from the grading run that started them, so this finds
 * what one run left behind even while other runs go on. */
int count_processes_with_env(const char *tag)
{
    return count_processes("environ", tag, 1);
}

static int process_with(const char *marker)
{
    return count_processes_with(marker) > 0;
}

static void test_capture(void)
{
    gr_proc p;
    memset(&p, 0, sizeof p);
    char err[256];
    CU_ASSERT_EQUAL_FATAL(
        gr_proc_spawn(&p, "printf 'out\\n'; printf 'err\\n' >&2; exit 3", NULL, err), 0);
    CU_ASSERT_EQUAL(gr_proc_wait(&p, 5000), 1);
    gr_proc_stop(&p, 1000);
    size_t len;
    char *out = gr_proc_output(&p, 0, &len, NULL);
    CU_ASSERT_STRING_EQUAL(out, "out\n");
    free(out);
    out = gr_proc_output(&p, 1, &len, NULL);
    CU_ASSERT_STRING_EQUAL(out, "err\n");
    free(out);
    CU_ASSERT(WIFEXITED(p.pr_status) && WEXITSTATUS(p.pr_status) == 3);
    CU_ASSERT_EQUAL(p.pr_killed, 0);
    gr_proc_free(&p);
}

static void test_flood_is_bounded(void)
{
    /* 40 MiB on stdout: drained all the time, only the last 64 KiB kept. */
    gr_proc p;
    memset(&p, 0, sizeof p);
    CU_ASSERT_EQUAL_FATAL(gr_proc_spawn(&p, "head -c 41943040 /dev/zero", NULL, NULL), 0);
    CU_ASSERT_EQUAL(gr_proc_wait(&p, 30000), 1);
    gr_proc_stop(&p, 1000);
    size_t len;
    size_t total;
    char *out = gr_proc_output(&p, 0, &len, &total);
    CU_ASSERT_EQUAL(len, 64 * 1024);
    CU_ASSERT_EQUAL(total, 41943040);
    free(out);
    gr_proc_free(&p);
}

static void test_stdin_pipe(void)
{
    gr_proc p;
    memset(&p, 0, sizeof p);
    gr_spawn_opts so = {.so_stdin_pipe = 1};
    CU_ASSERT_EQUAL_FATAL(gr_proc_spawn(&p, "tr a-z A-Z", &so, NULL), 0);
    CU_ASSERT_EQUAL(write(p.pr_stdin, "hello", 5), 5);
    close(p.pr_stdin);
    p.pr_stdin = -1;
    CU_ASSERT_EQUAL(gr_proc_wait(&p, 5000), 1);
    gr_proc_stop(&p, 1000);
    size_t len;
    char *out = gr_proc_output(&p, 0, &len, NULL);
    CU_ASSERT_STRING_EQUAL(out, "HELLO");
    free(out);
    gr_proc_free(&p);
}

static void test_stop_ignores_term(void)
{
    /* A program that ignores SIGTERM, and a background child that does too,
     * are both killed; nothing with the marker survives. */
    gr_proc p;
    memset(&p, 0, sizeof p);
    CU_ASSERT_EQUAL_FATAL(
        gr_proc_spawn(&p, "trap '' TERM; sleep 987651 & sleep 987652; wait", NULL, NULL), 0);
    CU_ASSERT_EQUAL(gr_proc_wait(&p, 200), 0); /* still running */
    gr_proc_stop(&p, 200);
    CU_ASSERT(p.pr_killed);
    CU_ASSERT(WIFSIGNALED(p.pr_status));
    CU_ASSERT_EQUAL(process_with("sleep 98765"), 0);
    gr_proc_free(&p);
}

static void test_stop_daemonised(void)
{
    /* setsid + double fork leaves the process group; the subreaper catches it. */
    gr_proc p;
    memset(&p, 0, sizeof p);
    CU_ASSERT_EQUAL_FATAL(
        gr_proc_spawn(&p, "setsid sh -c 'sleep 987653 </dev/null >/dev/null 2>&1 &' ; sleep 987654",
                      NULL, NULL),
        0);
    /* Wait until the escaped sleep exists. */
    for (int i = 0; i < 500 && process_with("sleep 987653") != 1; i++) {
        poll(NULL, 0, 10);
    }
    CU_ASSERT_EQUAL(process_with("sleep 987653"), 1);
    gr_proc_stop(&p, 500);
    CU_ASSERT_EQUAL(process_with("sleep 98765"), 0);
    gr_proc_free(&p);
}

static void test_describe(void)
{
    char buf[128];
    CU_ASSERT_STRING_EQUAL(gr_proc_describe(3 << 8, buf, sizeof buf), "exited with status 3");
    gr_proc_describe(SIGSEGV, buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "SIGSEGV"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "signal 11"));
    gr_proc_describe(SIGPIPE, buf, sizeof buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "SIGPIPE"));
}

static void test_sigpipe_is_default_in_child(void)
{
    /* The grader ignores SIGPIPE; the programs it runs must not inherit that. */
    gr_proc p;
    memset(&p, 0, sizeof p);
    CU_ASSERT_EQUAL_FATAL(gr_proc_spawn(&p, "grep SigIgn /proc/self/status", NULL, NULL), 0);
    CU_ASSERT_EQUAL(gr_proc_wait(&p, 5000), 1);
    gr_proc_stop(&p, 100);
    size_t len;
    char *out = gr_proc_output(&p, 0, &len, NULL);
    unsigned long mask = 0;
    CU_ASSERT_EQUAL(sscanf(out, "SigIgn: %lx", &mask), 1);
    CU_ASSERT_EQUAL(mask & (1UL << (SIGPIPE - 1)), 0);
    free(out);
    gr_proc_free(&p);
}

static void test_procfs_tree(void)
{
    gr_proc p;
    memset(&p, 0, sizeof p);
    CU_ASSERT_EQUAL_FATAL(gr_proc_spawn(&p, "sleep 987655 & sleep 987656 & wait", NULL, NULL), 0);
    gr_tree_stats st;
    int procs = 0;
    for (int i = 0; i < 500 && procs < 3; i++) {
        if (gr_procfs_tree_stats(p.pr_pid, &st) == 0) {
            procs = st.ts_processes;
        }
        if (procs < 3) {
            poll(NULL, 0, 10);
        }
    }
    CU_ASSERT_EQUAL(procs, 3);
    CU_ASSERT(st.ts_threads >= 3);
    CU_ASSERT(st.ts_fds >= 9); /* stdin, stdout, stderr each */
    CU_ASSERT(st.ts_cpu_ms >= 0);
    CU_ASSERT_EQUAL(gr_procfs_threads(getpid()) >= 1, 1);
    gr_proc_stop(&p, 500);
    gr_proc_free(&p);
    CU_ASSERT_EQUAL(gr_procfs_tree_stats(999999999, &st), -1);
}

/* A child asleep in sleep(1): its state is 'S' and its wchan names a
 * place in the kernel (or is empty, where the kernel hides it); a process
 * that is gone has neither. */
static void test_procfs_state_and_wchan(void)
{
    gr_proc p;
    memset(&p, 0, sizeof p);
    CU_ASSERT_EQUAL_FATAL(gr_proc_spawn(&p, "exec sleep 987657", NULL, NULL), 0);
    int state = 0;
    for (int i = 0; i < 500 && state != 'S'; i++) {
        state = gr_procfs_state(p.pr_pid);
        if (state != 'S') {
            poll(NULL, 0, 10);
        }
    }
    CU_ASSERT_EQUAL(state, 'S');
    char wchan[64] = "unset";
    CU_ASSERT_EQUAL(gr_procfs_wchan(p.pr_pid, wchan, sizeof wchan), 0);
    CU_ASSERT(strcmp(wchan, "unset") != 0 && strchr(wchan, '\n') == NULL);
    gr_proc_stop(&p, 500);
    gr_proc_free(&p);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    CU_ASSERT_EQUAL(gr_procfs_blocks_signal(getpid(), SIGUSR2), getpid() == gettid());
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    CU_ASSERT_EQUAL(gr_procfs_blocks_signal(getpid(), SIGUSR2), 0);
    CU_ASSERT_EQUAL(gr_procfs_blocks_signal(getpid(), 0), -1);
    CU_ASSERT_EQUAL(gr_procfs_blocks_signal(999999999, SIGTERM), -1);
    CU_ASSERT_EQUAL(gr_procfs_state(999999999), -1);
    CU_ASSERT_EQUAL(gr_procfs_wchan(999999999, wchan, sizeof wchan), -1);
}

/* A live process is not exiting; a zombie (exited, not yet reaped) is; a
 * reaped one is gone. */
static void test_procfs_exiting(void)
{
    CU_ASSERT_EQUAL(gr_procfs_exiting(getpid()), 0);
    pid_t child = fork();
    CU_ASSERT_FATAL(child >= 0);
    if (child == 0) {
        _exit(0);
    }
    siginfo_t info;
    /* WNOWAIT: wait until it has exited, and leave it a zombie. */
    CU_ASSERT_EQUAL(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT), 0);
    CU_ASSERT_EQUAL(gr_procfs_exiting(child), 1);
    CU_ASSERT_EQUAL(waitpid(child, NULL, 0), child);
    CU_ASSERT_EQUAL(gr_procfs_exiting(child), -1);
}

/* Root (outside any user namespace, as these tests run in CI) holds
 * CAP_DAC_OVERRIDE (1); any other user none of it. */
static void test_procfs_caps(void)
{
    CU_ASSERT_EQUAL(gr_procfs_has_cap(getpid(), 1), geteuid() == 0);
    CU_ASSERT_EQUAL(gr_procfs_has_cap(getpid(), 64), -1);
    CU_ASSERT_EQUAL(gr_procfs_has_cap(999999999, 1), -1);
}

static void test_procfs_fds_and_listening(void)
{
    int fd = sl_addr_listen("127.0.0.1", "0", 4, NULL);
    CU_ASSERT_FATAL(fd >= 0);
    int port = sl_addr_local_port(fd);
    CU_ASSERT_EQUAL(gr_procfs_tcp_listening(port), 1);
    gr_fdinfo fds[256];
    int n = gr_procfs_fds(getpid(), fds, 256);
    int found = 0;
    for (int i = 0; i < n; i++) {
        if (fds[i].fi_fd == fd) {
            found = strncmp(fds[i].fi_target, "socket:[", 8) == 0;
        }
    }
    CU_ASSERT(found);
    int before = gr_procfs_fd_count(getpid());
    close(fd);
    CU_ASSERT_EQUAL(gr_procfs_fd_count(getpid()), before - 1);
    CU_ASSERT_EQUAL(gr_procfs_tcp_listening(port), 0);
}

/* A UDP socket bound to 127.0.0.1 on a port the kernel picks, or -1. */
static int udp_socket(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Fork a child that keeps this process's sockets (as a child does until
 * exec()) and, when @p own, makes one of its own on port 0 (UDP if @p udp:
 * bound; TCP: listening); it writes that port (0 if none) to @p wfd, then
 * waits to be killed. */
static pid_t child_with_socket(int own, int udp, int wfd)
{
    pid_t pid = fork();
    if (pid != 0) {
        return pid;
    }
    int port = 0;
    if (own) {
        int fd = udp ? udp_socket() : sl_addr_listen("127.0.0.1", "0", 4, NULL);
        port = fd >= 0 ? sl_addr_local_port(fd) : -1;
    }
    (void)!write(wfd, &port, sizeof port);
    for (;;) {
        pause();
    }
}

/* The port gr_procfs_tree_port() sees for the child, waiting up to 5 s for
 * one to show (0 if none does). */
static int seen_port(pid_t pid, int udp)
{
    int seen = 0;
    for (int i = 0; i < 500 && seen == 0; i++) {
        seen = gr_procfs_tree_port(pid, udp);
        if (seen == 0) {
            poll(NULL, 0, 10);
        }
    }
    return seen;
}

/* Run a child (child_with_socket()), return what seen_port() says of it
 * and its own port in *@p own_port. */
static int child_port(int own, int udp, int look_udp, int *own_port)
{
    int pfd[2];
    CU_ASSERT_FATAL(pipe(pfd) == 0);
    pid_t pid = child_with_socket(own, udp, pfd[1]);
    CU_ASSERT_FATAL(pid > 0);
    *own_port = -1;
    CU_ASSERT_EQUAL(read(pfd[0], own_port, sizeof *own_port), (ssize_t)sizeof *own_port);
    /* Looking for none waits only briefly: the child is ready already. */
    int seen = own ? seen_port(pid, look_udp) : gr_procfs_tree_port(pid, look_udp);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(pfd[0]);
    close(pfd[1]);
    return seen;
}

static void test_procfs_tree_port(void)
{
    /* This process's own listener, which the child holds too, is not the
     * child's: a child between fork() and exec() must not look ready. */
    int mine = sl_addr_listen("127.0.0.1", "0", 4, NULL);
    CU_ASSERT_FATAL(mine >= 0);
    int port = 0;
    CU_ASSERT_EQUAL(child_port(0, 0, 0, &port), 0);
    CU_ASSERT_EQUAL(port, 0);
    int seen = child_port(1, 0, 0, &port);
    CU_ASSERT(port > 0);
    CU_ASSERT_EQUAL(seen, port);
    seen = child_port(1, 1, 1, &port);
    CU_ASSERT(port > 0);
    CU_ASSERT_EQUAL(seen, port);
    close(mine);
    CU_ASSERT_EQUAL(gr_procfs_tree_port(999999999, 0), -1);
}

int register_proc_tests(void)
{
    static const cu_test tests[] = {
        {"capture stdout, stderr and status", test_capture},
        {"an output flood is drained and bounded", test_flood_is_bounded},
        {"stdin pipe", test_stdin_pipe},
        {"teardown kills what ignores SIGTERM", test_stop_ignores_term},
        {"teardown kills a daemonised grandchild", test_stop_daemonised},
        {"wait statuses are described", test_describe},
        {"children get SIGPIPE back at default", test_sigpipe_is_default_in_child},
        {"procfs: a process tree", test_procfs_tree},
        {"procfs: fds and listening ports", test_procfs_fds_and_listening},
        {"procfs: a sleeping process's state and where it waits", test_procfs_state_and_wchan},
        {"procfs: a process's effective capabilities", test_procfs_caps},
        {"procfs: a process on its way out", test_procfs_exiting},
        {"procfs: the port a process tree listens on, not the parent's", test_procfs_tree_port},
        {NULL, NULL},
    };
    return cu_add_suite("proc", tests);
}
