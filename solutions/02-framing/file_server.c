/*
 * file_server.c - receives files over TCP into a directory. Lab 02, reference solution.
 *
 * usage: file_server PORT DIR
 *
 * Listens on TCP PORT and serves clients one after another. Each client
 * uploads one file with the lab's protocol:
 *
 *   client: NAME|SIZE\n          (one header line, at most 1024 bytes)
 *   server: OK\n  or  ERR reason\n (and then closes)
 *   client: exactly SIZE bytes
 *   server: DONE SIZE\n  or  ERR reason\n
 *
 * The body goes into a temporary file in DIR (".partial-" and random hex),
 * which is renamed to DIR/NAME only once every byte has arrived, so a client
 * that disconnects halfway leaves nothing behind. DIR is created if missing.
 *
 * Exit status: 2 for a usage error, 1 if the server cannot start. Otherwise
 * it runs until a signal stops it.
 */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The header line may hold at most this many bytes, newline included. */
#define HEADER_MAX 1024
/* A NAME may hold at most this many bytes (NAME_MAX on most file systems). */
#define NAME_MAX_LEN 255
/* The largest SIZE the protocol allows: 2^40 bytes (1 TiB). */
#define SIZE_MAX_BYTES (UINT64_C(1) << 40)
/* Body bytes are copied through a buffer of this size: memory stays constant. */
#define COPY_BUF 65536

static void usage(FILE *out)
{
    fprintf(out, "usage: file_server PORT DIR\n"
                 "Listen on TCP PORT and store each uploaded file in DIR (created if missing).\n");
}

/*
 * Is name[0..len) a safe file name inside the directory? One path
 * component: 1..255 bytes, no '/', no NUL, no control characters, and
 * not "." or "..". Sets *why to the reason when it is not.
 */
static int name_is_safe(const char *name, size_t len, const char **why)
{
    if (len == 0) {
        *why = "empty name";
        return 0;
    }
    if (len > NAME_MAX_LEN) {
        *why = "name too long";
        return 0;
    }
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
        *why = "name is . or ..";
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch == '\0') {
            *why = "NUL byte in name";
            return 0;
        }
        if (ch == '/') {
            *why = "slash in name";
            return 0;
        }
        if (ch < 0x20 || ch == 0x7f) {
            *why = "control character in name";
            return 0;
        }
    }
    return 1;
}

/* Parse SIZE: 1..13 decimal digits, nothing else, at most 2^40. */
static int parse_size(const char *s, size_t len, uint64_t *size)
{
    if (len == 0 || len > 13) {
        return -1;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > SIZE_MAX_BYTES) {
        return -1;
    }
    *size = v;
    return 0;
}

/*
 * Parse a header line of len bytes (newline included). On success copy NAME
 * into name (NUL-terminated) and set *size; else set *why and return -1.
 * The last '|' separates NAME from SIZE, since SIZE never contains one.
 */
static int parse_header(const char *line, size_t len, char *name, uint64_t *size, const char **why)
{
    len--; /* drop the '\n' */
    const char *bar = NULL;
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '|') {
            bar = line + i;
        }
    }
    if (bar == NULL) {
        *why = "malformed header: no '|'";
        return -1;
    }
    size_t name_len = (size_t)(bar - line);
    if (!name_is_safe(line, name_len, why)) {
        return -1;
    }
    if (parse_size(bar + 1, len - name_len - 1, size) < 0) {
        *why = "bad size";
        return -1;
    }
    memcpy(name, line, name_len);
    name[name_len] = '\0';
    return 0;
}

/* Send one reply line; a client that went away only gets logged. */
static void reply(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reply(int fd, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        n = (int)strlen(line);
    }
    if (sl_rio_writen(fd, line, (size_t)n) < 0) {
        fprintf(stderr, "file_server: reply: %s\n", strerror(errno));
    }
}

/* Create a new temporary file in dirfd; its name goes into tmp (32 bytes). */
static int open_temp(int dirfd, char *tmp, size_t tmplen)
{
    for (int tries = 0; tries < 10; tries++) {
        uint64_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
            r = (uint64_t)getpid() * 1000003u + (uint64_t)tries;
        }
        snprintf(tmp, tmplen, ".partial-%016" PRIx64, r);
        /* O_EXCL: never reuse (or follow a symlink planted at) an existing name. */
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != EEXIST) {
            return fd;
        }
    }
    return -1;
}

