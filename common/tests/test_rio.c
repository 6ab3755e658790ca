/* test_rio.c - unit tests for rio.c: reads and writes that survive short
 * counts, EINTR, EOF and vanished peers.
 *
 * The bytes travel over real pipes and AF_UNIX socketpairs. To make reads
 * come up short, a writer thread feeds the data in small pieces. To make a
 * read fail with EINTR, a signal handler is installed without SA_RESTART and
 * the blocked thread is signalled; /proc/self/task/TID/syscall tells when it
 * really is blocked in read() or sendto(), so nothing here sleeps to
 * synchronise.
 *
 * CUnit assertions are made only from the thread running the test; helper
 * threads store their results for it to check after pthread_join().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* gettid(), pipe2() */
#endif

#include "cu_run.h"
#include "rio.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* How long a wait for another thread may take before the test gives up. */
#define WAIT_LIMIT_MS 10000

/* Data up to this size is written before reading starts: it fits in any
 * pipe or AF_UNIX socket buffer, so the write cannot block. */
#define UPFRONT_MAX 32768

/* ---- helpers --------------------------------------------------------------- */


static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Deterministic, non-repeating-looking bytes, so that a lost, doubled or
 * reordered chunk shows up in memcmp(). */
static void fill_pattern(char *buf, size_t len, unsigned seed)
{
    unsigned x = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (char)(x >> 24);
    }
}

static char *pattern(size_t len, unsigned seed)
{
    char *buf = malloc(len > 0 ? len : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    fill_pattern(buf, len, seed);
    return buf;
}

typedef enum channel { VIA_SOCKETPAIR, VIA_PIPE } channel;

static const char *channel_name(channel ch)
{
    return ch == VIA_PIPE ? "pipe" : "socketpair";
}

/* fds[0] is the read end, fds[1] the write end. */
static int open_channel(channel ch, int fds[2])
{
    if (ch == VIA_PIPE) {
        return pipe2(fds, O_CLOEXEC);
    }
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
}

/* write() everything with plain system calls, so that these tests of rio do
 * not depend on rio. Returns 0 or an errno value. */
static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t put = write(fd, p, len);
        if (put < 0 && errno == EINTR) {
            continue;
        }
        if (put <= 0) {
            return put < 0 ? errno : EIO;
        }
        p += put;
        len -= (size_t)put;
    }
    return 0;
}

/* ---- the feeder: data arriving in pieces, then EOF ---------------------------- */

/* Sends fd_data in pieces of fd_piece bytes, then closes fd_fd (which it owns).
 * With fd_piece == 0 everything is written at once before reading starts. */
typedef struct feeder {
    int fd_fd;
    const char *fd_data;
    size_t fd_len;
    size_t fd_piece;
    int fd_error; /* errno of a failed write, or 0 */
    int fd_threaded;
    pthread_t fd_thread;
} feeder;

static void *feeder_main(void *arg)
{
    feeder *f = arg;
    /* If a test stops reading early (a bug in rio), its close() of the read
     * end must turn our write into EPIPE, not kill the process or hang. */
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, NULL);
    for (size_t off = 0; off < f->fd_len && f->fd_error == 0; off += f->fd_piece) {
        size_t n = f->fd_len - off < f->fd_piece ? f->fd_len - off : f->fd_piece;
        f->fd_error = write_all(f->fd_fd, f->fd_data + off, n);
    }
    close(f->fd_fd);
    return NULL;
}

