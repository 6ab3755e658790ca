/* client.c - lab 03's checks of udp_ping (step 5), against a fake UDP
 * echo server in a thread of the grader that follows a script drawn from
 * the seed: per sequence number it replies at once, never, too late,
 * twice, or after the next reply. */
#include "lab03.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- step 5: the ping client -------------------------------------------------------- */

/* The client's command line (lab_client_cmd) fixes these. */
#define PING_COUNT 10
#define PING_INTERVAL_MS 100
#define PING_TIMEOUT_MS 500
/* A reply held back this long arrives after its probe's timeout... */
#define LATE_MS (PING_TIMEOUT_MS + 300)
/* ...and one held back this long arrives after the next probe's reply. */
#define REORDER_MS (PING_INTERVAL_MS + PING_INTERVAL_MS / 2)

/* What the fake server does with the probe of one sequence number. */
typedef enum ping_action {
    ACT_ECHO,   /* reply at once */
    ACT_DROP,   /* never reply */
    ACT_LATE,   /* reply after the client's timeout */
    ACT_DUP,    /* reply twice */
    ACT_REORDER /* reply after the next probe's reply */
} ping_action;

/* The sequence number of a probe "seq=N ...", or 0. */
static long probe_seq(const unsigned char *data, size_t n)
{
    char text[32];
    size_t k = n < sizeof text - 1 ? n : sizeof text - 1;
    memcpy(text, data, k);
    text[k] = '\0';
    long seq;
    return sscanf(text, "seq=%ld", &seq) == 1 && seq >= 1 && seq <= PING_COUNT ? seq : 0;
}

/* The fake UDP server's script: per sequence number, what to do with that
 * probe ([1..PING_COUNT]; anything else is echoed). */
typedef struct ping_script {
    ping_action ps_act[PING_COUNT + 1];
} ping_script;

static gr_udp_act script_decide(void *arg, const unsigned char *data, size_t n, int *delay_ms)
{
    const ping_script *ps = arg;
    long seq = probe_seq(data, n);
    switch (seq > 0 ? ps->ps_act[seq] : ACT_ECHO) {
    case ACT_DROP:
        return GR_UDP_DROP;
    case ACT_LATE:
        *delay_ms = LATE_MS;
        return GR_UDP_DELAY;
    case ACT_REORDER:
        *delay_ms = REORDER_MS;
        return GR_UDP_DELAY;
    case ACT_DUP:
        return GR_UDP_TWICE;
    case ACT_ECHO:
    default:
        return GR_UDP_ECHO;
    }
}

