/* browser.c - a real browser against the server: Debian's chromium,
 * headless, loads www/browser/index.html, which pulls in a stylesheet, a
 * script and three images (PNG, SVG, ICO), and whose script fetches
 * /api/data with a name that needs percent-encoding. The script writes what
 * the browser saw into one element (the stylesheet's computed colour, each
 * image's decoded size, each resource's status and type as the browser
 * took them, the API's answer), and the check reads it back from the DOM
 * chromium dumps. */
#include "lab08.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define BR_DIR "www/browser"

/* The colour the stylesheet gives #probe, as getComputedStyle() says it. */
#define CSS_COLOR "rgb(1, 2, 3)"

/* The name the script asks /api/data for (a space, a plus sign and a
 * non-ASCII letter: Zo%C3%AB%20Ann%2BBo on the wire), and the message
 * that must come back, as JSON.stringify() writes it. */
#define API_NAME_JS "Zo\\u00eb Ann+Bo"
#define API_NAME_WIRE "Zo%C3%AB%20Ann%2BBo"
#define API_MESSAGE "\"Hello, Zo\xc3\xab Ann+Bo!\""

/* How long chromium may take: its own stop (--timeout, after which it dumps
 * what it has), and the grader's kill after that. */
#define CHROMIUM_STOP_MS 6000
#define CHROMIUM_KILL_MS 15000

