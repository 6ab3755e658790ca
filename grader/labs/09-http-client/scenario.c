/* scenario.c - one run of the student's fetch against the fake HTTP
 * server (peers/http.c), judged on its exit status, its stdout, the -o
 * file and what the server received. */
#include "lab09.h"

#include "err.h"
#include "net/port.h"
#include "text/strbuf.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_DIR "dl"
#define OUT_FILE "dl/out.bin"

/* sc_args with {url} and {closed} replaced. */
static void expand_args(const char *args, int port, int closed, int silent, gr_str *out)
{
    for (const char *p = args; *p != '\0';) {
        if (strncmp(p, "{port}", 6) == 0) {
            gr_str_addf(out, "%d", port);
            p += 6;
        } else if (strncmp(p, "{silent}", 8) == 0) {
            gr_str_addf(out, "http://127.0.0.1:%d", silent);
            p += 8;
        } else if (strncmp(p, "{surl}", 6) == 0) {
            gr_str_addf(out, "https://localhost:%d", port);
            p += 6;
        } else if (strncmp(p, "{sip}", 5) == 0) {
            gr_str_addf(out, "https://127.0.0.1:%d", port);
            p += 5;
        } else if (strncmp(p, "{url}", 5) == 0) {
            gr_str_addf(out, "http://127.0.0.1:%d", port);
            p += 5;
        } else if (strncmp(p, "{closed}", 8) == 0) {
            gr_str_addf(out, "http://127.0.0.1:%d", closed);
            p += 8;
        } else {
            gr_str_addf(out, "%c", *p++);
        }
    }
}

/* Can an IPv6 socket reach port on 127.0.0.1 through its IPv4-mapped
 * address (::ffff:127.0.0.1)? A connect, closed at once. */
static int reach_v4_mapped(int port, char *err)
{
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6.sin6_addr);
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&sin6, sizeof sin6);
    if (rc < 0) {
        sl_err_errno(err, "%s", fd < 0 ? "socket(AF_INET6)" : "connect");
    }
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

/* upload.bin beside fetch, for -F file=@upload.bin. */
static int write_upload(gr_ctx *ctx)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/upload.bin", gr_server_dir(ctx));
    size_t n = 0;
    const unsigned char *bytes = lab09_upload_bytes(&n);
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(bytes, 1, n, f) == n;
    if (f != NULL && fclose(f) != 0) {
        ok = 0;
    }
    chmod(path, 0644);
    return ok ? 0 : gr_fail(ctx, "grader cannot write %s: %s", path, strerror(errno));
}

/* Remove the files in dir (what an earlier run left). */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    for (struct dirent *e = d != NULL ? readdir(d) : NULL; e != NULL; e = readdir(d)) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            unlinkat(dirfd(d), e->d_name, 0);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
}

/* What the run put beside fetch goes again: the directory is the lab's
 * scratch copy, or the user's own with --client. */
static void leave_nothing(gr_ctx *ctx, const lab09_scenario *sc, const char *dir)
{
    if (sc->sc_upload) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/upload.bin", gr_server_dir(ctx));
        unlink(path);
    }
    if (sc->sc_tls) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/ca.pem", gr_server_dir(ctx));
        unlink(path); /* the directory may be the user's own (--client) */
    }
    if (dir != NULL) {
        empty_dir(dir);
        rmdir(dir);
    }
}

/* A fresh, empty dl/ beside the client, writable by the sandbox's user. */
static int make_out_dir(gr_ctx *ctx, char *dir, size_t n)
{
    snprintf(dir, n, "%s/%s", gr_server_dir(ctx), OUT_DIR);
    empty_dir(dir);
    if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
        return gr_fail(ctx, "grader cannot create %s: %s", dir, strerror(errno));
    }
    chmod(dir, 0777);
    return 0;
}

