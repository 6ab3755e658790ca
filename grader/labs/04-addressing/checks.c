/* lab04.c - checks for Lab 04: addressing, socket options and a port scanner.
 *
 * The lab has four programs. hostinfo and sockopts are graded against what
 * the grader itself gets from the same resolver and the same kernel, so a
 * check never depends on this machine's /etc/hosts or sysctls, only on the
 * program telling the truth about them. echo_dual is a server, reached over
 * IPv4, IPv6 and a Unix domain socket. portscan is graded against listeners
 * the grader opens on a seeded set of ports: some accept, some have a full
 * accept queue (a connect there hangs, like a port behind a firewall that
 * drops packets), the rest are closed.
 *
 * Every check is about the protocol and the bug it targets: a correct
 * program in any language passes. */
#include "addr.h"
#include "engine/grader.h"
#include "os/procfs.h"
#include "kit/conn.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define KiB 1024

/* The Unix socket path the grader gives the server, in its directory. */
#define SOCK_NAME "echo.sock"
/* How long an echo may go quiet, once everything is sent. */
#define QUIET_MS 2000
/* How long a server gets to create its Unix socket after it listens on TCP. */
#define UNIX_READY_MS 5000
/* How long the server gets to print a connection's log line. */
#define LOG_MS 3000
/* Most addresses a hostinfo line set may hold. */
#define MAX_ADDRS 64

/* ---- running the lab's programs --------------------------------------------- */

/* Run PROGRAM ARGS (ARGS already quoted) for at most ms (scaled). */
static int run_prog(gr_ctx *ctx, const char *prog, const char *args, int ms, gr_client_run *r)
{
    return gr_client_run_args(ctx, prog, args, gr_ms(ctx, ms), r);
}

/* Did the run end by exiting with status 0? */
static int exited_zero(const gr_client_run *r)
{
    return !r->cr_timed_out && WIFEXITED(r->cr_status) && WEXITSTATUS(r->cr_status) == 0;
}

/* Did the run end by exiting with a non-zero status (not a signal, not a timeout)? */
static int exited_nonzero(const gr_client_run *r)
{
    return !r->cr_timed_out && WIFEXITED(r->cr_status) && WEXITSTATUS(r->cr_status) != 0;
}

/* Append text to the details, each line prefixed, at most max_lines lines. */
static void show_text(gr_ctx *ctx, const char *title, const char *text, int max_lines)
{
    gr_str *d = gr_details(ctx);
    if (text == NULL || text[0] == '\0') {
        gr_str_addf(d, "%s: (nothing)\n", title);
        return;
    }
    gr_str_addf(d, "%s:\n", title);
    int lines = 0;
    for (const char *p = text; *p != '\0' && lines < max_lines; lines++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        gr_str_addf(d, "  | %.*s\n", (int)n, p);
        p += n + (nl != NULL);
    }
    if (lines == max_lines) {
        gr_str_add(d, "  | ...\n");
    }
}

/* Say how a run ended, with its stdout and stderr. */
static void describe_run(gr_ctx *ctx, const gr_client_run *r)
{
    gr_client_describe(ctx, r);
    show_text(ctx, "its stdout", r->cr_stdout, 30);
}

/* The next line of *p (without its newline) in line[cap]; 0 at the end. */
static int next_line(const char **p, char *line, size_t cap)
{
    if (**p == '\0') {
        return 0;
    }
    const char *nl = strchr(*p, '\n');
    size_t n = nl != NULL ? (size_t)(nl - *p) : strlen(*p);
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(line, *p, k);
    line[k] = '\0';
    while (k > 0 && (line[k - 1] == '\r' || line[k - 1] == ' ')) {
        line[--k] = '\0';
    }
    *p += n + (nl != NULL);
    return 1;
}

/* ---- step 1 and 2: hostinfo -------------------------------------------------- */

/* One address of a name. */
typedef struct addr_entry {
    int family;            /* AF_INET or AF_INET6 */
    unsigned char bin[16]; /* the address, in network order */
    char text[INET6_ADDRSTRLEN];
    char name[NI_MAXHOST]; /* reverse name: what hostinfo printed, or "-" */
} addr_entry;

/* What a name resolves to, or what hostinfo printed for it. */
typedef struct host_view {
    char canonical[NI_MAXHOST];
    int has_canonical;
    addr_entry a[MAX_ADDRS];
    size_t n;
} host_view;

static int same_addr(const addr_entry *x, int family, const unsigned char *bin)
{
    return x->family == family && memcmp(x->bin, bin, family == AF_INET ? 4 : 16) == 0;
}

static const addr_entry *find_addr(const host_view *h, int family, const unsigned char *bin)
{
    for (size_t i = 0; i < h->n; i++) {
        if (same_addr(&h->a[i], family, bin)) {
            return &h->a[i];
        }
    }
    return NULL;
}

/* What the grader's own resolver says about name: getaddrinfo() for both
 * families, each address once, and getnameinfo() (NI_NAMEREQD) for each.
 * Returns getaddrinfo()'s code. */
static int resolve(const char *name, host_view *h)
{
    memset(h, 0, sizeof *h);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0) {
        return rc;
    }
    snprintf(h->canonical, sizeof h->canonical, "%s",
             res->ai_canonname != NULL ? res->ai_canonname : name);
    h->has_canonical = 1;
    for (const struct addrinfo *ai = res; ai != NULL && h->n < MAX_ADDRS; ai = ai->ai_next) {
        const void *bin;
        if (ai->ai_family == AF_INET) {
            bin = &((const struct sockaddr_in *)ai->ai_addr)->sin_addr;
        } else if (ai->ai_family == AF_INET6) {
            bin = &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        } else {
            continue;
        }
        if (find_addr(h, ai->ai_family, bin) != NULL) {
            continue;
        }
        addr_entry *e = &h->a[h->n++];
        e->family = ai->ai_family;
        memcpy(e->bin, bin, ai->ai_family == AF_INET ? 4 : 16);
        inet_ntop(e->family, e->bin, e->text, sizeof e->text);
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, e->name, sizeof e->name, NULL, 0,
                        NI_NAMEREQD) != 0) {
            strcpy(e->name, "-");
        }
    }
    freeaddrinfo(res);
    return 0;
}

/* Parse hostinfo's output into h. Returns 0, or gr_fail()'s value naming the
 * first line that is not "canonical NAME", "ipv4 ADDR NAME" or "ipv6 ADDR NAME". */
static int parse_hostinfo(gr_ctx *ctx, const char *out, host_view *h)
{
    memset(h, 0, sizeof *h);
    char line[1024];
    const char *p = out;
    while (next_line(&p, line, sizeof line)) {
        char kind[16], addr[64], name[NI_MAXHOST], extra[8];
        if (line[0] == '\0') {
            continue;
        }
        int k = sscanf(line, "%15s %63s %1024s %7s", kind, addr, name, extra);
        if (k == 2 && strcmp(kind, "canonical") == 0 && !h->has_canonical) {
            snprintf(h->canonical, sizeof h->canonical, "%s", addr);
            h->has_canonical = 1;
            continue;
        }
        int family = strcmp(kind, "ipv4") == 0 ? AF_INET : strcmp(kind, "ipv6") == 0 ? AF_INET6 : 0;
        unsigned char bin[16];
        if (k != 3 || family == 0 || inet_pton(family, addr, bin) != 1) {
            return gr_fail(ctx,
                           "hostinfo printed a line that is not \"canonical NAME\", "
                           "\"ipv4 ADDRESS NAME\" or \"ipv6 ADDRESS NAME\": \"%.200s\"",
                           line);
        }
        if (find_addr(h, family, bin) != NULL) {
            return gr_fail(ctx,
                           "hostinfo printed %s twice: print each address once (getaddrinfo "
                           "returns one entry per socket type unless hints.ai_socktype "
                           "is set)",
                           addr);
        }
        if (h->n == MAX_ADDRS) {
            return gr_fail(ctx, "hostinfo printed more than %d addresses", MAX_ADDRS);
        }
        addr_entry *e = &h->a[h->n++];
        e->family = family;
        memcpy(e->bin, bin, family == AF_INET ? 4 : 16);
        inet_ntop(family, bin, e->text, sizeof e->text);
        snprintf(e->name, sizeof e->name, "%s", name);
    }
    return 0;
}

