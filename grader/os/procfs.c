/* procfs.c - /proc introspection of the server under test (see procfs.h). */
#include "os/procfs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read a small /proc file into buf. Returns bytes read or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    size_t got = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[got] = '\0';
    return (ssize_t)got;
}

/* The fields of /proc/PID/stat after the command name (from the state
 * letter on, fields 3.. of proc(5)), read into buf; NULL if the process is
 * gone or the line is not what proc(5) says (errno EIO). */
static const char *stat_fields(pid_t pid, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (read_small(path, buf, len) < 0) {
        return NULL;
    }
    /* The command name is in parentheses and may itself contain ") ". */
    char *rp = strrchr(buf, ')');
    if (rp == NULL) {
        errno = EIO;
        return NULL;
    }
    return rp + 1;
}

/* Parent pid (and the state letter, if state is not NULL) from
 * /proc/PID/stat, or -1. */
static pid_t parent_state_of(pid_t pid, char *state_out)
{
    char buf[1024];
    const char *fields = stat_fields(pid, buf, sizeof buf);
    char state;
    int ppid;
    if (fields == NULL || sscanf(fields, " %c %d", &state, &ppid) != 2) {
        return -1;
    }
    if (state_out != NULL) {
        *state_out = state;
    }
    return (pid_t)ppid;
}

static pid_t parent_of(pid_t pid)
{
    return parent_state_of(pid, NULL);
}

int gr_procfs_tree(pid_t root, pid_t *out, size_t max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", (int)root);
    if (access(path, F_OK) < 0 || max == 0) {
        return -1;
    }
    /* One pass over /proc collects (pid, ppid); then grow the tree from root. */
    size_t cap = 1024;
    size_t n = 0;
    pid_t(*pairs)[2] = malloc(cap * sizeof *pairs);
    if (pairs == NULL) {
        return -1;
    }
    DIR *d = opendir("/proc");
    if (d == NULL) {
        free(pairs);
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0) {
            continue;
        }
        pid_t ppid = parent_of((pid_t)pid);
        if (ppid < 0) {
            continue;
        }
        if (n == cap) {
            pid_t(*bigger)[2] = realloc(pairs, 2 * cap * sizeof *pairs);
            if (bigger == NULL) {
                break;
            }
            pairs = bigger;
            cap *= 2;
        }
        pairs[n][0] = (pid_t)pid;
        pairs[n][1] = ppid;
        n++;
    }
    closedir(d);

    size_t count = 0;
    out[count++] = root;
    /* Breadth-first: every process found so far looks for its children. */
    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < n && count < max; k++) {
            if (pairs[k][1] == out[i]) {
                out[count++] = pairs[k][0];
            }
        }
    }
    free(pairs);
    return (int)count;
}

int gr_procfs_fd_count(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL) {
        return -1;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            n++;
        }
    }
    closedir(d);
    return n;
}

int gr_procfs_threads(pid_t pid)
{
    char path[64];
    char buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (read_small(path, buf, sizeof buf) < 0) {
        return -1;
    }
    char *line = strstr(buf, "\nThreads:");
    int threads;
    if (line == NULL || sscanf(line, "\nThreads: %d", &threads) != 1) {
        errno = EIO;
        return -1;
    }
    return threads;
}

int gr_procfs_state(pid_t pid)
{
    char state;
    return parent_state_of(pid, &state) < 0 ? -1 : state;
}