/* Names in dir other than out.bin, into a message; the count. */
static int stray_files(const char *dir, char *names, size_t n)
{
    int count = 0;
    names[0] = '\0';
    DIR *d = opendir(dir);
    for (struct dirent *e = d != NULL ? readdir(d) : NULL; e != NULL; e = readdir(d)) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            strcmp(e->d_name, "out.bin") != 0) {
            count++;
            size_t used = strlen(names);
            snprintf(names + used, n - used, "%s%s", used > 0 ? ", " : "", e->d_name);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return count;
}

/* The -o file: its contents as wanted, or absent with nothing else left. */
static int judge_file(gr_ctx *ctx, const lab09_scenario *sc, const char *dir)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/out.bin", dir);
    FILE *fp = fopen(path, "rb");
    char names[512];
    int strays = stray_files(dir, names, sizeof names);
    if (sc->sc_file == NULL) {
        if (fp != NULL) {
            fclose(fp);
            unlink(path);
            return gr_fail(ctx,
                           "the transfer failed, yet %s exists: a partial file was left "
                           "under the name asked for",
                           OUT_FILE);
        }
        if (strays > 0) {
            return gr_fail(ctx, "the transfer failed, and %s/ still holds: %s", OUT_DIR, names);
        }
        return 0;
    }
    if (fp == NULL) {
        return gr_fail(ctx, "%s was not written: %s", OUT_FILE, strerror(errno));
    }
    static char got[512 * 1024];
    size_t n = fread(got, 1, sizeof got, fp);
    fclose(fp);
    unlink(path);
    if (n != strlen(sc->sc_file) || memcmp(got, sc->sc_file, n) != 0) {
        return gr_fail_bytes(ctx, NULL, 0, sc->sc_file, strlen(sc->sc_file), got, n,
                             "%s does not hold the body", OUT_FILE);
    }
    if (strays > 0) {
        return gr_fail(ctx, "%s is right, but %s/ also holds: %s", OUT_FILE, OUT_DIR, names);
    }
    return 0;
}

/* What the server received: every sc_sent text, in order; not sc_not_sent. */
static int judge_sent(gr_ctx *ctx, const lab09_scenario *sc, const char *got, size_t n,
                      const gr_http_script *script)
{
    const char *from = got;
    for (int i = 0; i < LAB09_MAX_SENT && sc->sc_sent[i] != NULL; i++) {
        const char *hit = strstr(from, sc->sc_sent[i]);
        if (hit == NULL) {
            gr_show_text(ctx, "the server received", got, 40);
            char show[160];
            return gr_fail(ctx, "the server never received \"%s\"%s",
                           gr_printable(sc->sc_sent[i], strlen(sc->sc_sent[i]), show, sizeof show),
                           i > 0 ? " after the lines before it" : "");
        }
        from = hit + 1;
    }
    if (sc->sc_not_sent != NULL && strstr(got, sc->sc_not_sent) != NULL) {
        gr_show_text(ctx, "the server received", got, 40);
        char show[160];
        return gr_fail(ctx, "the server received \"%s\", which must not be sent",
                       gr_printable(sc->sc_not_sent, strlen(sc->sc_not_sent), show, sizeof show));
    }
    if (sc->sc_requests >= 0 && script->hs_requests != sc->sc_requests) {
        gr_show_text(ctx, "the server received", got, 40);
        return gr_fail(ctx, "the server read %d requests; expected %d", script->hs_requests,
                       sc->sc_requests);
    }
    (void)n;
    return 0;
}

/* Did the script keep a connection open (held, or silent)? */
static int holds_connection(const lab09_scenario *sc, gr_http_after how)
{
    for (size_t i = 0; i < sc->sc_nroutes; i++) {
        if (sc->sc_routes[i].hr_after == how) {
            return 1;
        }
    }
    return 0;
}