/* The name in /etc/hosts with the most distinct addresses (at least 2), so
 * that printing only the first address shows; "" if there is none. */
static void busiest_hosts_name(char *best, size_t cap)
{
    best[0] = '\0';
    FILE *f = fopen("/etc/hosts", "r");
    if (f == NULL) {
        return;
    }
    char line[512];
    char names[32][256];
    size_t nnames = 0;
    while (fgets(line, sizeof line, f) != NULL && nnames < 32) {
        char *hash = strchr(line, '#');
        if (hash != NULL) {
            *hash = '\0';
        }
        char *save = NULL;
        char *tok = strtok_r(line, " \t\n", &save); /* the address */
        while (tok != NULL && (tok = strtok_r(NULL, " \t\n", &save)) != NULL && nnames < 32) {
            if (strlen(tok) < sizeof names[0]) {
                snprintf(names[nnames++], sizeof names[0], "%s", tok);
            }
        }
    }
    fclose(f);
    size_t most = 1;
    for (size_t i = 0; i < nnames; i++) {
        host_view h;
        if (resolve(names[i], &h) == 0 && h.n > most) {
            most = h.n;
            snprintf(best, cap, "%.*s", (int)(cap - 1), names[i]);
        }
    }
}

/* Run hostinfo NAME and parse what it printed. Returns 0 or gr_fail()'s
 * value; 1 when hostinfo failed and lenient is set (the forward check
 * reports that, so the reverse check skips the name). */
static int run_hostinfo(gr_ctx *ctx, const char *name, host_view *got, int lenient)
{
    gr_str args = {0};
    gr_str_add_word(&args, name);
    gr_client_run r;
    int rc = run_prog(ctx, "./hostinfo", args.s_buf != NULL ? args.s_buf : "", 20000, &r);
    gr_str_free(&args);
    if (rc < 0) {
        return rc;
    }
    if (!exited_zero(&r) && lenient) {
        rc = 1;
    } else if (!exited_zero(&r)) {
        rc = gr_fail(ctx,
                     "hostinfo %s did not exit with status 0, although the grader's own "
                     "getaddrinfo() resolves that name",
                     name);
        describe_run(ctx, &r);
    } else if ((rc = parse_hostinfo(ctx, r.cr_stdout, got)) < 0) {
        describe_run(ctx, &r);
    }
    gr_client_run_free(&r);
    return rc;
}

/* Where a check's expected answers come from: the grader's own resolver,
 * or (where the sandbox allows) a hosts file of the check's own that the
 * programs see instead of /etc/hosts, with no DNS behind it. The second
 * makes every answer known on any machine: a name with three addresses of
 * both families, an alias, an address with no name. */
typedef struct lookups {
    int hermetic; /* 1: the client runs see text as their /etc/hosts */
    char text[512];
    char name[64];    /* hNNN.socklab.test: two IPv4 addresses and one IPv6 */
    char alias[16];   /* hNNN: an alias on the first line only */
    char second[32];  /* the name's second IPv4 address */
    char v6[48];      /* its IPv6 address */
    char unnamed[32]; /* an address no line names */
} lookups;

static void lookups_init(gr_ctx *ctx, lookups *l)
{
    memset(l, 0, sizeof *l);
    int n = 100 + (int)gr_random_below(ctx, 900);
    int a = 1 + (int)gr_random_below(ctx, 120);
    int b = 130 + (int)gr_random_below(ctx, 120);
    snprintf(l->name, sizeof l->name, "h%d.socklab.test", n);
    snprintf(l->alias, sizeof l->alias, "h%d", n);
    snprintf(l->second, sizeof l->second, "192.0.2.%d", b);
    snprintf(l->v6, sizeof l->v6, "2001:db8::%x", 1 + (unsigned)gr_random_below(ctx, 0xfffe));
    snprintf(l->unnamed, sizeof l->unnamed, "198.51.100.%d", 1 + (int)gr_random_below(ctx, 250));
    snprintf(l->text, sizeof l->text,
             "# written by the socklab grader for this check\n"
             "127.0.0.1 localhost\n"
             "::1 localhost ip6-localhost\n"
             "192.0.2.%d %s %s\n"
             "%s %s\n"
             "%s %s\n",
             a, l->name, l->alias, l->second, l->name, l->v6, l->name);
    l->hermetic = gr_client_hosts(ctx, l->text) == 1;
    gr_verbose(ctx, "hostinfo sees %s",
               l->hermetic ? "the check's own hosts file" : "this machine's resolver");
}

/* The official name of the first line of hosts text for address bin, or "-". */
static void hosts_reverse(const char *text, int family, const unsigned char *bin, char *out,
                          size_t cap)
{
    snprintf(out, cap, "-");
    char line[256];
    const char *p = text;
    while (next_line(&p, line, sizeof line)) {
        char addr[64], official[NI_MAXHOST];
        unsigned char b[16];
        if (line[0] == '#' || sscanf(line, "%63s %1024s", addr, official) != 2) {
            continue;
        }
        if (inet_pton(family, addr, b) == 1 && memcmp(b, bin, family == AF_INET ? 4 : 16) == 0) {
            snprintf(out, cap, "%.*s", (int)cap - 1, official);
            return;
        }
    }
}

/* What the resolver makes of query when text is all of /etc/hosts (the
 * files backend: a name matches the official name or an alias of a line;
 * a numeric address is itself). Returns 0, or -1 if the name is unknown. */
static int hosts_lookup(const char *text, const char *query, host_view *h)
{
    memset(h, 0, sizeof *h);
    int family = 0;
    unsigned char bin[16];
    if (inet_pton(AF_INET, query, bin) == 1) {
        family = AF_INET;
    } else if (inet_pton(AF_INET6, query, bin) == 1) {
        family = AF_INET6;
    }
    if (family != 0) {
        snprintf(h->canonical, sizeof h->canonical, "%s", query);
        h->has_canonical = 1;
        addr_entry *e = &h->a[h->n++];
        e->family = family;
        memcpy(e->bin, bin, 16);
        inet_ntop(family, bin, e->text, sizeof e->text);
        hosts_reverse(text, family, bin, e->name, sizeof e->name);
        return 0;
    }
    char line[256];
    const char *p = text;
    while (next_line(&p, line, sizeof line) && h->n < MAX_ADDRS) {
        if (line[0] == '#') {
            continue;
        }
        char *save = NULL;
        char *addr = strtok_r(line, " \t", &save);
        char *official = addr != NULL ? strtok_r(NULL, " \t", &save) : NULL;
        int match = official != NULL && strcasecmp(official, query) == 0;
        for (char *w = official; w != NULL && !match;) {
            w = strtok_r(NULL, " \t", &save);
            match = w != NULL && strcasecmp(w, query) == 0;
        }
        int fam = addr != NULL && inet_pton(AF_INET, addr, bin) == 1    ? AF_INET
                  : addr != NULL && inet_pton(AF_INET6, addr, bin) == 1 ? AF_INET6
                                                                        : 0;
        if (!match || fam == 0 || find_addr(h, fam, bin) != NULL) {
            continue;
        }
        if (!h->has_canonical) {
            snprintf(h->canonical, sizeof h->canonical, "%s", official);
            h->has_canonical = 1;
        }
        addr_entry *e = &h->a[h->n++];
        e->family = fam;
        memcpy(e->bin, bin, 16);
        inet_ntop(fam, bin, e->text, sizeof e->text);
        hosts_reverse(text, fam, bin, e->name, sizeof e->name);
    }
    return h->n > 0 ? 0 : -1;
}