static const char page[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>socklab: the browser check</title>\n"
    "<link rel=\"stylesheet\" href=\"style.css\">\n"
    "<script src=\"app.js\" defer></script>\n"
    "</head><body>\n"
    "<h1 id=\"probe\">Served by your server</h1>\n"
    "<p><img id=\"png\" src=\"dot.png\" alt=\"a PNG\"> <img id=\"svg\" src=\"mark.svg\" "
    "alt=\"an SVG\"> <img id=\"ico\" src=\"icon.ico\" alt=\"an icon\"></p>\n"
    "<pre id=\"result\">the script did not run</pre>\n"
    "</body></html>\n";

static const char style[] = "/* the browser check reads this colour back */\n"
                            "#probe { color: " CSS_COLOR "; }\n"
                            "img { border: 1px solid #888; }\n";

static const char script[] =
    "\"use strict\";\n"
    "// What the browser saw, one line each, for the grader to read back.\n"
    "const lines = [\"script ran\"];\n"
    "function put(line) {\n"
    "  lines.push(line);\n"
    "  document.getElementById(\"result\").textContent = lines.join(\"\\n\");\n"
    "}\n"
    "put(\"css \" + getComputedStyle(document.getElementById(\"probe\")).color);\n"
    "new PerformanceObserver((list) => {\n"
    "  for (const e of list.getEntries()) {\n"
    "    const u = new URL(e.name);\n"
    "    put(\"got \" + u.pathname + \" \" + e.responseStatus + \" \" + (e.contentType || "
    "\"-\"));\n"
    "  }\n"
    "}).observe({type: \"resource\", buffered: true});\n"
    "window.addEventListener(\"load\", async () => {\n"
    "  for (const id of [\"png\", \"svg\", \"ico\"]) {\n"
    "    const im = document.getElementById(id);\n"
    "    put(\"img \" + id + \" \" + im.naturalWidth + \"x\" + im.naturalHeight);\n"
    "  }\n"
    "  try {\n"
    "    const r = await fetch(\"/api/data?name=\" + encodeURIComponent(\"" API_NAME_JS "\"));\n"
    "    const text = await r.text();\n"
    "    put(\"api \" + r.status + \" \" + (r.headers.get(\"content-type\") || \"-\"));\n"
    "    put(\"body \" + JSON.stringify(text));\n"
    "    put(\"message \" + JSON.stringify(JSON.parse(text).message));\n"
    "  } catch (err) {\n"
    "    put(\"error \" + err);\n"
    "  }\n"
    "  put(\"done\");\n"
    "});\n";

static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"5\" height=\"4\">"
                          "<rect width=\"5\" height=\"4\" fill=\"#2a6\"/></svg>\n";

/* One resource of the page: its name in BR_DIR, the type the guide's
 * table gives it, and the line the script writes when the browser took it
 * (the script's first line, the stylesheet's colour, an image's size). */
typedef struct br_res {
    const char *br_name;
    const char *br_type;
    const char *br_evidence;
} br_res;

static const br_res resources[] = {
    {"app.js", "text/javascript", "script ran"}, {"style.css", "text/css", "css " CSS_COLOR},
    {"dot.png", "image/png", "img png 3x2"},     {"mark.svg", "image/svg+xml", "img svg 5x4"},
    {"icon.ico", "image/x-icon", "img ico 6x6"},
};

static void be32(unsigned char *p, unsigned long v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Append a PNG chunk (length, type, data, CRC over type and data). */
static void png_chunk(gr_str *out, const char *type, const unsigned char *data, size_t n)
{
    unsigned char word[4];
    be32(word, (unsigned long)n);
    gr_str_addn(out, (const char *)word, 4);
    size_t at = out->s_len;
    gr_str_addn(out, type, 4);
    gr_str_addn(out, (const char *)data, n);
    be32(word, crc32(0L, (const unsigned char *)out->s_buf + at, (uInt)(n + 4)));
    gr_str_addn(out, (const char *)word, 4);
}

/* A @p w x @p h RGB PNG of one colour (w, h at most 8). */
static int make_png(gr_str *out, unsigned w, unsigned h)
{
    unsigned char raw[8 * (1 + 8 * 3)], z[256], ihdr[13] = {0};
    size_t n = 0;
    for (unsigned y = 0; y < h; y++) {
        raw[n++] = 0; /* filter: none */
        for (unsigned x = 0; x < w; x++, n += 3) {
            memcpy(raw + n, "\xc0\x30\x30", 3);
        }
    }
    uLongf zn = sizeof z;
    if (compress(z, &zn, raw, (uLong)n) != Z_OK) {
        return -1;
    }
    be32(ihdr, w);
    be32(ihdr + 4, h);
    ihdr[8] = 8; /* bits per sample */
    ihdr[9] = 2; /* RGB */
    gr_str_addn(out, "\x89PNG\r\n\x1a\n", 8);
    png_chunk(out, "IHDR", ihdr, sizeof ihdr);
    png_chunk(out, "IDAT", z, zn);
    png_chunk(out, "IEND", (const unsigned char *)"", 0);
    return 0;
}

/* An ICO file holding one 6x6 image stored as a PNG. */
static int make_ico(gr_str *out)
{
    gr_str png = {0};
    if (make_png(&png, 6, 6) != 0) {
        gr_str_free(&png);
        return -1;
    }
    unsigned char head[22] = {0, 0, 1, 0, 1, 0,         /* icon, one image */
                              6, 6, 0, 0, 1, 0, 32, 0}; /* 6x6, 1 plane, 32 bits */
    unsigned long n = (unsigned long)png.s_len;
    for (int i = 0; i < 4; i++) {
        head[14 + i] = (unsigned char)(n >> (8 * i)); /* its size, little-endian */
    }
    head[18] = 22; /* where it starts */
    gr_str_addn(out, (const char *)head, sizeof head);
    gr_str_addn(out, png.s_buf, png.s_len);
    gr_str_free(&png);
    return 0;
}

int lab08_browser_docroot(gr_ctx *ctx, const char *top)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/" BR_DIR, top);
    if (mkdir(path, 0755) < 0) {
        return gr_fail(ctx, "cannot make %s", path);
    }
    gr_str png = {0}, ico = {0};
    int rc = make_png(&png, 3, 2) != 0 || make_ico(&ico) != 0
                 ? gr_fail(ctx, "the grader cannot make its images (zlib)")
                 : 0;
    const struct {
        const char *name;
        const char *bytes;
        size_t n;
    } files[] = {
        {"index.html", page, sizeof page - 1}, {"style.css", style, sizeof style - 1},
        {"app.js", script, sizeof script - 1}, {"mark.svg", svg, sizeof svg - 1},
        {"dot.png", png.s_buf, png.s_len},     {"icon.ico", ico.s_buf, ico.s_len},
    };
    for (size_t i = 0; rc == 0 && i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, BR_DIR "/%s", files[i].name);
        rc = lab08_write(ctx, top, path, files[i].bytes, files[i].n);
    }
    gr_str_free(&png);
    gr_str_free(&ico);
    return rc;
}

