/* unit.c - a check that runs one suite of a test program built against
 * the submission (see kit.h): the engine builds and runs the program, this
 * reads its report (cu_run.c's lines) back into the check's verdict. */
#include "kit/kit.h"

#include "os/proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* What a suite's run said: its failed tests' messages, in order. */
typedef struct unit_report {
    int ur_ran;        /* the suite's "Suite: NAME" line came */
    int ur_failed;     /* failed tests */
    gr_str ur_first;   /* the first message, for the headline */
    gr_str ur_details; /* every failed test and its messages */
} unit_report;

/* A message line "    FILE:LINE: TEXT" without its place: TEXT. */
static const char *message_text(const char *line)
{
    const char *colon = strstr(line, ": ");
    const char *digits = colon;
    while (digits != NULL && digits > line && digits[-1] >= '0' && digits[-1] <= '9') {
        digits--;
    }
    if (colon != NULL && digits != colon && digits > line && digits[-1] == ':') {
        return colon + 2;
    }
    return line;
}

/* Read cu_run()'s output: "Suite: S", "  Test: T ...FAILED (t s)", then
 * the test's messages indented by four spaces (a watchdog's TIMEOUT too). */
static void read_report(const char *out, const char *suite, unit_report *ur)
{
    int in_failed = 0;
    for (const char *p = out; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
        p += n + (nl != NULL);
        if (strncmp(line, "Suite: ", 7) == 0) {
            ur->ur_ran |= strcmp(line + 7, suite) == 0;
        } else if (strncmp(line, "  Test: ", 8) == 0) {
            in_failed = strstr(line, "...FAILED") != NULL;
            ur->ur_failed += in_failed;
            if (in_failed) {
                gr_str_addf(&ur->ur_details, "failed: %s\n", line + 8);
            }
        } else if (strncmp(line, "    ", 4) == 0 && (in_failed || strstr(line, "TIMEOUT"))) {
            const char *text = message_text(line + 4);
            if (ur->ur_first.s_len == 0) {
                gr_str_add(&ur->ur_first, text);
            }
            gr_str_addf(&ur->ur_details, "  %s\n", text);
        }
    }
}

int gr_check_unit_suite(gr_ctx *ctx)
{
    const gr_unit_suite *us = gr_arg(ctx);
    if (gr_test_build(ctx, us->us_target) < 0) {
        return -1;
    }
    gr_str cmd = {0};
    gr_str_addf(&cmd, "SOCKLAB_SUITE=%s ./%s", us->us_suite, us->us_target);
    gr_client_run run;
    int left = gr_time_left(ctx);
    int rc = gr_test_run(ctx, gr_str_cstr(&cmd), left > 0 ? left : 1, &run);
    gr_str_free(&cmd);
    if (rc < 0) {
        return rc;
    }
    unit_report ur = {0};
    read_report(run.cr_stdout, us->us_suite, &ur);
    int passed = !run.cr_timed_out && WIFEXITED(run.cr_status) && WEXITSTATUS(run.cr_status) == 0 &&
                 ur.ur_ran;
    if (!passed) {
        if (ur.ur_first.s_len > 0) {
            gr_fail(ctx, "%s", gr_str_cstr(&ur.ur_first));
        } else if (!ur.ur_ran && !run.cr_timed_out && WIFEXITED(run.cr_status)) {
            gr_fail(ctx, "the test program ran no suite %s", us->us_suite);
        } else {
            gr_fail(ctx, "the test program did not finish the suite %s", us->us_suite);
        }
        gr_str_add(gr_details(ctx), gr_str_cstr(&ur.ur_details));
        gr_client_describe(ctx, &run);
    }
    gr_str_free(&ur.ur_first);
    gr_str_free(&ur.ur_details);
    gr_client_run_free(&run);
    return passed ? 0 : -1;
}
