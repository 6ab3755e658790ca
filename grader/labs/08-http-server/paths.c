/* paths.c - never a byte from outside DOCROOT: traversal in many
 * encodings, links that lead out (404) and links that stay in (followed),
 * dot segments refused, and request data echoed into an error page
 * escaped. */
#include "lab08.h"

#include <stdio.h>
#include <string.h>

/* GET @p target: status @p want, and not one byte of a secret file. */
static int never_secret(gr_ctx *ctx, const char *target, int want)
{
    char req[512];
    lab08_get(req, sizeof req, "GET", target, NULL);
    gr_http_resp r = {0};
    int rc = lab08_request(ctx, req, 0, &r, target);
    const char *body = (const char *)r.hr_body;
    if (rc == 0 && body != NULL &&
        (strstr(body, LAB08_SECRET) != NULL || strstr(body, "root:x:0:0") != NULL)) {
        gr_hint(ctx, "Never a byte from outside DOCROOT: decode the path first, then refuse '.' "
                     "and '..' segments, and check where the file really is. In C: percent-"
                     "decode, split on '/', refuse \".\" and \"..\"; open the file, then "
                     "realpath() it and compare with the document root's realpath() followed "
                     "by '/' (\"/srv/www\" is a prefix of \"/srv/www-secret\"). In Python: "
                     "os.path.realpath(p) and p.startswith(root + os.sep), after "
                     "urllib.parse.unquote().");
        rc = gr_http_fail(ctx, req, strlen(req), &r,
                          "%s: the response holds a file from "
                          "outside the document root",
                          target);
    }
    if (rc == 0) {
        rc = lab08_want_status(ctx, req, &r, want, target);
    }
    gr_http_resp_free(&r);
    return rc;
}

int lab08_check_traversal(gr_ctx *ctx)
{
    static const struct {
        const char *target;
        int status;
    } probes[] = {
        {"/../secret.txt", 400},
        {"/dir/../../secret.txt", 400},
        {"/%2e%2e/secret.txt", 400},
        {"/%2E./secret.txt", 400},
        {"/.%2e/secret.txt", 400},
        {"/dir/%2e%2e/%2e%2e/secret.txt", 400},
        {"/..%2fsecret.txt", 400},
        {"/%2e%2e%2fsecret.txt", 400},
        {"/..%2Fsecret.txt", 400},
        {"/../www-secret/secret.txt", 400},
        {"/./hello.txt", 400},
        {"/dir/./page.html", 400},
        {"/a/../hello.txt", 400},
        {"/..", 400},
        {"/%2e%2e", 400},
        {"/hello.txt%00.html", 400},
        {"/%", 400},
        {"/%4", 400},
        {"/%zz", 400},
        {"//etc/passwd", 404},
        {"/etc/passwd", 404},
        {"/secret.txt", 404},
    };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        if (never_secret(ctx, probes[i].target, probes[i].status) != 0) {
            return -1;
        }
    }
    return 0;
}

int lab08_check_symlinks(gr_ctx *ctx)
{
    return never_secret(ctx, "/out.txt", 404) || never_secret(ctx, "/sibling.txt", 404) ||
           never_secret(ctx, "/etc/passwd", 404) || never_secret(ctx, "/outdir/secret.txt", 404) ||
           never_secret(ctx, "/in.txt", 200);
}

int lab08_check_html_escape(gr_ctx *ctx)
{
    static const char target[] = "/<script>alert(\"x&y'z\")</script>";
    char req[512];
    lab08_get(req, sizeof req, "GET", target, NULL);
    gr_http_resp r = {0};
    int rc = lab08_status(ctx, req, 0, 404, &r, target);
    const char *body = (const char *)r.hr_body;
    if (rc == 0 && (body == NULL || strstr(body, "<script>") != NULL ||
                    strstr(body, "\"x&y'z\"") != NULL || strstr(body, "&lt;script&gt;") == NULL)) {
        gr_hint(ctx, "Request data in HTML is text, not markup: escape & < > \" ' before it goes "
                     "into the page, or the path runs as a script in the browser (cross-site "
                     "scripting). In C: a function that writes &amp; &lt; &gt; &quot; &#39; for "
                     "those five bytes and copies the rest. In Python: html.escape(path, "
                     "quote=True).");
        rc = gr_http_fail(ctx, req, strlen(req), &r,
                          "the 404 page does not name the path HTML-escaped (&lt;script&gt;, "
                          "no raw <script> or quotes)");
    }
    gr_http_resp_free(&r);
    return rc;
}
