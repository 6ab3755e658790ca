/* fetch.c - an HTTP/1.1 client: fetch [options] URL...
 *
 * Fetches each URL in turn and writes its body to stdout, or to -o FILE,
 * which appears only when the whole body has arrived: it is written under
 * a temporary name beside FILE and renamed at the end, so a failed
 * transfer (or a killed fetch) leaves no partial file behind. main()
 * checks the command line; transfer.c does the network; response.c reads
 * what the server says. Exit statuses are in fetch.h and the guide. */
#include "fetch.h"
#include "parallel.h"
#include "transfer.h"

#include "err.h"
#include "xport_tls.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The long options without a letter. */
enum {
    OPT_JSON = 256,
    OPT_MAX_REDIRS,
    OPT_NO_FOLLOW,
    OPT_CONNECT_TO,
    OPT_READ_TO,
    OPT_RETRIES,
    OPT_BACKOFF,
    OPT_QUERY,
    OPT_CACERT,
};

static const char usage_text[] =
    "usage: fetch [options] URL...\n"
    "Fetch each http:// or https:// URL in turn; write the bodies to stdout.\n"
    "  -o, --output FILE       write the body to FILE (one URL only); FILE appears\n"
    "                          only when the transfer succeeded\n"
    "  -I, --head              send HEAD instead of GET\n"
    "  -d, --data DATA         POST DATA as a form (application/x-www-form-urlencoded)\n"
    "      --json DATA         POST DATA as JSON (application/json)\n"
    "  -H, --header 'N: V'     add a header (replaces fetch's own of that name)\n"
    "  -i, --include           write the response head before the body\n"
    "  -f, --fail              a status of 400 or more is an error (exit 6), no body\n"
    "      --max-redirs N      follow at most N redirects (default 10, at most 50)\n"
    "      --no-follow         do not follow redirects: write the 3xx response\n"
    "      --connect-timeout S seconds to connect (default 10)\n"
    "      --read-timeout S    seconds to wait for any byte (default 30)\n"
    "      --retries N         try again up to N times (default 5, at most 10) when\n"
    "                          connecting fails or the status is 500/502/503/504\n"
    "      --backoff S         seconds before the first retry, doubling (default 0.5)\n"
    "      --query NAME=VALUE  add a query parameter to each URL, percent-encoded\n"
    "  -F, --form NAME=VALUE   POST a multipart/form-data field; NAME=@FILE sends\n"
    "                          the file's bytes (repeat -F for more fields)\n"
    "  -Z, --parallel N        fetch up to N URLs at once (1 to 64), bodies still in\n"
    "                          order; no redirects followed, no retries; http:// only\n"
    "      --cacert FILE       https: trust the roots in FILE (PEM), not the system's\n"
    "  -h, --help              this text\n"
    "Exit status: 0 done, 1 local error (output file), 2 usage, 3 bad URL,\n"
    "4 cannot connect, 5 timeout, 6 HTTP error (--fail), 7 too many redirects\n"
    "or a loop, 8 malformed response (a bad head, a body cut short), 9 TLS (the\n"
    "certificate refused, the handshake failed, the stream cut without close_notify).\n";

/* The temporary output file, removed if a signal ends fetch. */
static char tmp_path[4096];
static volatile sig_atomic_t tmp_live;

static void on_signal(int signo)
{
    if (tmp_live) {
        unlink(tmp_path);
    }
    signal(signo, SIG_DFL);
    raise(signo);
}

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "fetch: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n(fetch --help shows the options)\n");
    return FETCH_USAGE;
}

/* Seconds, e.g. "2" or "0.5", from 0.001 to 3600, into milliseconds. */
static int parse_seconds(const char *s, int *ms)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0.001 || v > 3600) {
        return -1;
    }
    *ms = (int)lround(v * 1000);
    return 0;
}

/* --max-redirs (0 to 50), --retries (0 to 10) or --parallel (1 to
 * PARALLEL_MAX) into o; -1 after saying what is wrong. */
static int parse_count(int opt, const char *s, transfer_opts *o)
{
    static const struct {
        int opt;
        const char *name;
        long least, most;
    } counts[] = {{OPT_MAX_REDIRS, "--max-redirs", 0, 50},
                  {OPT_RETRIES, "--retries", 0, 10},
                  {'Z', "--parallel", 1, PARALLEL_MAX}};
    int *dst[] = {&o->to_max_redirs, &o->to_retries, &o->to_parallel};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (counts[i].opt != opt) {
            continue;
        }
        char *end = NULL;
        errno = 0;
        long n = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || n < counts[i].least ||
            n > counts[i].most) {
            fprintf(stderr, "fetch: %s \"%s\" is not a number from %ld to %ld\n",
                    counts[i].name, s, counts[i].least, counts[i].most);
            fprintf(stderr, "(fetch --help shows the options)\n");
            return -1;
        }
        *dst[i] = (int)n;
    }
    return 0;
}

