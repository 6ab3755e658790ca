/* tls_client.c - a TLS client that verifies: tls_client [options] HOST PORT
 *
 * Connects, makes a TLS handshake that checks the server's certificate
 * chain against the trusted roots (--cafile, or the system's) and its name
 * against HOST (or --servername; an IP address against the certificate's
 * IP entries), sends the name in SNI, says what the session is on stderr,
 * sends one line, prints the reply, and closes with close_notify. A stream
 * that the server ends without close_notify may have been cut by anyone on
 * the path: that is an error (exit 6), never a success. Exit statuses are
 * in session.h and the guide. */
#include "session.h"

#include "addr.h"
#include "err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <openssl/err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: tls_client [options] HOST PORT\n"
    "Connect to HOST:PORT over TLS, verify the server, send a line, print the reply.\n"
    "  --cafile FILE       trust the roots in FILE (default: the system's)\n"
    "  --servername NAME   the name to send (SNI) and verify (default: HOST)\n"
    "  --min-version V     the lowest TLS version accepted: 1.2 (default) or 1.3\n"
    "  --message TEXT      the line to send (default: hello, TLS)\n"
    "  --timeout S         seconds for connecting and for each wait (default 10)\n"
    "  -h, --help          this text\n"
    "Exit status: 0 done, 1 local error, 2 usage, 3 cannot connect, 4 certificate\n"
    "refused, 5 handshake failed, 6 stream cut (no close_notify), 7 timeout.\n";

/* What the command line asked for. */
typedef struct options {
    const char *cafile;
    const char *servername;
    const char *message;
    int min_version;
    int timeout_ms;
    const char *host;
    const char *port;
} options;

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "tls_client: %s%s%s\n(tls_client --help shows the options)\n", what,
            arg != NULL ? ": " : "", arg != NULL ? arg : "");
    return TLS_USAGE;
}

