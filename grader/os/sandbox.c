/* sandbox.c - containing the code under test (see sandbox.h).
 *
 * Containment is best effort by design: each layer is used when the system
 * allows it, and what is missing is said once, so that grading still works on
 * a laptop without privileges. The layers, in the order they are tried:
 * network namespace (root), or user + network namespace (unprivileged);
 * a dedicated unprivileged uid per run when the grader is root; a private
 * /tmp per student process; rlimits; a memory watchdog (in proc.c). */
#include "os/sandbox.h"

#include "err.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const gr_limits gr_default_limits = {
    .lim_cpu_seconds = 120,
    .lim_files = 4096,
    .lim_processes = 1024,
    .lim_file_bytes = 256L << 20,
    .lim_memory_bytes = 1024L << 20,
};

static gr_sandbox current;

/* Write a short string to a /proc file (uid_map and friends). */
static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A new network namespace starts with loopback down: bring it up. */
static int loopback_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* Enter a private network namespace, as root or through a user namespace. */
static void enter_netns(gr_sandbox *sb, char *why, size_t len)
{
    if (unshare(CLONE_NEWNET) == 0) {
        sb->sb_netns = 1;
    } else {
        uid_t uid = getuid();
        gid_t gid = getgid();
        int first = errno;
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0) {
            char map[64];
            /* Become root of the new user namespace (only there), so that we
             * may configure its network; files stay owned by the real user. */
            write_file("/proc/self/setgroups", "deny");
            snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
            int ok = write_file("/proc/self/uid_map", map) == 0;
            snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
            ok = ok && write_file("/proc/self/gid_map", map) == 0;
            sb->sb_netns = ok;
            sb->sb_userns = 1;
            if (!ok) {
                snprintf(why, len, "cannot map ids in a user namespace: %s", strerror(errno));
            }
        } else {
            snprintf(why, len, "no network namespace (%s; user namespace: %s)", strerror(first),
                     strerror(errno));
        }
    }
    if (sb->sb_netns && loopback_up() < 0) {
        snprintf(why, len, "cannot bring up loopback in the private network: %s", strerror(errno));
        sb->sb_netns = 0;
    }
}

/* How many processes does this user have? (RLIMIT_NPROC counts them.) */
static long count_uid_processes(uid_t uid)
{
    DIR *d = opendir("/proc");
    if (d == NULL) {
        return 0;
    }
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[300];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%s", e->d_name);
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && stat(path, &st) == 0 &&
            st.st_uid == uid) {
            n++;
        }
    }
    closedir(d);
    return n;
}

/* A uid of the sandbox range that no other run holds: each run takes an
 * exclusive lock on a file named after the uid (kept until this process ends),
 * and a uid some process still runs as is passed over. Two runs sharing a
 * uid would share one RLIMIT_NPROC budget, so one student's fork bomb
 * could starve another's server. Falls back to the pid's pick. */
static uid_t claim_uid(void)
{
    unsigned start = (unsigned)getpid() % GR_SANDBOX_UIDS;
    struct stat st;
    (void)mkdir(GR_SANDBOX_UID_LOCKS, 0700);
    if (lstat(GR_SANDBOX_UID_LOCKS, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
        return (uid_t)(GR_SANDBOX_UID_BASE + start); /* not ours to trust */
    }
    for (unsigned i = 0; i < GR_SANDBOX_UIDS; i++) {
        uid_t uid = (uid_t)(GR_SANDBOX_UID_BASE + (start + i) % GR_SANDBOX_UIDS);
        char path[64];
        snprintf(path, sizeof path, GR_SANDBOX_UID_LOCKS "/%u", (unsigned)uid);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
            break; /* no locks to be had */
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && count_uid_processes(uid) == 0) {
            return uid; /* fd stays open: the lock is ours until we exit */
        }
        close(fd);
    }
    return (uid_t)(GR_SANDBOX_UID_BASE + start);
}

int gr_sandbox_init(gr_sandbox *sb, int enable)
{
    memset(sb, 0, sizeof *sb);
    if (!enable) {
        snprintf(sb->sb_note, sizeof sb->sb_note,
                 "--no-sandbox: the code under test shares this machine's network and user");
        current = *sb;
        return 0;
    }
    char why[200] = "";
    int was_root = geteuid() == 0;
    /* Counted before a user namespace changes how ids look. */
    sb->sb_user_procs = was_root ? 0 : count_uid_processes(getuid());
    enter_netns(sb, why, sizeof why);
    /* Root (or root of our own user namespace) may mount a private /tmp. */
    sb->sb_private_tmp = was_root || sb->sb_userns;
    sb->sb_private_mounts = sb->sb_private_tmp;
    if (was_root) {
        /* A uid of its own for each run: RLIMIT_NPROC counts per user, so
         * runs in parallel do not share one process budget, and nothing the
         * student runs can touch files that are not world-writable. */
        sb->sb_drop_user = 1;
        sb->sb_uid = claim_uid();
        sb->sb_gid = sb->sb_uid;
    }
    if (!sb->sb_netns) {
        snprintf(sb->sb_note, sizeof sb->sb_note,
                 "%s: grading on the shared loopback with free ports", why);
    }
    current = *sb;
    return 0;
}