/* What hostinfo should find for name. Returns 0, or non-zero if the name
 * does not resolve here. */
static int expected(const lookups *l, const char *name, host_view *want)
{
    return l->hermetic ? hosts_lookup(l->text, name, want) : resolve(name, want);
}

static int check_hostinfo_forward(gr_ctx *ctx)
{
    lookups l;
    lookups_init(ctx, &l);
    char busiest[256] = "";
    if (!l.hermetic) {
        busiest_hosts_name(busiest, sizeof busiest);
    }
    const char *names[] = {"localhost",
                           "127.0.0.1",
                           "::1",
                           busiest,
                           l.hermetic ? l.name : "",
                           l.hermetic ? l.alias : "",
                           l.hermetic ? l.v6 : ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (names[i][0] == '\0' || (i == 3 && strcmp(names[i], "localhost") == 0)) {
            continue;
        }
        host_view want, got;
        if (expected(&l, names[i], &want) != 0) {
            gr_verbose(ctx, "the grader cannot resolve %s here: not asked", names[i]);
            continue;
        }
        if (run_hostinfo(ctx, names[i], &got, 0) < 0) {
            return -1;
        }
        for (size_t k = 0; k < want.n; k++) {
            if (find_addr(&got, want.a[k].family, want.a[k].bin) == NULL) {
                gr_fail(ctx,
                        "hostinfo %s left out %s (%s); getaddrinfo() returns %zu "
                        "address%s for that name",
                        names[i], want.a[k].text, want.a[k].family == AF_INET ? "IPv4" : "IPv6",
                        want.n, want.n == 1 ? "" : "es");
                gr_str_addf(gr_details(ctx), "every address the resolver gives:\n");
                for (size_t j = 0; j < want.n; j++) {
                    gr_str_addf(gr_details(ctx), "  %s %s\n",
                                want.a[j].family == AF_INET ? "ipv4" : "ipv6", want.a[j].text);
                }
                if (l.hermetic) {
                    show_text(ctx, "the hosts file hostinfo saw as /etc/hosts", l.text, 12);
                }
                return -1;
            }
        }
        for (size_t k = 0; k < got.n; k++) {
            if (find_addr(&want, got.a[k].family, got.a[k].bin) == NULL) {
                return gr_fail(ctx,
                               "hostinfo %s printed %s, which getaddrinfo() does not give "
                               "for that name",
                               names[i], got.a[k].text);
            }
        }
        if (!got.has_canonical) {
            return gr_fail(ctx, "hostinfo %s printed no \"canonical NAME\" line", names[i]);
        }
        if (strcmp(got.canonical, want.canonical) != 0) {
            return gr_fail(ctx,
                           "hostinfo %s printed the canonical name \"%s\"; getaddrinfo() "
                           "with AI_CANONNAME gives \"%s\"",
                           names[i], got.canonical, want.canonical);
        }
    }
    return 0;
}

static int check_hostinfo_reverse(gr_ctx *ctx)
{
    lookups l;
    lookups_init(ctx, &l);
    const char *names[] = {"127.0.0.1", "::1", "localhost", l.hermetic ? l.second : "",
                           l.hermetic ? l.unnamed : ""};
    int checked = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        host_view want, got;
        if (names[i][0] == '\0' || expected(&l, names[i], &want) != 0) {
            continue;
        }
        int rc = run_hostinfo(ctx, names[i], &got, 1);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0 && got.n == 0) {
            return gr_fail(ctx, "hostinfo %s printed no address at all", names[i]);
        }
        checked += rc == 0;
        for (size_t k = 0; rc == 0 && k < got.n; k++) {
            const addr_entry *w = find_addr(&want, got.a[k].family, got.a[k].bin);
            if (w != NULL && strcmp(w->name, got.a[k].name) != 0) {
                if (strcmp(w->name, "-") == 0) {
                    return gr_fail(ctx,
                                   "hostinfo %s printed the name \"%s\" for %s, but no "
                                   "name is registered for that address: getnameinfo() "
                                   "with NI_NAMEREQD fails, and the line should say \"-\"",
                                   names[i], got.a[k].name, got.a[k].text);
                }
                return gr_fail(ctx,
                               "hostinfo %s printed the name \"%s\" for %s; getnameinfo() "
                               "gives \"%s\"",
                               names[i], got.a[k].name, got.a[k].text, w->name);
            }
        }
    }
    if (checked == 0) {
        return gr_fail(ctx, "hostinfo failed for every name it was given (127.0.0.1, ::1, "
                            "localhost): nothing to check");
    }
    return 0;
}

/* Does text contain the message of some getaddrinfo() error code? */
static const char *gai_message_in(const char *text)
{
    static const int codes[] = {EAI_AGAIN,  EAI_BADFLAGS, EAI_FAIL,    EAI_FAMILY,
                                EAI_MEMORY, EAI_NONAME,   EAI_SERVICE, EAI_SOCKTYPE,
                                EAI_SYSTEM, EAI_OVERFLOW, EAI_NODATA,  EAI_ADDRFAMILY};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *msg = gai_strerror(codes[i]);
        if (msg != NULL && msg[0] != '\0' && strcasestr(text, msg) != NULL) {
            return msg;
        }
    }
    return NULL;
}

static int check_hostinfo_errors(gr_ctx *ctx)
{
    static const char bad_name[] = "no-such-host.invalid";
    gr_client_run r;
    if (run_prog(ctx, "./hostinfo", bad_name, 25000, &r) < 0) {
        return -1;
    }
    int rc = 0;
    if (!exited_nonzero(&r)) {
        rc = gr_fail(ctx,
                     "hostinfo %s should exit with a non-zero status: the name does not "
                     "resolve (.invalid is reserved, RFC 2606)",
                     bad_name);
    } else if (strstr(r.cr_stdout, "ipv4 ") != NULL || strstr(r.cr_stdout, "ipv6 ") != NULL) {
        rc = gr_fail(ctx, "hostinfo %s printed an address for a name that does not resolve",
                     bad_name);
    } else if (gai_message_in(r.cr_stderr) == NULL) {
        rc = gr_fail(ctx,
                     "hostinfo %s did not say what the resolver reported: its stderr holds "
                     "no gai_strerror() message (such as \"%s\")",
                     bad_name, gai_strerror(EAI_NONAME));
        gr_str_add(gr_details(ctx), "getaddrinfo() returns its own error codes, not errno "
                                    "values: perror() or strerror(errno) print something "
                                    "unrelated (often \"Success\").\n");
    } else if (strstr(r.cr_stderr, bad_name) == NULL) {
        rc = gr_fail(ctx,
                     "hostinfo %s's error message does not name the host it could not "
                     "resolve",
                     bad_name);
    }
    if (rc < 0) {
        describe_run(ctx, &r);
        gr_client_run_free(&r);
        return rc;
    }
    gr_client_run_free(&r);

    /* No argument at all: a usage error, not a crash or a lookup of "". */
    if (run_prog(ctx, "./hostinfo", "", 5000, &r) < 0) {
        return -1;
    }
    if (!exited_nonzero(&r) || r.cr_stderr_len == 0) {
        rc = gr_fail(ctx, "hostinfo with no NAME should print a usage message on stderr and "
                          "exit with a non-zero status");
        describe_run(ctx, &r);
    }
    gr_client_run_free(&r);
    return rc;
}

