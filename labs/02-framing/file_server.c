/*
 * file_server.c - receives files over TCP into a directory. Lab 02.
 *
 * This is the skeleton: it builds and runs, and tells you which step is
 * missing. Your work is marked TODO(step 1) to TODO(step 5); the guide is
 * README.md.
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
    /* TODO(step 4): NAME comes from the network. Refuse (set *why, return 0)
     * an empty name, one longer than NAME_MAX_LEN, "." and "..", and any
     * name with a '/', a NUL byte or a control character (below 0x20, 0x7f).
     * Until then every name is accepted, even "../../etc/passwd". */
    (void)name;
    (void)len;
    (void)why;
    return 1;
}

/* Parse SIZE: 1..13 decimal digits, nothing else, at most 2^40. */
static int parse_size(const char *s, size_t len, uint64_t *size)
{
    /* TODO(step 4): accept only 1 to 13 decimal digits, at most
     * SIZE_MAX_BYTES. strtoull() alone is too kind: it takes " 10", "+5" and
     * "-1" (which becomes 2^64 - 1), and stops quietly at "1e9". */
    char digits[32];
    if (len >= sizeof digits) {
        return -1;
    }
    memcpy(digits, s, len);
    digits[len] = '\0';
    *size = strtoull(digits, NULL, 10);
    return 0;
}

/*
 * Parse a header line of len bytes (newline included). On success copy NAME
 * into name (NUL-terminated) and set *size; else set *why and return -1.
 * The last '|' separates NAME from SIZE, since SIZE never contains one.
 */
static int parse_header(const char *line, size_t len, char *name, uint64_t *size,
                        const char **why)
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


/*
 * Copy exactly size bytes from the client into fd. Returns 0, or -1 with
 * *why set: the client left early, or the disk refused.
 */
static int receive_body(sl_rio *rp, int fd, uint64_t size, const char **why)
{
    /* TODO(step 1): copy exactly size bytes from the client into fd: read
     * with sl_rio_read(rp, ...) (the reader may already hold the first body
     * bytes, read together with the header), write with sl_rio_writen(fd,
     * ...), count down until 0 bytes are left. A read returning 0 means the
     * client left early: set *why and return -1.
     * TODO(step 3): go through a fixed buffer (COPY_BUF bytes): never
     * allocate SIZE bytes, it comes from the network. */
    (void)rp;
    (void)fd;
    (void)size;
    *why = "not implemented: see TODO(step 1) in file_server.c";
    return -1;
}

/* Serve one upload on cfd; files go into dirfd. */
static void serve_client(int cfd, int dirfd)
{
    sl_rio rio;
    sl_rio_init(&rio, cfd);
    char line[HEADER_MAX + 1];
    /* TODO(step 1): read the header line:
     *     ssize_t n = sl_rio_readline(&rio, line, sizeof line);
     * It returns the line's length, newline included, however many recv()s
     * it took (step 2 is about that). */
    ssize_t n = 0;
    /* TODO(step 4): a header without a newline within HEADER_MAX bytes makes
     * sl_rio_readline() return -1 with errno EMSGSIZE: answer
     * "ERR header too long" and close. */
    if (n <= 0 || line[n - 1] != '\n') {
        fprintf(stderr, "file_server: step 1 is not done yet: see TODO(step 1) in file_server.c "
                        "and labs/02-framing/README.md\n");
        reply(cfd, "ERR not implemented yet\n");
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

    /* TODO(step 5): this writes straight to NAME, so a client that leaves
     * halfway leaves a partial file. Create a temporary file in DIR instead
     * (a name like ".partial-" and random hex, O_CREAT | O_EXCL), write the
     * body there, and renameat() it to NAME after the last byte; unlinkat()
     * it when the body is cut short. */
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
    if (!ok) {
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