int gr_sandbox_reachable(const char *path)
{
    char buf[PATH_MAX];
    if (realpath(path, buf) == NULL) {
        return 0;
    }
    /* Check each directory from the root down: others need search (x). */
    for (char *slash = buf;; slash = strchr(slash + 1, '/')) {
        char saved = '\0';
        if (slash != NULL) {
            saved = slash[1];
            slash[1] = '\0';
        }
        struct stat st;
        int ok = stat(buf, &st) == 0 && (st.st_mode & S_IXOTH);
        if (slash != NULL) {
            slash[1] = saved;
        }
        if (!ok) {
            return 0;
        }
        if (slash == NULL) {
            return 1;
        }
    }
}

void gr_sandbox_shared_tmp(void)
{
    current.sb_private_tmp = 0;
}

void gr_sandbox_keep_user(void)
{
    current.sb_drop_user = 0;
}

const gr_sandbox *gr_sandbox_current(void)
{
    return &current;
}

/* Mount etc_dir/hosts and etc_dir/nsswitch.conf over /etc's, in a mount
 * namespace of this process's own. */
static int bind_etc(const char *etc_dir)
{
    static const char *const files[] = {"hosts", "nsswitch.conf"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char src[512], dst[64];
        snprintf(src, sizeof src, "%s/%s", etc_dir, files[i]);
        snprintf(dst, sizeof dst, "/etc/%s", files[i]);
        if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
            return -1;
        }
    }
    return 0;
}