/* ---- steps 3 and 4: the dual-stack echo server ------------------------------ */

/* The address of the server's Unix socket, as the grader reaches it. */
static int sock_addr(gr_ctx *ctx, struct sockaddr_un *sun)
{
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    const char *dir = gr_server_dir(ctx);
    if (strlen(dir) + 1 + strlen(SOCK_NAME) >= sizeof sun->sun_path) {
        return gr_fail(ctx, "the grader's path to the Unix socket is too long: %s/%s", dir,
                       SOCK_NAME);
    }
    strcpy(sun->sun_path, dir);
    strcat(sun->sun_path, "/" SOCK_NAME);
    return 0;
}

/* Start the server (every server check here owns its server), after
 * removing a socket file an earlier check's server left behind, so that one
 * server that does not clean up does not fail every later check. */
static int start_server(gr_ctx *ctx)
{
    struct sockaddr_un sun;
    struct stat st;
    if (sock_addr(ctx, &sun) < 0) {
        return -1;
    }
    if (lstat(sun.sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(sun.sun_path);
    }
    return gr_server_start(ctx);
}

/* Echo n random bytes over c; 0 or gr_fail()'s value. */
static int echo_random(gr_ctx *ctx, gr_conn *c, size_t n, const char *what)
{
    unsigned char *buf = malloc(n);
    if (buf == NULL) {
        return gr_fail(ctx, "grader out of memory");
    }
    gr_random_bytes(ctx, buf, n);
    gr_conn_idle_limit(c, gr_ms(ctx, QUIET_MS));
    int rc = gr_exchange(ctx, c, buf, n, buf, n, 0, what);
    free(buf);
    return rc;
}

/* Can this machine do IPv6 on loopback at all? */
static int have_ipv6(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) {
        return 0;
    }
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    int ok = bind(fd, (struct sockaddr *)&a6, sizeof a6) == 0;
    close(fd);
    return ok;
}

/* Connect over IPv6 to [::1]:port. */
static int connect_v6(gr_ctx *ctx, gr_conn *c, const char *label)
{
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    a6.sin6_port = htons((uint16_t)gr_port(ctx));
    char name[64];
    snprintf(name, sizeof name, "[::1]:%d", gr_port(ctx));
    return gr_connect_addr(ctx, c, label, (struct sockaddr *)&a6, sizeof a6, name);
}

static int check_ipv4_echo(gr_ctx *ctx)
{
    if (start_server(ctx) < 0) {
        return -1;
    }
    gr_conn c;
    if (gr_connect(ctx, &c, "IPv4 client") < 0) {
        return -1;
    }
    int rc = echo_random(ctx, &c, 32 * KiB, "echo of 32 KiB over IPv4 (127.0.0.1)");
    gr_close(&c);
    return rc;
}

static int check_ipv6_echo(gr_ctx *ctx)
{
    if (!have_ipv6()) {
        gr_str_add(gr_details(ctx), "this machine has no IPv6 loopback: not checked\n");
        return 0;
    }
    if (start_server(ctx) < 0) {
        return -1;
    }
    gr_conn c;
    if (connect_v6(ctx, &c, "IPv6 client") < 0) {
        gr_str_add(gr_details(ctx), "the server listens on the port, but not for IPv6 clients: "
                                    "an AF_INET socket reaches IPv4 only\n");
        return -1;
    }
    int rc = echo_random(ctx, &c, 32 * KiB, "echo of 32 KiB over IPv6 ([::1])");
    gr_close(&c);
    return rc;
}

/* Is there a line in text holding addr and the number port as a whole word? */
static int logged(const char *text, const char *addr, int port)
{
    char num[16];
    snprintf(num, sizeof num, "%d", port);
    size_t nlen = strlen(num);
    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
        if (strstr(buf, addr) != NULL) {
            for (const char *p = strstr(buf, num); p != NULL; p = strstr(p + 1, num)) {
                int before = p > buf && isdigit((unsigned char)p[-1]);
                int after = isdigit((unsigned char)p[nlen]);
                if (!before && !after) {
                    return 1;
                }
            }
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return 0;
}

/* Everything the server printed so far, stdout then stderr. */
static char *server_log(gr_ctx *ctx)
{
    size_t n1 = 0, n2 = 0;
    char *out = gr_server_output(ctx, 0, &n1);
    char *err = gr_server_output(ctx, 1, &n2);
    gr_str s = {0};
    gr_str_add(&s, out != NULL ? out : "");
    gr_str_add(&s, err != NULL ? err : "");
    free(out);
    free(err);
    char *t = gr_str_take(&s);
    return t != NULL ? t : strdup("");
}

static int check_peer_log(gr_ctx *ctx)
{
    if (start_server(ctx) < 0) {
        return -1;
    }
    int v6 = have_ipv6();
    gr_conn c4, c6;
    if (gr_connect(ctx, &c4, "IPv4 client") < 0) {
        return -1;
    }
    int rc = echo_random(ctx, &c4, 16, "a short echo over IPv4");
    int port4 = sl_addr_local_port(c4.c_fd);
    int port6 = -1;
    if (rc == 0 && v6) {
        if (connect_v6(ctx, &c6, "IPv6 client") < 0) {
            gr_close(&c4);
            return -1;
        }
        rc = echo_random(ctx, &c6, 16, "a short echo over IPv6");
        port6 = sl_addr_local_port(c6.c_fd);
        gr_close(&c6);
    }
    gr_close(&c4);
    if (rc < 0) {
        return rc;
    }
    /* The lines should be there by now; give a slow logger a moment. */
    long deadline = gr_now_ms() + gr_ms(ctx, LOG_MS);
    char *log = NULL;
    int ok4 = 0, ok6 = !v6;
    for (;;) {
        free(log);
        log = server_log(ctx);
        ok4 = logged(log, "127.0.0.1", port4);
        ok6 = !v6 || logged(log, "::1", port6);
        if ((ok4 && ok6) || gr_now_ms() >= deadline) {
            break;
        }
        poll(NULL, 0, 10);
    }
    if (!ok4 || !ok6) {
        rc = gr_fail(ctx, "the server's output has no line naming the %s client %s port %d",
                     !ok4 ? "IPv4" : "IPv6", !ok4 ? "127.0.0.1" : "::1", !ok4 ? port4 : port6);
        gr_str_addf(gr_details(ctx),
                    "the grader connected from 127.0.0.1 port %d%s and looked for each "
                    "address with its port on one line of the server's stdout or stderr.\n"
                    "Output to a pipe is block-buffered: call fflush(stdout) after each log "
                    "line (or log to stderr, which is not buffered).\n",
                    port4, v6 ? " and from ::1" : "");
        show_text(ctx, "what the server printed", log, 20);
    }
    free(log);
    return rc;
}

/* Connect to the server's Unix socket, retrying while it is not there yet
 * (the engine only waits for the TCP port), until a deadline. */
static int connect_unix(gr_ctx *ctx, gr_conn *c, const char *label)
{
    struct sockaddr_un sun;
    if (sock_addr(ctx, &sun) < 0) {
        return -1;
    }
    long deadline = gr_now_ms() + gr_ms(ctx, UNIX_READY_MS);
    int last_errno = 0;
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return gr_fail(ctx, "grader could not create a Unix socket: %s", strerror(errno));
        }
        if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0) {
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
            memset(c, 0, sizeof *c);
            c->c_fd = fd;
            snprintf(c->c_label, sizeof c->c_label, "%s", label);
            return 0;
        }
        last_errno = errno;
        close(fd);
        if (last_errno != ENOENT && last_errno != ECONNREFUSED) {
            break;
        }
        if (gr_now_ms() >= deadline || gr_server_check_alive(ctx) < 0) {
            break;
        }
        poll(NULL, 0, 10);
    }
    if (gr_failed(ctx)) {
        gr_str_addf(gr_details(ctx), "the Unix socket %s was never there to connect to\n",
                    SOCK_NAME);
        return -1;
    }
    return gr_fail(ctx,
                   "cannot connect to the Unix socket %s (the second argument of the "
                   "server's command line): %s",
                   SOCK_NAME, strerror(last_errno));
}

