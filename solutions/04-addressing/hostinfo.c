/*
 * hostinfo.c - look a host name up, forwards and backwards. Lab 04.
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

/* Has an address equal to a->ai_addr been seen among seen[0..n)? getaddrinfo
 * returns one entry per socket type (stream, datagram, raw) unless told
 * otherwise, so the same address can come back several times. */
static int seen_before(const struct addrinfo *const *seen, size_t n, const struct addrinfo *a)
{
    for (size_t i = 0; i < n; i++) {
        if (seen[i]->ai_addrlen == a->ai_addrlen &&
            memcmp(seen[i]->ai_addr, a->ai_addr, a->ai_addrlen) == 0) {
            return 1;
        }
    }
    return 0;
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

    /* AF_UNSPEC: both families. SOCK_STREAM: one entry per address instead
     * of one per socket type. AI_CANONNAME: fill ai_canonname in the first
     * entry (the seed's gethostbyname_ex() gave it as its first result). */
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0) {
        /* Resolver errors are not errno values: gai_strerror() names them. */
        fprintf(stderr, "hostinfo: %s: %s\n", name, gai_strerror(rc));
        return 1;
    }

    printf("canonical %s\n", res->ai_canonname != NULL ? res->ai_canonname : name);
    const struct addrinfo *seen[MAX_ADDRS];
    size_t nseen = 0;
    for (const struct addrinfo *a = res; a != NULL && nseen < MAX_ADDRS; a = a->ai_next) {
        if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) || seen_before(seen, nseen, a)) {
            continue;
        }
        seen[nseen++] = a;
        char host[NI_MAXHOST];
        char rev[NI_MAXHOST];
        /* Forwards: the address as text (NI_NUMERICHOST never asks DNS). */
        if (getnameinfo(a->ai_addr, a->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST) !=
            0) {
            continue;
        }
        /* Backwards: NI_NAMEREQD makes "no name" an error instead of
         * quietly handing back the numeric form again. */
        if (getnameinfo(a->ai_addr, a->ai_addrlen, rev, sizeof rev, NULL, 0, NI_NAMEREQD) != 0) {
            strcpy(rev, "-");
        }
        printf("%s %s %s\n", a->ai_family == AF_INET ? "ipv4" : "ipv6", host, rev);
    }
    freeaddrinfo(res);
    if (fflush(stdout) != 0) {
        perror("hostinfo: stdout");
        return 1;
    }
    return 0;
}
