/* bug_file_modes.c - lab 02's file server with one classic bug each, chosen
 * by MODE: a check of the header left out, or the wrong way to parse SIZE,
 * or a server that does not survive a bad header, or one that leaves its
 * temporary file behind.
 *
 * usage: bug_file_modes MODE PORT DIR, where MODE is
 *   slash     no '/' check: "../escape" climbs out
 *   dotdot    refuses names containing "..", nothing else: an absolute
 *             path goes through
 *   empty     no check that NAME has a byte
 *   nul       checks NAME as a C string (strlen()): "a\0b" is taken as "a"
 *   long      no length check: a 300-byte NAME gets OK, then open() fails
 *   dots      no check for "." and ".."
 *   atoi      SIZE with atoll(): "abc" is 0
 *   strtoull  SIZE with strtoull() and its end pointer: " 10" is 10
 *   nocount   SIZE all digits, with no limit on their count or the value
 *   nolimit   SIZE 1 to 13 digits, never compared with 2^40
 *   exit      exits (status 1) on the first header it refuses
 *   keeptemp  writes to a temporary file and renames it, but leaves it
 *             behind when the client hangs up halfway
 *   name256   the length check is off by one: a 256-byte NAME gets OK
 *   del       control characters are bytes below 32: DEL (127) gets OK
 *   onedot    refuses "..", forgets ".": OK, then the rename fails
 *   ascii     refuses bytes 128 to 255, which the guide allows
 *   firstbar  splits the header at the first '|': "a|b.txt|5" is refused
 *   base0     SIZE checked as digits, then strtoull(s, NULL, 0): "0010" is 8
 *   noreplace refuses a NAME that exists ("ERR file exists")
 *   recvbody  reads the body with recv() on the socket, skipping what the
 *             reader already holds after the header
 *   hdr1025   waits for a 1025th byte before refusing a header without a
 *             newline (a buffer one byte too long)
 *   spin      reads the header byte by byte and takes a read of 0 for "try
 *             again": a client that closes mid-header keeps it spinning
 *   zombie    serves each client in a child process and never reaps it
 *   thread    starts a helper thread for each client (a progress timer,
 *             say) that never ends
 *   fdleak    never closes the temporary file's descriptor
 *   nopipe    takes a header without '|' for NAME with SIZE 0
 *   nozeros   refuses SIZE with a leading zero ("0010"), which is valid
 *   max40     refuses SIZE 2^40 itself (>= instead of >)
 * Everything else follows labs/02-framing/README.md, like the reference
 * solution. Each mode fails the one check meant for its bug. */
#include "selftest_files.h"

#include <pthread.h>
#include <stdlib.h>

static const char *mode;

static int is(const char *m)
{
    return strcmp(mode, m) == 0;
}

/* line[0..len) is "NAME|SIZE\n": the correct checks of files_parse(), less
 * the one MODE leaves out. Returns 0 with name and *size set, or -1. */
static int parse(const char *line, size_t len, char *name, uint64_t *size)
{
    const char *bar = NULL;
    len--;
    for (size_t i = 0; i < len; i++) {
        bar = line[i] == '|' ? line + i : bar;
    }
    if (bar == NULL && is("nopipe") && len > 0 && len <= 255 && memchr(line, '/', len) == NULL) {
        memcpy(name, line, len); /* the bug: no '|' taken for SIZE 0 */
        name[len] = '\0';
        *size = 0;
        return 0;
    }
    if (bar == NULL) {
        return -1;
    }
    if (is("firstbar")) {
        bar = memchr(line, '|', len); /* the bug: the first '|', not the last */
    }
    size_t nl = (size_t)(bar - line);
    if (is("nul")) {
        nl = strnlen(line, nl); /* the bug: the name ends at a NUL */
    }
    size_t most = is("name256") ? 256 : 255; /* the bug: one too many */
    if ((nl == 0 && !is("empty")) || (nl > most && !is("long")) || nl > 4000) {
        return -1;
    }
    int dot = nl == 1 && line[0] == '.' && !is("onedot"); /* onedot: the bug */
    if (!is("dots") && (dot || (nl == 2 && memcmp(line, "..", 2) == 0))) {
        return -1;
    }
    for (size_t i = 0; i < nl; i++) {
        unsigned char ch = (unsigned char)line[i];
        int slash = ch == '/' && !is("slash") && !is("dotdot");
        int del = ch == 0x7f && !is("del");   /* del: the bug */
        int high = ch >= 0x80 && is("ascii"); /* ascii: the bug */
        if (ch < 0x20 || del || slash || high) {
            return -1;
        }
    }
    if (is("dotdot") && memmem(line, nl, "..", 2) != NULL) {
        return -1; /* the bug: the only check, and not enough */
    }
    const char *digits = bar + 1;
    size_t sl = len - (size_t)(digits - line);
    char text[64];
    snprintf(text, sizeof text, "%.*s", (int)(sl < 63 ? sl : 63), digits);
    uint64_t v = 0;
    if (is("atoi")) {
        long long a = atoll(text); /* the bug: junk is 0 */
        if (a < 0) {
            return -1;
        }
        v = (uint64_t)a;
    } else if (is("strtoull")) {
        char *end;
        errno = 0;
        v = strtoull(text, &end, 10); /* the bug: leading spaces are skipped */
        if (end == text || *end != '\0' || errno != 0 || text[0] == '-' || text[0] == '+') {
            return -1;
        }
    } else {
        if (sl == 0 || (sl > 13 && !is("nocount"))) {
            return -1;
        }
        for (size_t i = 0; i < sl; i++) {
            if (digits[i] < '0' || digits[i] > '9') {
                return -1;
            }
            v = v * 10 + (uint64_t)(digits[i] - '0');
        }
        if (is("base0")) {
            v = strtoull(text, NULL, 0); /* the bug: a leading 0 means octal */
        }
    }
    if (v > (UINT64_C(1) << 40) && !is("nolimit") && !is("nocount")) {
        return -1;
    }
    if (is("nozeros") && sl > 1 && digits[0] == '0') {
        return -1; /* the bug: leading zeros are digits too */
    }
    if (is("max40") && v == (UINT64_C(1) << 40)) {
        return -1; /* the bug: "at most 2^40" includes 2^40 */
    }
    memcpy(name, line, nl);
    name[nl] = '\0';
    *size = v;
    return 0;
}

