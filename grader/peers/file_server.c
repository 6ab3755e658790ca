/* file_server.c - a fake file server for checking an uploading client
 * (see file_server.h). */
#include "peers/file_server.h"

#include "text/transcript.h"

#include <stdio.h>

/* Body bytes read at a time. */
#define BODY_BLOCK 65536
/* Pauses inside the slow replies, and how often the slow fake looks for
 * body bytes sent before its answer. */
#define PIECE_PAUSE_MS 50
#define PEEK_EVERY_MS 20

/* Read the header line into u; 0, or -1 if the client left first. */
static int read_header(gr_fake *f, gr_xport *x, gr_upload *u)
{
    size_t n = 0;
    for (;;) {
        char ch;
        if (gr_fake_recv_arrived(f, x, &ch, 1) != 1) {
            return -1;
        }
        if (ch == '\n') {
            break;
        }
        if (n + 1 < sizeof u->up_header) {
            u->up_header[n++] = ch;
            u->up_header[n] = '\0';
        }
    }
    u->up_header_len = (int)n;
    return 0;
}

/* Answer OK, after a pause and in two pieces when slow; meanwhile look for
 * body bytes that do not wait for the answer. */
static int answer_ok(gr_fake *f, gr_xport *x, gr_upload *u)
{
    if (u->up_mode != GR_UPLOAD_SLOW) {
        return gr_fake_send(f, x, "OK\n", 3);
    }
    for (int waited = 0; waited < u->up_pause_ms && !u->up_early; waited += PEEK_EVERY_MS) {
        int stopping = gr_fake_pause(f, PEEK_EVERY_MS) < 0;
        u->up_early = gr_fake_has_input(x);
        if (stopping) {
            return -1;
        }
    }
    return gr_fake_send_pieces(f, x, "OK\n", 3, 2, PIECE_PAUSE_MS);
}

/* Read the body and compare it; 0, or -1 if it ended early. */
static int read_body(gr_fake *f, gr_xport *x, gr_upload *u)
{
    static unsigned char buf[BODY_BLOCK];
    u->up_diff = u->up_size;
    while (u->up_got < u->up_size) {
        size_t want = u->up_size - u->up_got < sizeof buf ? u->up_size - u->up_got : sizeof buf;
        ssize_t k = gr_fake_recv_arrived(f, x, buf, want);
        if (k <= 0) {
            return -1;
        }
        size_t d = gr_first_diff(u->up_body + u->up_got, (size_t)k, buf, (size_t)k);
        if (d < (size_t)k && u->up_diff == u->up_size) {
            u->up_diff = u->up_got + d;
        }
        u->up_got += (size_t)k;
    }
    return 0;
}

void gr_file_server(gr_fake *f, gr_xport *x, void *arg)
{
    gr_upload *u = arg;
    if (read_header(f, x, u) < 0) {
        return;
    }
    if (u->up_mode == GR_UPLOAD_ERR) {
        (void)gr_fake_send(f, x, "ERR disk full\n", 14);
        return;
    }
    if (answer_ok(f, x, u) < 0 || read_body(f, x, u) < 0 || u->up_mode == GR_UPLOAD_NO_DONE) {
        return;
    }
    char done[64];
    int dn = snprintf(done, sizeof done, "DONE %zu\n", u->up_size);
    if (u->up_mode == GR_UPLOAD_SLOW) {
        /* "DON", a pause, then the rest. */
        if (gr_fake_send(f, x, done, 3) < 0 || gr_fake_pause(f, PIECE_PAUSE_MS) < 0) {
            return;
        }
        (void)gr_fake_send(f, x, done + 3, (size_t)dn - 3);
    } else {
        (void)gr_fake_send(f, x, done, (size_t)dn);
    }
}
