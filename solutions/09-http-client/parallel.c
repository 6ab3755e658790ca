/* parallel.c - concurrent mode: an epoll loop over non-blocking sockets,
 * one job per URL. A job connects, sends its request, and collects what
 * arrives until the response is whole; then response.c reads it from a
 * memory file, as it would from the socket. */
#define _GNU_SOURCE /* memfd_create() */
#include "parallel.h"

#include "err.h"
#include "fetch.h"
#include "response.h"
#include "rio.h"
#include "url.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef enum { J_WAITING, J_CONNECTING, J_SENDING, J_READING, J_DONE } job_state;

/* One URL's transfer. */
typedef struct job {
    const char *j_text;
    url j_url;
    job_state j_state;
    int j_fd;
    char *j_req; /* the request, j_sent of j_len bytes sent */
    size_t j_len, j_sent;
    char *j_in; /* what arrived, j_got bytes of j_cap */
    size_t j_got, j_cap;
    long long j_deadline;
    int j_rc;
    char j_err[SL_ERR_LEN];
    char *j_body; /* the body (and head with -i), j_blen bytes */
    size_t j_blen;
    int j_framing; /* once the head is known: F_LENGTH, F_CHUNKED or F_CLOSE */
    size_t j_whole; /* F_LENGTH: the head and body's length */
} job;

enum { F_UNKNOWN, F_LENGTH, F_CHUNKED, F_CLOSE };

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void job_end(job *j, int epfd, int rc)
{
    if (j->j_fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, j->j_fd, NULL);
        close(j->j_fd);
        j->j_fd = -1;
    }
    j->j_rc = rc;
    j->j_state = J_DONE;
}

/* Read the n bytes that arrived as a response, from a memory file through
 * response.c, the body to body (NULL: dropped). *ran_out: the reader
 * wanted more than there was. */
static int replay(const transfer_opts *o, job *j, FILE *body, int *ran_out)
{
    int fd = memfd_create("fetch-response", MFD_CLOEXEC);
    sl_rio *rp = malloc(sizeof *rp);
    if (fd < 0 || rp == NULL || sl_rio_writen(fd, j->j_in, j->j_got) < 0 ||
        lseek(fd, 0, SEEK_SET) < 0) {
        sl_err_errno(j->j_err, "cannot keep the response in memory");
        free(rp);
        if (fd >= 0) {
            close(fd);
        }
        *ran_out = 0;
        return FETCH_LOCAL;
    }
    sl_rio_init(rp, fd);
    response rs;
    int rc = response_read_head(rp, &rs, o->to_include ? body : NULL, j->j_err);
    if (rc == FETCH_OK && j->j_framing == F_UNKNOWN) {
        size_t head = (size_t)lseek(fd, 0, SEEK_CUR) - rp->rio_cnt;
        int none = !response_has_body(&rs, o->to_method);
        j->j_framing = rs.rs_chunked ? F_CHUNKED : none || rs.rs_length >= 0 ? F_LENGTH : F_CLOSE;
        j->j_whole = head + (none ? 0 : (size_t)rs.rs_length);
    }
    if (rc == FETCH_OK && o->to_fail && rs.rs_status >= 400) {
        sl_err_set(j->j_err, "the server answered %d %s", rs.rs_status, rs.rs_reason);
        rc = FETCH_HTTP;
    } else if (rc == FETCH_OK && response_has_body(&rs, o->to_method)) {
        rc = response_read_body(rp, &rs, body, j->j_err);
    }
    *ran_out = rc != FETCH_OK && rp->rio_cnt == 0 && lseek(fd, 0, SEEK_CUR) == (off_t)j->j_got;
    free(rp);
    close(fd);
    return rc;
}

/* Could the bytes that arrived be a whole response? Not before an empty
 * line has ended a head; then a body framed by length is whole at its
 * length, chunks end with a LF, and a body the close ends, at the close. */
static int worth_reading(const job *j)
{
    switch (j->j_framing) {
    case F_LENGTH:
        return j->j_got >= j->j_whole;
    case F_CHUNKED:
        return j->j_in[j->j_got - 1] == '\n';
    case F_CLOSE:
        return 0;
    default:
        return memmem(j->j_in, j->j_got, "\n\r\n", 3) != NULL ||
               memmem(j->j_in, j->j_got, "\n\n", 2) != NULL;
    }
}

/* Is what arrived a whole response (or, at the close, all there will be)?
 * Then read it for good. Returns 1 when the job is done. */