/* spin: read a line a byte at a time, taking 0 (the end) for "nothing yet". */
static ssize_t spin_readline(sl_rio *rp, char *line, size_t max)
{
    size_t n = 0;
    while (n < max - 1) {
        ssize_t k = sl_rio_read(rp, line + n, 1);
        if (k < 0) {
            return -1;
        }
        if (k == 0) {
            continue; /* the bug: the client has gone, and this spins */
        }
        if (line[n++] == '\n') {
            return (ssize_t)n;
        }
    }
    errno = EMSGSIZE;
    return -1;
}

/* Refuse a header with reason; in mode exit, that ends the server. */
static void refuse(int fd, const char *reason)
{
    files_reply(fd, reason);
    if (is("exit")) {
        exit(1); /* the bug: one bad header ends the service */
    }
}

static void serve(int fd, const char *dir)
{
    sl_rio rio;
    sl_rio_init(&rio, fd);
    char line[FILES_HEADER_MAX + 2];
    ssize_t n = is("spin")      ? spin_readline(&rio, line, FILES_HEADER_MAX + 1)
                : is("hdr1025") ? sl_rio_readline(&rio, line, FILES_HEADER_MAX + 2)
                                : sl_rio_readline(&rio, line, FILES_HEADER_MAX + 1);
    if (n < 0 && errno == EMSGSIZE) {
        refuse(fd, "ERR header too long\n");
        return;
    }
    if (n <= 0 || line[n - 1] != '\n') {
        return;
    }
    char name[4096];
    uint64_t size;
    if (parse(line, (size_t)n, name, &size) < 0) {
        refuse(fd, "ERR bad header\n");
        return;
    }
    char tmp[4200];
    char path[8200];
    static unsigned uploads; /* a fresh temporary name for each upload */
    snprintf(tmp, sizeof tmp, "%s/.partial-%d-%u", dir, (int)getpid(), ++uploads);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat there;
    if (is("noreplace") && stat(path, &there) == 0) {
        refuse(fd, "ERR file exists\n"); /* the bug: the guide says it is replaced */
        return;
    }
    int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        refuse(fd, "ERR cannot create file\n");
        return;
    }
    files_reply(fd, "OK\n");
    uint64_t left = size;
    int ok = 1;
    while (left > 0 && ok) {
        char data[65536];
        size_t want = left < sizeof data ? (size_t)left : sizeof data;
        /* recvbody, the bug: the socket, not the reader that holds the
         * bytes read after the header's newline */
        ssize_t k = is("recvbody") ? recv(fd, data, want, 0) : sl_rio_read(&rio, data, want);
        ok = k > 0 && sl_rio_writen(out, data, (size_t)k) == k;
        left -= ok ? (uint64_t)k : 0;
    }
    if (!is("fdleak")) {
        ok = close(out) == 0 && ok; /* fdleak, the bug: out stays open */
    }
    if (!ok) {
        if (!is("keeptemp")) {
            unlink(tmp); /* in mode keeptemp, the bug: it stays */
        }
        return;
    }
    if (rename(tmp, path) < 0) {
        unlink(tmp);
        files_reply(fd, "ERR cannot create file\n");
        return;
    }
    char done[64];
    snprintf(done, sizeof done, "DONE %llu\n", (unsigned long long)size);
    files_reply(fd, done);
}

/* zombie: each client in a child, never reaped (the bug: no waitpid()). */
static void serve_in_child(int fd, const char *dir)
{
    pid_t pid = fork();
    if (pid == 0) {
        serve(fd, dir);
        _exit(0);
    }
}

/* thread: the helper waits for an end that never comes. */
static void *helper(void *arg)
{
    (void)arg;
    for (;;) {
        pause();
    }
    return NULL;
}

/* thread: serve, then leave a thread behind (the bug: never joined or ended). */
static void serve_leaving_thread(int fd, const char *dir)
{
    serve(fd, dir);
    pthread_t t;
    if (pthread_create(&t, NULL, helper, NULL) == 0) {
        pthread_detach(t);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bug_file_modes MODE PORT DIR\n");
        return 2;
    }
    mode = argv[1];
    void (*each)(int, const char *) = is("zombie")   ? serve_in_child
                                      : is("thread") ? serve_leaving_thread
                                                     : serve;
    return files_run(argc - 1, argv + 1, "bug_file_modes", each);
}
