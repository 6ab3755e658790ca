/* hidden.c - lab 01's hidden checks.
 *
 * Students see that these exist, not what they are; the hand-out leaves this
 * file out, and instructors' runs (--instructor, --batch) include them. Each
 * is as fair as the visible checks: it tests the protocol in the guide. */
#include "kit/kit.h"
#include "peers/echo.h"

/* The client must be binary-safe too: lines with NUL and high bytes. */
static int check_client_binary(gr_ctx *ctx)
{
    char input[4096];
    size_t n = 0;
    for (int line = 0; line < 8; line++) {
        size_t len = 20 + gr_random_below(ctx, 100);
        gr_random_bytes(ctx, input + n, len);
        for (size_t i = n; i < n + len; i++) {
            if (input[i] == '\n') {
                input[i] = '\0'; /* NUL, not a line break */
            }
        }
        n += len;
        input[n++] = '\n';
    }
    return gr_client_round_trip(ctx, gr_echo_exact, NULL, input, n, input, n);
}

static const gr_check hidden[] = {
    {.ck_name = "client-binary",
     .ck_step = 1,
     .ck_kind = GR_CLIENT,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_flags = GR_HIDDEN,
     .ck_summary = "lines with NUL bytes and every byte value are echoed and printed exactly",
     .ck_hint =
         "A line read from stdin is bytes, not a C string: use the length getline() returns, not "
         "strlen(), and write replies with fwrite() or write(), not printf(\"%s\") or fputs().",
     .ck_run = check_client_binary,
     .ck_topic = "the client and binary data: lines that hold NUL and other non-text bytes"},
};

const gr_check_table gr_lab01_hidden = {hidden, sizeof hidden / sizeof hidden[0]};