static int check_unix_echo(gr_ctx *ctx)
{
    if (start_server(ctx) < 0) {
        return -1;
    }
    gr_conn c;
    if (connect_unix(ctx, &c, "Unix client") < 0) {
        return -1;
    }
    int rc = echo_random(ctx, &c, 64 * KiB, "echo of 64 KiB over the Unix socket");
    gr_close(&c);
    return rc;
}

static int check_unix_cleanup(gr_ctx *ctx)
{
    if (start_server(ctx) < 0) {
        return -1;
    }
    gr_conn c;
    if (connect_unix(ctx, &c, "Unix client") < 0) {
        return -1;
    }
    int rc = echo_random(ctx, &c, 16, "a short echo over the Unix socket");
    gr_close(&c);
    if (rc < 0) {
        return rc;
    }
    if (gr_server_stop(ctx) < 0) {
        return -1;
    }
    struct sockaddr_un sun;
    struct stat st;
    if (sock_addr(ctx, &sun) < 0) {
        return -1;
    }
    if (lstat(sun.sun_path, &st) == 0) {
        return gr_fail(ctx,
                       "after SIGTERM the server is gone but its socket file %s is still "
                       "there",
                       SOCK_NAME);
    }
    return 0;
}

static int check_unix_stale(gr_ctx *ctx)
{
    struct sockaddr_un sun;
    if (sock_addr(ctx, &sun) < 0) {
        return -1;
    }
    const char *path = sun.sun_path;
    unlink(path);
    /* What a server killed with SIGKILL leaves: a socket file, no listener. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        return gr_fail(ctx, "grader could not leave a stale socket at %s: %s", path, strerror(e));
    }
    close(fd);
    chmod(path, 0777); /* so that a server running as another user may remove it */
    gr_str_addf(gr_details(ctx),
                "before starting the server, the grader left a stale socket "
                "file at %s, as a server killed with SIGKILL does\n",
                SOCK_NAME);
    if (gr_server_start(ctx) < 0) {
        return -1;
    }
    gr_conn c;
    if (connect_unix(ctx, &c, "Unix client") < 0) {
        return -1;
    }
    int rc = echo_random(ctx, &c, 1 * KiB, "echo over the Unix socket");
    gr_close(&c);
    return rc;
}

/* ---- step 5: socket options ------------------------------------------------ */

#define NOPTS 5

static const char *const opt_names[NOPTS] = {"SO_RCVBUF", "SO_SNDBUF", "TCP_NODELAY",
                                             "SO_KEEPALIVE", "SO_REUSEADDR"};

/* What the kernel reports for the five options on a fresh TCP socket before
 * and after setting them to ask[] (ask[i] < 0: not set). */
static int kernel_view(const int ask[NOPTS], int def[NOPTS], int now[NOPTS])
{
    static const int level[NOPTS] = {SOL_SOCKET, SOL_SOCKET, IPPROTO_TCP, SOL_SOCKET, SOL_SOCKET};
    static const int name[NOPTS] = {SO_RCVBUF, SO_SNDBUF, TCP_NODELAY, SO_KEEPALIVE, SO_REUSEADDR};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    for (int i = 0; i < NOPTS; i++) {
        socklen_t len = sizeof def[i];
        getsockopt(fd, level[i], name[i], &def[i], &len);
        if (ask[i] >= 0) {
            setsockopt(fd, level[i], name[i], &ask[i], sizeof ask[i]);
        }
        len = sizeof now[i];
        getsockopt(fd, level[i], name[i], &now[i], &len);
        if (i >= 2) {
            def[i] = def[i] != 0;
            now[i] = now[i] != 0;
        }
    }
    close(fd);
    return 0;
}

/* Run sockopts with args and compare each line with the kernel's view. */
static int sockopts_run(gr_ctx *ctx, const char *args, const int ask[NOPTS])
{
    int def[NOPTS], now[NOPTS];
    if (kernel_view(ask, def, now) < 0) {
        return gr_fail(ctx, "grader could not create a socket: %s", strerror(errno));
    }
    gr_client_run r;
    if (run_prog(ctx, "./sockopts", args, 5000, &r) < 0) {
        return -1;
    }
    int rc = 0;
    int seen[NOPTS] = {0};
    char line[512];
    const char *p = r.cr_stdout;
    if (!exited_zero(&r)) {
        rc = gr_fail(ctx, "sockopts %s did not exit with status 0", args);
    }
    while (rc == 0 && next_line(&p, line, sizeof line)) {
        char name[32], asked[32], extra[8];
        int d, n;
        if (line[0] == '\0') {
            continue;
        }
        if (sscanf(line, "%31s default %d asked %31s now %d %7s", name, &d, asked, &n, extra) !=
            4) {
            rc = gr_fail(ctx,
                         "sockopts printed a line that is not \"NAME default N asked N now "
                         "N\": \"%.200s\"",
                         line);
            break;
        }
        int i = 0;
        while (i < NOPTS && strcmp(name, opt_names[i]) != 0) {
            i++;
        }
        if (i == NOPTS || seen[i]) {
            rc = gr_fail(ctx, "sockopts printed %s %s", i == NOPTS ? "an unknown option" : "twice",
                         name);
            break;
        }
        seen[i] = 1;
        char want_asked[32];
        if (ask[i] < 0) {
            strcpy(want_asked, "-");
        } else {
            snprintf(want_asked, sizeof want_asked, "%d", ask[i]);
        }
        if (d != def[i]) {
            rc = gr_fail(ctx,
                         "sockopts %s: %s default %d, but the kernel reports %d on a fresh "
                         "TCP socket",
                         args, name, d, def[i]);
        } else if (strcmp(asked, want_asked) != 0) {
            rc = gr_fail(ctx, "sockopts %s: %s asked %s, but the value asked for was %s", args,
                         name, asked, want_asked);
        } else if (n != now[i]) {
            rc = gr_fail(ctx,
                         "sockopts %s: %s now %d, but after setsockopt(%s) the kernel "
                         "reports %d",
                         args, name, n, want_asked, now[i]);
            if (i < 2 && ask[i] >= 0) {
                gr_str_addf(gr_details(ctx),
                            "Linux doubles a buffer size it is given (the extra half pays for "
                            "its own bookkeeping) and caps it at net.core.%s_max: print what "
                            "getsockopt() says afterwards, not what you asked for.\n",
                            i == 0 ? "rmem" : "wmem");
            }
        }
    }
    for (int i = 0; rc == 0 && i < NOPTS; i++) {
        if (!seen[i]) {
            rc = gr_fail(ctx, "sockopts %s printed no line for %s", args, opt_names[i]);
        }
    }
    if (rc < 0) {
        describe_run(ctx, &r);
    }
    gr_client_run_free(&r);
    return rc;
}

