/* client.c - lab 01's checks of the echo client (step 1): it sends each
 * line whole and prints exactly what the server sent back, however the
 * reply is cut; a refused connection and a server that hangs up early are
 * reported with a non-zero exit. */
#include "lab01.h"
#include "peers/echo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- step 1: the client ---------------------------------------------------------------- */

/* Lines of random text, mixed case, for the client checks. */
static size_t make_lines(gr_ctx *ctx, char *buf, size_t cap, int lines)
{
    size_t n = 0;
    for (int i = 0; i < lines && n + 100 < cap; i++) {
        size_t len = 10 + gr_random_below(ctx, 60);
        gr_random_text(ctx, buf + n, len);
        /* Capitalise some letters, so a case swap shows. */
        for (size_t k = n; k < n + len; k++) {
            if (islower((unsigned char)buf[k]) && gr_random_below(ctx, 4) == 0) {
                buf[k] = (char)toupper((unsigned char)buf[k]);
            }
        }
        n += len;
        buf[n++] = '\n';
    }
    return n;
}

int lab01_check_client_echo(gr_ctx *ctx)
{
    char input[2 * KiB];
    size_t n = make_lines(ctx, input, sizeof input, 5);
    return gr_client_round_trip(ctx, gr_echo_exact, NULL, input, n, input, n);
}

int lab01_check_client_prints_reply(gr_ctx *ctx)
{
    char input[2 * KiB];
    char want[2 * KiB];
    size_t n = make_lines(ctx, input, sizeof input, 5);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)input[i];
        want[i] = (char)(islower(ch) ? toupper(ch) : isupper(ch) ? tolower(ch) : ch);
    }
    return gr_client_round_trip(ctx, gr_echo_swapcase, NULL, input, n, want, n);
}

int lab01_check_client_pieces(gr_ctx *ctx)
{
    char input[2 * KiB];
    size_t n = make_lines(ctx, input, sizeof input, 5);
    int pause_ms = gr_ms(ctx, 30);
    return gr_client_round_trip(ctx, gr_echo_in_pieces, &pause_ms, input, n, input, n);
}

int lab01_check_client_long_line(gr_ctx *ctx)
{
    size_t n = 256 * KiB + 1;
    char *input = malloc(n + 64);
    if (input == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_text(ctx, input, n - 1);
    input[n - 1] = '\n';
    static const char tail[] = "and one short line after it\n";
    memcpy(input + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    int rc = gr_client_round_trip(ctx, gr_echo_exact, NULL, input, n, input, n);
    free(input);
    return rc;
}

int lab01_check_client_refused(gr_ctx *ctx)
{
    int holder = -1;
    int port = gr_closed_port(&holder);
    if (port < 0) {
        return gr_fail(ctx, "grader could not reserve a closed port");
    }
    static const char input[] = "hello\n";
    gr_client_run run;
    int rc = gr_client_start_and_wait(ctx, port, input, sizeof input - 1, gr_time_left(ctx), &run);
    close(holder);
    if (rc < 0) {
        return rc;
    }
    rc = gr_expect_clean_error(ctx, &run, "nothing listens on the port (connection refused)",
                               "refused");
    gr_client_run_free(&run);
    return rc;
}

int lab01_check_client_hangup(gr_ctx *ctx)
{
    char input[2 * KiB];
    size_t n = make_lines(ctx, input, sizeof input, 3);
    char err[256] = "";
    gr_fake *fake = gr_fake_start(gr_echo_hangup, NULL, err);
    if (fake == NULL) {
        return gr_fail(ctx, "grader could not start its server: %s", err);
    }
    gr_client_run run;
    int rc = gr_client_start_and_wait(ctx, gr_fake_port(fake), input, n, gr_time_left(ctx), &run);
    gr_fake_stop(fake);
    if (rc < 0) {
        return rc;
    }
    rc = gr_expect_clean_error(ctx, &run,
                               "the server closed the connection after the first line, without a "
                               "reply",
                               NULL);
    gr_client_run_free(&run);
    return rc;
}