int gr_procfs_exiting(pid_t pid)
{
    char buf[1024];
    const char *fields = stat_fields(pid, buf, sizeof buf);
    char state;
    unsigned int flags;
    /* state ppid pgrp session tty tpgid flags (fields 3..9 of proc(5)) */
    if (fields == NULL) {
        return -1;
    }
    if (sscanf(fields, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2) {
        errno = EIO;
        return -1;
    }
    enum { PF_EXITING = 0x4 }; /* the kernel's task flag, in include/linux/sched.h */
    return state == 'Z' || state == 'X' || (flags & PF_EXITING) != 0;
}

int gr_procfs_wchan(pid_t pid, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
    if (len == 0 || read_small(path, buf, len) < 0) {
        return -1;
    }
    buf[strcspn(buf, "\n")] = '\0';
    if (strcmp(buf, "0") == 0) {
        buf[0] = '\0'; /* running, or the kernel hides it */
    }
    return 0;
}

/* A hexadecimal mask of /proc/PID/status ("SigBlk:", "CapEff:"): 0, or -1
 * if the process is gone or the line is missing. */
static int status_mask(pid_t pid, const char *field, unsigned long long *mask)
{
    char path[64];
    char buf[4096];
    char key[32];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    snprintf(key, sizeof key, "\n%s:", field);
    if (read_small(path, buf, sizeof buf) < 0) {
        return -1;
    }
    const char *line = strstr(buf, key);
    if (line == NULL || sscanf(line + strlen(key), " %llx", mask) != 1) {
        errno = EIO;
        return -1;
    }
    return 0;
}

int gr_procfs_blocks_signal(pid_t pid, int sig)
{
    unsigned long long mask;
    if (sig < 1 || sig > 64 || status_mask(pid, "SigBlk", &mask) < 0) {
        return -1;
    }
    return (mask >> (sig - 1)) & 1;
}

int gr_procfs_has_cap(pid_t pid, int cap)
{
    unsigned long long mask;
    if (cap < 0 || cap > 63 || status_mask(pid, "CapEff", &mask) < 0) {
        return -1;
    }
    return (mask >> cap) & 1;
}

long gr_procfs_max_files(pid_t pid)
{
    char path[64];
    char buf[4096];
    snprintf(path, sizeof path, "/proc/%d/limits", (int)pid);
    if (read_small(path, buf, sizeof buf) < 0) {
        return -1;
    }
    /* "Max open files            4096                 4096                 files" */
    const char *line = strstr(buf, "Max open files");
    char soft[32];
    if (line == NULL || sscanf(line + strlen("Max open files"), "%31s", soft) != 1) {
        errno = EIO;
        return -1;
    }
    if (strcmp(soft, "unlimited") == 0) {
        return LONG_MAX;
    }
    return strtol(soft, NULL, 10);
}

long gr_procfs_cpu_ms(pid_t pid)
{
    char buf[1024];
    const char *fields = stat_fields(pid, buf, sizeof buf);
    unsigned long utime;
    unsigned long stime;
    /* Fields after the name: state ppid pgrp session tty tpgid flags minflt
     * cminflt majflt cmajflt utime stime (fields 3..15 of proc(5)). */
    if (fields == NULL) {
        return -1;
    }
    if (sscanf(fields, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) !=
        2) {
        errno = EIO;
        return -1;
    }
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0) {
        hz = 100;
    }
    return (long)((utime + stime) * 1000UL / (unsigned long)hz);
}

int gr_procfs_fds(pid_t pid, gr_fdinfo *out, size_t max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (d == NULL) {
        return -1;
    }
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end != '\0' || e->d_name[0] == '\0') {
            continue;
        }
        gr_fdinfo *fi = &out[n];
        memset(fi, 0, sizeof *fi);
        fi->fi_fd = (int)fd;
        char link[96];
        snprintf(link, sizeof link, "/proc/%d/fd/%ld", (int)pid, fd);
        ssize_t len = readlink(link, fi->fi_target, sizeof fi->fi_target - 1);
        if (len < 0) {
            continue; /* closed while we looked */
        }
        fi->fi_target[len] = '\0';
        char info[96];
        char buf[512];
        snprintf(info, sizeof info, "/proc/%d/fdinfo/%ld", (int)pid, fd);
        if (read_small(info, buf, sizeof buf) >= 0) {
            char *flags = strstr(buf, "flags:");
            if (flags != NULL) {
                fi->fi_flags = (unsigned)strtoul(flags + 6, NULL, 8);
            }
        }
        n++;
    }
    closedir(d);
    return (int)n;
}

