/* curl.c - curl, a real client, against the server: a GET, a HEAD, a
 * gzipped GET decoded by curl (--compressed), and a range; and over HTTPS
 * (step 10), trusting only the test root. */
#include "lab08.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* curl @p opts URL/@p path (https://localhost, the root alone trusted,
 * when @p tls); its stdout must be the file @p name's bytes (from @p from,
 * @p n of them; n 0: all), or hold @p holds when not NULL. */
static int curl(gr_ctx *ctx, int tls, const char *opts, const char *path, const char *name,
                size_t from, size_t n, const char *holds)
{
    gr_str args = {0};
    if (tls) {
        gr_str_addf(&args,
                    "-sS --max-time 5 --cacert %s/%s/ca.pem --resolve localhost:%d:%s %s "
                    "https://localhost:%d/%s",
                    gr_docroot_top(ctx), LAB08_TLS_DIR, gr_port(ctx), gr_host(ctx), opts,
                    gr_port(ctx), path);
    } else {
        gr_str_addf(&args, "-sS --max-time 5 %s http://%s:%d/%s", opts, gr_host(ctx), gr_port(ctx),
                    path);
    }
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
    return curl(ctx, 0, "", "hello.txt", "hello.txt", 0, 0, NULL) ||
           curl(ctx, 0, "-I", "hello.txt", NULL, 0, 0, "Content-Length: 2000") ||
           curl(ctx, 0, "--compressed", "zip.txt", "zip.txt", 0, 0, NULL) ||
           curl(ctx, 0, "-r 100-199", "range.bin", "range.bin", 100, 100, NULL) ||
           curl(ctx, 0, "-L", "dir", "dir/index.html", 0, 0, NULL);
}

int lab08_check_https_curl(gr_ctx *ctx)
{
    return curl(ctx, 1, "", "hello.txt", "hello.txt", 0, 0, NULL) ||
           curl(ctx, 1, "-I", "hello.txt", NULL, 0, 0, "Content-Length: 2000") ||
           curl(ctx, 1, "--compressed", "zip.txt", "zip.txt", 0, 0, NULL);
}
