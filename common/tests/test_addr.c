/* test_addr.c - unit tests for addr.c: port parsing, listening and connecting
 * by name, and printing addresses.
 *
 * Every socket here is on the loopback interface; nothing needs a network.
 * The one name lookup that goes to the resolver asks for a name under
 * ".invalid", which never resolves (RFC 6761).
 */
#include "addr.h"
#include "cu_run.h"
#include "err.h"

#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>


/* Does s start with prefix? */
static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- sl_addr_parse_port ------------------------------------------------------ */

static void test_parse_port(void)
{
    /* clang-format off */
    static const struct {
        const char *text;
        int allow_zero;
        int want_ret;
        uint16_t want_port; /* when want_ret == 0 */
        int want_errno;     /* when want_ret == -1 */
    } cases[] = {
        {"1", 0, 0, 1, 0},
        {"80", 0, 0, 80, 0},
        {"8080", 1, 0, 8080, 0},
        {"65535", 0, 0, 65535, 0},
        {"0", 1, 0, 0, 0},
        {"0", 0, -1, 0, ERANGE},
        {"", 0, -1, 0, EINVAL},
        {"", 1, -1, 0, EINVAL},
        {"-1", 0, -1, 0, EINVAL},
        {"+80", 0, -1, 0, EINVAL},
        {" 80", 0, -1, 0, EINVAL},
        {"80 ", 0, -1, 0, EINVAL},
        {"80\n", 0, -1, 0, EINVAL},
        {"80x", 0, -1, 0, EINVAL},
        {"0x50", 1, -1, 0, EINVAL},
        {"http", 0, -1, 0, EINVAL},
        {"65536", 0, -1, 0, ERANGE},
        {"99999999999999999999", 0, -1, 0, ERANGE},
        {NULL, 0, -1, 0, EINVAL},
        {NULL, 1, -1, 0, EINVAL},
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *shown = cases[i].text != NULL ? cases[i].text : "(NULL)";
        /* Once with an error buffer and once without: same outcome. */
        for (int with_err = 1; with_err >= 0; with_err--) {
            char err[SL_ERR_LEN] = "";
            uint16_t port = 4321; /* must stay untouched on failure */
            errno = 0;
            int ret = sl_addr_parse_port(cases[i].text, cases[i].allow_zero, &port,
                                         with_err ? err : NULL);
            int saved = errno;
            CU_EXPECT(ret == cases[i].want_ret, __LINE__, "\"%s\" (allow_zero %d): returned %d", shown,
                   cases[i].allow_zero, ret);
            if (cases[i].want_ret == 0) {
                CU_EXPECT(port == cases[i].want_port, __LINE__, "\"%s\": port %u, want %u", shown,
                       (unsigned)port, (unsigned)cases[i].want_port);
                continue;
            }
            CU_EXPECT(saved == cases[i].want_errno, __LINE__, "\"%s\": errno %d (%s), want %d", shown,
                   saved, strerror(saved), cases[i].want_errno);
            CU_EXPECT(port == 4321, __LINE__, "\"%s\": port changed to %u on failure", shown,
                   (unsigned)port);
            if (with_err) {
                CU_EXPECT(err[0] != '\0', __LINE__, "\"%s\": no error message", shown);
            }
        }
    }
}

/* ---- listen, connect, accept ------------------------------------------------ */

/* Listen on host:0, connect to the port it got, accept. On success all three
 * fds are >= 0 and the caller closes them; returns 0. On failure closes what
 * it opened, puts the reason in err and returns -1. */
static int open_trio(const char *listen_host, const char *connect_host, int fds[3], char *err)
{
    fds[0] = fds[1] = fds[2] = -1;
    fds[0] = sl_addr_listen(listen_host, "0", 8, err);
    if (fds[0] < 0) {
        return -1;
    }
    int port = sl_addr_local_port(fds[0]);
    char port_text[8];
    snprintf(port_text, sizeof port_text, "%d", port);
    fds[1] = sl_addr_connect(connect_host, port_text, err);
    if (fds[1] < 0) {
        goto fail;
    }
    fds[2] = accept(fds[0], NULL, NULL);
    if (fds[2] < 0) {
        sl_err_errno(err, "accept");
        goto fail;
    }
    return 0;
fail:;
    int saved = errno;
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
        fds[i] = -1;
    }
    errno = saved;
    return -1;
}

static void close_trio(int fds[3])
{
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
}