int gr_procfs_tree_stats(pid_t root, gr_tree_stats *st)
{
    memset(st, 0, sizeof *st);
    pid_t *pids = malloc(GR_PROCFS_MAX_TREE * sizeof *pids);
    if (pids == NULL) {
        return -1;
    }
    int n = gr_procfs_tree(root, pids, GR_PROCFS_MAX_TREE);
    if (n < 0) {
        free(pids);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        /* A zombie has no files and no memory left: count it and move on. */
        char state = '?';
        if (parent_state_of(pids[i], &state) >= 0 && state == 'Z') {
            st->ts_processes++;
            st->ts_zombies++;
            continue;
        }
        int fds = gr_procfs_fd_count(pids[i]);
        int threads = gr_procfs_threads(pids[i]);
        long cpu = gr_procfs_cpu_ms(pids[i]);
        if (fds < 0 || threads < 0 || cpu < 0) {
            continue; /* exited while we looked */
        }
        st->ts_processes++;
        st->ts_fds += fds;
        st->ts_threads += threads;
        st->ts_cpu_ms += cpu;
        char statm[64];
        char buf[128];
        snprintf(statm, sizeof statm, "/proc/%d/statm", (int)pids[i]);
        long size_pages;
        long rss_pages;
        if (read_small(statm, buf, sizeof buf) > 0 &&
            sscanf(buf, "%ld %ld", &size_pages, &rss_pages) == 2) {
            st->ts_rss_kb += rss_pages * (sysconf(_SC_PAGESIZE) / 1024);
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/fd", (int)pids[i]);
        DIR *d = opendir(path);
        if (d == NULL) {
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char link[320];
            char target[32];
            snprintf(link, sizeof link, "%s/%s", path, e->d_name);
            ssize_t len = readlink(link, target, sizeof target - 1);
            if (len > 0) {
                target[len] = '\0';
                st->ts_sockets += strncmp(target, "socket:", 7) == 0;
            }
        }
        closedir(d);
    }
    free(pids);
    return 0;
}

/* Scan one /proc/net/{tcp,udp}* table for an entry on local port; with
 * want_listen, only a TCP LISTEN (state 0A) entry counts. */
static int scan_table(const char *path, int port, int want_listen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char line[512];
    int found = 0;
    /* The first line is a header. Each entry: "sl local_address rem_address st ..."
     * where local_address is HEXADDR:HEXPORT. */
    if (fgets(line, sizeof line, f) != NULL) {
        while (!found && fgets(line, sizeof line, f) != NULL) {
            char local[128];
            char remote[128];
            unsigned state;
            if (sscanf(line, " %*s %127s %127s %x", local, remote, &state) != 3) {
                continue;
            }
            char *colon = strrchr(local, ':');
            if (colon != NULL && strtol(colon + 1, NULL, 16) == port &&
                (!want_listen || state == 0x0A)) {
                found = 1;
            }
        }
    }
    fclose(f);
    return found;
}

int gr_procfs_tcp_listening(int port)
{
    int v4 = scan_table("/proc/net/tcp", port, 1);
    int v6 = scan_table("/proc/net/tcp6", port, 1);
    if (v4 < 0 && v6 < 0) {
        return -1;
    }
    return v4 == 1 || v6 == 1;
}

/* The socket inodes of process @p pid's descriptors, added to @p out (which
 * holds *@p n of at most @p max), leaving out those in @p not (@p nnot). */
static void add_socket_inodes(pid_t pid, unsigned long *out, int *n, int max,
                              const unsigned long * not, int nnot)
{
    gr_fdinfo fds[256];
    int nf = gr_procfs_fds(pid, fds, sizeof fds / sizeof fds[0]);
    for (int k = 0; k < nf && *n < max; k++) {
        unsigned long inode;
        if (sscanf(fds[k].fi_target, "socket:[%lu]", &inode) != 1) {
            continue;
        }
        int ours = 0;
        for (int i = 0; i < nnot && !ours; i++) {
            ours = not [i] == inode;
        }
        if (!ours) {
            out[(*n)++] = inode;
        }
    }
}

/* The socket inodes of @p root's tree into @p out (at most @p max), but for
 * the caller's own: a child holds those from fork() until exec() closes
 * them. Returns how many, or -1. */
static int tree_socket_inodes(pid_t root, unsigned long *out, int max)
{
    unsigned long self[256];
    int nself = 0;
    add_socket_inodes(getpid(), self, &nself, sizeof self / sizeof self[0], NULL, 0);
    pid_t pids[64];
    int np = gr_procfs_tree(root, pids, sizeof pids / sizeof pids[0]);
    int n = 0;
    for (int i = 0; i < np && n < max; i++) {
        add_socket_inodes(pids[i], out, &n, max, self, nself);
    }
    return np < 0 ? -1 : n;
}

/* The local port of the first entry of one /proc/net/{tcp,udp}* table whose
 * inode is one of @p inodes: listening (TCP, state 0A), or with a port
 * (UDP). Returns it, 0 if none, -1 if the table cannot be read. */
static int table_port(const char *path, int udp, const unsigned long *inodes, int n)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char line[512];
    int port = 0;
    /* "sl local rem st tx:rx tr:when retrnsmt uid timeout inode ..." */
    if (fgets(line, sizeof line, f) != NULL) {
        while (port == 0 && fgets(line, sizeof line, f) != NULL) {
            char local[128];
            unsigned state;
            unsigned long inode;
            if (sscanf(line, " %*s %127s %*s %x %*s %*s %*s %*s %*s %lu", local, &state, &inode) !=
                    3 ||
                (!udp && state != 0x0A)) {
                continue;
            }
            char *colon = strrchr(local, ':');
            for (int i = 0; colon != NULL && i < n; i++) {
                if (inodes[i] == inode) {
                    port = (int)strtol(colon + 1, NULL, 16);
                    break;
                }
            }
        }
    }
    fclose(f);
    return port;
}