/* The shell command that runs chromium on the page: a fresh profile (and
 * HOME) in a temporary folder, removed afterwards; exit 3 with a word on
 * stdout when there is no chromium. One process (--single-process): the
 * sandbox bounds a client's resident memory summed over its processes, and
 * chromium's usual eight each count the same shared pages (1 GiB in all,
 * against about 330 MB in one); the browser still opens its connections in
 * parallel. */
static void command(gr_ctx *ctx, gr_str *args)
{
    gr_str sh = {0};
    gr_str_addf(&sh,
                "command -v chromium >/dev/null 2>&1 || { echo 'socklab: no chromium'; exit 3; }\n"
                "d=$(mktemp -d) || exit 1\n"
                "HOME=\"$d\" XDG_CONFIG_HOME=\"$d\" XDG_CACHE_HOME=\"$d\" chromium --headless "
                "--no-sandbox --single-process --no-zygote --disable-gpu --disable-dev-shm-usage "
                "--no-first-run "
                "--no-default-browser-check --disable-extensions --disable-sync "
                "--disable-background-networking --disable-component-update "
                "--user-data-dir=\"$d/profile\" --virtual-time-budget=10000 --timeout=%d "
                "--dump-dom http://%s:%d/browser/index.html\n"
                "s=$?; rm -rf \"$d\"; exit $s",
                gr_ms(ctx, CHROMIUM_STOP_MS), gr_host(ctx), gr_port(ctx));
    gr_str_add(args, "-c");
    gr_str_add_word(args, gr_str_cstr(&sh));
    gr_str_free(&sh);
}

/* The line of @p lines that starts with @p prefix, or NULL. */
static const char *line_with(const char *lines, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *p = lines; p != NULL && *p != '\0';) {
        if (strncmp(p, prefix, n) == 0) {
            return p;
        }
        p = strchr(p, '\n');
        p = p != NULL ? p + 1 : NULL;
    }
    return NULL;
}

/* Is the line at @p at exactly @p want? */
static int line_is(const char *at, const char *want)
{
    size_t n = strlen(want);
    return at != NULL && strncmp(at, want, n) == 0 && (at[n] == '\n' || at[n] == '\0');
}

/* GET the resource ourselves: a failure showing the bytes if its status
 * or its type is not the guide's, else 0. */
static int on_the_wire(gr_ctx *ctx, const br_res *res)
{
    char target[128], req[256];
    snprintf(target, sizeof target, "/browser/%s", res->br_name);
    lab08_get(req, sizeof req, "GET", target, "");
    gr_http_resp r = {0};
    int rc = lab08_status(ctx, req, 0, 200, &r, target) ||
             lab08_want_field(ctx, req, &r, "Content-Type", res->br_type, target);
    gr_http_resp_free(&r);
    return rc;
}

/* The resource @p res as the browser took it: the "got /browser/NAME
 * STATUS TYPE" line the page's script wrote, and its evidence. 0 if both
 * are there, else a failure with the cause's hint. */
static int check_resource(gr_ctx *ctx, const char *seen, const br_res *res)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "got /browser/%s ", res->br_name);
    const char *got = line_with(seen, prefix);
    int ran = line_is(seen, "script ran");
    if (ran && got == NULL) {
        gr_hint(ctx, "A browser asks for a page's resources on several connections at once, "
                     "keeps each open, and waits for every response. One that never ends (a "
                     "Content-Length larger than the body, a connection served only after "
                     "another closes) leaves it waiting. In C: a thread per connection and "
                     "exactly Content-Length bytes. In Python: ThreadingHTTPServer.");
        return gr_fail(ctx, "the browser %s /browser/%s",
                       line_with(seen, "done") != NULL ? "never got" : "was still waiting for",
                       res->br_name);
    }
    if (line_is(line_with(seen, res->br_evidence), res->br_evidence)) {
        return 0;
    }
    gr_hint(ctx, "A browser believes Content-Type, not the file's name: a stylesheet that is "
                 "not text/css is refused (strict MIME checking), a script or an image of the "
                 "wrong type is not run or not shown. In C: the extension's row of the type "
                 "table. In Python: a dict from ext.lower() to the guide's type.");
    char want[256];
    snprintf(want, sizeof want, "%s200 %s", prefix, res->br_type);
    if (got != NULL && !line_is(got, want)) {
        size_t n = strcspn(got + strlen(prefix), "\n");
        gr_fail(ctx,
                "the browser did not take /browser/%s: it got \"%.*s\" (status, type), "
                "where the guide gives \"200 %s\"",
                res->br_name, (int)n, got + strlen(prefix), res->br_type);
    }
    if (on_the_wire(ctx, res) != 0 || gr_failed(ctx)) {
        return -1;
    }
    gr_hint(ctx, "What a browser decodes must be exactly the file's bytes, every one, none "
                 "added. In C: write() until all Content-Length bytes are out, or sendfile(). "
                 "In Python: open(path, 'rb') and wfile.write() all of it.");
    return gr_fail(ctx, "the browser got /browser/%s (200 %s) but did not take it: no \"%s\"",
                   res->br_name, res->br_type, res->br_evidence);
}