/* Whether this machine can bind ::1 at all (no IPv6 in a container, say). */
static int have_ipv6_loopback(void)
{
    int fd = sl_addr_listen("::1", "0", 1, NULL);
    if (fd < 0) {
        return 0;
    }
    close(fd);
    return 1;
}

/* Does "localhost" resolve to 127.0.0.1 here? A minimal system may have no
 * /etc/hosts at all. */
static int resolves_localhost(void)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int ok = 0;
    if (getaddrinfo("localhost", NULL, &hints, &res) == 0) {
        for (struct addrinfo *ai = res; ai != NULL && !ok; ai = ai->ai_next) {
            const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
            ok = sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
        }
        freeaddrinfo(res);
    }
    return ok;
}

/* One round trip over an accepted connection, to show it really is one. */
static int exchange(int client, int server)
{
    char buf[4];
    return write(client, "ping", 4) == 4 && read(server, buf, 4) == 4 &&
           memcmp(buf, "ping", 4) == 0;
}

static void test_loopback_connections(void)
{
    static const struct {
        const char *listen_host;
        const char *connect_host;
        const char *prefix; /* every address printed starts with this */
        int needs_ipv6;
    } cases[] = {
        {"127.0.0.1", "127.0.0.1", "127.0.0.1:", 0},
        {"127.0.0.1", "localhost", "127.0.0.1:", 0}, /* if localhost resolves */
        {"::1", "::1", "[::1]:", 1},
        /* With no host, getaddrinfo() gives both loopback addresses, ::1 and
         * 127.0.0.1. Only one listens, so whichever comes first, one of these
         * two rows needs connect to go on after a refused address. */
        {"127.0.0.1", NULL, "127.0.0.1:", 1},
        {"::1", NULL, "[::1]:", 1},
    };
    int ipv6 = have_ipv6_loopback();
    int localhost = resolves_localhost();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].needs_ipv6 && !ipv6) {
            CU_PASS("::1 is not available here: IPv6 loopback case skipped");
            continue;
        }
        if (cases[i].connect_host != NULL && strcmp(cases[i].connect_host, "localhost") == 0 &&
            !localhost) {
            printf("    skipped: \"localhost\" does not resolve to 127.0.0.1 on this machine "
                   "(no such line in /etc/hosts), so \"listen 127.0.0.1, connect localhost\" "
                   "is not checked\n");
            continue;
        }
        char err[SL_ERR_LEN] = "";
        int fds[3];
        int ret = open_trio(cases[i].listen_host, cases[i].connect_host, fds, err);
        CU_EXPECT(ret == 0, __LINE__, "listen %s, connect %s: %s", cases[i].listen_host,
               cases[i].connect_host != NULL ? cases[i].connect_host : "(NULL)", err);
        if (ret < 0) {
            continue;
        }
        int lfd = fds[0], cfd = fds[1], afd = fds[2];

        int port = sl_addr_local_port(lfd);
        CU_EXPECT(port > 0 && port <= 65535, __LINE__, "%s: local port %d", cases[i].listen_host,
               port);
        char want[SL_ADDR_STRLEN];
        snprintf(want, sizeof want, "%s%d", cases[i].prefix, port);

        char listening[SL_ADDR_STRLEN] = "";
        char server_side[SL_ADDR_STRLEN] = "";
        char client_peer[SL_ADDR_STRLEN] = "";
        char client_local[SL_ADDR_STRLEN] = "";
        char server_peer[SL_ADDR_STRLEN] = "";
        CU_ASSERT_EQUAL(sl_addr_local(lfd, listening, sizeof listening), 0);
        CU_ASSERT_EQUAL(sl_addr_local(afd, server_side, sizeof server_side), 0);
        CU_ASSERT_EQUAL(sl_addr_peer(cfd, client_peer, sizeof client_peer), 0);
        CU_ASSERT_EQUAL(sl_addr_local(cfd, client_local, sizeof client_local), 0);
        CU_ASSERT_EQUAL(sl_addr_peer(afd, server_peer, sizeof server_peer), 0);
        CU_EXPECT(strcmp(listening, want) == 0, __LINE__, "listening on \"%s\", want \"%s\"",
               listening, want);
        CU_EXPECT(strcmp(server_side, want) == 0, __LINE__, "accepted on \"%s\", want \"%s\"",
               server_side, want);
        CU_EXPECT(strcmp(client_peer, want) == 0, __LINE__, "client's peer \"%s\", want \"%s\"",
               client_peer, want);
        /* The client's ephemeral port, seen from both ends. */
        CU_EXPECT(starts_with(client_local, cases[i].prefix) && strcmp(client_local, server_peer) == 0,
               __LINE__, "client is \"%s\", server sees \"%s\"", client_local, server_peer);

        int reuse = 0;
        socklen_t len = sizeof reuse;
        CU_ASSERT_EQUAL(getsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &reuse, &len), 0);
        CU_EXPECT(reuse != 0, __LINE__, "%s: SO_REUSEADDR not set", cases[i].listen_host);
        CU_ASSERT(exchange(cfd, afd));
        close_trio(fds);
    }
}