/* One more --query or -F value, checked: NAME=VALUE (or NAME=@FILE). */
static int add_form(const char **list, int *n, const char *v)
{
    const char *eq = strchr(v, '=');
    if (eq == NULL || eq == v) {
        usage_error("\"%s\" is not NAME=VALUE", v);
        return -1;
    }
    if (*n == FORM_MAX) {
        usage_error("%s: too many --query or -F options", v);
        return -1;
    }
    list[(*n)++] = v;
    return 0;
}

/* "Name: value": a token, a colon, no CR or LF; not one of the framing
 * headers fetch writes itself. */
static int check_header(const char *h)
{
    size_t n = strcspn(h, ":");
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)h[i]) && strchr("!#$%&'*+-.^_`|~", h[i]) == NULL) {
            return -1;
        }
    }
    if (n == 0 || h[n] != ':' || strpbrk(h, "\r\n") != NULL) {
        return -1;
    }
    return strncasecmp(h, "Content-Length:", 15) == 0 ||
                   strncasecmp(h, "Transfer-Encoding:", 18) == 0
               ? -1
               : 0;
}

/* The command line into opts, *output and the -F fields; a fetch_exit
 * status. */
static int parse_args(int argc, char **argv, transfer_opts *o, const char **output,
                      const char **forms, int *nforms)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"head", no_argument, NULL, 'I'},
        {"data", required_argument, NULL, 'd'},
        {"json", required_argument, NULL, OPT_JSON},
        {"header", required_argument, NULL, 'H'},
        {"include", no_argument, NULL, 'i'},
        {"fail", no_argument, NULL, 'f'},
        {"max-redirs", required_argument, NULL, OPT_MAX_REDIRS},
        {"no-follow", no_argument, NULL, OPT_NO_FOLLOW},
        {"connect-timeout", required_argument, NULL, OPT_CONNECT_TO},
        {"read-timeout", required_argument, NULL, OPT_READ_TO},
        {"retries", required_argument, NULL, OPT_RETRIES},
        {"backoff", required_argument, NULL, OPT_BACKOFF},
        {"parallel", required_argument, NULL, 'Z'},
        {"query", required_argument, NULL, OPT_QUERY},
        {"form", required_argument, NULL, 'F'},
        {"cacert", required_argument, NULL, OPT_CACERT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int head = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:Id:H:ifhZ:F:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            *output = optarg;
            break;
        case 'I':
            head = 1;
            break;
        case 'd':
        case OPT_JSON:
            if (o->to_body != NULL) {
                return usage_error("%s: give one body (-d or --json), once", optarg);
            }
            o->to_body = optarg;
            o->to_content_type =
                c == 'd' ? "application/x-www-form-urlencoded" : "application/json";
            break;
        case 'H':
            if (check_header(optarg) < 0) {
                return usage_error("bad header \"%s\": it must be \"Name: value\" with no CR "
                                   "or LF, and not Content-Length or Transfer-Encoding",
                                   optarg);
            }
            if (o->to_nheaders == MAX_HEADERS) {
                return usage_error("%s: too many -H options", optarg);
            }
            o->to_headers[o->to_nheaders++] = optarg;
            break;
        case 'i':
            o->to_include = 1;
            break;
        case OPT_QUERY:
        case 'F':
            if (add_form(c == 'F' ? forms : o->to_params, c == 'F' ? nforms : &o->to_nparams,
                         optarg) < 0) {
                return FETCH_USAGE;
            }
            break;
        case 'f':
            o->to_fail = 1;
            break;
        case OPT_MAX_REDIRS:
        case OPT_RETRIES:
        case 'Z':
            if (parse_count(c, optarg, o) < 0) {
                return FETCH_USAGE;
            }
            break;
        case OPT_NO_FOLLOW:
            o->to_follow = 0;
            break;
        case OPT_CACERT:
            o->to_cacert = optarg;
            break;
        case OPT_CONNECT_TO:
        case OPT_READ_TO:
        case OPT_BACKOFF:
            if (parse_seconds(optarg, c == OPT_READ_TO      ? &o->to_read_timeout_ms
                                      : c == OPT_BACKOFF    ? &o->to_backoff_ms
                                                            : &o->to_connect_timeout_ms) < 0) {
                return usage_error("\"%s\" is not a number of seconds from 0.001 to 3600",
                                   optarg);
            }
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(FETCH_OK);
        case ':':
            return usage_error("%s needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (*nforms > 0 && (head || o->to_body != NULL)) {
        return usage_error("%s", "-F sends a multipart body: leave out -I, -d and --json");
    }
    if (head && o->to_body != NULL) {
        return usage_error("%s", "-I (HEAD) sends no body: leave out -d and --json");
    }
    o->to_body_len = o->to_body != NULL ? strlen(o->to_body) : 0;
    o->to_method = head ? "HEAD" : o->to_body != NULL || *nforms > 0 ? "POST" : "GET";
    if (optind == argc) {
        return usage_error("%s", "no URL given");
    }
    if (*output != NULL && argc - optind > 1) {
        return usage_error("%s", "-o FILE takes one URL");
    }
    if (*output != NULL && o->to_parallel > 0) {
        return usage_error("%s", "--parallel writes to stdout: leave out -o");
    }
    return FETCH_OK;
}