static int parse_args(int argc, char **argv, options *o)
{
    enum { OPT_CAFILE = 256, OPT_NAME, OPT_MIN, OPT_MESSAGE, OPT_TIMEOUT };
    static const struct option longopts[] = {
        {"cafile", required_argument, NULL, OPT_CAFILE},
        {"servername", required_argument, NULL, OPT_NAME},
        {"min-version", required_argument, NULL, OPT_MIN},
        {"message", required_argument, NULL, OPT_MESSAGE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    for (int c; (c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1;) {
        char *end = NULL;
        double s = 0;
        switch (c) {
        case OPT_CAFILE:
            o->cafile = optarg;
            break;
        case OPT_NAME:
            o->servername = optarg;
            break;
        case OPT_MESSAGE:
            if (strpbrk(optarg, "\r\n") != NULL) {
                return usage_error("the message is one line (no CR or LF)", NULL);
            }
            o->message = optarg;
            break;
        case OPT_MIN:
            if ((o->min_version = session_version(optarg)) == 0) {
                return usage_error("--min-version is 1.2 or 1.3", optarg);
            }
            break;
        case OPT_TIMEOUT:
            s = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !isfinite(s) || s < 0.001 || s > 3600) {
                return usage_error("--timeout is seconds, from 0.001 to 3600", optarg);
            }
            o->timeout_ms = (int)lround(s * 1000);
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(TLS_OK);
        case ':':
            return usage_error("this option needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option", argv[optind - 1]);
        }
    }
    if (argc - optind != 2) {
        return usage_error("give HOST and PORT", NULL);
    }
    o->host = argv[optind];
    o->port = argv[optind + 1];
    uint16_t port;
    char err[SL_ERR_LEN];
    return sl_addr_parse_port(o->port, 0, &port, err) < 0 ? usage_error(err, NULL) : TLS_OK;
}

/* A client context: verification on, the trusted roots, the version floor. */
static SSL_CTX *make_context(const options *o, char *why, size_t n)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    /* TODO(step 3): the floor, o->min_version (SSL_CTX_set_min_proto_version()). */
    if (ctx == NULL) {
        snprintf(why, n, "cannot make a TLS context");
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* TODO(step 1): verify the server: SSL_CTX_set_verify(ctx,
     * SSL_VERIFY_PEER, NULL), and trust o->cafile's roots
     * (SSL_CTX_load_verify_locations()), or the system's
     * (SSL_CTX_set_default_verify_paths()); a file that cannot be read is
     * TLS_LOCAL. Without it, any certificate passes: the seed's
     * "ssl.CERT_NONE" line. */
    (void)o;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}

/* SNI and the name to verify: a host name goes in SNI and is checked
 * against the certificate's DNS names; an IP address is never sent as SNI
 * (RFC 6066) and is checked against its IP entries. */
static int set_peer_name(SSL *ssl, const options *o)
{
    /* TODO(step 1): the name is o->servername, or o->host. An IP address
     * (inet_pton()) is checked with X509_VERIFY_PARAM_set1_ip_asc(
     * SSL_get0_param(ssl), name); a host name is sent in SNI
     * (SSL_set_tlsext_host_name()) and checked (SSL_set1_host()). */
    (void)ssl;
    (void)o;
    return 0;
}

/* A read or write that failed: a timeout (SO_RCVTIMEO) or a lost connection. */
static int io_failure(SSL *ssl, int ret, const char *what, char *why, size_t n)
{
    /* TODO(step 3): a wait that SO_RCVTIMEO ended is TLS_TIMEOUT. */
    (void)ssl;
    (void)ret;
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    snprintf(why, n, "%s: %s", what,
             code != 0 ? ERR_reason_error_string(code) : errno != 0 ? strerror(errno)
                                                                   : "the connection ended");
    return TLS_TRUNCATED;
}

/* Send the line, print the reply (one line), then read to the end of the
 * stream: close_notify is the only clean end. */
static int converse(SSL *ssl, const options *o, char *why, size_t n)
{
    char line[4096];
    int len = snprintf(line, sizeof line, "%s\n", o->message);
    size_t put = 0;
    if (SSL_write_ex(ssl, line, (size_t)len, &put) != 1) {
        return io_failure(ssl, 0, "sending the message", why, n);
    }
    SSL_shutdown(ssl); /* our close_notify: we send nothing more */
    for (;;) {
        char buf[4096];
        size_t got = 0;
        errno = 0;
        int ret = SSL_read_ex(ssl, buf, sizeof buf, &got);
        if (ret == 1) {
            fwrite(buf, 1, got, stdout);
            continue;
        }
        /* TODO(step 3): only close_notify (SSL_ERROR_ZERO_RETURN) is a clean
         * end; an end without it is TLS_TRUNCATED, a timeout TLS_TIMEOUT. */
        (void)io_failure;
        return TLS_OK;
    }
}

/* Connect within the timeout; every later wait is bounded by it too. */
static int open_socket(const options *o, int *fd, char *why, size_t n)
{
    char err[SL_ERR_LEN] = "";
    *fd = sl_addr_connect_timeout(o->host, o->port, o->timeout_ms, err);
    if (*fd < 0) {
        snprintf(why, n, "%s", err);
        return errno == ETIMEDOUT ? TLS_TIMEOUT : TLS_CONNECT;
    }
    struct timeval tv = {.tv_sec = o->timeout_ms / 1000, .tv_usec = (o->timeout_ms % 1000) * 1000};
    setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(*fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return TLS_OK;
}

/* The handshake; its failure says whether the certificate was refused. */
static int handshake(SSL *ssl, const options *o, char *why, size_t n)
{
    if (set_peer_name(ssl, o) < 0) {
        snprintf(why, n, "cannot set the name to verify");
        return TLS_LOCAL;
    }
    errno = 0;
    int ret = SSL_connect(ssl);
    if (ret == 1) {
        return TLS_OK;
    }
    /* TODO(step 3): a handshake that SO_RCVTIMEO ended is TLS_TIMEOUT. */
    return session_failure(ssl, why, n);
}

int main(int argc, char **argv)
{
    options o = {.message = "hello, TLS", .min_version = TLS1_2_VERSION, .timeout_ms = 10000};
    int rc = parse_args(argc, argv, &o);
    if (rc != TLS_OK) {
        return rc;
    }
    signal(SIGPIPE, SIG_IGN);
    char why[512] = "";
    int fd = -1;
    SSL *ssl = NULL;
    SSL_CTX *ctx = make_context(&o, why, sizeof why);
    rc = ctx == NULL ? TLS_LOCAL : open_socket(&o, &fd, why, sizeof why);
    if (rc == TLS_OK && ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1)) {
        snprintf(why, sizeof why, "cannot make a TLS session");
        rc = TLS_LOCAL;
    }
    if (rc == TLS_OK && (rc = handshake(ssl, &o, why, sizeof why)) == TLS_OK) {
        session_describe(ssl);
        rc = converse(ssl, &o, why, sizeof why);
    }
    if (rc != TLS_OK) {
        fprintf(stderr, "tls_client: %s:%s: %s\n", o.host, o.port, why);
    }
    fflush(stdout);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}