static void test_wildcard_dual_stack(void)
{
    /* listen(NULL) prefers a dual-stack IPv6 socket, which also takes IPv4
     * clients; without IPv6 it falls back to 0.0.0.0. Either way a client on
     * 127.0.0.1 gets through. */
    char err[SL_ERR_LEN] = "";
    int fds[3];
    int ret = open_trio(NULL, "127.0.0.1", fds, err);
    CU_EXPECT(ret == 0, __LINE__, "listen on the wildcard, connect 127.0.0.1: %s", err);
    if (ret < 0) {
        return;
    }
    char listening[SL_ADDR_STRLEN] = "";
    char server_peer[SL_ADDR_STRLEN] = "";
    CU_ASSERT_EQUAL(sl_addr_local(fds[0], listening, sizeof listening), 0);
    CU_ASSERT_EQUAL(sl_addr_peer(fds[2], server_peer, sizeof server_peer), 0);
    if (starts_with(listening, "[::]:")) {
        /* An IPv4 client on an IPv6 socket shows as an IPv4-mapped address. */
        CU_EXPECT(starts_with(server_peer, "[::ffff:127.0.0.1]:"), __LINE__,
               "IPv4 client seen as \"%s\"", server_peer);
    } else {
        /* Only acceptable where IPv6 is missing altogether. */
        CU_EXPECT(!have_ipv6_loopback() && starts_with(listening, "0.0.0.0:"), __LINE__,
               "wildcard socket is \"%s\", want [::] (or 0.0.0.0 without IPv6)", listening);
        CU_PASS("no IPv6 here: the wildcard listener is IPv4 only");
    }
    CU_ASSERT(exchange(fds[1], fds[2]));
    close_trio(fds);
}

/* A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
static int closed_port(char *text, size_t len)
{
    int fd = sl_addr_listen("127.0.0.1", "0", 1, NULL);
    if (fd < 0) {
        return -1;
    }
    int port = sl_addr_local_port(fd);
    close(fd);
    snprintf(text, len, "%d", port);
    return port;
}

static void test_connect_refused(void)
{
    char port[8];
    CU_ASSERT_FATAL(closed_port(port, sizeof port) > 0);
    char err[SL_ERR_LEN] = "";
    errno = 0;
    int fd = sl_addr_connect("127.0.0.1", port, err);
    int saved = errno;
    CU_ASSERT_EQUAL(fd, -1);
    CU_EXPECT(saved == ECONNREFUSED, __LINE__, "errno %d (%s), want ECONNREFUSED", saved,
           strerror(saved));
    CU_EXPECT(strstr(err, "refused") != NULL, __LINE__, "message \"%s\" does not say refused", err);
    CU_EXPECT(strstr(err, port) != NULL, __LINE__, "message \"%s\" does not name port %s", err, port);
    if (fd >= 0) {
        close(fd);
    }

    /* Same without an error buffer. */
    errno = 0;
    fd = sl_addr_connect("127.0.0.1", port, NULL);
    CU_ASSERT_EQUAL(fd, -1);
    CU_ASSERT_EQUAL(errno, ECONNREFUSED);
    if (fd >= 0) {
        close(fd);
    }
}

/* The same within a time limit: refused, and a connection made (blocking
 * again: the non-blocking connect is a detail of the wait). */
static void test_connect_timeout(void)
{
    char port[8];
    CU_ASSERT_FATAL(closed_port(port, sizeof port) > 0);
    char err[SL_ERR_LEN] = "";
    errno = 0;
    int fd = sl_addr_connect_timeout("127.0.0.1", port, 2000, err);
    CU_ASSERT_EQUAL(fd, -1);
    CU_EXPECT(errno == ECONNREFUSED, __LINE__, "errno %d (%s)", errno, strerror(errno));
    CU_EXPECT(strstr(err, "refused") != NULL, __LINE__, "message \"%s\"", err);
    int lfd = sl_addr_listen("127.0.0.1", "0", 4, err);
    CU_ASSERT_FATAL(lfd >= 0);
    snprintf(port, sizeof port, "%d", sl_addr_local_port(lfd));
    fd = sl_addr_connect_timeout("127.0.0.1", port, 2000, err);
    CU_EXPECT(fd >= 0, __LINE__, "connect failed: %s", err);
    CU_ASSERT(fd < 0 || !(fcntl(fd, F_GETFL) & O_NONBLOCK));
    if (fd >= 0) {
        close(fd);
    }
    close(lfd);
}

