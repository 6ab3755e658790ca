/* echo_dual.c - lab 04's checks of echo_dual (steps 3 and 4): one server
 * reached over IPv4, IPv6 and a Unix domain socket, logging its peers. */
#include "addr.h"
#include "lab04.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- steps 3 and 4: the dual-stack echo server ------------------------------ */

/* How long a server gets to exit on SIGTERM: the engine's grace when it
 * stops a server (gr_server_stop()). */
#define STOP_GRACE_MS 1000

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

/* The hint when the client connected but its echo went wrong: the address
 * part worked, so the check's own hint (about families, sockets, files)
 * would point the wrong way. */
#define HINT_ECHO                                                                                  \
    "The connection works; the echo must too: every byte back, in order, to every client at "      \
    "once. In C: per client, recv() what arrived and sl_rio_writen() exactly those n bytes, "      \
    "until recv() returns 0, then close(). In Python: conn.recv(65536) and conn.sendall(data) "    \
    "until b'', one client per thread or selectors."

/* Echo n random bytes over c; 0 or gr_fail()'s value, with the hint for
 * what the failed echo shows. */
static int echo_random(gr_ctx *ctx, gr_conn *c, size_t n, const char *what)
{
    unsigned char *buf = malloc(n);
    if (buf == NULL) {
        return gr_fail(ctx, "grader out of memory");
    }
    gr_random_bytes(ctx, buf, n);
    gr_conn_idle_limit(c, gr_quiet_ms(ctx));
    int rc = gr_exchange(ctx, c, buf, n, buf, n, 0, what);
    if (rc < 0) {
        gr_hint(ctx, HINT_ECHO);
        gr_echo_cause(ctx, c, 2); /* random data: two cuts at a NUL, not one */
    }
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
    return gr_connect(ctx, c, label,
                      &(gr_conn_opts){.co_addr = (struct sockaddr *)&a6,
                                      .co_addrlen = sizeof a6,
                                      .co_name = name,
                                      .co_quiet_ms = GR_NO_QUIET});
}

