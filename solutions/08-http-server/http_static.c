/* http_static.c - files under DOCROOT: the path made safe, the file found
 * (a directory's index.html, a 301 for a directory without its slash),
 * its type, If-Modified-Since, Range, gzip, and its bytes named for the
 * connection to send with sendfile(), which copies from the file to the
 * socket inside the kernel: the file is never read into the server's
 * memory.
 *
 * The path was percent-decoded and its dot segments refused before it
 * comes here (http_conn.c): a check made on the encoded path would let
 * /%2e%2e/ through. What is left to check is the file system: a symbolic
 * link can point anywhere, so the resolved path (realpath) must still be
 * inside DOCROOT. A path with no link on the way needs none of that: one
 * openat2() beneath DOCROOT that refuses links finds it, and only a path
 * with a link takes realpath()'s slow way (a syscall per component). */
#include "http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Content-Type by extension (case-insensitive). */
static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"css", "text/css"},
        {"js", "text/javascript"},
        {"json", "application/json"},
        {"txt", "text/plain; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"ico", "image/x-icon"},
    };
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (dot != NULL && (slash == NULL || dot > slash)) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            if (strcasecmp(dot + 1, types[i].ext) == 0) {
                return types[i].type;
            }
        }
    }
    return "application/octet-stream";
}

/* 1 if the resolved @p real is DOCROOT or inside it. */
static int inside_root(const hs_config *cfg, const char *real)
{
    size_t n = cfg->cfg_root_len;
    return strncmp(real, cfg->cfg_root, n) == 0 &&
           (real[n] == '\0' || real[n] == '/' || (n == 1 && cfg->cfg_root[0] == '/'));
}

/* The fast way to the file, with no symbolic link on the way: one
 * openat2() beneath DOCROOT's descriptor that refuses links and ".."
 * (the kernel checks what realpath() would). Returns the open file, or -1
 * with errno: ELOOP or EXDEV (a link: the slow way decides), ENOSYS. */
static int open_beneath(const hs_config *cfg, const char *rel)
{
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS};
    return (int)syscall(SYS_openat2, cfg->cfg_root_fd, rel[0] ? rel : ".", &how, sizeof how);
}

/* open_beneath()'s failure: 404 or 403 as the slow way would say, or -1:
 * the slow way decides (a link on the way, no openat2()). */
static int beneath_error(void)
{
    return errno == ENOENT || errno == ENOTDIR ? 404 : errno == EACCES ? 403 : -1;
}

/* An open file that must be a regular one: 0, or 404 (closed). */
static int regular(int *fd, struct stat *st)
{
    if (fstat(*fd, st) < 0 || !S_ISREG(st->st_mode)) {
        close(*fd);
        *fd = -1;
        return 404; /* a FIFO, a device, a directory named index.html */
    }
    return 0;
}

/* find_file() without realpath(): 0, a status, or -1 to take the slow way. */
static int find_fast(hs_exchange *ex, int *fd, struct stat *st, char *real)
{
    const hs_config *cfg = ex->ex_cfg;
    const char *rel = ex->ex_path + 1; /* after the leading slash */
    int n = snprintf(real, PATH_MAX, "%s/%s", cfg->cfg_root, rel);
    size_t len = strlen(rel);
    if (n < 0 || n >= PATH_MAX - (int)sizeof "index.html") {
        return -1;
    }
    *fd = open_beneath(cfg, rel);
    if (*fd < 0) {
        return beneath_error();
    }
    int known = fstat(*fd, st) == 0;
    if (known && S_ISREG(st->st_mode)) {
        return 0;
    }
    int dir = known && S_ISDIR(st->st_mode);
    close(*fd);
    *fd = -1;
    if (!dir) {
        return 404; /* a FIFO, a device */
    }
    if (len > 0 && rel[len - 1] != '/') {
        return 301;
    }
    strcat(real, "index.html");
    *fd = open_beneath(cfg, real + cfg->cfg_root_len + 1);
    if (*fd < 0) {
        return beneath_error();
    }
    return regular(fd, st);
}

/* Where a request's path leads: a status (404, 403, 301) or 0 and the
 * open file @p fd with its @p st and its resolved name @p real (PATH_MAX
 * bytes: a directory's index.html, a link's target, whose extension gives
 * the type). */
static int find_file(hs_exchange *ex, int *fd, struct stat *st, char *real)
{
    int fast = find_fast(ex, fd, st, real);
    if (fast >= 0) {
        return fast;
    }
    char full[2 * PATH_MAX];
    int n = snprintf(full, sizeof full, "%s%s", ex->ex_cfg->cfg_root, ex->ex_path);
    if (n < 0 || (size_t)n >= sizeof full - sizeof "index.html") {
        return 404;
    }
    if (realpath(full, real) == NULL) {
        return errno == EACCES ? 403 : 404;
    }
    if (!inside_root(ex->ex_cfg, real) || stat(real, st) < 0) {
        return 404; /* a link out of DOCROOT is not there */
    }
    if (S_ISDIR(st->st_mode)) {
        if (full[n - 1] != '/') {
            return 301;
        }
        strcat(full, "index.html");
        if (realpath(full, real) == NULL) {
            return errno == EACCES ? 403 : 404;
        }
        if (!inside_root(ex->ex_cfg, real)) {
            return 404;
        }
    }
    *fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0) {
        return errno == EACCES ? 403 : 404;
    }
    return regular(fd, st);
}