static int check_sockopts(gr_ctx *ctx)
{
    int none[NOPTS] = {-1, -1, -1, -1, -1};
    if (sockopts_run(ctx, "", none) < 0) {
        return -1;
    }
    /* A seeded receive buffer size, and a send buffer size beyond the cap. */
    int ask[NOPTS] = {4096 + (int)gr_random_below(ctx, 60000), 50000000, 1, 1, 1};
    char args[160];
    snprintf(args, sizeof args, "--rcvbuf %d --sndbuf %d --nodelay --keepalive --reuseaddr", ask[0],
             ask[1]);
    return sockopts_run(ctx, args, ask);
}

/* ---- step 6: the port scanner ---------------------------------------------- */

enum port_kind { PORT_CLOSED, PORT_OPEN, PORT_SILENT };

/* Ports the grader set up for one scan. */
typedef struct scan_setup {
    int first, last;
    unsigned char *kind; /* per port: enum port_kind */
    int *fds;            /* listeners and the connections that fill their queues */
    size_t nfds, capfds;
} scan_setup;

static void scan_free(scan_setup *s)
{
    for (size_t i = 0; i < s->nfds; i++) {
        close(s->fds[i]);
    }
    free(s->fds);
    free(s->kind);
    memset(s, 0, sizeof *s);
}

static int keep_fd(scan_setup *s, int fd)
{
    if (s->nfds == s->capfds) {
        size_t cap = s->capfds != 0 ? 2 * s->capfds : 32;
        int *f = realloc(s->fds, cap * sizeof *f);
        if (f == NULL) {
            return -1;
        }
        s->fds = f;
        s->capfds = cap;
    }
    s->fds[s->nfds++] = fd;
    return 0;
}

/* A socket bound to 127.0.0.1:port, or -1 if the port is taken. */
static int bind_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Is the accept queue of listener fd full? -1 if the kernel cannot say. */
static int queue_full(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) {
        return -1;
    }
    /* On a listener, tcpi_unacked is the accept queue's length and
     * tcpi_sacked its limit (tcp(7)); the kernel drops SYNs when it is over. */
    return ti.tcpi_unacked > ti.tcpi_sacked;
}

/* Make listener fd (bound to port) one whose connects hang: backlog 0, and
 * connections that complete but are never accepted until the queue is full. */
static int make_silent(gr_ctx *ctx, scan_setup *s, int fd, int port)
{
    if (listen(fd, 0) < 0) {
        return gr_fail(ctx, "grader could not listen on port %d: %s", port, strerror(errno));
    }
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int tries = 0; tries < 4; tries++) {
        int full = queue_full(fd);
        if (full == 1 || (full < 0 && tries > 0)) {
            return 0;
        }
        int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c < 0 || keep_fd(s, c) < 0) {
            if (c >= 0) {
                close(c);
            }
            return gr_fail(ctx, "grader could not fill a listen queue: %s", strerror(errno));
        }
        if (connect(c, (struct sockaddr *)&sin, sizeof sin) < 0 && errno == EINPROGRESS) {
            struct pollfd pfd = {.fd = c, .events = POLLOUT};
            if (poll(&pfd, 1, gr_ms(ctx, 2000)) != 1) {
                return 0; /* already hanging: the queue is full */
            }
        }
    }
    return queue_full(fd) == 0
               ? gr_fail(ctx, "grader could not fill the listen queue of port %d", port)
               : 0;
}

/* The lowest and highest ephemeral ports (scans stay out of them: a connect
 * to a port in that range can pick the same port as its source and connect
 * to itself). */
static void ephemeral_range(int *lo, int *hi)
{
    *lo = 32768;
    *hi = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f != NULL) {
        if (fscanf(f, "%d %d", lo, hi) != 2) {
            *lo = 32768;
            *hi = 60999;
        }
        fclose(f);
    }
}

/* Open nports ports in a row: nopen that accept, nsilent whose connects
 * hang, the rest closed, at seeded places. Ports that some other program
 * uses are avoided. */
static int scan_prepare(gr_ctx *ctx, scan_setup *s, int nports, int nopen, int nsilent)
{
    memset(s, 0, sizeof *s);
    int lo, hi;
    ephemeral_range(&lo, &hi);
    /* Bases below the ephemeral range (from 10000) and above it. */
    int nbelow = lo - nports - 10000 > 0 ? lo - nports - 10000 : 0;
    int nabove = 65536 - nports - (hi + 1) > 0 ? 65536 - nports - (hi + 1) : 0;
    if (nbelow + nabove == 0) {
        nbelow = 65536 - nports - 10000; /* every port is ephemeral here: take the risk */
    }
    s->kind = calloc((size_t)nports, 1);
    if (s->kind == NULL) {
        return gr_fail(ctx, "grader out of memory");
    }
    for (int attempt = 0; attempt < 20; attempt++) {
        int pick = (int)gr_random_below(ctx, (size_t)(nbelow + nabove));
        int base = pick < nbelow ? 10000 + pick : hi + 1 + (pick - nbelow);
        /* Every port of the range must be free. */
        int ok = 1;
        for (int p = base; p < base + nports && ok; p++) {
            int fd = bind_port(p);
            ok = fd >= 0;
            if (fd >= 0) {
                close(fd);
            }
        }
        if (!ok) {
            continue;
        }
        s->first = base;
        s->last = base + nports - 1;
        memset(s->kind, PORT_CLOSED, (size_t)nports);
        for (int k = 0; k < nopen + nsilent; k++) {
            size_t i;
            do {
                i = gr_random_below(ctx, (size_t)nports);
            } while (s->kind[i] != PORT_CLOSED);
            s->kind[i] = k < nopen ? PORT_OPEN : PORT_SILENT;
        }
        for (int i = 0; i < nports; i++) {
            if (s->kind[i] == PORT_CLOSED) {
                continue;
            }
            int fd = bind_port(base + i);
            if (fd < 0 || keep_fd(s, fd) < 0) {
                if (fd >= 0) {
                    close(fd);
                }
                scan_free(s);
                return gr_fail(ctx, "grader could not open port %d for the scan", base + i);
            }
            if (s->kind[i] == PORT_OPEN) {
                if (listen(fd, 128) < 0) {
                    scan_free(s);
                    return gr_fail(ctx, "grader could not listen: %s", strerror(errno));
                }
            } else if (make_silent(ctx, s, fd, base + i) < 0) {
                scan_free(s);
                return -1;
            }
        }
        return 0;
    }
    scan_free(s);
    return gr_fail(ctx, "grader found no free range of %d ports to scan", nports);
}

static const char *kind_text(int kind)
{
    return kind == PORT_OPEN     ? "open"
           : kind == PORT_SILENT ? "a listener whose accept queue is full: a connect there "
                                   "hangs and must time out"
                                 : "closed: a connect there is refused";
}