int gr_procfs_tree_port(pid_t root, int udp)
{
    unsigned long inodes[256];
    int n = tree_socket_inodes(root, inodes, sizeof inodes / sizeof inodes[0]);
    if (n <= 0) {
        return n;
    }
    int v4 = table_port(udp ? "/proc/net/udp" : "/proc/net/tcp", udp, inodes, n);
    int v6 = v4 > 0 ? 0 : table_port(udp ? "/proc/net/udp6" : "/proc/net/tcp6", udp, inodes, n);
    if (v4 < 0 && v6 < 0) {
        return -1;
    }
    return v4 > 0 ? v4 : v6 > 0 ? v6 : 0;
}

int gr_procfs_unix_bound(const char *path, int want_listen)
{
    FILE *f = fopen("/proc/net/unix", "r");
    if (f == NULL) {
        return -1;
    }
    char line[512];
    int found = 0;
    /* "Num RefCount Protocol Flags Type St Inode Path"; a listening socket
     * has __SO_ACCEPTCON (0x10000) in its flags. */
    while (!found && fgets(line, sizeof line, f) != NULL) {
        unsigned long flags = 0;
        char name[256] = "";
        if (sscanf(line, "%*s %*s %*s %lx %*s %*s %*s %255s", &flags, name) == 2 &&
            strcmp(name, path) == 0 && (!want_listen || (flags & 0x10000UL) != 0)) {
            found = 1;
        }
    }
    fclose(f);
    return found;
}

int gr_procfs_udp_bound(int port)
{
    int v4 = scan_table("/proc/net/udp", port, 0);
    int v6 = scan_table("/proc/net/udp6", port, 0);
    if (v4 < 0 && v6 < 0) {
        return -1;
    }
    return v4 == 1 || v6 == 1;
}
