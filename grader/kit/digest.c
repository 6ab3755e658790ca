/* digest.c - SHA-256 digests of what a check sent and of what a server
 * stored (see kit.h). OpenSSL stays in this file: check files never
 * include it. */
#include "kit/kit.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

_Static_assert(EVP_MAX_MD_SIZE <= GR_DIGEST_MAX, "GR_DIGEST_MAX holds any digest");

/* Bytes read from a file at a time. */
#define FILE_BLOCK (64 * 1024)

struct gr_digest {
    EVP_MD_CTX *dg_md;
};

gr_digest *gr_digest_new(void)
{
    gr_digest *d = malloc(sizeof *d);
    if (d == NULL) {
        return NULL;
    }
    d->dg_md = EVP_MD_CTX_new();
    if (d->dg_md == NULL || EVP_DigestInit_ex(d->dg_md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(d->dg_md);
        free(d);
        return NULL;
    }
    return d;
}

void gr_digest_add(gr_digest *d, const void *buf, size_t n)
{
    EVP_DigestUpdate(d->dg_md, buf, n);
}

unsigned gr_digest_end(gr_digest *d, unsigned char md[GR_DIGEST_MAX])
{
    unsigned len = 0;
    EVP_DigestFinal_ex(d->dg_md, md, &len);
    EVP_MD_CTX_free(d->dg_md);
    free(d);
    return len;
}

unsigned gr_digest_file(const char *path, unsigned char md[GR_DIGEST_MAX], uint64_t *size)
{
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    gr_digest *d = gr_digest_new();
    unsigned char *buf = malloc(FILE_BLOCK);
    ssize_t n = -1;
    if (d != NULL && buf != NULL) {
        while ((n = read(fd, buf, FILE_BLOCK)) > 0) {
            gr_digest_add(d, buf, (size_t)n);
            *size += (uint64_t)n;
        }
    }
    close(fd);
    free(buf);
    unsigned len = d != NULL ? gr_digest_end(d, md) : 0;
    return n < 0 ? 0 : len;
}

const char *gr_digest_hex(const unsigned char *md, unsigned len, char *out)
{
    out[0] = '\0';
    for (unsigned i = 0; i < len && i < GR_DIGEST_MAX; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
    return out;
}