int gr_sandbox_can_bind_etc(const gr_sandbox *sb, const char *etc_dir)
{
    if (!sb->sb_private_mounts) {
        return 0;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return 0;
    }
    if (pid == 0) {
        int ok = unshare(CLONE_NEWNS) == 0 &&
                 mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 && bind_etc(etc_dir) == 0;
        _exit(ok ? 0 : 1);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int gr_sandbox_enter_child(const gr_sandbox *sb, const gr_limits *lim, const char *etc_dir)
{
    if (sb->sb_private_tmp || (etc_dir != NULL && sb->sb_private_mounts)) {
        /* Mount changes must not leak back to the grader's view. Failure is
         * not fatal: the shared /tmp is then all there is. */
        if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0) {
            if (sb->sb_private_tmp) {
                mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777");
                mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777");
            }
            /* Asked for, and checked possible (gr_sandbox_can_bind_etc()):
             * failing now would give the program the wrong answers. */
            if (etc_dir != NULL && bind_etc(etc_dir) < 0) {
                return -1;
            }
        } else if (etc_dir != NULL) {
            return -1;
        }
    }
    if (lim != NULL) {
        struct rlimit rl;
        rl.rlim_cur = rl.rlim_max = 0;
        setrlimit(RLIMIT_CORE, &rl);
        if (lim->lim_cpu_seconds > 0) {
            /* The soft limit sends SIGXCPU, which names the cause; the hard
             * limit a little later is SIGKILL. */
            rl.rlim_cur = (rlim_t)lim->lim_cpu_seconds;
            rl.rlim_max = (rlim_t)lim->lim_cpu_seconds + 5;
            setrlimit(RLIMIT_CPU, &rl);
        }
        if (lim->lim_files > 0) {
            rl.rlim_cur = rl.rlim_max = (rlim_t)lim->lim_files;
            if (setrlimit(RLIMIT_NOFILE, &rl) < 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                /* More than the hard limit, which only a privileged process
                 * may raise: take all there is (the check reads what the
                 * server got from /proc and scales itself to it). */
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
            }
        }
        if (lim->lim_file_bytes > 0) {
            rl.rlim_cur = rl.rlim_max = (rlim_t)lim->lim_file_bytes;
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        if (lim->lim_processes > 0) {
            /* Per user: with a uid of its own the budget is the student's
             * alone; sharing the grader's user, add what that user runs. */
            rl.rlim_cur = rl.rlim_max = (rlim_t)(lim->lim_processes + sb->sb_user_procs);
            setrlimit(RLIMIT_NPROC, &rl);
        }
    }
    if (sb->sb_drop_user) {
        if (setgroups(0, NULL) < 0 || setgid(sb->sb_gid) < 0 || setuid(sb->sb_uid) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Run a short command to completion; returns its exit status or -1. */
static int run_quiet(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A fresh directory socklab-PID-XXXXXX, mode 0755, where the sandbox user
 * reaches it: not under /tmp, since student processes get a private /tmp
 * of their own; /var/tmp is world-traversable, so a dropped uid can reach
 * it even when the kit lives in a private home directory. */
static int public_dir(char dir[PATH_MAX], char *err)
{
    const char *base = getenv("SOCKLAB_SCRATCH");
    if (base == NULL || *base == '\0') {
        base = access("/var/tmp", W_OK) == 0 ? "/var/tmp" : "/tmp";
    }
    snprintf(dir, PATH_MAX, "%s/socklab-%d-XXXXXX", base, (int)getpid());
    if (mkdtemp(dir) == NULL) {
        sl_err_errno(err, "cannot make a scratch directory in %s", base);
        return -1;
    }
    chmod(dir, 0755);
    return 0;
}

int gr_sandbox_public_dir(char **out, char *err)
{
    char dir[PATH_MAX];
    if (public_dir(dir, err) < 0) {
        return -1;
    }
    *out = strdup(dir);
    if (*out == NULL) {
        sl_err_set(err, "out of memory");
        gr_sandbox_scratch_remove(dir);
        return -1;
    }
    return 0;
}

/* Give the sandbox user the tree at @p path, when code runs as one. */
static void give_to_sandbox(const char *path)
{
    if (current.sb_drop_user) {
        char owner[64];
        snprintf(owner, sizeof owner, "%u:%u", (unsigned)current.sb_uid, (unsigned)current.sb_gid);
        char *ch[] = {"chown", "-R", owner, (char *)path, NULL};
        run_quiet(ch);
    }
}

int gr_sandbox_scratch_sibling(const char *work, const char *src, char *err)
{
    char dst[PATH_MAX];
    const char *slash = strrchr(work, '/');
    const char *name = strrchr(src, '/');
    name = name != NULL ? name + 1 : src;
    if (slash == NULL ||
        snprintf(dst, sizeof dst, "%.*s/%s", (int)(slash - work), work, name) >= (int)sizeof dst) {
        sl_err_set(err, "cannot place %s beside %s", src, work);
        return -1;
    }
    char srcdot[PATH_MAX + 4];
    snprintf(srcdot, sizeof srcdot, "%s/.", src);
    char *mk[] = {"mkdir", "-p", dst, NULL};
    char *cp[] = {"cp", "-R", srcdot, dst, NULL};
    if (run_quiet(mk) != 0 || run_quiet(cp) != 0) {
        sl_err_set(err, "cannot copy %s beside the scratch copy", src);
        return -1;
    }
    give_to_sandbox(dst);
    return 0;
}

int gr_sandbox_scratch_copy(const char *src, char **out, char *err)
{
    char dir[PATH_MAX];
    if (public_dir(dir, err) < 0) {
        return -1;
    }
    char dst[PATH_MAX + 8];
    snprintf(dst, sizeof dst, "%s/work", dir);
    char srcdot[PATH_MAX + 4];
    snprintf(srcdot, sizeof srcdot, "%s/.", src);
    char *mk[] = {"mkdir", "-p", dst, NULL};
    char *cp[] = {"cp", "-R", srcdot, dst, NULL};
    if (run_quiet(mk) != 0 || run_quiet(cp) != 0) {
        sl_err_set(err, "cannot copy %s to a scratch directory", src);
        gr_sandbox_scratch_remove(dir);
        return -1;
    }
    give_to_sandbox(dst);
    *out = strdup(dst);
    if (*out == NULL) {
        sl_err_set(err, "out of memory");
        gr_sandbox_scratch_remove(dir);
        return -1;
    }
    return 0;
}

/* The owner a leftover of an earlier run gets (nftw() takes no context). */
static uid_t adopt_uid;
static gid_t adopt_gid;

static int adopt_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag;
    (void)ftw;
    if (st->st_uid >= GR_SANDBOX_UID_BASE && st->st_uid < GR_SANDBOX_UID_BASE + GR_SANDBOX_UIDS &&
        st->st_uid != adopt_uid) {
        lchown(path, adopt_uid, adopt_gid);
    }
    return 0;
}

int gr_sandbox_adopt_leftovers(const char *dir)
{
    if (!current.sb_drop_user) {
        return 0;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return -1;
    }
    adopt_uid = current.sb_uid;
    adopt_gid = current.sb_gid;
    int adopted = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        /* Only what an earlier run's user made is walked into. */
        if (lstat(path, &st) == 0 && st.st_uid >= GR_SANDBOX_UID_BASE &&
            st.st_uid < GR_SANDBOX_UID_BASE + GR_SANDBOX_UIDS && st.st_uid != adopt_uid) {
            nftw(path, adopt_one, 16, FTW_PHYS);
            adopted++;
        }
    }
    closedir(d);
    return adopted;
}

void gr_sandbox_scratch_remove(const char *path)
{
    if (path == NULL || strstr(path, "/socklab-") == NULL) {
        return; /* only ever remove what gr_sandbox_scratch_copy() made */
    }
    char top[PATH_MAX];
    snprintf(top, sizeof top, "%s", path);
    /* path is DIR/work or DIR itself: remove DIR. */
    char *work = strstr(top, "/work");
    if (work != NULL && strcmp(work, "/work") == 0) {
        *work = '\0';
    }
    char *rm[] = {"rm", "-rf", top, NULL};
    run_quiet(rm);
}