/* A run that had to be stopped: the hint says which wait it was stuck in. */
static int judge_hang(gr_ctx *ctx, const lab09_scenario *sc, const gr_client_run *run)
{
    if (sc->sc_exit == 5 && strstr(sc->sc_args, "{silent}") != NULL) {
        gr_hint(ctx, "No connect timeout: the grader's port drops SYNs, as a firewall does, and "
                     "the kernel retries the connect for minutes. In C: a non-blocking "
                     "connect(), poll() for POLLOUT with --connect-timeout, then "
                     "getsockopt(SO_ERROR); poll() returning 0 is exit 5. In Python: "
                     "socket.create_connection(addr, timeout=connect_timeout).");
    } else if (sc->sc_exit == 5 && holds_connection(sc, GR_HTTP_SILENT)) {
        gr_hint(ctx, "No read timeout: the server accepted and then said nothing, and fetch "
                     "waited until the grader stopped it. In C: setsockopt(fd, SOL_SOCKET, "
                     "SO_RCVTIMEO, &tv, sizeof tv) after connecting; read() then fails with "
                     "EAGAIN: exit 5. In Python: sock.settimeout(seconds), and catch "
                     "socket.timeout.");
    } else if (sc->sc_exit == 5) {
        gr_hint(ctx, "The read timeout bounds every wait, the body's too: the server stopped "
                     "midway and fetch waited until the grader stopped it. In C: SO_RCVTIMEO "
                     "covers each read(); EAGAIN there is exit 5. In Python: the socket's "
                     "timeout applies to every recv().");
    } else if (holds_connection(sc, GR_HTTP_HOLD)) {
        gr_hint(ctx, "fetch had the whole response and went on reading: the server keeps the "
                     "connection open after the body, as HTTP/1.1 allows, so waiting for the "
                     "close waits forever. In C: stop after Content-Length bytes, after the 0 "
                     "chunk and its trailers, or after the head of a HEAD response. In Python: "
                     "f.read(length), never f.read() when the length is known.");
    }
    return gr_fail(ctx, "fetch was still running after %.1f s", (double)run->cr_ms / 1000.0);
}

static int judge_run(gr_ctx *ctx, const lab09_scenario *sc, const gr_client_run *run)
{
    if (run->cr_timed_out) {
        return judge_hang(ctx, sc, run);
    }
    if (!WIFEXITED(run->cr_status)) {
        return gr_fail(ctx, "fetch was killed by a signal");
    }
    int status = WEXITSTATUS(run->cr_status);
    if (status != sc->sc_exit) {
        return gr_fail(ctx, "fetch exited with status %d; expected %d", status, sc->sc_exit);
    }
    if (sc->sc_exit >= 3 && (run->cr_stderr == NULL || strstr(run->cr_stderr, "://") == NULL)) {
        return gr_fail(ctx, "fetch failed as it should, but its message on stderr does not "
                            "name the URL");
    }
    if (sc->sc_max_ms > 0 && run->cr_ms > gr_ms(ctx, sc->sc_max_ms)) {
        return gr_fail(ctx, "fetch took %.1f s; it should have given up within %.1f s",
                       (double)run->cr_ms / 1000.0, gr_ms(ctx, sc->sc_max_ms) / 1000.0);
    }
    if (sc->sc_stdout != NULL && (run->cr_stdout_len != strlen(sc->sc_stdout) ||
                                  memcmp(run->cr_stdout, sc->sc_stdout, run->cr_stdout_len) != 0)) {
        return gr_fail_bytes(ctx, NULL, 0, sc->sc_stdout, strlen(sc->sc_stdout), run->cr_stdout,
                             run->cr_stdout_len, "fetch's stdout is not the body");
    }
    return 0;
}