/* Compare the scanner's output with the setup. */
static int scan_compare(gr_ctx *ctx, const scan_setup *s, const gr_client_run *r)
{
    char line[256];
    const char *p = r->cr_stdout;
    int prev = 0;
    int nports = s->last - s->first + 1;
    unsigned char *reported = calloc((size_t)nports, 1);
    if (reported == NULL) {
        return gr_fail(ctx, "grader out of memory");
    }
    int rc = 0;
    while (rc == 0 && next_line(&p, line, sizeof line)) {
        int port;
        char word[16], extra[8];
        if (line[0] == '\0') {
            continue;
        }
        if (sscanf(line, "%d %15s %7s", &port, word, extra) != 2 || strcmp(word, "open") != 0) {
            rc = gr_fail(ctx, "the scanner printed a line that is not \"PORT open\": \"%.100s\"",
                         line);
        } else if (port < s->first || port > s->last) {
            rc = gr_fail(ctx,
                         "the scanner reported port %d, outside the range %d-%d it was "
                         "given",
                         port, s->first, s->last);
        } else if (port <= prev) {
            rc = gr_fail(ctx,
                         "the scanner printed port %d after port %d: print the open ports "
                         "once each, in ascending order",
                         port, prev);
        } else if (s->kind[port - s->first] != PORT_OPEN && gr_procfs_tcp_listening(port) != 1) {
            rc = gr_fail(ctx, "the scanner reported port %d open, but it is %s", port,
                         kind_text(s->kind[port - s->first]));
            if (s->kind[port - s->first] == PORT_CLOSED) {
                gr_str_add(gr_details(ctx),
                           "A non-blocking connect() reports its end as 'writable' whether it "
                           "succeeded or not: read SO_ERROR with getsockopt() to tell.\n");
            }
        } else {
            reported[port - s->first] = 1;
            prev = port;
        }
    }
    for (int i = 0; rc == 0 && i < nports; i++) {
        if (s->kind[i] == PORT_OPEN && !reported[i]) {
            rc = gr_fail(ctx, "the scanner did not report port %d, which accepts connections",
                         s->first + i);
        }
    }
    free(reported);
    return rc;
}

/* Scan the setup with extra options; limit_ms (scaled) bounds the run. */
static int scan_run(gr_ctx *ctx, const scan_setup *s, const char *opts, int limit_ms,
                    const char *too_slow)
{
    char args[160];
    snprintf(args, sizeof args, "127.0.0.1 %d %d %s", s->first, s->last, opts);
    gr_client_run r;
    if (run_prog(ctx, "./portscan", args, limit_ms, &r) < 0) {
        return -1;
    }
    int rc;
    if (r.cr_timed_out) {
        rc = gr_fail(ctx, "the scan of %d ports did not finish within %.1f s",
                     s->last - s->first + 1, (double)gr_ms(ctx, limit_ms) / 1000.0);
        if (too_slow != NULL) {
            gr_str_addf(gr_details(ctx), "%s\n", too_slow);
        }
    } else if (!exited_zero(&r)) {
        rc = gr_fail(ctx, "the scanner did not exit with status 0 after the scan");
    } else {
        rc = scan_compare(ctx, s, &r);
    }
    if (rc < 0) {
        int open = 0, silent = 0;
        for (int i = 0; i <= s->last - s->first; i++) {
            open += s->kind[i] == PORT_OPEN;
            silent += s->kind[i] == PORT_SILENT;
        }
        gr_str_addf(gr_details(ctx), "the range %d-%d had %d open ports", s->first, s->last, open);
        for (int i = 0; i <= s->last - s->first; i++) {
            if (s->kind[i] == PORT_OPEN) {
                gr_str_addf(gr_details(ctx), " %d", s->first + i);
            }
        }
        gr_str_addf(gr_details(ctx), ", %d that never answer, the rest closed\n", silent);
        describe_run(ctx, &r);
    }
    gr_client_run_free(&r);
    return rc;
}

static int check_scan_open(gr_ctx *ctx)
{
    scan_setup s;
    if (scan_prepare(ctx, &s, 40, 4, 0) < 0) {
        return -1;
    }
    int rc = scan_run(ctx, &s, "--timeout 2000", 10000, NULL);
    scan_free(&s);
    return rc;
}

static int check_scan_no_answer(gr_ctx *ctx)
{
    scan_setup s;
    if (scan_prepare(ctx, &s, 30, 3, 3) < 0) {
        return -1;
    }
    int rc = scan_run(ctx, &s, "--timeout 300", 10000,
                      "3 ports never answer: a scanner must give up on each after --timeout");
    scan_free(&s);
    return rc;
}

static int check_scan_concurrent(gr_ctx *ctx)
{
    scan_setup s;
    if (scan_prepare(ctx, &s, 200, 4, 20) < 0) {
        return -1;
    }
    int rc = scan_run(ctx, &s, "--timeout 1000 --parallel 50", 6000,
                      "20 of the 200 ports never answer. With --timeout 1000, a scanner that "
                      "waits for one port at a time needs 20 s; one with 50 connects in flight "
                      "needs about 1 s. Start many non-blocking connects, then poll() them all.");
    scan_free(&s);
    return rc;
}

static int check_scan_large_range(gr_ctx *ctx)
{
    scan_setup s;
    if (scan_prepare(ctx, &s, 5000, 3, 0) < 0) {
        return -1;
    }
    int rc = scan_run(ctx, &s, "--timeout 1000", 30000, NULL);
    if (rc < 0) {
        gr_str_add(gr_details(ctx), "the scanner runs with at most 4096 open files: close each "
                                    "socket as soon as its port is decided\n");
    }
    scan_free(&s);
    return rc;
}