static int try_finish(const transfer_opts *o, job *j, int epfd, int closed)
{
    int ran_out = 0;
    if (!closed && (!worth_reading(j) || (replay(o, j, NULL, &ran_out) != FETCH_OK && ran_out))) {
        return 0;
    }
    FILE *body = open_memstream(&j->j_body, &j->j_blen);
    int rc = body == NULL ? FETCH_LOCAL : replay(o, j, body, &ran_out);
    if (body != NULL) {
        fclose(body);
    }
    job_end(j, epfd, rc);
    return 1;
}

/* Watch j's socket for these events (added the first time). */
static int watch(job *j, int epfd, uint32_t events, int add)
{
    struct epoll_event ev = {.events = events, .data.ptr = j};
    return epoll_ctl(epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, j->j_fd, &ev);
}

/* Parse the URL, build the request, and start a non-blocking connect to
 * the first address of its host. */
static void job_start(const transfer_opts *o, job *j, int epfd)
{
    if (url_parse(j->j_text, &j->j_url, j->j_err) < 0) {
        job_end(j, epfd, FETCH_BAD_URL);
        return;
    }
    if (j->j_url.u_tls) {
        sl_err_set(j->j_err, "--parallel fetches http:// URLs only, not %s", j->j_text);
        job_end(j, epfd, FETCH_USAGE);
        return;
    }
    for (int i = 0; i < o->to_nparams; i++) {
        if (form_add_query(&j->j_url, o->to_params[i], j->j_err) < 0) {
            job_end(j, epfd, FETCH_USAGE);
            return;
        }
    }
    j->j_req = transfer_request(o, &j->j_url, o->to_method, o->to_body, &j->j_len);
    if (j->j_req == NULL) {
        sl_err_errno(j->j_err, "cannot build the request");
        job_end(j, epfd, FETCH_LOCAL);
        return;
    }
    const url *u = &j->j_url;
    struct addrinfo hints = {.ai_family = u->u_ipv6 ? AF_INET6 : AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(u->u_host, u->u_port, &hints, &res);
    if (gai != 0) {
        sl_err_set(j->j_err, "cannot resolve %s: %s", u->u_host, gai_strerror(gai));
        job_end(j, epfd, FETCH_CONNECT);
        return;
    }
    j->j_fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc = j->j_fd < 0 ? -1 : connect(j->j_fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if ((rc < 0 && errno != EINPROGRESS) || watch(j, epfd, EPOLLOUT, 1) < 0) {
        sl_err_errno(j->j_err, "cannot connect to %s port %s", u->u_host, u->u_port);
        job_end(j, epfd, FETCH_CONNECT);
        return;
    }
    j->j_state = J_CONNECTING;
    j->j_deadline = now_ms() + o->to_connect_timeout_ms;
}

/* The socket is writable: the connect's outcome, then the request. */
static void job_write(const transfer_opts *o, job *j, int epfd)
{
    if (j->j_state == J_CONNECTING) {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (getsockopt(j->j_fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr != 0) {
            errno = soerr != 0 ? soerr : errno;
            sl_err_errno(j->j_err, "cannot connect to %s port %s", j->j_url.u_host,
                         j->j_url.u_port);
            job_end(j, epfd, FETCH_CONNECT);
            return;
        }
        j->j_state = J_SENDING;
        j->j_deadline = now_ms() + o->to_read_timeout_ms;
    }
    ssize_t put = send(j->j_fd, j->j_req + j->j_sent, j->j_len - j->j_sent, MSG_NOSIGNAL);
    if (put < 0 && errno != EAGAIN && errno != EINTR) {
        sl_err_errno(j->j_err, "sending the request");
        job_end(j, epfd, FETCH_CONNECT);
        return;
    }
    j->j_sent += put > 0 ? (size_t)put : 0;
    if (j->j_sent == j->j_len) {
        j->j_state = J_READING;
        watch(j, epfd, EPOLLIN, 0);
    }
    j->j_deadline = now_ms() + o->to_read_timeout_ms;
}

/* The socket is readable: take what arrived, and see if it is whole. */
static void job_read(const transfer_opts *o, job *j, int epfd)
{
    if (j->j_cap - j->j_got < 16384) {
        size_t cap = j->j_cap < 32768 ? 65536 : j->j_cap * 2;
        char *in = realloc(j->j_in, cap);
        if (in == NULL) {
            sl_err_errno(j->j_err, "out of memory");
            job_end(j, epfd, FETCH_LOCAL);
            return;
        }
        j->j_in = in;
        j->j_cap = cap;
    }
    ssize_t got = recv(j->j_fd, j->j_in + j->j_got, j->j_cap - j->j_got, 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (got < 0) {
        sl_err_errno(j->j_err, "reading the response");
        job_end(j, epfd, FETCH_CONNECT);
        return;
    }
    j->j_got += (size_t)got;
    j->j_deadline = now_ms() + o->to_read_timeout_ms;
    try_finish(o, j, epfd, got == 0);
}

/* The nearest deadline of the running jobs, as an epoll_wait() timeout;
 * jobs past theirs end with FETCH_TIMEOUT. */
static int next_timeout(job *jobs, int n, int epfd)
{
    long long now = now_ms();
    long long nearest = -1;
    for (int i = 0; i < n; i++) {
        job *j = &jobs[i];
        if (j->j_state == J_WAITING || j->j_state == J_DONE) {
            continue;
        }
        if (j->j_deadline <= now) {
            sl_err_set(j->j_err, "timed out %s",
                       j->j_state == J_CONNECTING ? "connecting" : "waiting for the response");
            job_end(j, epfd, FETCH_TIMEOUT);
        } else if (nearest < 0 || j->j_deadline < nearest) {
            nearest = j->j_deadline;
        }
    }
    return nearest < 0 ? 0 : (int)(nearest - now);
}

/* Write the bodies of the jobs done, in order, from *next on; print each
 * failure. Returns the first failure's status, or FETCH_OK. */
static int flush_done(job *jobs, int n, int *next, FILE *out, int *first, char *err)
{
    for (; *next < n && jobs[*next].j_state == J_DONE; (*next)++) {
        job *j = &jobs[*next];
        if (j->j_rc == FETCH_OK && fwrite(j->j_body, 1, j->j_blen, out) != j->j_blen) {
            sl_err_errno(j->j_err, "cannot write the body");
            j->j_rc = FETCH_LOCAL;
        }
        if (j->j_rc != FETCH_OK) {
            fprintf(stderr, "fetch: %.200s: %s\n", j->j_text, j->j_err);
        }
        if (j->j_rc != FETCH_OK && *first == FETCH_OK) {
            *first = j->j_rc;
            sl_err_set(err, "%.100s: %s", j->j_text, j->j_err);
        }
    }
    return *first;
}

/* Run the loop until every job is done. */
static int run(const transfer_opts *o, job *jobs, int n, int width, int epfd, FILE *out,
               char *err)
{
    int started = 0;
    int running = 0;
    int next = 0;
    int first = FETCH_OK;
    while (next < n) {
        for (; started < n && running < width; started++, running++) {
            job_start(o, &jobs[started], epfd);
        }
        struct epoll_event evs[PARALLEL_MAX];
        int timeout = next_timeout(jobs, started, epfd);
        int k = timeout == 0 ? 0 : epoll_wait(epfd, evs, PARALLEL_MAX, timeout);
        for (int i = 0; i < k; i++) {
            job *j = evs[i].data.ptr;
            if (j->j_state == J_CONNECTING || j->j_state == J_SENDING) {
                job_write(o, j, epfd);
            } else if (j->j_state == J_READING) {
                job_read(o, j, epfd);
            }
        }
        running = 0;
        for (int i = 0; i < started; i++) {
            running += jobs[i].j_state != J_DONE;
        }
        flush_done(jobs, n, &next, out, &first, err);
    }
    return first;
}

int parallel_fetch(const transfer_opts *o, char *const *urls, int n, int width, FILE *out,
                   char *err)
{
    job *jobs = calloc((size_t)n, sizeof *jobs);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (jobs == NULL || epfd < 0) {
        sl_err_errno(err, "cannot start the concurrent mode");
        free(jobs);
        if (epfd >= 0) {
            close(epfd);
        }
        return FETCH_LOCAL;
    }
    for (int i = 0; i < n; i++) {
        jobs[i] = (job){.j_text = urls[i], .j_fd = -1, .j_state = J_WAITING};
    }
    int rc = run(o, jobs, n, width, epfd, out, err);
    for (int i = 0; i < n; i++) {
        free(jobs[i].j_req);
        free(jobs[i].j_in);
        free(jobs[i].j_body);
    }
    free(jobs);
    close(epfd);
    return rc;
}