static int parse_summary(const char *out, long *sent, long *received, double *loss,
                         double *precision)
{
    for (const char *line = out; line != NULL && *line != '\0';) {
        char loss_text[32];
        if (sscanf(line, "%ld sent, %ld received, %31[0-9.]%% loss", sent, received, loss_text) ==
            3) {
            *loss = strtod(loss_text, NULL);
            const char *dot = strchr(loss_text, '.');
            int decimals = dot != NULL ? (int)strlen(dot + 1) : 0;
            *precision = 0.5;
            for (int i = 0; i < decimals; i++) {
                *precision /= 10;
            }
            return 0;
        }
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
    return -1;
}

/* Lines of the client's output that begin with "seq=N " for this N. */
static int count_seq_lines(const char *out, long seq, int *timeouts)
{
    char head[32];
    int hn = snprintf(head, sizeof head, "seq=%ld ", seq);
    int n = 0;
    *timeouts = 0;
    for (const char *line = out; line != NULL && *line != '\0';) {
        if (strncmp(line, head, (size_t)hn) == 0) {
            n++;
            *timeouts += strncmp(line + hn, "timeout", 7) == 0;
        }
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
    return n;
}

static const char *const action_names[] = {"replied at once", "dropped", "replied too late",
                                           "replied twice", "replied after the next one"};

/* Run the client against a fake server with this script, and check every
 * probe's line, the summary and, with max_ms > 0, the run time. */
static int ping_run(gr_ctx *ctx, const ping_action *script, long max_ms)
{
    long want_received = 0;
    for (long s = 1; s <= PING_COUNT; s++) {
        want_received += script[s] == ACT_ECHO || script[s] == ACT_DUP || script[s] == ACT_REORDER;
    }
    ping_script ps;
    memcpy(ps.ps_act, script, sizeof ps.ps_act);
    char err[256] = "";
    gr_udp_fake *f = gr_udp_fake_start(script_decide, &ps, err);
    if (f == NULL) {
        return gr_fail(ctx, "grader could not start its UDP server: %s", err);
    }
    gr_client_run run;
    int rc = gr_client_start_and_wait(ctx, gr_udp_fake_port(f), "", 0, gr_time_left(ctx), &run);
    gr_udp_fake_stop(f);
    if (rc < 0) {
        return rc;
    }
    gr_str *d = gr_details(ctx);
    gr_str_addf(d, "the grader's server, probe by probe:");
    for (long s = 1; s <= PING_COUNT; s++) {
        gr_str_addf(d, "%s seq=%ld %s", s == 1 ? "" : ",", s, action_names[script[s]]);
    }
    gr_str_addf(d, "\n");
    double want_loss = 100.0 * (double)(PING_COUNT - want_received) / PING_COUNT;
    const char *out = run.cr_stdout != NULL ? run.cr_stdout : "";
    long sent = 0;
    long received = 0;
    double loss = 0;
    double precision = 0;
    int lost = 0;
    for (long s = 1; s <= PING_COUNT; s++) {
        lost += script[s] == ACT_DROP;
    }
    if (run.cr_timed_out || WIFSIGNALED(run.cr_status)) {
        rc = want_received > 0
                 ? gr_expect_exit_zero(ctx, &run, "with replies received it should exit 0")
                 : gr_fail(ctx, "with no reply at all the client should end by itself, "
                                "exiting 1, after its last probe's timeout");
        if (run.cr_timed_out && lost > 0) {
            gr_str_addf(gr_details(ctx),
                        "what the run shows: %d probe%s never answered, and the client was "
                        "still waiting at the deadline\n",
                        lost, lost == 1 ? " was" : "s were");
            gr_hint(ctx, "UDP loses datagrams, so every wait for a reply needs a timeout: the "
                         "client waited for a lost reply until the deadline. In C: poll() with "
                         "a timeout, or SO_RCVTIMEO, before each recv(); a plain recv() waits "
                         "forever. In Python: sock.settimeout(timeout) and catch TimeoutError.");
        }
    } else if (parse_summary(out, &sent, &received, &loss, &precision) < 0) {
        rc = gr_fail(ctx, "no summary line \"N sent, M received, L%% loss, ...\" on stdout");
    } else if (sent != PING_COUNT || received != want_received) {
        rc = gr_fail(ctx,
                     "the summary says %ld sent, %ld received; it should say %d sent, %ld "
                     "received",
                     sent, received, PING_COUNT, want_received);
    } else if (loss < want_loss - precision - 1e-9 || loss > want_loss + precision + 1e-9) {
        rc = gr_fail(ctx, "the summary says %g%% loss; %ld of %d lost is %g%%", loss,
                     PING_COUNT - want_received, PING_COUNT, want_loss);
    }
    for (long s = 1; s <= PING_COUNT && rc == 0; s++) {
        int timeouts;
        int n = count_seq_lines(out, s, &timeouts);
        int want_timeout = script[s] == ACT_DROP || script[s] == ACT_LATE;
        if (n != 1) {
            rc = gr_fail(ctx,
                         "probe seq=%ld (%s) has %d lines starting \"seq=%ld \" in the "
                         "output; it should have exactly one",
                         s, action_names[script[s]], n, s);
        } else if (timeouts != want_timeout) {
            rc = gr_fail(ctx, "probe seq=%ld (%s) should be reported as %s", s,
                         action_names[script[s]], want_timeout ? "\"timeout\"" : "a round trip");
        }
    }
    if (rc == 0 && want_received > 0) {
        rc = gr_expect_exit_zero(ctx, &run, "with replies received it should exit 0");
    } else if (rc == 0 && (!WIFEXITED(run.cr_status) || WEXITSTATUS(run.cr_status) != 1)) {
        rc = gr_fail(ctx,
                     "no probe got a reply, and the client exited with status %d: with "
                     "none received it must exit 1",
                     WIFEXITED(run.cr_status) ? WEXITSTATUS(run.cr_status) : -1);
        gr_hint(ctx, "The exit status is part of the output: 0 when any reply came back, 1 when "
                     "none did, so that a script can tell \"the host answers\" from \"it does "
                     "not\". In C: return received > 0 ? 0 : 1 from main(). In Python: "
                     "sys.exit(0 if received else 1).");
    }
    if (rc == 0 && max_ms > 0 && run.cr_ms > max_ms) {
        rc = gr_fail(ctx,
                     "the run took %ld ms; %d probes every %d ms with a %d ms timeout "
                     "need at most %ld ms",
                     run.cr_ms, PING_COUNT, PING_INTERVAL_MS, PING_TIMEOUT_MS,
                     (long)(PING_COUNT - 1) * PING_INTERVAL_MS + PING_TIMEOUT_MS);
    }
    if (rc < 0) {
        gr_client_describe(ctx, &run);
        gr_str_addf(d, "the client's stdout:\n");
        gr_escape(d, out, strlen(out) > 2000 ? 2000 : strlen(out));
        gr_str_addf(d, "\n");
    }
    gr_client_run_free(&run);
    return rc;
}

/* A script: n of each action in acts, the rest ACT_ECHO, shuffled by the seed;
 * seq=1 always replied at once, so that the first line is a round trip. */
static void make_plan(gr_ctx *ctx, ping_action *script, const ping_action *acts, size_t nacts)
{
    script[0] = ACT_ECHO;
    for (long s = 1; s <= PING_COUNT; s++) {
        script[s] = ACT_ECHO;
    }
    for (size_t i = 0; i < nacts && i < PING_COUNT - 1; i++) {
        script[2 + i] = acts[i];
    }
    for (long s = PING_COUNT; s > 2; s--) {
        long k = 2 + (long)gr_random_below(ctx, (size_t)(s - 1));
        ping_action t = script[s];
        script[s] = script[k];
        script[k] = t;
    }
}

int lab03_check_client_ping(gr_ctx *ctx)
{
    ping_action script[PING_COUNT + 1];
    make_plan(ctx, script, NULL, 0);
    return ping_run(ctx, script, 0);
}

int lab03_check_client_loss(gr_ctx *ctx)
{
    ping_action drops[PING_COUNT];
    size_t n = 2 + gr_random_below(ctx, 4);
    for (size_t i = 0; i < n; i++) {
        drops[i] = ACT_DROP;
    }
    ping_action script[PING_COUNT + 1];
    make_plan(ctx, script, drops, n);
    return ping_run(ctx, script, 0);
}

int lab03_check_client_late_dup(gr_ctx *ctx)
{
    static const ping_action acts[] = {ACT_LATE,    ACT_LATE,    ACT_DUP, ACT_DUP,
                                       ACT_REORDER, ACT_REORDER, ACT_DROP};
    ping_action script[PING_COUNT + 1];
    make_plan(ctx, script, acts, sizeof acts / sizeof acts[0]);
    return ping_run(ctx, script, 0);
}

int lab03_check_client_duration(gr_ctx *ctx)
{
    /* Every probe but the first is lost: a client that waits out each
     * timeout before sending the next probe takes COUNT timeouts. */
    ping_action drops[PING_COUNT];
    for (size_t i = 0; i < PING_COUNT; i++) {
        drops[i] = ACT_DROP;
    }
    ping_action script[PING_COUNT + 1];
    make_plan(ctx, script, drops, PING_COUNT - 1);
    long bound = (long)(PING_COUNT - 1) * PING_INTERVAL_MS + PING_TIMEOUT_MS;
    /* Slack for starting the program (an interpreter, a sanitizer). */
    return ping_run(ctx, script, bound + gr_ms(ctx, 1000));
}

int lab03_check_client_no_reply(gr_ctx *ctx)
{
    /* Every probe lost, the first too: each line a timeout, 100% loss, and
     * the exit status that says "no answer". */
    ping_action script[PING_COUNT + 1];
    for (long s = 0; s <= PING_COUNT; s++) {
        script[s] = ACT_DROP;
    }
    return ping_run(ctx, script, 0); /* how long it takes is client-duration's business */
}

int lab03_check_client_refused(gr_ctx *ctx)
{
    /* A port nothing is bound to: the kernel picks a free one, and we let
     * it go again at once. */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return gr_fail(ctx, "grader could not find a closed UDP port: %s", strerror(errno));
    }
    close(fd);
    gr_client_run run;
    int rc = gr_client_start_and_wait(ctx, ntohs(sin.sin_port), "", 0, gr_time_left(ctx), &run);
    if (rc < 0) {
        return rc;
    }
    if (run.cr_timed_out) {
        rc = gr_fail(ctx, "nothing is bound to the port, and the client was still running at "
                          "the deadline");
    } else if (WIFSIGNALED(run.cr_status)) {
        rc = gr_fail(ctx, "nothing is bound to the port, and the client crashed");
    } else if (WEXITSTATUS(run.cr_status) == 0) {
        rc = gr_fail(ctx, "nothing is bound to the port, but the client exited with status 0");
    } else if (run.cr_stderr == NULL || strcasestr(run.cr_stderr, "refused") == NULL) {
        rc = gr_fail(ctx, "nothing is bound to the port; the client's message on stderr should "
                          "say so with the system's reason, \"Connection refused\"");
    }
    if (rc < 0) {
        gr_client_describe(ctx, &run);
    }
    gr_client_run_free(&run);
    return rc;
}