static int check_scan_bad_args(gr_ctx *ctx)
{
    /* First a valid scan of one closed port: it must succeed (status 0), so
     * that failing on every input is not enough. (What it prints is the
     * other checks' business.) */
    scan_setup s;
    if (scan_prepare(ctx, &s, 1, 0, 0) < 0) {
        return -1;
    }
    char args[64];
    snprintf(args, sizeof args, "127.0.0.1 %d %d", s.first, s.first);
    scan_free(&s);
    gr_client_run r0;
    if (run_prog(ctx, "./portscan", args, 5000, &r0) < 0) {
        return -1;
    }
    if (!exited_zero(&r0)) {
        gr_fail(ctx, "portscan %s, a valid scan of one closed port, should exit with status 0",
                args);
        describe_run(ctx, &r0);
        gr_client_run_free(&r0);
        return -1;
    }
    gr_client_run_free(&r0);

    static const struct {
        const char *args;
        const char *what;
        int ms;
    } cases[] = {
        {"127.0.0.1 200 100", "a range whose FIRST is above LAST", 5000},
        {"127.0.0.1 0 10", "port 0", 5000},
        {"127.0.0.1 1 65536", "port 65536", 5000},
        {"127.0.0.1 abc 10", "a port that is not a number", 5000},
        {"127.0.0.1 10x 20", "a port with trailing junk", 5000},
        {"127.0.0.1 10", "a missing LAST", 5000},
        {"127.0.0.1 1 10 --timeout -5", "a negative --timeout", 5000},
        {"127.0.0.1 1 10 --parallel 0", "--parallel 0", 5000},
        {"no-such-host.invalid 1 10", "a host name that does not resolve", 25000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gr_client_run r;
        if (run_prog(ctx, "./portscan", cases[i].args, cases[i].ms, &r) < 0) {
            return -1;
        }
        int rc = 0;
        if (!exited_nonzero(&r)) {
            rc = gr_fail(ctx, "portscan %s (%s) should fail with a non-zero exit status",
                         cases[i].args, cases[i].what);
        } else if (strspn(r.cr_stdout, " \t\r\n") != r.cr_stdout_len) {
            rc = gr_fail(ctx,
                         "portscan %s (%s) printed on stdout: stdout is for open ports, "
                         "messages go to stderr",
                         cases[i].args, cases[i].what);
        } else if (r.cr_stderr_len == 0) {
            rc = gr_fail(ctx, "portscan %s (%s) exited without saying what was wrong on stderr",
                         cases[i].args, cases[i].what);
        }
        if (rc < 0) {
            describe_run(ctx, &r);
        }
        gr_client_run_free(&r);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* ---- the lab ------------------------------------------------------------------ */

static const char *const steps[] = {
    "",
    "resolve a name",
    "reverse lookups and resolver errors",
    "one server for IPv4 and IPv6",
    "a Unix domain socket",
    "socket options",
    "a concurrent port scanner",
};

static const gr_check checks[] = {
    {"hostinfo-forward", 1, GR_CLIENT, 10, 90000, 0,
     "hostinfo prints every IPv4 and IPv6 address of a name once, and its canonical name",
     "Call getaddrinfo() with hints.ai_family = AF_UNSPEC (both families), ai_socktype = "
     "SOCK_STREAM (one entry per address, not one per socket type) and AI_CANONNAME, then walk "
     "the whole ai_next list: a name can have several addresses.",
     check_hostinfo_forward},
    {"hostinfo-reverse", 2, GR_CLIENT, 6, 60000, 0,
     "hostinfo prints each address's reverse name from getnameinfo(), or - when there is none",
     "getnameinfo() with NI_NAMEREQD fails when no name is registered for an address; without "
     "it you get the numeric address back and cannot tell. Print - in that case.",
     check_hostinfo_reverse},
    {"hostinfo-errors", 2, GR_CLIENT, 6, 40000, 0,
     "an unknown name gives the resolver's own message (gai_strerror) and a non-zero exit",
     "getaddrinfo() returns an EAI_* code, not -1 with errno: print gai_strerror(code) with the "
     "name, and exit with a non-zero status. perror() would print an unrelated errno.",
     check_hostinfo_errors},
    {"ipv4-echo", 3, GR_SERVER, 6, 10000, GR_OWN_SERVER,
     "the server echoes to a client connecting over IPv4 (127.0.0.1)",
     "One AF_INET6 socket with IPV6_V6ONLY set to 0 also accepts IPv4 clients, as "
     "IPv4-mapped addresses (::ffff:127.0.0.1). Set the option before bind().",
     check_ipv4_echo},
    {"ipv6-echo", 3, GR_SERVER, 8, 10000, GR_OWN_SERVER,
     "the same server, on the same port, echoes to a client connecting over IPv6 (::1)",
     "An AF_INET socket bound to INADDR_ANY reaches IPv4 only. Listen on an AF_INET6 socket "
     "bound to in6addr_any with IPV6_V6ONLY off (or on two sockets, one per family, both in "
     "your poll() set).",
     check_ipv6_echo},
    {"peer-log", 3, GR_SERVER, 6, 15000, GR_OWN_SERVER,
     "each connection is logged with the peer's address and port, as it happens",
     "After accept(), getpeername() gives the client's address: print it with inet_ntop() (or "
     "getnameinfo() with NI_NUMERICHOST) and its port with ntohs(), then fflush(stdout): "
     "stdout to a pipe is block-buffered.",
     check_peer_log},
    {"unix-echo", 4, GR_SERVER, 7, 10000, GR_OWN_SERVER,
     "the same echo service answers on the Unix domain socket given as second argument",
     "socket(AF_UNIX, SOCK_STREAM, 0), a struct sockaddr_un with the path in sun_path, then "
     "bind(), listen() and the same accept loop as TCP. Poll the Unix listener and the TCP one "
     "together.",
     check_unix_echo},
    {"unix-cleanup", 4, GR_SERVER, 5, 10000, GR_OWN_SERVER,
     "after SIGTERM the server removes its socket file",
     "A Unix socket's file outlives the socket. Catch SIGTERM and SIGINT with sigaction() (no "
     "SA_RESTART, so poll() returns EINTR), leave the loop, unlink() the path and exit.",
     check_unix_cleanup},
    {"unix-stale", 4, GR_SERVER, 5, 10000, GR_OWN_SERVER,
     "the server starts even when a dead server's socket file is still at the path",
     "bind() fails with EADDRINUSE if the path exists. If it is a socket and connect() to it is "
     "refused, nobody serves it: unlink() it and bind again. Never remove a live socket or a "
     "file that is not a socket.",
     check_unix_stale},
    {"sockopts", 5, GR_CLIENT, 8, 15000, 0,
     "sockopts prints each option's default, the value asked and what the kernel reports after",
     "Read each option back with getsockopt() after setsockopt(): Linux doubles SO_RCVBUF and "
     "SO_SNDBUF and caps them at net.core.rmem_max and wmem_max (socket(7)); booleans read back "
     "as non-zero.",
     check_sockopts},
    {"scan-open", 6, GR_CLIENT, 9, 15000, 0,
     "portscan reports exactly the ports that accept connections, in ascending order",
     "A non-blocking connect() returns EINPROGRESS; when poll() says POLLOUT, read SO_ERROR: 0 "
     "is open, ECONNREFUSED closed. Writable alone does not mean connected.",
     check_scan_open},
    {"scan-no-answer", 6, GR_CLIENT, 8, 15000, 0,
     "ports whose connects hang are given up after --timeout and not reported open",
     "A listener with a full accept queue drops SYNs, like a firewall: the connect neither "
     "succeeds nor fails. Give each probe a deadline and close it when the deadline passes.",
     check_scan_no_answer},
    {"scan-concurrent", 6, GR_CLIENT, 8, 15000, 0,
     "many connects are in flight at once: 20 silent ports cost about one timeout, not twenty",
     "Keep up to --parallel non-blocking connects in flight and wait for all of them with one "
     "poll(), whose timeout is the earliest deadline. A blocking connect_ex() with settimeout() "
     "waits the whole timeout for each silent port: one at a time, 20 ports cost 20 s.",
     check_scan_concurrent},
    {"scan-large-range", 6, GR_CLIENT, 4, 45000, 0, "5000 ports scan under a 4096 open-files limit",
     "Close each socket as soon as its port is decided, and never have more in flight than "
     "--parallel (and RLIMIT_NOFILE) allows: EMFILE is a scanner bug, not a closed port.",
     check_scan_large_range},
    {"scan-bad-args", 6, GR_CLIENT, 4, 90000, 0,
     "bad ranges, ports, options and hosts give a message on stderr and a non-zero exit",
     "Check every argument: ports are whole numbers from 1 to 65535, FIRST is at most LAST, "
     "--timeout and --parallel are positive; a resolver error is reported with gai_strerror().",
     check_scan_bad_args},
};

const gr_lab gr_lab04 = {
    .lab_id = "04",
    .lab_name = "addressing",
    .lab_title = "addressing, options and a port scanner",
    .lab_server_cmd = "./echo_dual {port} " SOCK_NAME,
    /* The client checks run ./hostinfo, ./sockopts and ./portscan with their own
     * arguments (gr_client_run_args); --client 'CMD' stands in for one of them. */
    .lab_client_cmd = "./portscan",
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = NULL,
    .lab_udp = 0,
};
