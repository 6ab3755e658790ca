/* echo.c - fake echo servers, honest and misbehaving (see echo.h). */
#include "peers/echo.h"

#include <ctype.h>
#include <string.h>

/* What one read takes, and the longest line gr_echo_in_pieces() keeps. */
#define ECHO_BUF (64 * 1024)
#define LINE_BUF (4 * 1024)

void gr_echo_exact(gr_fake *f, gr_xport *x, void *arg)
{
    (void)arg;
    char buf[ECHO_BUF];
    ssize_t n;
    while ((n = gr_fake_recv(f, x, buf, sizeof buf)) > 0) {
        if (gr_fake_send(f, x, buf, (size_t)n) < 0) {
            return;
        }
    }
}

void gr_echo_swapcase(gr_fake *f, gr_xport *x, void *arg)
{
    (void)arg;
    char buf[ECHO_BUF];
    ssize_t n;
    while ((n = gr_fake_recv(f, x, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)buf[i];
            buf[i] = (char)(islower(ch) ? toupper(ch) : isupper(ch) ? tolower(ch) : ch);
        }
        if (gr_fake_send(f, x, buf, (size_t)n) < 0) {
            return;
        }
    }
}

void gr_echo_in_pieces(gr_fake *f, gr_xport *x, void *arg)
{
    int pause_ms = *(const int *)arg;
    char line[LINE_BUF];
    size_t len = 0;
    for (;;) {
        ssize_t n = gr_fake_recv(f, x, line + len, sizeof line - len);
        if (n <= 0) {
            return;
        }
        len += (size_t)n;
        char *nl;
        /* A full buffer without a newline goes back as if it were a line. */
        while ((nl = memchr(line, '\n', len)) != NULL || len == sizeof line) {
            size_t whole = nl != NULL ? (size_t)(nl - line) + 1 : len;
            if (gr_fake_send_pieces(f, x, line, whole, 3, pause_ms) < 0) {
                return;
            }
            memmove(line, line + whole, len - whole);
            len -= whole;
        }
    }
}

void gr_echo_hangup(gr_fake *f, gr_xport *x, void *arg)
{
    (void)arg;
    char buf[LINE_BUF];
    ssize_t n;
    while ((n = gr_fake_recv(f, x, buf, sizeof buf)) > 0) {
        if (memchr(buf, '\n', (size_t)n) != NULL) {
            return;
        }
    }
}
