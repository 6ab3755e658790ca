/* http_gzip.c - gzip with zlib: deflate with the gzip wrapper
 * (deflateInit2's windowBits 15 + 16), of a buffer in memory or of a file
 * read and sent a slice at a time, so a large file is never whole in
 * memory. A file is compressed twice: once to learn the length that
 * Content-Length must say, once to send it. zlib's output depends only on
 * its input and settings, so both passes give the same bytes. */
#include "http_server.h"

#include "rio.h"

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

/* Hand zlib's output so far to @p sock (unless it is -1). */
static int flush_out(unsigned char *out, size_t n, int sock)
{
    return sock < 0 || n == 0 || sl_rio_writen(sock, out, n) >= 0 ? 0 : -1;
}

int hs_gzip_file(int fd, uint64_t size, int sock, uint64_t *out_len)
{
    z_stream z;
    if (gzip_init(&z) < 0) {
        return -1;
    }
    unsigned char *in = malloc(SLICE), *out = malloc(SLICE);
    uint64_t done = 0;
    int rc = in != NULL && out != NULL ? 0 : -1, flush = Z_NO_FLUSH, zr = Z_OK;
    while (rc == 0 && zr != Z_STREAM_END) {
        if (z.avail_in == 0 && flush == Z_NO_FLUSH) {
            size_t want = size - done < SLICE ? (size_t)(size - done) : SLICE;
            ssize_t got = want > 0 ? pread(fd, in, want, (off_t)done) : 0;
            if (got < 0 || (got == 0 && want > 0)) {
                rc = -1; /* a read error, or the file got shorter */
                break;
            }
            done += (uint64_t)got;
            z.next_in = in;
            z.avail_in = (uInt)got;
            flush = done == size ? Z_FINISH : Z_NO_FLUSH;
        }
        z.next_out = out;
        z.avail_out = SLICE;
        zr = deflate(&z, flush);
        if (zr == Z_STREAM_ERROR || flush_out(out, SLICE - z.avail_out, sock) < 0) {
            rc = -1;
        }
    }
    *out_len = z.total_out;
    deflateEnd(&z);
    free(in);
    free(out);
    return rc;
}
