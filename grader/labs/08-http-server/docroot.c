/* docroot.c - the document root lab 08's server serves ({docroot}), and
 * what lies beside it: files of every type in the contract's table, a
 * directory with and one without index.html, a FIFO, an unreadable file, a
 * 64 MiB file, links that stay inside and links that lead out, and secret
 * files outside it (in TOP and in a sibling folder www-secret, whose name
 * starts as the document root's does) that no response may ever show;
 * and the browser check's page (browser.c). */
#include "lab08.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* One file: its path under TOP, its size, text or random bytes. */
typedef struct df_file {
    const char *df_path;
    size_t df_size;
    int df_text;
} df_file;

static const df_file files[] = {
    {"www/index.html", 300, 1},  {"www/hello.txt", 2000, 1},     {"www/style.css", 500, 1},
    {"www/app.js", 700, 1},      {"www/data.json", 100, 1},      {"www/logo.svg", 400, 1},
    {"www/pixel.png", 300, 0},   {"www/photo.JPG", 900, 0},      {"www/photo2.jpeg", 100, 0},
    {"www/favicon.ico", 200, 0}, {"www/page.htm", 150, 1},       {"www/blob.bin", 1000, 0},
    {"www/noext", 50, 0},        {"www/range.bin", 1000, 0},     {"www/zip.txt", 40000, 1},
    {"www/a b.txt", 64, 1},      {"www/dir/index.html", 200, 1}, {"www/dir/page.html", 120, 1},
    {"www/locked.txt", 30, 1},   {"www/big.bin", LAB08_BIG, 0},  {"www/tls.bin", LAB08_TLS_FILE, 0},
};

/* Links: name, target. */
static const char *const links[][2] = {
    {"www/in.txt", "hello.txt"},
    {"www/out.txt", "../secret.txt"},
    {"www/sibling.txt", "../www-secret/secret.txt"},
    {"www/etc", "/etc"},
    {"www/outdir", ".."},
};

static int write_secret(gr_ctx *ctx, const char *top, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", top, name);
    FILE *f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%s: %s must never be served\n", LAB08_SECRET, name) < 0 ||
        fclose(f) != 0) {
        return gr_fail(ctx, "cannot write %s: %s", path, strerror(errno));
    }
    return 0;
}

/* Every file's modification time is LAB08_MTIME. */
static int set_mtime(const char *path)
{
    struct timeval tv[2] = {{LAB08_MTIME, 0}, {LAB08_MTIME, 0}};
    utimes(path, tv);
    return 0;
}

static int write_file(gr_ctx *ctx, const char *top, const df_file *df)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", top, df->df_path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        return gr_fail(ctx, "cannot write %s: %s", path, strerror(errno));
    }
    static char buf[256 * 1024];
    for (size_t left = df->df_size; left > 0;) {
        size_t n = left < sizeof buf ? left : sizeof buf;
        if (df->df_text) {
            gr_random_text(ctx, buf, n);
        } else {
            gr_random_bytes(ctx, buf, n);
        }
        if (write(fd, buf, n) != (ssize_t)n) {
            close(fd);
            return gr_fail(ctx, "cannot write %s: %s", path, strerror(errno));
        }
        left -= n;
    }
    close(fd);
    return set_mtime(path);
}

int lab08_write(gr_ctx *ctx, const char *top, const char *name, const void *bytes, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", top, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(bytes, 1, n, f) != n || fclose(f) != 0) {
        if (f != NULL) {
            fclose(f);
        }
        return gr_fail(ctx, "cannot write %s: %s", path, strerror(errno));
    }
    return set_mtime(path);
}

int lab08_docroot(gr_ctx *ctx, const char *top)
{
    static const char *const dirs[] = {"www", "www/dir", "www/empty", "www-secret"};
    char path[4096];
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", top, dirs[i]);
        if (mkdir(path, 0755) < 0) {
            return gr_fail(ctx, "cannot make %s: %s", path, strerror(errno));
        }
    }
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (write_file(ctx, top, &files[i]) != 0) {
            return -1;
        }
    }
    if (write_secret(ctx, top, "secret.txt") != 0 ||
        write_secret(ctx, top, "www-secret/secret.txt") != 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", top, links[i][0]);
        if (symlink(links[i][1], path) < 0) {
            return gr_fail(ctx, "cannot link %s: %s", path, strerror(errno));
        }
    }
    if (lab08_browser_docroot(ctx, top) != 0) {
        return -1;
    }
    /* the test CA beside the document root (never in it: a key is not for serving) */
    snprintf(path, sizeof path, "%s/%s", top, LAB08_TLS_DIR);
    if (gr_ca_run_write(ctx, path) != 0) {
        return -1;
    }
    snprintf(path, sizeof path, "%s/www/locked.txt", top);
    chmod(path, 0);
    snprintf(path, sizeof path, "%s/www/fifo", top);
    if (mkfifo(path, 0644) < 0) {
        return gr_fail(ctx, "cannot make %s: %s", path, strerror(errno));
    }
    return 0;
}

unsigned char *lab08_file(gr_ctx *ctx, const char *name, size_t *n)
{
    const char *root = gr_docroot(ctx);
    if (root == NULL) {
        return NULL;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, name);
    FILE *f = fopen(path, "rb");
    struct stat st;
    unsigned char *buf = NULL;
    if (f != NULL && fstat(fileno(f), &st) == 0 && (buf = malloc((size_t)st.st_size + 1)) != NULL &&
        fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
        *n = (size_t)st.st_size;
        buf[*n] = '\0';
        fclose(f);
        return buf;
    }
    gr_fail(ctx, "the grader cannot read its own %s: %s", path, strerror(errno));
    free(buf);
    if (f != NULL) {
        fclose(f);
    }
    return NULL;
}
