/* bug_hostinfo.c - lab 04's hostinfo with one classic bug each, chosen by MODE:
 *
 *   v4only   asks getaddrinfo() for AF_INET only: IPv6 addresses are missing
 *   noreverse prints the name it was asked about as every address's name,
 *            instead of looking each address up
 *   first    prints only the first address, as gethostbyname() users do
 *   noreqd   calls getnameinfo() without NI_NAMEREQD: an address with no name
 *            gets its own numeric form printed as its name
 *   perror   reports a resolver error with perror(), which prints errno's
 *            text, not getaddrinfo()'s
 *   anytype  leaves hints.ai_socktype at 0 and prints every entry: each
 *            address once per socket type
 *   usage1   exits 1 for a usage error, the status of a failed lookup, where
 *            the guide says 2
 *
 * usage: bug_hostinfo MODE NAME */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[2], "--help") == 0) {
        printf("usage: hostinfo NAME\n");
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr,
                "usage: bug_hostinfo v4only|first|noreverse|noreqd|perror|anytype|usage1 NAME\n");
        return argc >= 2 && strcmp(argv[1], "usage1") == 0 ? 1 : 2; /* usage1's bug */
    }
    const char *mode = argv[1];
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = strcmp(mode, "v4only") == 0 ? AF_INET : AF_UNSPEC;
    hints.ai_socktype = strcmp(mode, "anytype") == 0 ? 0 : SOCK_STREAM;
    hints.ai_flags = AI_CANONNAME;
    int rc = getaddrinfo(argv[2], NULL, &hints, &res);
    if (rc != 0) {
        if (strcmp(mode, "perror") == 0) {
            perror("getaddrinfo");
        } else {
            fprintf(stderr, "hostinfo: %s: %s\n", argv[2], gai_strerror(rc));
        }
        return 1;
    }
    printf("canonical %s\n", res->ai_canonname != NULL ? res->ai_canonname : argv[2]);
    char printed[16][NI_MAXHOST];
    int nprinted = 0;
    for (struct addrinfo *a = res; a != NULL && nprinted < 16; a = a->ai_next) {
        char host[NI_MAXHOST], name[NI_MAXHOST];
        getnameinfo(a->ai_addr, a->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
        int seen = 0;
        for (int i = 0; i < nprinted; i++) {
            seen |= strcmp(printed[i], host) == 0;
        }
        if (seen && strcmp(mode, "anytype") != 0) {
            continue; /* each address once: that much is right, but in mode anytype */
        }
        if (!seen) {
            strcpy(printed[nprinted++], host);
        }
        if (strcmp(mode, "noreverse") == 0) {
            snprintf(name, sizeof name, "%s", argv[2]);
        } else if (getnameinfo(a->ai_addr, a->ai_addrlen, name, sizeof name, NULL, 0,
                               strcmp(mode, "noreqd") == 0 ? 0 : NI_NAMEREQD) != 0) {
            strcpy(name, "-");
        }
        printf("%s %s %s\n", a->ai_family == AF_INET ? "ipv4" : "ipv6", host, name);
        if (strcmp(mode, "first") == 0) {
            break;
        }
    }
    freeaddrinfo(res);
    return 0;
}
