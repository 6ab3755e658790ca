/* hidden.c - lab 01's hidden checks.
 *
 * Students see that these exist, not what they are; the hand-out leaves this
 * file out, and instructors' runs (--instructor, --batch) include them. Each
 * is as fair as the visible checks: it tests the protocol in the guide. */
#include "kit/kit.h"
#include "peers/echo.h"

#include <string.h>

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
    gr_client_run run;
    int rc = gr_client_round_trip_run(ctx, gr_echo_exact, NULL, input, n, input, n, &run);
    const char *err = run.cr_stderr != NULL ? run.cr_stderr : "";
    const char *unicode = strstr(err, "UnicodeDecodeError") != NULL   ? "UnicodeDecodeError"
                          : strstr(err, "UnicodeEncodeError") != NULL ? "UnicodeEncodeError"
                                                                      : NULL;
    if (rc < 0 && unicode != NULL) {
        /* A Python client that reads or prints text: its traceback says so. */
        gr_hint(ctx,
                "Data is bytes, not text: the client's stderr shows a %s. "
                "In C the same mistake is a string function on a line (strlen(), fputs()): "
                "use the length getline() returns. In Python: sys.stdin and sys.stdout "
                "decode text; read sys.stdin.buffer, write sys.stdout.buffer, and never "
                ".decode() the reply.",
                unicode);
    }
    gr_client_run_free(&run);
    return rc;
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
         "A line read from stdin is bytes, not a C string: it may hold NUL bytes. In C: use the "
         "length getline() returns, never strlen(), and write replies with fwrite() or write(), "
         "not printf(\"%s\") or fputs(). In Python: read sys.stdin.buffer and write "
         "sys.stdout.buffer; text mode and .decode() fail on bytes that are not UTF-8.",
     .ck_run = check_client_binary,
     .ck_topic = "the client and binary data: lines that hold NUL and other non-text bytes"},
};

const gr_check_table gr_lab01_hidden = {hidden, sizeof hidden / sizeof hidden[0]};
