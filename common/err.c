/* err.c - error buffers for library code (see err.h). */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sl_err_set(char *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, SL_ERR_LEN, fmt, ap);
    va_end(ap);
    errno = saved;
}

void sl_err_errno(char *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, SL_ERR_LEN, fmt, ap);
    va_end(ap);
    if (n >= 0 && n < SL_ERR_LEN) {
        snprintf(err + n, SL_ERR_LEN - (size_t)n, ": %s", strerror(saved));
    }
    errno = saved;
}