/* Start feeding; returns the read end (the caller closes it), or -1. */
static int feed_start(feeder *f, channel ch, const char *data, size_t len, size_t piece)
{
    int fds[2];
    if (open_channel(ch, fds) < 0) {
        return -1;
    }
    *f = (feeder){.fd_fd = fds[1], .fd_data = data, .fd_len = len, .fd_piece = piece};
    if (piece == 0) {
        f->fd_error = len <= UPFRONT_MAX ? write_all(fds[1], data, len) : EFBIG;
        close(fds[1]);
        return fds[0];
    }
    if (pthread_create(&f->fd_thread, NULL, feeder_main, f) != 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    f->fd_threaded = 1;
    return fds[0];
}

/* Wait for the feeder to finish; returns its errno value (0 = all written).
 * Close the read end first, so a feeder stuck on a full pipe gets EPIPE. */
static int feed_finish(feeder *f)
{
    if (f->fd_threaded) {
        pthread_join(f->fd_thread, NULL);
        f->fd_threaded = 0;
    }
    return f->fd_error;
}

/* ---- sl_rio_readn ---------------------------------------------------------- */

static void test_readn_pieces(void)
{
    static const struct {
        channel ch;
        size_t len;
        size_t piece;
    } cases[] = {
        {VIA_PIPE, 1, 1},         {VIA_PIPE, 100, 1},         {VIA_PIPE, 10000, 3},
        {VIA_PIPE, 20000, 0},     {VIA_PIPE, 300000, 4097},   {VIA_PIPE, 300000, 70000},
        {VIA_SOCKETPAIR, 100, 1}, {VIA_SOCKETPAIR, 10000, 7}, {VIA_SOCKETPAIR, 1000000, 65536},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *data = pattern(cases[i].len, (unsigned)i);
        char *got = calloc(1, cases[i].len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        feeder f;
        int fd = feed_start(&f, cases[i].ch, data, cases[i].len, cases[i].piece);
        CU_ASSERT_FATAL(fd >= 0);

        ssize_t n = sl_rio_readn(fd, got, cases[i].len);
        CU_EXPECT(n == (ssize_t)cases[i].len, __LINE__, "%s %zu bytes in pieces of %zu: got %zd",
               channel_name(cases[i].ch), cases[i].len, cases[i].piece, n);
        CU_EXPECT(memcmp(got, data, cases[i].len) == 0, __LINE__, "row %zu: bytes differ", i);
        if (n == (ssize_t)cases[i].len) {
            char extra;
            n = sl_rio_readn(fd, &extra, 1);
            CU_EXPECT(n == 0, __LINE__, "row %zu: after the data, readn gave %zd, want 0 (EOF)", i, n);
        }

        close(fd);
        CU_ASSERT_EQUAL(feed_finish(&f), 0);
        free(got);
        free(data);
    }
}

static void test_readn_eof_short(void)
{
    /* Asking for more than will ever come returns what came, then 0. */
    static const struct {
        size_t sent;
        size_t asked;
        size_t piece;
    } cases[] = {
        {0, 1, 0}, {0, 100, 0}, {10, 100, 0}, {10, 11, 1}, {5000, 9000, 1000}, {1, 1000000, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *data = pattern(cases[i].sent, (unsigned)i);
        char *got = malloc(cases[i].asked);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        feeder f;
        int fd = feed_start(&f, VIA_SOCKETPAIR, data, cases[i].sent, cases[i].piece);
        CU_ASSERT_FATAL(fd >= 0);

        ssize_t n = sl_rio_readn(fd, got, cases[i].asked);
        CU_EXPECT(n == (ssize_t)cases[i].sent, __LINE__, "sent %zu, asked %zu: readn gave %zd",
               cases[i].sent, cases[i].asked, n);
        CU_EXPECT(n < 0 || memcmp(got, data, (size_t)n) == 0, __LINE__, "row %zu: bytes differ", i);
        n = sl_rio_readn(fd, got, cases[i].asked);
        CU_EXPECT(n == 0, __LINE__, "row %zu: second readn at EOF gave %zd, want 0", i, n);

        close(fd);
        CU_ASSERT_EQUAL(feed_finish(&f), 0);
        free(got);
        free(data);
    }
}

static void test_readn_zero(void)
{
    /* n == 0 must return at once, even though the writer is still open and
     * a read() would block forever. */
    int fds[2];
    CU_ASSERT_FATAL(pipe(fds) == 0);
    char buf[1] = {'x'};
    CU_ASSERT_EQUAL(sl_rio_readn(fds[0], buf, 0), 0);
    CU_ASSERT_EQUAL(buf[0], 'x');
    close(fds[0]);
    close(fds[1]);
}

static void test_readn_errors(void)
{
    char buf[16];

    errno = 0;
    CU_ASSERT_EQUAL(sl_rio_readn(-1, buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(errno, EBADF);

    /* A non-blocking fd with nothing to read: EAGAIN, as documented. */
    int fds[2];
    CU_ASSERT_FATAL(pipe2(fds, O_NONBLOCK) == 0);
    errno = 0;
    CU_ASSERT_EQUAL(sl_rio_readn(fds[0], buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(errno, EAGAIN);
    close(fds[0]);
    close(fds[1]);
}

/* ---- EINTR ----------------------------------------------------------------- */

static atomic_int signals_caught;

static void count_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&signals_caught, 1);
}

/* SIGUSR1 without SA_RESTART, so a blocked read() or send() fails with EINTR. */
static int install_interrupter(struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    return sigaction(SIGUSR1, &sa, old);
}

/* Is thread tid blocked in system call sysno on fd? 1 yes, 0 no, -1 if this
 * kernel does not say (no /proc/PID/task/TID/syscall). The file reads
 * "NR arg1 arg2 ..." for a blocked thread and "running" otherwise. */
static int blocked_in(pid_t tid, long sysno, int fd)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        return -1;
    }
    long nr = -1;
    unsigned long arg1 = 0;
    int fields = fscanf(fp, "%ld %lx", &nr, &arg1);
    fclose(fp);
    return fields == 2 && nr == sysno && arg1 == (unsigned long)fd;
}

/* A thread blocked in one rio call, to be interrupted. */
typedef enum rio_call { CALL_READN, CALL_READNB, CALL_READLINE, CALL_WRITEN } rio_call;

typedef struct victim {
    rio_call vi_call;
    int vi_fd;
    char *vi_buf;
    size_t vi_len;
    atomic_int vi_tid;  /* set before the call starts */
    atomic_int vi_done; /* set when the call has returned */
    ssize_t vi_ret;
    int vi_errno;
    pthread_t vi_thread;
} victim;

static void *victim_main(void *arg)
{
    victim *v = arg;
    sl_rio rio;
    sl_rio_init(&rio, v->vi_fd);
    atomic_store(&v->vi_tid, (int)gettid());
    switch (v->vi_call) {
    case CALL_READN:
        v->vi_ret = sl_rio_readn(v->vi_fd, v->vi_buf, v->vi_len);
        break;
    case CALL_READNB:
        v->vi_ret = sl_rio_readnb(&rio, v->vi_buf, v->vi_len);
        break;
    case CALL_READLINE:
        v->vi_ret = sl_rio_readline(&rio, v->vi_buf, v->vi_len + 1);
        break;
    case CALL_WRITEN:
        v->vi_ret = sl_rio_writen(v->vi_fd, v->vi_buf, v->vi_len);
        break;
    }
    v->vi_errno = errno;
    if (v->vi_call == CALL_WRITEN) {
        shutdown(v->vi_fd, SHUT_WR); /* EOF for the reader, even if writen gave up early */
    }
    atomic_store(&v->vi_done, 1);
    return NULL;
}

/* Wait until the victim is blocked in sysno on its fd: 1 when it is, 0 if it
 * returned or the time ran out, -1 if the kernel cannot tell us. */
static int wait_blocked(victim *v, long sysno)
{
    long limit = now_ms() + WAIT_LIMIT_MS;
    while (atomic_load(&v->vi_tid) == 0 && now_ms() < limit) {
        sched_yield();
    }
    while (!atomic_load(&v->vi_done) && now_ms() < limit) {
        int state = blocked_in((pid_t)atomic_load(&v->vi_tid), sysno, v->vi_fd);
        if (state != 0) {
            return state;
        }
        sched_yield();
    }
    return 0;
}

/* Send SIGUSR1 to the victim and wait until its handler has run. */
static int interrupt(victim *v)
{
    int before = atomic_load(&signals_caught);
    if (pthread_kill(v->vi_thread, SIGUSR1) != 0) {
        return -1;
    }
    long limit = now_ms() + WAIT_LIMIT_MS;
    while (atomic_load(&signals_caught) == before && now_ms() < limit) {
        sched_yield();
    }
    return atomic_load(&signals_caught) > before ? 0 : -1;
}

/* Readers: the victim waits for data that arrives in pieces; before each
 * piece it is interrupted while blocked in read(). The call must still
 * return every byte. */
static void test_eintr_readers(void)
{
    static const struct {
        const char *name;
        rio_call call;
        channel ch;
    } cases[] = {
        {"sl_rio_readn on a pipe", CALL_READN, VIA_PIPE},
        {"sl_rio_readn on a socketpair", CALL_READN, VIA_SOCKETPAIR},
        {"sl_rio_readnb on a socketpair", CALL_READNB, VIA_SOCKETPAIR},
        {"sl_rio_readline on a pipe", CALL_READLINE, VIA_PIPE},
    };
    enum { PIECES = 6, PIECE_LEN = 100, TOTAL = PIECES * PIECE_LEN };

    struct sigaction old;
    CU_ASSERT_FATAL(install_interrupter(&old) == 0);
    int unsupported = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char data[TOTAL];
        fill_pattern(data, sizeof data, (unsigned)i);
        for (size_t k = 0; k < sizeof data; k++) {
            if (data[k] == '\n') {
                data[k] = ' '; /* one line: only its last byte is a newline */
            }
        }
        data[TOTAL - 1] = '\n';
        char got[TOTAL + 1];
        int fds[2];
        CU_ASSERT_FATAL(open_channel(cases[i].ch, fds) == 0);
        victim v = {.vi_call = cases[i].call, .vi_fd = fds[0], .vi_buf = got, .vi_len = TOTAL};
        CU_ASSERT_FATAL(pthread_create(&v.vi_thread, NULL, victim_main, &v) == 0);

        int interrupted = 0;
        for (int p = 0; p < PIECES; p++) {
            int state = wait_blocked(&v, SYS_read);
            if (state < 0) {
                unsupported = 1;
            }
            /* Without /proc we cannot know it is blocked; signal it anyway. */
            if (state != 0 && interrupt(&v) == 0 && state > 0) {
                interrupted++;
            }
            CU_ASSERT_EQUAL(write_all(fds[1], data + p * PIECE_LEN, PIECE_LEN), 0);
        }
        close(fds[1]);
        pthread_join(v.vi_thread, NULL);
        close(fds[0]);

        CU_EXPECT(v.vi_ret == TOTAL, __LINE__, "%s: returned %zd (errno %d), want %d", cases[i].name,
               v.vi_ret, v.vi_errno, TOTAL);
        CU_EXPECT(memcmp(got, data, TOTAL) == 0, __LINE__, "%s: bytes differ", cases[i].name);
        CU_EXPECT(unsupported || interrupted == PIECES, __LINE__,
               "%s: interrupted %d times while blocked in read(), want %d", cases[i].name,
               interrupted, PIECES);
    }
    sigaction(SIGUSR1, &old, NULL);
    if (unsupported) {
        CU_PASS("no /proc/self/task/TID/syscall: signals were sent without knowing the reader was "
                "blocked");
    }
}

/* Writer: the victim writes more than the socket buffer holds, so send()
 * blocks; it is interrupted there several times while the test drains the
 * other end. sl_rio_writen must still deliver every byte, in order.
 *
 * A send() interrupted after it moved some bytes returns that short count;
 * only one interrupted before it moved any fails with EINTR. So each round
 * interrupts twice without reading in between: the second time, writen has
 * just called send() again on a full buffer, and gets EINTR. */
static void test_eintr_writen(void)
{
    enum { TOTAL = 2 * 1024 * 1024, CHUNK = 64 * 1024, INTERRUPTS = 6 };

    struct sigaction old;
    CU_ASSERT_FATAL(install_interrupter(&old) == 0);
    char *data = pattern(TOTAL, 42);
    char *got = malloc(TOTAL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    int fds[2];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    victim v = {.vi_call = CALL_WRITEN, .vi_fd = fds[1], .vi_buf = data, .vi_len = TOTAL};
    CU_ASSERT_FATAL(pthread_create(&v.vi_thread, NULL, victim_main, &v) == 0);

    int interrupted = 0;
    int unsupported = 0;
    size_t have = 0;
    ssize_t n = 0;
    while (have < TOTAL) {
        for (int twice = 0; twice < 2 && interrupted < INTERRUPTS && !unsupported; twice++) {
            int state = wait_blocked(&v, SYS_sendto);
            if (state < 0) {
                unsupported = 1;
            }
            if (state != 0 && interrupt(&v) == 0 && state > 0) {
                interrupted++;
            }
        }
        size_t want = TOTAL - have < CHUNK ? TOTAL - have : CHUNK;
        n = sl_rio_readn(fds[0], got + have, want);
        if (n <= 0) {
            break;
        }
        have += (size_t)n;
    }
    pthread_join(v.vi_thread, NULL);
    close(fds[0]);
    close(fds[1]);
    sigaction(SIGUSR1, &old, NULL);

    CU_EXPECT(v.vi_ret == TOTAL, __LINE__, "sl_rio_writen returned %zd (errno %d), want %d", v.vi_ret,
           v.vi_errno, TOTAL);
    CU_EXPECT(have == TOTAL, __LINE__, "reader got %zu bytes (last readn %zd), want %d", have, n,
           TOTAL);
    CU_ASSERT(memcmp(got, data, TOTAL) == 0);
    if (unsupported) {
        CU_PASS("no /proc/self/task/TID/syscall: the writer was signalled blindly");
    } else {
        CU_EXPECT(interrupted == INTERRUPTS, __LINE__, "interrupted %d times while blocked, want %d",
               interrupted, INTERRUPTS);
    }
    free(got);
    free(data);
}

/* ---- sl_rio_writen --------------------------------------------------------- */

/* Reads dr_len bytes with sl_rio_readn, then anything more until EOF, so a
 * writer is never left blocked (and the test never hangs) if readn stops early. */
typedef struct drain {
    int dr_fd;
    char *dr_buf;
    size_t dr_len;
    ssize_t dr_ret;
    size_t dr_extra; /* bytes that came after dr_ret */
    pthread_t dr_thread;
} drain;

static void *drain_main(void *arg)
{
    drain *d = arg;
    d->dr_ret = sl_rio_readn(d->dr_fd, d->dr_buf, d->dr_len);
    char scratch[4096];
    ssize_t got;
    while ((got = read(d->dr_fd, scratch, sizeof scratch)) != 0) {
        if (got < 0 && errno != EINTR) {
            break;
        }
        d->dr_extra += got > 0 ? (size_t)got : 0;
    }
    return NULL;
}

static void test_writen_large(void)
{
    /* Far more than any socket or pipe buffer: writen must loop over short
     * writes while the reader thread drains. On a pipe send() fails with
     * ENOTSOCK and writen falls back to write(). */
    static const struct {
        channel ch;
        size_t len;
    } cases[] = {
        {VIA_SOCKETPAIR, 1},
        {VIA_SOCKETPAIR, 4 * 1024 * 1024},
        {VIA_PIPE, 1},
        {VIA_PIPE, 4 * 1024 * 1024},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *data = pattern(cases[i].len, (unsigned)i + 100);
        char *got = malloc(cases[i].len + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(got);
        int fds[2];
        CU_ASSERT_FATAL(open_channel(cases[i].ch, fds) == 0);
        /* Ask for one byte more than is sent: the extra read sees EOF. */
        drain d = {.dr_fd = fds[0], .dr_buf = got, .dr_len = cases[i].len + 1};
        CU_ASSERT_FATAL(pthread_create(&d.dr_thread, NULL, drain_main, &d) == 0);

        ssize_t n = sl_rio_writen(fds[1], data, cases[i].len);
        int saved = errno;
        close(fds[1]);
        pthread_join(d.dr_thread, NULL);
        close(fds[0]);

        CU_EXPECT(n == (ssize_t)cases[i].len, __LINE__, "%s, %zu bytes: writen gave %zd (errno %d)",
               channel_name(cases[i].ch), cases[i].len, n, saved);
        CU_EXPECT(d.dr_ret == (ssize_t)cases[i].len && d.dr_extra == 0, __LINE__,
               "%s, %zu bytes: reader got %zd (and %zu more)", channel_name(cases[i].ch),
               cases[i].len, d.dr_ret, d.dr_extra);
        CU_EXPECT(memcmp(got, data, cases[i].len) == 0, __LINE__, "%s, %zu bytes: bytes differ",
               channel_name(cases[i].ch), cases[i].len);
        free(got);
        free(data);
    }
}

static void test_writen_file_and_zero(void)
{
    /* A regular file is not a socket either. */
    enum { LEN = 100000 };
    char *data = pattern(LEN, 7);
    char *got = malloc(LEN);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    FILE *fp = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    int fd = fileno(fp);
    CU_ASSERT_EQUAL(sl_rio_writen(fd, data, LEN), LEN);
    CU_ASSERT_EQUAL(sl_rio_writen(fd, data, 0), 0);
    CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_SET), 0);
    CU_ASSERT_EQUAL(sl_rio_readn(fd, got, LEN), LEN);
    CU_ASSERT(memcmp(got, data, LEN) == 0);
    fclose(fp);
    free(got);
    free(data);

    errno = 0;
    CU_ASSERT_EQUAL(sl_rio_writen(-1, "x", 1), -1);
    CU_ASSERT_EQUAL(errno, EBADF);
}

static atomic_int sigpipes;

static void count_sigpipe(int sig)
{
    (void)sig;
    atomic_fetch_add(&sigpipes, 1);
}

static void test_writen_epipe(void)
{
    /* Each way of making a socket unwritable. writen must return -1 with
     * EPIPE, and no SIGPIPE may be raised: the counting handler stands in for
     * the default action (death), whatever the parent left SIGPIPE set to. */
    enum { CLOSE_PEER, SHUT_OWN_WR, SHUT_PEER_RD };
    static const struct {
        const char *name;
        int how;
        size_t len;
    } cases[] = {
        {"peer closed", CLOSE_PEER, 1},
        {"peer closed, large write", CLOSE_PEER, 1024 * 1024},
        {"own side shut for writing", SHUT_OWN_WR, 10},
        {"peer shut for reading", SHUT_PEER_RD, 10},
    };
    struct sigaction sa;
    struct sigaction old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_sigpipe;
    sigemptyset(&sa.sa_mask);
    CU_ASSERT_FATAL(sigaction(SIGPIPE, &sa, &old) == 0);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *data = pattern(cases[i].len, 3);
        int fds[2];
        CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
        switch (cases[i].how) {
        case CLOSE_PEER:
            close(fds[0]);
            fds[0] = -1;
            break;
        case SHUT_OWN_WR:
            shutdown(fds[1], SHUT_WR);
            break;
        case SHUT_PEER_RD:
            shutdown(fds[0], SHUT_RD);
            break;
        }
        atomic_store(&sigpipes, 0);
        errno = 0;
        ssize_t n = sl_rio_writen(fds[1], data, cases[i].len);
        int saved = errno;
        CU_EXPECT(n == -1 && saved == EPIPE, __LINE__, "%s: writen gave %zd, errno %d (%s)",
               cases[i].name, n, saved, strerror(saved));
        CU_EXPECT(atomic_load(&sigpipes) == 0, __LINE__, "%s: SIGPIPE was raised", cases[i].name);
        if (fds[0] >= 0) {
            close(fds[0]);
        }
        close(fds[1]);
        free(data);
    }
    sigaction(SIGPIPE, &old, NULL);
}

/* ---- sl_rio_readline ------------------------------------------------------- */

/* One call's expected outcome: ret >= 0 with those bytes, or -1 with errno. */
typedef struct rl_result {
    ssize_t ret;
    int err;
    const char *bytes; /* what buf holds (before its NUL); for -1 too */
    size_t len;
} rl_result;

#define RL_MAX_CALLS 6

/* Input bytes (may contain NUL), the maxlen for every call, and what each
 * call returns; the list ends with the EOF result { 0, 0, "", 0 }. */
typedef struct rl_case {
    const char *name;
    const char *input;
    size_t input_len;
    size_t maxlen;
    rl_result calls[RL_MAX_CALLS];
} rl_case;

/* A string literal and its length without the terminating NUL. */
#define BYTES(lit) lit, (sizeof(lit) - 1)

/* clang-format off */
static const rl_case readline_cases[] = {
    {"one line", BYTES("hello\n"), 64, {{6, 0, BYTES("hello\n")}, {0, 0, BYTES("")}}},
    {"two lines", BYTES("a\nbc\n"), 64,
     {{2, 0, BYTES("a\n")}, {3, 0, BYTES("bc\n")}, {0, 0, BYTES("")}}},
    {"CRLF lines", BYTES("GET / HTTP/1.0\r\n\r\n"), 64,
     {{16, 0, BYTES("GET / HTTP/1.0\r\n")}, {2, 0, BYTES("\r\n")}, {0, 0, BYTES("")}}},
    {"empty lines", BYTES("\n\n"), 64,
     {{1, 0, BYTES("\n")}, {1, 0, BYTES("\n")}, {0, 0, BYTES("")}}},
    {"last line without newline", BYTES("a\nlast"), 64,
     {{2, 0, BYTES("a\n")}, {4, 0, BYTES("last")}, {0, 0, BYTES("")}}},
    {"no input at all", BYTES(""), 64, {{0, 0, BYTES("")}, {0, 0, BYTES("")}}},
    {"NUL bytes inside a line", BYTES("a\0b\n\0\n"), 64,
     {{4, 0, BYTES("a\0b\n")}, {2, 0, BYTES("\0\n")}, {0, 0, BYTES("")}}},
    {"line of exactly maxlen-1 bytes", BYTES("abcdef\nz\n"), 8,
     {{7, 0, BYTES("abcdef\n")}, {2, 0, BYTES("z\n")}, {0, 0, BYTES("")}}},
    {"line of maxlen bytes", BYTES("abcdefg\n"), 8,
     {{-1, EMSGSIZE, BYTES("abcdefg")}, {1, 0, BYTES("\n")}, {0, 0, BYTES("")}}},
    {"line longer than maxlen", BYTES("abcdefghij\nok\n"), 8,
     {{-1, EMSGSIZE, BYTES("abcdefg")},
      {4, 0, BYTES("hij\n")},
      {3, 0, BYTES("ok\n")},
      {0, 0, BYTES("")}}},
    {"line twice maxlen", BYTES("0123456789abcde\n"), 6,
     {{-1, EMSGSIZE, BYTES("01234")},
      {-1, EMSGSIZE, BYTES("56789")},
      {-1, EMSGSIZE, BYTES("abcde")},
      {1, 0, BYTES("\n")},
      {0, 0, BYTES("")}}},
    /* maxlen-1 bytes and then EOF: the bound is reached before EOF is seen. */
    {"full buffer at EOF", BYTES("abcdefg"), 8,
     {{-1, EMSGSIZE, BYTES("abcdefg")}, {0, 0, BYTES("")}}},
    {"maxlen 2", BYTES("ab\n\n"), 2,
     {{-1, EMSGSIZE, BYTES("a")},
      {-1, EMSGSIZE, BYTES("b")},
      {1, 0, BYTES("\n")},
      {1, 0, BYTES("\n")},
      {0, 0, BYTES("")}}},
};
/* clang-format on */

/* Run one case: feed its input in pieces of `piece` bytes (0 = all up front). */
static void run_readline_case(const rl_case *c, channel ch, size_t piece)
{
    feeder f;
    int fd = feed_start(&f, ch, c->input, c->input_len, piece);
    CU_ASSERT_FATAL(fd >= 0);
    sl_rio rio;
    sl_rio_init(&rio, fd);
    /* Exactly maxlen bytes, so that ASan or valgrind catch a write past it. */
    char *buf = malloc(c->maxlen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);

    for (size_t k = 0; k < RL_MAX_CALLS; k++) {
        const rl_result *want = &c->calls[k];
        memset(buf, '#', c->maxlen);
        errno = 0;
        ssize_t ret = sl_rio_readline(&rio, buf, c->maxlen);
        int err = errno;
        CU_EXPECT(ret == want->ret && (ret >= 0 || err == want->err), __LINE__,
               "%s (%s, pieces of %zu), call %zu: got %zd errno %d, want %zd errno %d", c->name,
               channel_name(ch), piece, k + 1, ret, err, want->ret, want->err);
        CU_EXPECT(memcmp(buf, want->bytes, want->len) == 0 && buf[want->len] == '\0', __LINE__,
               "%s (%s, pieces of %zu), call %zu: buffer holds the wrong bytes", c->name,
               channel_name(ch), piece, k + 1);
        if (want->ret == 0) {
            break; /* EOF: the rest of the table is empty */
        }
    }
    free(buf);
    close(fd);
    CU_ASSERT_EQUAL(feed_finish(&f), 0);
}

static void test_readline_table(void)
{
    static const size_t pieces[] = {0, 1, 2, 3};
    for (size_t i = 0; i < sizeof readline_cases / sizeof readline_cases[0]; i++) {
        for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            run_readline_case(&readline_cases[i], VIA_SOCKETPAIR, pieces[p]);
        }
        run_readline_case(&readline_cases[i], VIA_PIPE, 1);
    }
}

