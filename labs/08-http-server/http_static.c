/* http_static.c - files under DOCROOT: the path made safe, the file found
 * (a directory's index.html, a 301 for a directory without its slash),
 * its type, If-Modified-Since, Range, gzip, and its bytes sent with
 * sendfile(), which copies from the file to the socket inside the kernel:
 * the file is never read into the server's memory. */
#include "http_server.h"

#include "rio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
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

/* Where a request's path leads: a status (404, 403, 301) or 0 and the
 * open file @p fd with its @p st and its name @p real (PATH_MAX bytes,
 * whose extension gives the type). */
static int find_file(hs_exchange *ex, int *fd, struct stat *st, char *real)
{
    /* TODO(step 2): a path that ends with '/' names its directory's
     * index.html; only a regular file is served: a FIFO, a device or a
     * directory is 404 (open with O_NONBLOCK, or opening a FIFO waits for
     * a writer, then fstat() and S_ISREG()).
     * TODO(step 4): resolve the name with realpath() and answer 404 when it
     * is outside cfg_root (a symbolic link out); a directory asked for
     * without its '/' is 301. Until then the name is opened as it is. */
    int n = snprintf(real, PATH_MAX, "%s%s", ex->ex_cfg->cfg_root, ex->ex_path);
    if (n < 0 || n >= PATH_MAX) {
        return 404;
    }
    *fd = open(real, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) {
        return errno == EACCES ? 403 : 404;
    }
    if (fstat(*fd, st) < 0) {
        close(*fd);
        *fd = -1;
        return 404;
    }
    return 0;
}

/* The answer for an open file: 200 (and later 304, 206, 416, gzip). */
static int send_file(hs_exchange *ex, int fd, const struct stat *st, const char *name)
{
    /* TODO(step 2): the head (hs_send_head: 200, content_type(name),
     * Content-Length st_size, Last-Modified st_mtime, Accept-Ranges), then
     * the bytes with sendfile() in a loop (it may send fewer than asked),
     * none for HEAD.
     * TODO(step 8): If-Modified-Since (304), and gzip (hs_gzip_file) for a
     * compressible type when the client accepts it.
     * TODO(step 9): one Range: 206 with Content-Range, or 416. */
    const char *type = content_type(name);
    (void)fd;
    (void)st;
    (void)type;
    return hs_send_error(ex, 501, NULL, "Files are not served yet.");
}

int hs_serve_static(hs_exchange *ex)
{
    int fd = -1;
    struct stat st;
    char real[PATH_MAX];
    int status = find_file(ex, &fd, &st, real);
    /* TODO(step 3): POST on a file is 405 with Allow: GET, HEAD.
     * TODO(step 4): a 404's page names the path asked for (ex_path). */
    int rc = status != 0 ? hs_send_error(ex, status, NULL, NULL) : send_file(ex, fd, &st, real);
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}
