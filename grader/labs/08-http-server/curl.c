/* curl.c - curl, a real client, against the server: a GET, a HEAD, a
 * gzipped GET decoded by curl (--compressed), and a range. */
#include "lab08.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* curl @p opts URL/@p path; its stdout must be the file @p name's bytes
 * (from @p from, @p n of them; n 0: all), or hold @p holds when not NULL. */
static int curl(gr_ctx *ctx, const char *opts, const char *path, const char *name, size_t from,
                size_t n, const char *holds)
{
    gr_str args = {0};
    gr_str_addf(&args, "-sS --max-time 5 %s http://%s:%d/%s", opts, gr_host(ctx), gr_port(ctx),
                path);
    gr_client_run run;
    int rc = gr_client_run_args(ctx, "curl", gr_str_cstr(&args), gr_ms(ctx, 8000), &run);
    size_t fn = 0;
    unsigned char *file = rc == 0 && name != NULL ? lab08_file(ctx, name, &fn) : NULL;
    if (rc == 0 && !gr_exited_zero(&run)) {
        gr_client_describe(ctx, &run);
        rc = gr_fail(ctx, "curl %s failed", gr_str_cstr(&args));
    } else if (rc == 0 && holds != NULL && strstr(run.cr_stdout, holds) == NULL) {
        gr_show_text(ctx, "curl printed", run.cr_stdout, 20);
        rc = gr_fail(ctx, "curl %s: no \"%s\" in what it printed", gr_str_cstr(&args), holds);
    } else if (rc == 0 && file != NULL) {
        size_t want = n > 0 ? n : fn - from;
        if (run.cr_stdout_len != want || memcmp(run.cr_stdout, file + from, want) != 0) {
            rc = gr_fail_bytes(ctx, gr_str_cstr(&args), args.s_len, file + from, want,
                               run.cr_stdout, run.cr_stdout_len, "curl %s: not the file's bytes",
                               gr_str_cstr(&args));
        }
    } else if (rc == 0 && name != NULL) {
        rc = -1;
    }
    free(file);
    gr_client_run_free(&run);
    gr_str_free(&args);
    return rc;
}

int lab08_check_curl(gr_ctx *ctx)
{
    return curl(ctx, "", "hello.txt", "hello.txt", 0, 0, NULL) ||
           curl(ctx, "-I", "hello.txt", NULL, 0, 0, "Content-Length: 2000") ||
           curl(ctx, "--compressed", "zip.txt", "zip.txt", 0, 0, NULL) ||
           curl(ctx, "-r 100-199", "range.bin", "range.bin", 100, 100, NULL) ||
           curl(ctx, "-L", "dir", "dir/index.html", 0, 0, NULL);
}
