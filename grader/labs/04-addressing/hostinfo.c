/* hostinfo.c - lab 04's checks of hostinfo (steps 1 and 2): forward and
 * reverse lookups compared with what the grader's own resolver says, and
 * resolver errors. */
#include "addr.h"
#include "lab04.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/un.h>
#include <sys/wait.h>

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
    while (gr_next_line(&p, line, sizeof line)) {
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
            gr_hint(ctx, "getaddrinfo() returns one entry per socket type unless asked for one: "
                         "an address came twice. In C: set hints.ai_socktype = SOCK_STREAM (or "
                         "skip addresses already printed). In Python: socket.getaddrinfo(name, "
                         "None, type=socket.SOCK_STREAM).");
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
    int rc = lab04_run_prog(ctx, "./hostinfo", args.s_buf != NULL ? args.s_buf : "", 20000, &r);
    gr_str_free(&args);
    if (rc < 0) {
        return rc;
    }
    if (!gr_exited_zero(&r) && lenient) {
        rc = 1;
    } else if (!gr_exited_zero(&r)) {
        rc = gr_fail(ctx,
                     "hostinfo %s did not exit with status 0, although the grader's own "
                     "getaddrinfo() resolves that name",
                     name);
        lab04_describe_run(ctx, &r);
    } else if ((rc = parse_hostinfo(ctx, r.cr_stdout, got)) < 0) {
        lab04_describe_run(ctx, &r);
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
    while (gr_next_line(&p, line, sizeof line)) {
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
    while (gr_next_line(&p, line, sizeof line) && h->n < MAX_ADDRS) {
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

/* How many addresses of each family a view holds. */
static void count_families(const host_view *h, size_t *v4, size_t *v6)
{
    *v4 = *v6 = 0;
    for (size_t i = 0; i < h->n; i++) {
        *v4 += h->a[i].family == AF_INET;
        *v6 += h->a[i].family == AF_INET6;
    }
}

#define HINT_ONE_FAMILY                                                                            \
    "A name has IPv4 and IPv6 addresses: ask for both families. In C: hints.ai_family = "          \
    "AF_UNSPEC (not AF_INET, as gethostbyname() users do). In Python: socket.getaddrinfo(name, "   \
    "None, socket.AF_UNSPEC, socket.SOCK_STREAM), not gethostbyname()."
#define HINT_FIRST_ONLY                                                                            \
    "A name can have many addresses: walk the whole list. In C: for (ai = res; ai != NULL; ai = "  \
    "ai->ai_next), printing each address once; not just res. In Python: loop over every tuple "    \
    "socket.getaddrinfo() returns, not [0]."

/* hostinfo left out an address: only one family printed, or only the
 * first address. When one name cannot tell them apart (its first address
 * is the only one of its family), a name with two IPv4 addresses and one
 * IPv6 one can, where the check has a hosts file of its own. */
static void forward_cause(gr_ctx *ctx, const lookups *l, const host_view *want,
                          const host_view *got)
{
    size_t w4, w6, g4, g6;
    count_families(want, &w4, &w6);
    count_families(got, &g4, &g6);
    int one_family = (g6 == 0 && g4 == w4 && w6 > 0) || (g4 == 0 && g6 == w6 && w4 > 0);
    /* One address of several (which one is first is the resolver's order). */
    int first_only = got->n == 1 && want->n > 1;
    if (one_family && first_only && l->hermetic) {
        host_view more;
        if (run_hostinfo(ctx, l->name, &more, 1) == 0) {
            count_families(&more, &g4, &g6);
            one_family = g6 == 0 && g4 == 2;
            first_only = more.n == 1;
            gr_str_addf(gr_details(ctx),
                        "to tell the cause apart: hostinfo %s (2 IPv4 addresses, 1 IPv6) printed "
                        "%zu IPv4 and %zu IPv6 addresses\n",
                        l->name, g4, g6);
        } else {
            one_family = first_only = 0;
        }
    }
    if (one_family && !first_only) {
        gr_hint(ctx, HINT_ONE_FAMILY);
    } else if (first_only && !one_family) {
        gr_hint(ctx, HINT_FIRST_ONLY);
    }
}

/* What hostinfo should find for name. Returns 0, or non-zero if the name
 * does not resolve here. */
static int expected(const lookups *l, const char *name, host_view *want)
{
    return l->hermetic ? hosts_lookup(l->text, name, want) : resolve(name, want);
}

int lab04_check_hostinfo_forward(gr_ctx *ctx)
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
                    gr_show_text(ctx, "the hosts file hostinfo saw as /etc/hosts", l.text, 12);
                }
                forward_cause(ctx, &l, &want, &got);
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

int lab04_check_hostinfo_reverse(gr_ctx *ctx)
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
                if (strcmp(got.a[k].name, got.a[k].text) == 0) {
                    /* The number for an address that has a name: no lookup at all. */
                    gr_hint(ctx, "Each address gets its own reverse lookup: the address came "
                                 "back as its own number, though a name is registered for it. "
                                 "In C: getnameinfo() on that entry's ai_addr with "
                                 "NI_NAMEREQD (not NI_NUMERICHOST). In Python: "
                                 "socket.gethostbyaddr(address)[0], catching socket.herror.");
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

int lab04_check_hostinfo_errors(gr_ctx *ctx)
{
    static const char bad_name[] = "no-such-host.invalid";
    gr_client_run r;
    if (lab04_run_prog(ctx, "./hostinfo", bad_name, 25000, &r) < 0) {
        return -1;
    }
    int rc = 0;
    if (!WIFEXITED(r.cr_status) || r.cr_timed_out || WEXITSTATUS(r.cr_status) != 1) {
        rc = gr_fail(ctx,
                     "hostinfo %s should exit with status 1 (2 is for usage errors): the name "
                     "does not resolve (.invalid is reserved, RFC 2606)",
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
        lab04_describe_run(ctx, &r);
        gr_client_run_free(&r);
        return rc;
    }
    gr_client_run_free(&r);

    /* No argument at all, or two: a usage error, not a crash or a lookup
     * of "". --help is no error. */
    if (lab04_expect_status(ctx, "./hostinfo", "", "no NAME", 2, 5000) < 0 ||
        lab04_expect_status(ctx, "./hostinfo", "localhost extra", "two NAMEs", 2, 5000) < 0 ||
        lab04_expect_status(ctx, "./hostinfo", "--help", "--help", 0, 5000) < 0) {
        return -1;
    }
    return rc;
}