static void test_readline_bad_maxlen(void)
{
    /* maxlen < 2 leaves no room for a byte and the NUL: EINVAL, and nothing
     * is consumed, so the next call with a real buffer gets the whole line. */
    static const size_t bad[] = {0, 1};
    feeder f;
    int fd = feed_start(&f, VIA_SOCKETPAIR, BYTES("line\n"), 0);
    CU_ASSERT_FATAL(fd >= 0);
    sl_rio rio;
    sl_rio_init(&rio, fd);
    char buf[16] = "untouched";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        ssize_t ret = sl_rio_readline(&rio, buf, bad[i]);
        CU_EXPECT(ret == -1 && errno == EINVAL, __LINE__, "maxlen %zu: got %zd errno %d", bad[i], ret,
               errno);
    }
    CU_ASSERT_STRING_EQUAL(buf, "untouched");
    CU_ASSERT_EQUAL(sl_rio_readline(&rio, buf, sizeof buf), 5);
    CU_ASSERT_STRING_EQUAL(buf, "line\n");
    close(fd);
    CU_ASSERT_EQUAL(feed_finish(&f), 0);
}

/* Lines of many lengths, so that newlines fall just before, on and just after
 * each multiple of the reader's SL_RIO_BUFSIZE-byte buffer, and one line is
 * longer than the buffer itself. */