/* 301 to the directory with its slash, the query kept. */
static int redirect_dir(hs_exchange *ex)
{
    const hp_request *rq = ex->ex_rq;
    size_t qlen = 0;
    const char *q = hp_target_query(rq->rq_target, rq->rq_target_len, &qlen);
    size_t plen = q != NULL ? (size_t)(q - 1 - rq->rq_target) : rq->rq_target_len;
    size_t cap = plen + qlen + 32;
    char *loc = malloc(cap);
    if (loc == NULL) {
        return hs_send_error(ex, 500, NULL, NULL);
    }
    snprintf(loc, cap, "Location: %.*s/%s%.*s\r\n", (int)plen, rq->rq_target, q ? "?" : "",
             (int)qlen, q ? q : "");
    int rc = hs_send_error(ex, 301, loc, "The resource has moved: the address ends with a /.");
    free(loc);
    return rc;
}

/* The bytes [first, first + count) of @p fd follow the head (sendfile()):
 * the connection owns the file from now on. */
static void attach_range(hs_exchange *ex, int *fd, uint64_t first, uint64_t count)
{
    if (!ex->ex_head && count > 0) {
        *ex->ex_file = (hs_file){.f_fd = *fd, .f_off = first, .f_left = count};
        *fd = -1;
    }
}

/* If-Modified-Since: 1 if the file has not changed since the date given. */
static int not_modified(const hs_exchange *ex, const struct stat *st)
{
    const hp_field *f = hp_find_field(ex->ex_rq, "if-modified-since", NULL);
    time_t since;
    return f != NULL && hp_parse_date(f->f_value, f->f_value_len, &since) == 0 &&
           st->st_mtime <= since;
}

/* The answer for an open file: 304, 206, 416 or 200 (gzipped or not). */
static int send_file(hs_exchange *ex, int *fd, const struct stat *st, const char *name)
{
    const char *type = content_type(name);
    uint64_t size = (uint64_t)st->st_size, first = 0, last = size ? size - 1 : 0;
    hs_reply r = {
        .r_status = 200, .r_type = type, .r_length = size, .r_mtime = st->st_mtime, .r_ranges = 1};
    if (not_modified(ex, st)) {
        r.r_status = 304;
        r.r_no_length = 1;
        return hs_send_head(ex, &r);
    }
    const hp_field *range = hp_find_field(ex->ex_rq, "range", NULL);
    int rr = range != NULL && !ex->ex_head
                 ? hp_parse_range(range->f_value, range->f_value_len, size, &first, &last)
                 : HP_RANGE_IGNORE;
    char extra[96];
    if (rr == HP_RANGE_UNSATISFIABLE) {
        snprintf(extra, sizeof extra, "Content-Range: bytes */%llu\r\n", (unsigned long long)size);
        return hs_send_error(ex, 416, extra, "The range asked for is not in the file.");
    }
    if (rr == HP_RANGE_OK) {
        snprintf(extra, sizeof extra, "Content-Range: bytes %llu-%llu/%llu\r\n",
                 (unsigned long long)first, (unsigned long long)last, (unsigned long long)size);
        r.r_status = 206;
        r.r_length = last - first + 1;
        r.r_extra = extra;
        if (hs_send_head(ex, &r) < 0) {
            return -1;
        }
        attach_range(ex, fd, first, r.r_length);
        return 0;
    }
    if (ex->ex_gzip_ok && hs_compressible(type) && hs_gzip_length(*fd, size, &r.r_length) == 0) {
        r.r_gzip = 1;
        if (hs_send_head(ex, &r) < 0 || ex->ex_head) {
            return ex->ex_failed ? -1 : 0;
        }
        /* sent as the socket takes it; f_left is the length the head said */
        *ex->ex_file =
            (hs_file){.f_fd = *fd, .f_left = r.r_length, .f_gzip = hs_gzip_open(*fd, size)};
        *fd = -1;
        return ex->ex_file->f_gzip != NULL ? 0 : (ex->ex_failed = 1, -1);
    }
    if (hs_send_head(ex, &r) < 0) {
        return -1;
    }
    attach_range(ex, fd, 0, size);
    return 0;
}

int hs_serve_static(hs_exchange *ex)
{
    int fd = -1;
    struct stat st;
    char real[PATH_MAX];
    int status = find_file(ex, &fd, &st, real);
    if (status == 301 && ex->ex_rq->rq_method_id != HP_POST) {
        return redirect_dir(ex);
    }
    if (status == 404) {
        char detail[PATH_MAX + 64];
        snprintf(detail, sizeof detail, "Nothing here is called %s.", ex->ex_path);
        return hs_send_error(ex, 404, NULL, detail);
    }
    if (status != 0 && status != 301) {
        return hs_send_error(ex, status, NULL, NULL);
    }
    int rc;
    if (ex->ex_rq->rq_method_id == HP_POST) {
        rc = hs_send_error(ex, 405, "Allow: GET, HEAD\r\n", "Files can be read, not posted to.");
    } else {
        rc = send_file(ex, &fd, &st, real);
    }
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}
