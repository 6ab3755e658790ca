/* form.c - query parameters percent-encoded into a URL, and multipart
 * bodies built from fields and files (see form.h). */
#define _GNU_SOURCE /* memmem() */
#include "form.h"

#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define BOUNDARY_HEX 24 /* random hex digits in a boundary */

/* Append s (n bytes) to dst (cap bytes, a string), encoded; -1 if full. */
static int encode(char *dst, size_t cap, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t at = strlen(dst);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    strchr("-._~", c) != NULL;
        if (at + 4 > cap) {
            return -1;
        }
        if (plain && c != '\0') {
            dst[at++] = (char)c;
        } else if (c == ' ') {
            dst[at++] = '+';
        } else {
            dst[at++] = '%';
            dst[at++] = hex[c >> 4];
            dst[at++] = hex[c & 15];
        }
    }
    dst[at] = '\0';
    return 0;
}

int form_add_query(url *u, const char *param, char *err)
{
    const char *eq = strchr(param, '=');
    if (eq == NULL || eq == param) {
        sl_err_set(err, "--query \"%.60s\" is not NAME=VALUE", param);
        return -1;
    }
    char q[sizeof u->u_query];
    memcpy(q, u->u_query, sizeof q);
    int full = strlen(q) + 2 > sizeof q;
    if (!full && q[0] != '\0') {
        strcat(q, "&");
    }
    full = full || encode(q, sizeof q, param, (size_t)(eq - param)) < 0 || strlen(q) + 2 > sizeof q;
    if (!full) {
        strcat(q, "=");
        full = encode(q, sizeof q, eq + 1, strlen(eq + 1)) < 0;
    }
    if (full) {
        sl_err_set(err, "the query is longer than %zu bytes", sizeof q - 1);
        return -1;
    }
    memcpy(u->u_query, q, sizeof q);
    u->u_has_query = 1;
    return 0;
}

/* A file's bytes (malloc'd), *n of them, or NULL with err set. */
static char *read_file(const char *path, size_t *n, char *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = f != NULL ? open_memstream(&buf, &len) : NULL;
    char chunk[8192];
    size_t got = 0;
    while (m != NULL && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        fwrite(chunk, 1, got, m);
    }
    int bad = f == NULL || m == NULL || ferror(f);
    int saved = errno;
    if (m != NULL && fclose(m) != 0) {
        bad = 1;
    }
    if (f != NULL) {
        fclose(f);
    }
    if (bad) {
        errno = saved;
        sl_err_errno(err, "-F: cannot read %.100s", path);
        free(buf);
        return NULL;
    }
    *n = len;
    return buf;
}

/* One part: the boundary line, its headers, its bytes. */
static void write_part(FILE *m, const char *boundary, const char *name, size_t nlen,
                       const char *file, const char *data, size_t dlen)
{
    fprintf(m, "--%s\r\nContent-Disposition: form-data; name=\"%.*s\"", boundary, (int)nlen, name);
    if (file != NULL) {
        const char *base = strrchr(file, '/');
        fprintf(m, "; filename=\"%s\"\r\nContent-Type: application/octet-stream",
                base != NULL ? base + 1 : file);
    }
    fputs("\r\n\r\n", m);
    fwrite(data, 1, dlen, m);
    fputs("\r\n", m);
}

/* A random boundary that none of the parts' bytes hold. */
static int pick_boundary(char *b, size_t n, char *const *data, const size_t *lens, int count)
{
    for (int tries = 0; tries < 8; tries++) {
        unsigned char r[BOUNDARY_HEX / 2];
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
            return -1;
        }
        int at = snprintf(b, n, "fetch-");
        for (size_t i = 0; i < sizeof r; i++) {
            at += snprintf(b + at, n - (size_t)at, "%02x", r[i]);
        }
        int clash = 0;
        for (int i = 0; i < count && !clash; i++) {
            clash = memmem(data[i], lens[i], b, strlen(b)) != NULL;
        }
        if (!clash) {
            return 0;
        }
    }
    return -1;
}

/* A field's name ("name=...", *nlen bytes) and its bytes: the value, or
 * the file's after '@' (*file set, the bytes malloc'd into *owned). */
static int split_field(const char *f, size_t *nlen, const char **file, const char **data,
                       size_t *dlen, char **owned, char *err)
{
    const char *eq = strchr(f, '=');
    *nlen = eq != NULL ? (size_t)(eq - f) : 0;
    if (*nlen == 0 || strcspn(f, "\"\r\n") < *nlen) {
        sl_err_set(err, "-F \"%.60s\" is not NAME=VALUE or NAME=@FILE (a name without quotes, "
                        "CR or LF)",
                   f);
        return -1;
    }
    *file = eq[1] == '@' ? eq + 2 : NULL;
    *owned = NULL;
    if (*file == NULL) {
        *data = eq + 1;
        *dlen = strlen(eq + 1);
        return 0;
    }
    *owned = read_file(*file, dlen, err);
    *data = *owned;
    return *owned != NULL ? 0 : -1;
}

char *form_multipart(char *const *fields, int n, size_t *len, char *ctype, size_t ctype_n,
                     char *err)
{
    const char *data[FORM_MAX];
    const char *files[FORM_MAX];
    size_t nlens[FORM_MAX];
    size_t dlens[FORM_MAX];
    char *owned[FORM_MAX] = {NULL};
    char boundary[64];
    char *body = NULL;
    int rc = n > FORM_MAX ? -1 : 0;
    for (int i = 0; i < n && rc == 0; i++) {
        rc = split_field(fields[i], &nlens[i], &files[i], &data[i], &dlens[i], &owned[i], err);
    }
    if (rc == 0 && pick_boundary(boundary, sizeof boundary, (char *const *)data, dlens, n) < 0) {
        sl_err_errno(err, "-F: cannot pick a boundary");
        rc = -1;
    }
    FILE *m = rc == 0 ? open_memstream(&body, len) : NULL;
    for (int i = 0; m != NULL && i < n; i++) {
        write_part(m, boundary, fields[i], nlens[i], files[i], data[i], dlens[i]);
    }
    if (m != NULL) {
        fprintf(m, "--%s--\r\n", boundary);
        fclose(m);
        snprintf(ctype, ctype_n, "multipart/form-data; boundary=%s", boundary);
    }
    for (int i = 0; i < n; i++) {
        free(owned[i]);
    }
    return body;
}
