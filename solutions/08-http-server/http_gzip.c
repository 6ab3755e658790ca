/* http_gzip.c - gzip with zlib: deflate with the gzip wrapper
 * (deflateInit2's windowBits 15 + 16), of a buffer in memory or of a file
 * read and compressed a slice at a time as the socket takes it (a stream
 * that hs_gzip_read() pulls from), so a large file is never whole in
 * memory. A file is compressed twice: once to learn the length that
 * Content-Length must say, once to send it. zlib's output depends only on
 * its input and settings, so both passes give the same bytes. */
#include "http_server.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

/* Slices of a file read and written at a time. */
#define SLICE 16384

static int gzip_init(z_stream *z)
{
    *z = (z_stream){0};
    return deflateInit2(z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) ==
                   Z_OK
               ? 0
               : -1;
}

int hs_gzip_buffer(const void *in, size_t n, unsigned char **out, size_t *out_len)
{
    z_stream z;
    if (gzip_init(&z) < 0) {
        return -1;
    }
    uLong cap = deflateBound(&z, (uLong)n);
    unsigned char *buf = malloc(cap);
    int rc = -1;
    if (buf != NULL) {
        z.next_in = (Bytef *)in;
        z.avail_in = (uInt)n;
        z.next_out = buf;
        z.avail_out = (uInt)cap;
        rc = deflate(&z, Z_FINISH) == Z_STREAM_END ? 0 : -1;
    }
    if (rc == 0) {
        *out = buf;
        *out_len = z.total_out;
    } else {
        free(buf);
    }
    deflateEnd(&z);
    return rc;
}

/* A file gzipped a slice at a time: zlib's state, where the reads are. */
struct hs_gzip {
    z_stream g_z;
    int g_fd;
    uint64_t g_size; /* the bytes of the file to compress */
    uint64_t g_done; /* how many have been read */
    int g_flush;     /* Z_FINISH once the last slice is in */
    int g_end;       /* deflate() said Z_STREAM_END */
    unsigned char g_in[SLICE];
};

hs_gzip *hs_gzip_open(int fd, uint64_t size)
{
    hs_gzip *g = malloc(sizeof *g);
    if (g == NULL) {
        return NULL;
    }
    if (gzip_init(&g->g_z) < 0) {
        free(g);
        return NULL;
    }
    g->g_fd = fd;
    g->g_size = size;
    g->g_done = 0;
    g->g_flush = Z_NO_FLUSH;
    g->g_end = 0;
    return g;
}

/* The next slice of the file into zlib's input. 0, or -1 (read error,
 * or the file got shorter). */
static int gzip_refill(hs_gzip *g)
{
    size_t want = g->g_size - g->g_done < SLICE ? (size_t)(g->g_size - g->g_done) : SLICE;
    ssize_t got = want > 0 ? pread(g->g_fd, g->g_in, want, (off_t)g->g_done) : 0;
    if (got < 0 || (got == 0 && want > 0)) {
        return -1;
    }
    g->g_done += (uint64_t)got;
    g->g_z.next_in = g->g_in;
    g->g_z.avail_in = (uInt)got;
    g->g_flush = g->g_done == g->g_size ? Z_FINISH : Z_NO_FLUSH;
    return 0;
}

ssize_t hs_gzip_read(hs_gzip *g, unsigned char *out, size_t cap)
{
    g->g_z.next_out = out;
    g->g_z.avail_out = (uInt)(cap < SLICE ? cap : SLICE);
    uInt room = g->g_z.avail_out;
    while (!g->g_end && g->g_z.avail_out == room) {
        if (g->g_z.avail_in == 0 && g->g_flush == Z_NO_FLUSH && gzip_refill(g) < 0) {
            return -1;
        }
        int zr = deflate(&g->g_z, g->g_flush);
        if (zr == Z_STREAM_ERROR) {
            return -1;
        }
        g->g_end = zr == Z_STREAM_END;
    }
    return (ssize_t)(room - g->g_z.avail_out);
}

uint64_t hs_gzip_total(const hs_gzip *g)
{
    return g->g_z.total_out;
}

void hs_gzip_close(hs_gzip *g)
{
    if (g != NULL) {
        deflateEnd(&g->g_z);
        free(g);
    }
}

int hs_gzip_length(int fd, uint64_t size, uint64_t *out_len)
{
    hs_gzip *g = hs_gzip_open(fd, size);
    unsigned char out[SLICE];
    ssize_t n = g != NULL ? 1 : -1;
    while (n > 0) {
        n = hs_gzip_read(g, out, sizeof out);
    }
    if (n == 0) {
        *out_len = hs_gzip_total(g);
    }
    hs_gzip_close(g);
    return n == 0 ? 0 : -1;
}