static void test_bad_names(void)
{
    /* Names and ports the resolver rejects: -1 and a message naming them.
     * ".invalid" never resolves, so this needs no network. */
    static const struct {
        const char *host;
        const char *port;
        int listen;
    } cases[] = {
        {"no-such-host.invalid", "80", 0},
        {"no-such-host.invalid", "0", 1},
        {"127.0.0.1", "no-such-service", 0},
        {"127.0.0.1", "no-such-service", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[SL_ERR_LEN] = "";
        int fd = cases[i].listen ? sl_addr_listen(cases[i].host, cases[i].port, 1, err)
                                 : sl_addr_connect(cases[i].host, cases[i].port, err);
        CU_EXPECT(fd == -1, __LINE__, "%s %s port %s: returned %d",
               cases[i].listen ? "listen" : "connect", cases[i].host, cases[i].port, fd);
        CU_EXPECT(strstr(err, "resolve") != NULL && strstr(err, cases[i].host) != NULL, __LINE__,
               "%s port %s: message \"%s\"", cases[i].host, cases[i].port, err);
        if (fd >= 0) {
            close(fd);
        }
        /* NULL for err is allowed. */
        fd = cases[i].listen ? sl_addr_listen(cases[i].host, cases[i].port, 1, NULL)
                             : sl_addr_connect(cases[i].host, cases[i].port, NULL);
        CU_ASSERT_EQUAL(fd, -1);
        if (fd >= 0) {
            close(fd);
        }
    }
}

static void test_listen_in_use(void)
{
    /* SO_REUSEADDR does not let two sockets listen on one port. */
    char err[SL_ERR_LEN] = "";
    int first = sl_addr_listen("127.0.0.1", "0", 1, err);
    CU_ASSERT_FATAL(first >= 0);
    char port[8];
    snprintf(port, sizeof port, "%d", sl_addr_local_port(first));
    errno = 0;
    int second = sl_addr_listen("127.0.0.1", port, 1, err);
    int saved = errno;
    CU_ASSERT_EQUAL(second, -1);
    CU_EXPECT(saved == EADDRINUSE, __LINE__, "errno %d (%s), want EADDRINUSE", saved, strerror(saved));
    CU_EXPECT(strstr(err, "bind") != NULL && strstr(err, port) != NULL, __LINE__,
           "message \"%s\" should name bind and port %s", err, port);
    if (second >= 0) {
        close(second);
    }
    close(first);
}

/* ---- formatting ------------------------------------------------------------- */

static void test_format(void)
{
    /* clang-format off */
    static const struct {
        int family;
        const char *ip; /* for AF_INET / AF_INET6 */
        int port;
        size_t buflen;
        int want_ret;
        const char *want;
    } cases[] = {
        {AF_INET, "127.0.0.1", 80, SL_ADDR_STRLEN, 0, "127.0.0.1:80"},
        {AF_INET, "0.0.0.0", 0, SL_ADDR_STRLEN, 0, "0.0.0.0:0"},
        {AF_INET, "255.255.255.255", 65535, SL_ADDR_STRLEN, 0, "255.255.255.255:65535"},
        {AF_INET6, "::1", 8080, SL_ADDR_STRLEN, 0, "[::1]:8080"},
        {AF_INET6, "2001:db8::1", 443, SL_ADDR_STRLEN, 0, "[2001:db8::1]:443"},
        {AF_INET6, "::ffff:127.0.0.1", 7, SL_ADDR_STRLEN, 0, "[::ffff:127.0.0.1]:7"},
        {AF_INET6, "1111:2222:3333:4444:5555:6666:7777:8888", 65535, SL_ADDR_STRLEN, 0,
         "[1111:2222:3333:4444:5555:6666:7777:8888]:65535"},
        /* "127.0.0.1:80" is 12 bytes: 13 fit, 12 do not. */
        {AF_INET, "127.0.0.1", 80, 13, 0, "127.0.0.1:80"},
        {AF_INET, "127.0.0.1", 80, 12, -1, "?"},
        {AF_INET, "127.0.0.1", 80, 2, -1, "?"},
        {AF_INET, "127.0.0.1", 80, 1, -1, ""},
        {AF_INET6, "::1", 80, 8, -1, "?"},
        {AF_UNIX, NULL, 0, SL_ADDR_STRLEN, -1, "?"},
        {AF_UNSPEC, NULL, 0, SL_ADDR_STRLEN, -1, "?"},
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        socklen_t len = sizeof ss;
        if (cases[i].family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
            sin->sin_family = AF_INET;
            sin->sin_port = htons((uint16_t)cases[i].port);
            CU_ASSERT_FATAL(inet_pton(AF_INET, cases[i].ip, &sin->sin_addr) == 1);
            len = sizeof *sin;
        } else if (cases[i].family == AF_INET6) {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
            sin6->sin6_family = AF_INET6;
            sin6->sin6_port = htons((uint16_t)cases[i].port);
            CU_ASSERT_FATAL(inet_pton(AF_INET6, cases[i].ip, &sin6->sin6_addr) == 1);
            len = sizeof *sin6;
        } else if (cases[i].family == AF_UNIX) {
            struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
            sun->sun_family = AF_UNIX;
            snprintf(sun->sun_path, sizeof sun->sun_path, "/tmp/socklab.sock");
            len = sizeof *sun;
        } else {
            ss.ss_family = (sa_family_t)cases[i].family;
        }
        /* Exactly buflen bytes, so that ASan or valgrind catch a write past it. */
        char *buf = malloc(cases[i].buflen);
        CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
        memset(buf, '#', cases[i].buflen);
        int ret = sl_addr_format((struct sockaddr *)&ss, len, buf, cases[i].buflen);
        CU_EXPECT(ret == cases[i].want_ret, __LINE__, "row %zu: returned %d, want %d", i, ret,
               cases[i].want_ret);
        CU_EXPECT(strnlen(buf, cases[i].buflen) < cases[i].buflen && strcmp(buf, cases[i].want) == 0,
               __LINE__, "row %zu: got \"%.*s\", want \"%s\"", i, (int)cases[i].buflen, buf,
               cases[i].want);
        free(buf);
    }
}

static void test_socket_queries_fail(void)
{
    char buf[SL_ADDR_STRLEN];

    /* Not connected: no peer. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CU_ASSERT_FATAL(fd >= 0);
    errno = 0;
    CU_ASSERT_EQUAL(sl_addr_peer(fd, buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(errno, ENOTCONN);
    close(fd);

    /* Not an Internet socket: no port, and no "ip:port" form. */
    int pair[2];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    errno = 0;
    CU_ASSERT_EQUAL(sl_addr_local_port(pair[0]), -1);
    CU_ASSERT_EQUAL(errno, EAFNOSUPPORT);
    CU_ASSERT_EQUAL(sl_addr_local(pair[0], buf, sizeof buf), -1);
    CU_ASSERT_STRING_EQUAL(buf, "?");
    close(pair[0]);
    close(pair[1]);

    /* Not a descriptor at all. */
    errno = 0;
    CU_ASSERT_EQUAL(sl_addr_local_port(-1), -1);
    CU_ASSERT_EQUAL(errno, EBADF);
    errno = 0;
    CU_ASSERT_EQUAL(sl_addr_local(-1, buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(errno, EBADF);
    errno = 0;
    CU_ASSERT_EQUAL(sl_addr_peer(-1, buf, sizeof buf), -1);
    CU_ASSERT_EQUAL(errno, EBADF);
}

int register_addr_tests(void)
{
    static const cu_test tests[] = {
        {"parse_port accepts 1-65535 and rejects the rest", test_parse_port},
        {"listen, connect and accept on loopback", test_loopback_connections},
        {"listen(NULL) takes IPv4 clients", test_wildcard_dual_stack},
        {"connect to a closed port is refused", test_connect_refused},
        {"connect within a time limit: refused, then connected", test_connect_timeout},
        {"unresolvable names fail with a message", test_bad_names},
        {"listen on a port in use fails", test_listen_in_use},
        {"format ip:port and [ip6]:port", test_format},
        {"address queries fail cleanly", test_socket_queries_fail},
        {NULL, NULL},
    };
    /* On a machine whose name server drops packets, one lookup could wait
     * for glibc's default 5 s x 2 tries; keep it short (the caller's own
     * setting wins). */
    setenv("RES_OPTIONS", "timeout:1 attempts:1", 0);
    return cu_add_suite("addr", tests);
}
