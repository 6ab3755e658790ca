/* bug_hostinfo.c - lab 04's hostinfo with one classic bug each, chosen by MODE:
 *
 *   v4only   asks getaddrinfo() for AF_INET only: IPv6 addresses are missing
 *   noreverse prints the name it was asked about as every address's name,
 *            instead of looking each address up
 *   perror   reports a resolver error with perror(), which prints errno's
 *            text, not getaddrinfo()'s
 *
 * usage: bug_hostinfo MODE NAME */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bug_hostinfo v4only|noreverse|perror NAME\n");
        return 2;
    }
    const char *mode = argv[1];
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = strcmp(mode, "v4only") == 0 ? AF_INET : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
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
    for (struct addrinfo *a = res; a != NULL; a = a->ai_next) {
        char host[NI_MAXHOST], name[NI_MAXHOST];
        getnameinfo(a->ai_addr, a->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
        if (strcmp(mode, "noreverse") == 0) {
            snprintf(name, sizeof name, "%s", argv[2]);
        } else if (getnameinfo(a->ai_addr, a->ai_addrlen, name, sizeof name, NULL, 0,
                               NI_NAMEREQD) != 0) {
            strcpy(name, "-");
        }
        printf("%s %s %s\n", a->ai_family == AF_INET ? "ipv4" : "ipv6", host, name);
    }
    freeaddrinfo(res);
    return 0;
}