static void test_readline_buffer_boundaries(void)
{
    static const size_t layouts[][6] = {
        {SL_RIO_BUFSIZE},
        {SL_RIO_BUFSIZE - 1, 1, SL_RIO_BUFSIZE},
        {SL_RIO_BUFSIZE + 1, SL_RIO_BUFSIZE - 2, 3},
        {8000, 191, 1, SL_RIO_BUFSIZE * 2 + 5, 17},
        {3 * SL_RIO_BUFSIZE + 100},
    };
    static const size_t pieces[] = {0, 1, 1000, 8191};
    enum { MAXLEN = 4 * SL_RIO_BUFSIZE };
    char *buf = malloc(MAXLEN);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);

    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        /* Build the input: line k is layouts[i][k] bytes, newline included. */
        size_t total = 0;
        for (size_t k = 0; k < 6 && layouts[i][k] > 0; k++) {
            total += layouts[i][k];
        }
        char *input = pattern(total, (unsigned)i);
        size_t off = 0;
        for (size_t k = 0; k < 6 && layouts[i][k] > 0; k++) {
            for (size_t b = 0; b + 1 < layouts[i][k]; b++) {
                if (input[off + b] == '\n') {
                    input[off + b] = '.';
                }
            }
            off += layouts[i][k];
            input[off - 1] = '\n';
        }
        for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            if (pieces[p] == 0 && total > UPFRONT_MAX) {
                continue;
            }
            feeder f;
            int fd = feed_start(&f, VIA_SOCKETPAIR, input, total, pieces[p]);
            CU_ASSERT_FATAL(fd >= 0);
            sl_rio rio;
            sl_rio_init(&rio, fd);
            off = 0;
            for (size_t k = 0; k < 6 && layouts[i][k] > 0; k++) {
                ssize_t ret = sl_rio_readline(&rio, buf, MAXLEN);
                CU_EXPECT(ret == (ssize_t)layouts[i][k], __LINE__,
                       "layout %zu, pieces of %zu, line %zu: got %zd, want %zu", i, pieces[p], k,
                       ret, layouts[i][k]);
                if (ret != (ssize_t)layouts[i][k]) {
                    break;
                }
                CU_EXPECT(memcmp(buf, input + off, layouts[i][k]) == 0, __LINE__,
                       "layout %zu, pieces of %zu, line %zu: bytes differ", i, pieces[p], k);
                off += layouts[i][k];
            }
            CU_ASSERT_EQUAL(sl_rio_readline(&rio, buf, MAXLEN), 0);
            close(fd);
            CU_ASSERT_EQUAL(feed_finish(&f), 0);
        }
        free(input);
    }
    free(buf);
}

