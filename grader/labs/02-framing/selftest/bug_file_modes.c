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
 * Everything else follows labs/02-framing/README.md, like the reference
 * solution. Each mode fails the one check meant for its bug. */
#include "selftest_files.h"

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
    if (bar == NULL) {
        return -1;
    }
    size_t nl = (size_t)(bar - line);
    if (is("nul")) {
        nl = strnlen(line, nl); /* the bug: the name ends at a NUL */
    }
    if ((nl == 0 && !is("empty")) || (nl > 255 && !is("long")) || nl > 4000) {
        return -1;
    }
    if (!is("dots") && ((nl == 1 && line[0] == '.') || (nl == 2 && memcmp(line, "..", 2) == 0))) {
        return -1;
    }
    for (size_t i = 0; i < nl; i++) {
        unsigned char ch = (unsigned char)line[i];
        int slash = ch == '/' && !is("slash") && !is("dotdot");
        if (ch < 0x20 || ch == 0x7f || slash) {
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
    }
    if (v > (UINT64_C(1) << 40) && !is("nolimit") && !is("nocount")) {
        return -1;
    }
    memcpy(name, line, nl);
    name[nl] = '\0';
    *size = v;
    return 0;
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
    char line[FILES_HEADER_MAX + 1];
    ssize_t n = sl_rio_readline(&rio, line, sizeof line);
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
        ssize_t k = sl_rio_read(&rio, data, left < sizeof data ? (size_t)left : sizeof data);
        ok = k > 0 && sl_rio_writen(out, data, (size_t)k) == k;
        left -= ok ? (uint64_t)k : 0;
    }
    ok = close(out) == 0 && ok;
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

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bug_file_modes MODE PORT DIR\n");
        return 2;
    }
    mode = argv[1];
    return files_run(argc - 1, argv + 1, "bug_file_modes", serve);
}