/*
 * Copy exactly size bytes from the client into fd. Returns 0, or -1 with
 * *why set: the client left early, or the disk refused.
 */
static int receive_body(sl_rio *rp, int fd, uint64_t size, const char **why)
{
    static char buf[COPY_BUF];
    uint64_t left = size;
    while (left > 0) {
        size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
        /* One read returns whatever has arrived: anything from 1 byte up. */
        ssize_t n = sl_rio_read(rp, buf, want);
        if (n <= 0) {
            *why = n == 0 ? "client closed the connection before the end of the body"
                          : "receive failed";
            return -1;
        }
        if (sl_rio_writen(fd, buf, (size_t)n) < 0) {
            *why = "write failed";
            return -1;
        }
        left -= (uint64_t)n;
    }
    return 0;
}

/* Serve one upload on cfd; files go into dirfd. */
static void serve_client(int cfd, int dirfd)
{
    sl_rio rio;
    sl_rio_init(&rio, cfd);
    char line[HEADER_MAX + 1];
    ssize_t n = sl_rio_readline(&rio, line, sizeof line);
    if (n < 0 && errno == EMSGSIZE) {
        fprintf(stderr, "file_server: refused a header: header too long\n");
        reply(cfd, "ERR header too long\n");
        return;
    }
    if (n <= 0 || line[n - 1] != '\n') {
        fprintf(stderr, "file_server: client left before the end of the header\n");
        return;
    }
    char name[NAME_MAX_LEN + 1];
    uint64_t size = 0;
    const char *why = NULL;
    if (parse_header(line, (size_t)n, name, &size, &why) < 0) {
        fprintf(stderr, "file_server: refused a header: %s\n", why);
        reply(cfd, "ERR %s\n", why);
        return;
    }

    char tmp[32];
    int fd = open_temp(dirfd, tmp, sizeof tmp);
    if (fd < 0) {
        fprintf(stderr, "file_server: cannot create a file: %s\n", strerror(errno));
        reply(cfd, "ERR cannot create file\n");
        return;
    }
    reply(cfd, "OK\n");

    int ok = receive_body(&rio, fd, size, &why) == 0;
    /* close() can report a write error too (on NFS, say). */
    if (close(fd) < 0 && ok) {
        ok = 0;
        why = "write failed";
    }
    if (ok && renameat(dirfd, tmp, dirfd, name) < 0) {
        ok = 0;
        why = "cannot rename file";
    }
    if (!ok) {
        unlinkat(dirfd, tmp, 0);
        fprintf(stderr, "file_server: %s: %s\n", name, why);
        reply(cfd, "ERR %s\n", why);
        return;
    }
    fprintf(stderr, "file_server: received %s (%" PRIu64 " bytes)\n", name, size);
    reply(cfd, "DONE %" PRIu64 "\n", size);
}

int main(int argc, char **argv)
{
    char err[SL_ERR_LEN];
    uint16_t port;
    if (argc != 3) {
        usage(stderr);
        return 2;
    }
    if (sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "file_server: %s\n", err);
        return 2;
    }
    if (mkdir(argv[2], 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "file_server: mkdir %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    /* Every file operation is relative to this fd: the names a client sends
     * are checked to be one component, so they cannot leave DIR. */
    int dirfd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        fprintf(stderr, "file_server: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    int lfd = sl_addr_listen(NULL, argv[1], 16, err);
    if (lfd < 0) {
        fprintf(stderr, "file_server: %s\n", err);
        return 1;
    }
    /* A client that leaves before our reply must not kill the server. */
    signal(SIGPIPE, SIG_IGN);
    fprintf(stderr, "file_server: listening on port %s, saving into %s\n", argv[1], argv[2]);
    for (;;) {
        int cfd = accept(lfd, NULL, NULL);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
                continue;
            }
            fprintf(stderr, "file_server: accept: %s\n", strerror(errno));
            return 1;
        }
        serve_client(cfd, dirfd);
        close(cfd);
    }
}