int lab09_run_scenario(gr_ctx *ctx, const lab09_scenario *sc)
{
    gr_http_script script = {.hs_routes = sc->sc_routes, .hs_nroutes = sc->sc_nroutes};
    char dir[PATH_MAX];
    if (sc->sc_uses_file && make_out_dir(ctx, dir, sizeof dir) < 0) {
        return -1;
    }
    char err[256] = "";
    gr_tls *tls = NULL;
    if (sc->sc_tls && (gr_ca_run_write_root(ctx, gr_server_dir(ctx)) < 0 ||
                       (tls = gr_ca_run_server(ctx, sc->sc_cert, !sc->sc_leaf_only, 0)) == NULL)) {
        return -1;
    }
    gr_fake *fake =
        gr_fake_start_xport(gr_http_fake, &script, tls != NULL ? gr_tls_ops(tls) : NULL, err);
    if (fake == NULL) {
        gr_tls_free(tls);
        return gr_fail(ctx, "grader could not start its HTTP server: %s", err);
    }
    int closed_fd = -1;
    int closed = gr_closed_port(&closed_fd);
    gr_silent_port silent = {.sp_listen = -1};
    if (strstr(sc->sc_args, "{silent}") != NULL && gr_silent_open(&silent, err) < 0) {
        gr_fake_stop(fake);
        gr_tls_free(tls);
        close(closed_fd);
        return gr_fail(ctx, "grader could not make a port whose connects hang: %s", err);
    }
    if (sc->sc_upload && write_upload(ctx) < 0) {
        gr_fake_stop(fake);
        gr_tls_free(tls);
        close(closed_fd);
        gr_silent_close(&silent);
        return -1;
    }
    if (strstr(sc->sc_args, "[::ffff:127.0.0.1]") != NULL &&
        reach_v4_mapped(gr_fake_port(fake), err) < 0) {
        gr_fake_stop(fake);
        gr_tls_free(tls);
        close(closed_fd);
        gr_silent_close(&silent);
        return gr_fail(ctx,
                       "the grader itself cannot reach its server at [::ffff:127.0.0.1] (%s): "
                       "this machine has no IPv6 sockets, and the check cannot run",
                       err);
    }
    gr_str args = {0};
    expand_args(sc->sc_args, gr_fake_port(fake), closed, silent.sp_port, &args);
    gr_client_run run;
    int rc = gr_client_run_args(ctx, "./fetch", gr_str_cstr(&args), gr_time_left(ctx), &run);
    gr_str_free(&args);
    size_t nsent = 0;
    char *sent = gr_fake_received(fake, &nsent);
    int connections = gr_fake_connections(fake);
    gr_fake_stop(fake);
    gr_tls_free(tls);
    if (closed_fd >= 0) {
        close(closed_fd);
    }
    gr_silent_close(&silent);
    if (rc == 0) {
        rc = judge_run(ctx, sc, &run);
    }
    if (rc == 0) {
        rc = judge_sent(ctx, sc, sent != NULL ? sent : "", nsent, &script);
    }
    if (rc == 0) {
        rc = lab09_judge_requests(ctx, sc, sent != NULL ? sent : "", &script, connections,
                                  run.cr_stderr);
    }
    if (rc == 0 && sc->sc_judge != NULL) {
        rc = sc->sc_judge(ctx, sent != NULL ? sent : "", nsent, sc->sc_judge_arg);
    }
    if (rc == 0 && sc->sc_no_cr_stderr && run.cr_stderr != NULL &&
        strchr(run.cr_stderr, '\r') != NULL) {
        gr_show_text(ctx, "fetch's stderr", run.cr_stderr, 10);
        rc = gr_fail(ctx, "fetch's stderr, a pipe, holds a carriage return: a progress bar "
                          "drawn where no one watches");
    }
    if (rc == 0 && sc->sc_uses_file) {
        rc = judge_file(ctx, sc, dir);
    }
    leave_nothing(ctx, sc, sc->sc_uses_file ? dir : NULL);
    if (rc < 0) {
        gr_client_describe(ctx, &run);
        if (sc->sc_nroutes == 1) {
            gr_show_text(ctx, "the server sent", sc->sc_routes[0].hr_response, 30);
        }
    }
    free(sent);
    gr_client_run_free(&run);
    return rc;
}

int lab09_check_scenario(gr_ctx *ctx)
{
    return lab09_run_scenario(ctx, gr_arg(ctx));
}

int lab09_check_scenarios(gr_ctx *ctx)
{
    const lab09_scenario *sc = gr_arg(ctx);
    int rc = 0;
    for (; rc == 0 && sc->sc_args != NULL; sc++) {
        rc = lab09_run_scenario(ctx, sc);
    }
    return rc;
}