/* Fetch into FILE through a temporary file beside it, renamed at the end. */
static int fetch_to_file(const transfer_opts *o, const char *text, const char *path, char *err)
{
    if (snprintf(tmp_path, sizeof tmp_path, "%s.fetch-XXXXXX", path) >= (int)sizeof tmp_path) {
        sl_err_set(err, "%s: the name is too long", path);
        return FETCH_LOCAL;
    }
    int fd = mkstemp(tmp_path);
    FILE *out = fd < 0 ? NULL : fdopen(fd, "w");
    if (out == NULL) {
        sl_err_errno(err, "%s: cannot create a temporary file beside it", path);
        if (fd >= 0) {
            close(fd);
            unlink(tmp_path);
        }
        return FETCH_LOCAL;
    }
    tmp_live = 1;
    int rc = transfer_fetch(o, text, out, err);
    if (fclose(out) != 0 && rc == FETCH_OK) {
        sl_err_errno(err, "%s: cannot write", path);
        rc = FETCH_LOCAL;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (rc == FETCH_OK && (chmod(tmp_path, 0666 & ~mask) < 0 || rename(tmp_path, path) < 0)) {
        sl_err_errno(err, "%s: cannot rename %s to it", path, tmp_path);
        rc = FETCH_LOCAL;
    }
    if (rc != FETCH_OK) {
        unlink(tmp_path);
    }
    tmp_live = 0;
    return rc;
}

int main(int argc, char **argv)
{
    transfer_opts o = {.to_follow = 1,
                       .to_max_redirs = 10,
                       .to_connect_timeout_ms = 10000,
                       .to_read_timeout_ms = 30000,
                       .to_retries = 5,
                       .to_backoff_ms = 500};
    pool kept = POOL_INIT;
    o.to_pool = &kept;
    progress bar;
    const char *output = NULL;
    const char *forms[FORM_MAX];
    int nforms = 0;
    int rc = parse_args(argc, argv, &o, &output, forms, &nforms);
    if (rc != FETCH_OK) {
        return rc;
    }
    char err[SL_ERR_LEN] = "";
    char ctype[128];
    char *multipart = NULL;
    if (nforms > 0) {
        multipart = form_multipart((char *const *)forms, nforms, &o.to_body_len, ctype,
                                   sizeof ctype, err);
        if (multipart == NULL) {
            fprintf(stderr, "fetch: %s\n", err);
            return FETCH_LOCAL;
        }
        o.to_body = multipart;
        o.to_content_type = ctype;
    }
    o.to_jar = cookie_jar_new();
    if (o.to_jar == NULL) {
        fprintf(stderr, "fetch: out of memory\n");
        free(multipart);
        return FETCH_LOCAL;
    }
    o.to_tls = sl_tls_client_ctx(o.to_cacert, TLS1_2_VERSION, err);
    if (o.to_tls == NULL) {
        fprintf(stderr, "fetch: %s\n", err);
        cookie_jar_free(o.to_jar);
        free(multipart);
        return FETCH_LOCAL;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (output != NULL) {
        o.to_progress = &bar;
        rc = fetch_to_file(&o, argv[optind], output, err);
    } else if (o.to_parallel > 0) {
        rc = parallel_fetch(&o, argv + optind, argc - optind, o.to_parallel, stdout, err);
        err[0] = '\0'; /* each failure is said already */
    }
    for (int i = optind; output == NULL && !o.to_parallel && i < argc && rc == FETCH_OK; i++) {
        rc = transfer_fetch(&o, argv[i], stdout, err);
        if (fflush(stdout) != 0 && rc == FETCH_OK) {
            sl_err_errno(err, "cannot write to stdout");
            rc = FETCH_LOCAL;
        }
    }
    pool_close(&kept);
    SSL_CTX_free(o.to_tls);
    cookie_jar_free(o.to_jar);
    free(multipart);
    if (rc != FETCH_OK && err[0] != '\0') {
        fprintf(stderr, "fetch: %s\n", err);
    }
    return rc;
}
