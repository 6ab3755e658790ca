/*
 * hostinfo.c - look a host name up, forwards and backwards. Lab 04.
 *
 * This is the skeleton: it builds and runs, and tells you which step is
 * missing. Your work is marked TODO(step 1) and TODO(step 2); the guide is
 * README.md.
 *
 * usage: hostinfo NAME
 *
 * Resolves NAME with getaddrinfo() (IPv4 and IPv6 both), then prints:
 *
 *     canonical CANONICAL-NAME
 *     ipv4 ADDRESS REVERSE-NAME
 *     ipv6 ADDRESS REVERSE-NAME
 *     ...
 *
 * one "ipv4"/"ipv6" line for each distinct address, in the order the
 * resolver returned them. REVERSE-NAME is what getnameinfo() finds for the
 * address, or "-" when it finds no name. NAME may also be a numeric address
 * ("127.0.0.1", "::1").
 *
 * Exit status: 0 on success; 1 when the resolver fails (the message on
 * stderr is gai_strerror()'s text); 2 for a usage error.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

/* At most this many distinct addresses are printed (a name with more is rare). */
#define MAX_ADDRS 64

static void usage(FILE *out)
{
    fprintf(out, "usage: hostinfo NAME\n"
                 "Resolve NAME (a host name or a numeric address) with getaddrinfo and print\n"
                 "its canonical name and every IPv4 and IPv6 address, each with the name a\n"
                 "reverse lookup (getnameinfo) finds for it, or '-' if there is none.\n");
}

/*
 * Has an address equal to a->ai_addr been seen among seen[0..n)?
 * Returns 1 if so, 0 if not.
 */
static int seen_before(const struct addrinfo *const *seen, size_t n, const struct addrinfo *a)
{
    /* TODO(step 1): getaddrinfo() returns one entry per address AND per
     * socket type, so one address can come back several times (the step
     * explains when). Return 1 if some seen[i] holds the same address:
     *   the same length:  seen[i]->ai_addrlen == a->ai_addrlen
     *   the same bytes:   memcmp(seen[i]->ai_addr, a->ai_addr, a->ai_addrlen) == 0
     * Compare whole sockaddrs, not the text: they are plain bytes here
     * (no port is asked for, so the port field is 0 in every entry). */
    (void)seen;
    (void)n;
    (void)a;
    return 0;
}

/*
 * Print one "ipv4 ADDRESS REVERSE-NAME" or "ipv6 ADDRESS REVERSE-NAME" line
 * for the address in @a. Returns 0, or -1 if nothing was printed.
 */
static int print_address(const struct addrinfo *a)
{
    char host[NI_MAXHOST]; /* the address as text */
    char rev[NI_MAXHOST];  /* the name a reverse lookup finds for it, or "-" */

    /* TODO(step 2): the reverse lookup.
     *   if (getnameinfo(a->ai_addr, a->ai_addrlen, rev, sizeof rev, NULL, 0,
     *                   NI_NAMEREQD) != 0) -> the address has no name: "-".
     *   Without NI_NAMEREQD, getnameinfo() "succeeds" when there is no name
     *   and hands back the numeric address again; you could not tell.
     * Until then every address gets "-". */
    snprintf(rev, sizeof rev, "-");

    /* TODO(step 1): the address as text, and the line.
     *   1. getnameinfo(a->ai_addr, a->ai_addrlen, host, sizeof host, NULL, 0,
     *                  NI_NUMERICHOST)
     *      turns either family's sockaddr into text ("127.0.0.1", "::1") and,
     *      with NI_NUMERICHOST, never asks DNS. Not 0: return -1.
     *   2. printf("%s %s %s\n", a->ai_family == AF_INET ? "ipv4" : "ipv6",
     *             host, rev);
     *   Return 0. Then delete the three lines below. */
    (void)a;
    (void)host;
    fprintf(stderr, "hostinfo: step 1 is not done yet: print_address() prints nothing; see "
                    "TODO(step 1) in hostinfo.c and labs/04-addressing/README.md\n");
    return -1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '\0') {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    /* TODO(step 1): ask for what this program needs:
     *   hints.ai_family = AF_UNSPEC;     IPv4 and IPv6 both
     *   hints.ai_socktype = SOCK_STREAM; one entry per address, not one per
     *                                    socket type (stream, datagram, raw)
     *   hints.ai_flags = AI_CANONNAME;   fill in res->ai_canonname
     * With the hints all zero, as now, you get every address three times and
     * no canonical name: run it and see. */
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0) {
        /* TODO(step 2): rc is not an errno value, so perror() and strerror()
         * would print nonsense. Print gai_strerror(rc)'s text:
         *   fprintf(stderr, "hostinfo: %s: %s\n", name, gai_strerror(rc));
         * and return 1. Then delete the message below. */
        fprintf(stderr,
                "hostinfo: %s: the resolver failed with code %d; step 2 is not done "
                "yet: see TODO(step 2) in hostinfo.c and labs/04-addressing/README.md\n",
                name, rc);
        return 1;
    }

    /* TODO(step 1): print "canonical NAME" first. res->ai_canonname is set
     * in the first entry when AI_CANONNAME was asked for; if it is NULL,
     * print the name as given. */

    const struct addrinfo *seen[MAX_ADDRS];
    size_t nseen = 0;
    int status = 0;
    for (const struct addrinfo *a = res; a != NULL && nseen < MAX_ADDRS; a = a->ai_next) {
        /* TODO(step 1): also skip (continue) an entry whose ai_family is
         * neither AF_INET nor AF_INET6: this program prints only those. */
        if (seen_before(seen, nseen, a)) {
            continue;
        }
        seen[nseen++] = a;
        if (print_address(a) < 0) {
            status = 1;
            break;
        }
    }
    freeaddrinfo(res);
    if (status == 0) {
        /* TODO(step 2): delete this message once print_address() does the
         * reverse lookups. */
        fprintf(stderr, "hostinfo: step 2 is not done yet: no reverse lookups, every name is "
                        "'-'; see TODO(step 2) in hostinfo.c and labs/04-addressing/README.md\n");
    }
    if (fflush(stdout) != 0) {
        perror("hostinfo: stdout");
        return 1;
    }
    return status;
}