/* ---- mixing buffered calls, and EOF ---------------------------------------- */

static void test_readline_then_readnb(void)
{
    /* A header line says how long the body is; the body is raw bytes that may
     * contain newlines; then more lines. Typical framing, as in lab 02. */
    enum { BODY = 3 * SL_RIO_BUFSIZE + 11 };
    char *body = pattern(BODY, 9);
    char header[32];
    int hlen = snprintf(header, sizeof header, "SIZE %d\n", BODY);
    static const char trailer[] = "END\nbye";
    size_t total = (size_t)hlen + BODY + sizeof trailer - 1;
    char *input = malloc(total);
    char *got = malloc(BODY);
    CU_ASSERT_FATAL(input != NULL && got != NULL);
    memcpy(input, header, (size_t)hlen);
    memcpy(input + hlen, body, BODY);
    memcpy(input + hlen + BODY, trailer, sizeof trailer - 1);

    static const size_t pieces[] = {1, 5, 4096, 100000};
    for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
        feeder f;
        int fd = feed_start(&f, VIA_SOCKETPAIR, input, total, pieces[p]);
        CU_ASSERT_FATAL(fd >= 0);
        sl_rio rio;
        sl_rio_init(&rio, fd);
        char line[64];

        CU_EXPECT(sl_rio_readline(&rio, line, sizeof line) == hlen && strcmp(line, header) == 0,
               __LINE__, "pieces of %zu: header line wrong", pieces[p]);
        ssize_t n = sl_rio_readnb(&rio, got, BODY);
        CU_EXPECT(n == BODY && memcmp(got, body, BODY) == 0, __LINE__,
               "pieces of %zu: body readnb gave %zd", pieces[p], n);
        CU_EXPECT(sl_rio_readline(&rio, line, sizeof line) == 4 && strcmp(line, "END\n") == 0,
               __LINE__, "pieces of %zu: END line wrong", pieces[p]);
        /* Three bytes remain; ask for ten: a short count at EOF, then 0. */
        n = sl_rio_readnb(&rio, line, 10);
        CU_EXPECT(n == 3 && memcmp(line, "bye", 3) == 0, __LINE__,
               "pieces of %zu: last readnb gave %zd, want 3", pieces[p], n);
        CU_ASSERT_EQUAL(sl_rio_readnb(&rio, line, 10), 0);
        CU_ASSERT_EQUAL(sl_rio_readline(&rio, line, sizeof line), 0);
        close(fd);
        CU_ASSERT_EQUAL(feed_finish(&f), 0);
    }
    free(got);
    free(input);
    free(body);
}