/* What /api/data said, by value. */
static int check_api(gr_ctx *ctx, const char *seen)
{
    if (!line_is(line_with(seen, "message "), "message " API_MESSAGE)) {
        gr_hint(ctx,
                "A browser percent-encodes the UTF-8 bytes of what it sends: %s is "
                "Zo\xc3\xab Ann+Bo. Decode %%XX into bytes (+ is a space, %%2B a plus), then "
                "treat the bytes as UTF-8. In C: the same decoder as the path's, and the "
                "bytes given to the JSON library as they are. In Python: "
                "urllib.parse.parse_qs() (UTF-8 by default), never a latin-1 decode.",
                API_NAME_WIRE);
        return gr_fail(ctx,
                       "the page's fetch of /api/data?name=%s did not read back the "
                       "message %s",
                       API_NAME_WIRE, API_MESSAGE);
    }
    return 0;
}

/* Read what the script wrote (the <pre id="result"> of the dumped DOM). */
static char *result_of(const char *dom)
{
    static const char open[] = "<pre id=\"result\">";
    const char *from = strstr(dom, open);
    const char *to = from != NULL ? strstr(from, "</pre>") : NULL;
    if (to == NULL) {
        return NULL;
    }
    from += sizeof open - 1;
    char *out = malloc((size_t)(to - from) + 1);
    if (out != NULL) {
        memcpy(out, from, (size_t)(to - from));
        out[to - from] = '\0';
    }
    return out;
}

/* Judge what the browser saw: each resource, then the API. */
static int judge(gr_ctx *ctx, const char *seen)
{
    for (size_t i = 0; i < sizeof resources / sizeof resources[0]; i++) {
        if (check_resource(ctx, seen, &resources[i]) != 0) {
            return -1;
        }
    }
    return check_api(ctx, seen);
}

int lab08_check_browser(gr_ctx *ctx)
{
    gr_str args = {0};
    command(ctx, &args);
    gr_client_run run;
    int rc = gr_client_run_args(ctx, "sh", gr_str_cstr(&args), gr_ms(ctx, CHROMIUM_KILL_MS), &run);
    gr_str_free(&args);
    if (rc != 0) {
        return rc;
    }
    char *seen = NULL;
    if (!run.cr_timed_out && gr_exited_zero(&run) == 0 &&
        strstr(run.cr_stdout, "socklab: no chromium") != NULL) {
        gr_hint(ctx, "This check runs a real browser: Debian's chromium. `make deps` installs it "
                     "(apt-get install chromium); then grade again.");
        rc = gr_fail(ctx, "skipped: chromium not installed (make deps installs it)");
    } else if (run.cr_timed_out || (seen = result_of(run.cr_stdout)) == NULL) {
        gr_client_describe(ctx, &run);
        rc = gr_fail(ctx, "chromium gave no page (%s)",
                     run.cr_timed_out ? "it did not finish" : "no result element in its DOM");
    } else if ((rc = judge(ctx, seen)) != 0) {
        gr_show_text(ctx, "what the page's script saw, in the browser", seen, 30);
    }
    free(seen);
    gr_client_run_free(&run);
    return rc;
}