int lab04_check_ipv4_echo(gr_ctx *ctx)
{
    if (start_server(ctx) < 0) {
        return -1;
    }
    gr_conn c;
    if (gr_connect(ctx, &c, "IPv4 client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}) < 0) {
        return -1;
    }
    int rc = echo_random(ctx, &c, 32 * KiB, "echo of 32 KiB over IPv4 (127.0.0.1)");
    gr_close(&c);
    return rc;
}

int lab04_check_ipv6_echo(gr_ctx *ctx)
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

/* The log has no line with the client's address and port: a line with
 * the port's bytes swapped (no ntohs()), or with the server's own port (the
 * wrong end of the connection), or lines that appear only when the server
 * exits on SIGTERM (stuck in stdio's buffer). Sets the hint for what it
 * sees, if clear. */
static void log_cause(gr_ctx *ctx, const char *log, const char *addr, int port)
{
    int swapped = ((port & 0xff) << 8) | (port >> 8);
    if (swapped != port && logged(log, addr, swapped)) {
        gr_str_addf(gr_details(ctx),
                    "what the log shows: %s with port %d, which is %d with its two bytes "
                    "swapped\n",
                    addr, swapped, port);
        gr_hint(ctx, "A port in a struct sockaddr is in network byte order: the log shows it "
                     "with its bytes swapped. In C: print ntohs(sin.sin_port) (or use "
                     "getnameinfo() with NI_NUMERICSERV). In Python: conn.getpeername() gives "
                     "the port as a number already.");
        return;
    }
    if (logged(log, addr, gr_port(ctx))) {
        gr_str_addf(gr_details(ctx),
                    "what the log shows: %s with port %d, the server's own port, not the "
                    "client's\n",
                    addr, gr_port(ctx));
        gr_hint(ctx, "A connection has two ends: the log shows the server's own. In C: "
                     "getpeername() on the socket accept() returned gives the client's address "
                     "(or accept()'s own address argument); getsockname() gives yours. In "
                     "Python: conn, addr = s.accept(), and addr (or conn.getpeername()).");
        return;
    }
    /* Lines stuck in stdio's buffer come out when the server exits normally. */
    pid_t pid = gr_server_pid(ctx);
    int signo = 0;
    int status = -1;
    if (pid > 0 && kill(pid, SIGTERM) == 0 && gr_server_ended(ctx, 2000, &signo, &status) &&
        signo == 0) {
        char *after = server_log(ctx);
        if (logged(after, addr, port)) {
            gr_str_addf(gr_details(ctx),
                        "what the log shows: the line for %s port %d came out "
                        "only when the server exited, on SIGTERM\n",
                        addr, port);
            gr_hint(ctx, "A log line must leave the program when it is written: it sat in "
                         "stdout's buffer until the server exited. In C: fflush(stdout) after "
                         "each line, or setvbuf(stdout, NULL, _IOLBF, 0) once; stdout to a pipe "
                         "is block-buffered. In Python: print(..., flush=True).");
        }
        free(after);
    }
}

int lab04_check_peer_log(gr_ctx *ctx)
{
    if (start_server(ctx) < 0) {
        return -1;
    }
    int v6 = have_ipv6();
    gr_conn c4, c6;
    if (gr_connect(ctx, &c4, "IPv4 client", &(gr_conn_opts){.co_quiet_ms = GR_NO_QUIET}) < 0) {
        gr_hint(ctx, HINT_IPV4); /* no log without a connection */
        return -1;
    }
    int rc = echo_random(ctx, &c4, 16, "a short echo over IPv4");
    int port4 = sl_addr_local_port(gr_conn_fd(&c4));
    int port6 = -1;
    if (rc == 0 && v6) {
        if (connect_v6(ctx, &c6, "IPv6 client") < 0) {
            gr_hint(ctx, HINT_IPV6);
            gr_close(&c4);
            return -1;
        }
        rc = echo_random(ctx, &c6, 16, "a short echo over IPv6");
        port6 = sl_addr_local_port(gr_conn_fd(&c6));
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
        const char *addr = !ok4 ? "127.0.0.1" : "::1";
        int port = !ok4 ? port4 : port6;
        rc = gr_fail(ctx, "the server's output has no line naming the %s client %s port %d",
                     !ok4 ? "IPv4" : "IPv6", addr, port);
        gr_str_addf(gr_details(ctx),
                    "the grader connected from 127.0.0.1 port %d%s and looked for each "
                    "address with its port on one line of the server's stdout or stderr.\n"
                    "Output to a pipe is block-buffered: call fflush(stdout) after each log "
                    "line (or log to stderr, which is not buffered).\n",
                    port4, v6 ? " and from ::1" : "");
        gr_show_text(ctx, "what the server printed", log, 20);
        log_cause(ctx, log, addr, port);
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
            gr_conn_adopt(c, fd, label, NULL);
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

int lab04_check_unix_echo(gr_ctx *ctx)
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

int lab04_check_unix_cleanup(gr_ctx *ctx)
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
    /* SIGTERM, and the grace gr_server_stop() would give it, seeing how it
     * ends: that tells the causes of a file left behind apart. */
    pid_t pid = gr_server_pid(ctx);
    int signo = 0;
    int status = -1;
    int ended =
        pid > 0 && kill(pid, SIGTERM) == 0 && gr_server_ended(ctx, STOP_GRACE_MS, &signo, &status);
    if (!ended && gr_server_stop(ctx) < 0) {
        return -1;
    }
    struct sockaddr_un sun;
    struct stat st;
    if (sock_addr(ctx, &sun) < 0) {
        return -1;
    }
    if (lstat(sun.sun_path, &st) == 0) {
        if (ended && signo == SIGTERM) {
            gr_str_add(gr_details(ctx), "how the server ended: killed by SIGTERM (no handler)\n");
            gr_hint(ctx, "A Unix socket's file outlives its process, so a server removes it "
                         "itself: SIGTERM killed this one before it could. In C: catch SIGTERM "
                         "and SIGINT with sigaction() (a handler that sets a flag, no "
                         "SA_RESTART), leave the loop, unlink() the path, exit. In Python: "
                         "signal.signal(signal.SIGTERM, handler), then os.unlink(path).");
        } else if (ended) {
            gr_str_addf(gr_details(ctx),
                        "how the server ended: it exited (status %d) on "
                        "SIGTERM, without unlink()\n",
                        status);
            gr_hint(ctx, "A Unix socket's file outlives its process: the server exited on "
                         "SIGTERM but left it. In C: unlink() the path after the loop, before "
                         "exit; close() does not remove it. In Python: os.unlink(path) in a "
                         "finally: block.");
        }
        return gr_fail(ctx,
                       "after SIGTERM the server is gone but its socket file %s is still "
                       "there",
                       SOCK_NAME);
    }
    return 0;
}

int lab04_check_unix_stale(gr_ctx *ctx)
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