static void test_read_buffered(void)
{
    /* sl_rio_read hands out what is buffered without waiting for more. */
    feeder f;
    int fd = feed_start(&f, VIA_SOCKETPAIR, BYTES("abcdef"), 0);
    CU_ASSERT_FATAL(fd >= 0);
    sl_rio rio;
    sl_rio_init(&rio, fd);
    char buf[100];
    CU_ASSERT_EQUAL(sl_rio_read(&rio, buf, 0), 0);
    CU_ASSERT_EQUAL(sl_rio_read(&rio, buf, 2), 2);
    CU_ASSERT(memcmp(buf, "ab", 2) == 0);
    CU_ASSERT_EQUAL(sl_rio_read(&rio, buf, sizeof buf), 4);
    CU_ASSERT(memcmp(buf, "cdef", 4) == 0);
    CU_ASSERT_EQUAL(sl_rio_read(&rio, buf, sizeof buf), 0);
    CU_ASSERT_EQUAL(sl_rio_readnb(&rio, buf, sizeof buf), 0);
    CU_ASSERT_EQUAL(sl_rio_readnb(&rio, buf, 0), 0);
    close(fd);
    CU_ASSERT_EQUAL(feed_finish(&f), 0);
}

static void test_buffered_errors(void)
{
    char buf[16];
    sl_rio rio;

    sl_rio_init(&rio, -1);
    errno = 0;
    CU_ASSERT_EQUAL(sl_rio_readline(&rio, buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(errno, EBADF);
    errno = 0;
    CU_ASSERT_EQUAL(sl_rio_readnb(&rio, buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(errno, EBADF);

    int fds[2];
    CU_ASSERT_FATAL(pipe2(fds, O_NONBLOCK) == 0);
    sl_rio_init(&rio, fds[0]);
    errno = 0;
    CU_ASSERT_EQUAL(sl_rio_readline(&rio, buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(errno, EAGAIN);
    errno = 0;
    CU_ASSERT_EQUAL(sl_rio_read(&rio, buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(errno, EAGAIN);
    close(fds[0]);
    close(fds[1]);
}

int register_rio_tests(void)
{
    static const cu_test tests[] = {
        {"readn collects data written in pieces", test_readn_pieces},
        {"readn returns a short count at EOF", test_readn_eof_short},
        {"readn of 0 bytes returns at once", test_readn_zero},
        {"readn reports EBADF and EAGAIN", test_readn_errors},
        {"reads survive EINTR while blocked", test_eintr_readers},
        {"writen survives EINTR while blocked", test_eintr_writen},
        {"writen delivers 4 MiB in order", test_writen_large},
        {"writen works on a regular file", test_writen_file_and_zero},
        {"writen gives EPIPE, never SIGPIPE", test_writen_epipe},
        {"readline table", test_readline_table},
        {"readline rejects maxlen < 2", test_readline_bad_maxlen},
        {"readline across buffer boundaries", test_readline_buffer_boundaries},
        {"readline and readnb mixed", test_readline_then_readnb},
        {"sl_rio_read returns what is buffered", test_read_buffered},
        {"buffered reads report EBADF and EAGAIN", test_buffered_errors},
        {NULL, NULL},
    };
    return cu_add_suite("rio", tests);
}
