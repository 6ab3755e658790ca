/* client.c - lab 02's checks of file_send, the client: it runs against the
 * grader's own file server (peers/file_server.c), which answers at once,
 * slowly and in pieces, with ERR, or closes without DONE. */
#include "lab02.h"
#include "peers/file_server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Write size random bytes to CLIENT_FILE in the client's directory, run the
 * client against a fake server in mode, and check what it saw. want_exit:
 * 0 for success, 1 for "must fail"; want_err: text its stderr must hold. */
static int client_run(gr_ctx *ctx, gr_upload_mode mode, size_t size, int want_exit,
                      const char *want_err)
{
    unsigned char *body = malloc(size > 0 ? size : 1);
    if (body == NULL) {
        return gr_fail(ctx, "grader ran out of memory");
    }
    gr_random_bytes(ctx, body, size);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", gr_server_dir(ctx), CLIENT_FILE);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, body, size) != (ssize_t)size || close(fd) < 0) {
        free(body);
        return gr_fail(ctx, "grader cannot write %s: %s", path, strerror(errno));
    }
    fchmodat(AT_FDCWD, path, 0644, 0);
    gr_upload u = {.up_mode = mode,
                   .up_pause_ms = gr_ms(ctx, 500),
                   .up_body = body,
                   .up_size = size,
                   .up_header_len = -1};
    char err[256] = "";
    gr_fake *fake = gr_fake_start(gr_file_server, &u, err);
    if (fake == NULL) {
        free(body);
        return gr_fail(ctx, "grader could not start its file server: %s", err);
    }
    gr_client_run run;
    int rc = gr_client_start_and_wait(ctx, gr_fake_port(fake), "", 0, gr_time_left(ctx), &run);
    gr_fake_stop(fake);
    free(body);
    if (rc < 0) {
        return rc;
    }
    char want_header[REPLY_MAX];
    snprintf(want_header, sizeof want_header, "%s|%zu", CLIENT_FILE, size);
    char show[160];
    int exited = !run.cr_timed_out && WIFEXITED(run.cr_status);
    int status = exited ? WEXITSTATUS(run.cr_status) : -1;
    if (run.cr_timed_out) {
        rc = gr_fail(ctx, "the client was still running at the deadline");
    } else if (!exited) {
        rc = gr_fail(ctx, "the client was killed by a signal");
    } else if (u.up_header_len < 0) {
        rc = gr_fail(ctx, "the grader's server never received a whole header line");
    } else if (strcmp(u.up_header, want_header) != 0) {
        rc = gr_fail(ctx, "the header was \"%s\"; expected \"%s\" and a newline",
                     gr_printable(u.up_header, (size_t)u.up_header_len, show, sizeof show),
                     want_header);
    } else if (u.up_early) {
        rc = gr_fail(ctx, "the client sent body bytes before the server answered OK");
        gr_hint(ctx, "The body waits for OK: the client sent body bytes before the server had "
                     "answered. In C: after the header, read the whole reply line "
                     "(sl_rio_readline()) and send the body only if it is \"OK\". In Python: "
                     "sock.makefile('rb').readline() before the first body byte.");
    } else if (mode != GR_UPLOAD_ERR && u.up_got != size) {
        rc = gr_fail(ctx, "the server received %zu of the %zu bytes of the file", u.up_got, size);
    } else if (mode != GR_UPLOAD_ERR && u.up_diff != size) {
        rc = gr_fail(ctx, "the body differs from the file at byte %zu", u.up_diff);
    } else if (want_exit == 0 && status != 0) {
        rc = gr_fail(ctx, "the server answered DONE, but the client exited with status %d", status);
    } else if (want_exit != 0 && status == 0) {
        rc = gr_fail(ctx, "the client exited with status 0; it must exit 1 when the upload "
                          "was not confirmed with DONE");
    } else if (want_err != NULL &&
               (run.cr_stderr == NULL || strstr(run.cr_stderr, want_err) == NULL)) {
        rc = gr_fail(ctx,
                     "the client's message on stderr should include the server's reason, "
                     "\"%s\"",
                     want_err);
    }
    if (rc < 0) {
        gr_client_describe(ctx, &run);
    }
    gr_client_run_free(&run);
    return rc;
}

int lab02_check_client_upload(gr_ctx *ctx)
{
    return client_run(ctx, GR_UPLOAD_NORMAL, (100u << 10) + gr_random_below(ctx, 4096), 0, NULL);
}

int lab02_check_client_slow_ack(gr_ctx *ctx)
{
    return client_run(ctx, GR_UPLOAD_SLOW, (64u << 10) + gr_random_below(ctx, 4096), 0, NULL);
}

int lab02_check_client_err(gr_ctx *ctx)
{
    return client_run(ctx, GR_UPLOAD_ERR, 1000 + gr_random_below(ctx, 1000), 1, "disk full");
}

int lab02_check_client_no_done(gr_ctx *ctx)
{
    return client_run(ctx, GR_UPLOAD_NO_DONE, 10000 + gr_random_below(ctx, 1000), 1, NULL);
}