/* text.c - the text report (see text.h). */
#include "report/text.h"

#include <string.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"

static const char *color(const gr_text *t, const char *code)
{
    return t->tx_color ? code : "";
}

void gr_text_indented(FILE *out, const char *text, const char *indent)
{
    const char *p = text;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
        fprintf(out, "%s%.*s\n", indent, (int)n, p);
        p += n;
        if (*p == '\n') {
            p++;
        }
    }
}

void gr_text_header(const gr_text *t, const char *lab, const char *title, const char *target,
                    uint64_t seed)
{
    if (t->tx_out == NULL) {
        return;
    }
    fprintf(t->tx_out, "%ssocklab grader%s: lab %s (%s)\n", color(t, C_BOLD), color(t, C_RESET),
            lab, title);
    fprintf(t->tx_out, "target: %s\nseed:   %llu\n", target, (unsigned long long)seed);
    fflush(t->tx_out);
}

void gr_text_building(const gr_text *t, const char *target)
{
    if (t->tx_out == NULL) {
        return;
    }
    fprintf(t->tx_out, "building %s ...\n", target);
    fflush(t->tx_out);
}

void gr_text_build_failed(const gr_text *t, const char *log)
{
    if (t->tx_out == NULL) {
        return;
    }
    fprintf(t->tx_out, "%sbuild failed%s:\n", color(t, C_RED), color(t, C_RESET));
    gr_text_indented(t->tx_out, log != NULL ? log : "", "  | ");
}

void gr_text_cannot_run(const gr_text *t, const char *problems)
{
    if (t->tx_out == NULL) {
        return;
    }
    fprintf(t->tx_out, "%s", color(t, C_RED));
    gr_text_indented(t->tx_out, problems, "");
    fprintf(t->tx_out, "%sThe checks that need %s fail at once; fix this first.\n",
            color(t, C_RESET), strchr(strchr(problems, '\n') + 1, '\n') != NULL ? "them" : "it");
    fflush(t->tx_out);
}

void gr_text_step(const gr_text *t, int step, const char *title, int hidden)
{
    if (t->tx_out == NULL) {
        return;
    }
    fprintf(t->tx_out, "\n%sStep %d: %s%s%s\n", color(t, C_BOLD), step, title,
            hidden ? " (hidden checks)" : "", color(t, C_RESET));
}

void gr_text_result(const gr_text *t, const gr_test_result *tr)
{
    FILE *out = t->tx_out;
    if (out == NULL) {
        return;
    }
    int pass = tr->tr_status == GR_PASSED;
    fprintf(out, "  %s%s%s  %-24s %3d/%-3d %s%5.2fs%s\n", color(t, pass ? C_GREEN : C_RED),
            pass ? "PASS" : "FAIL", color(t, C_RESET), tr->tr_name, tr->tr_score, tr->tr_max_score,
            color(t, C_DIM), tr->tr_seconds, color(t, C_RESET));
    if (*tr->tr_output != '\0') {
        gr_text_indented(out, tr->tr_output, "        ");
    }
    fflush(out);
}

void gr_text_not_applicable(const gr_text *t, int n, int points, const char *target)
{
    if (t->tx_out == NULL || n == 0) {
        return;
    }
    fprintf(t->tx_out,
            "\n%d check%s (%d points) not applicable with %s: %s the lab's source through its "
            "API (a test program compiled against it), which a program given as a command does "
            "not have. Grade the lab's directory (or --dir) to run %s.\n",
            n, n == 1 ? "" : "s", points, target, n == 1 ? "it tests" : "they test",
            n == 1 ? "it" : "them");
}

void gr_text_hidden(const gr_text *t, const char *topics, int hidden, int points)
{
    if (t->tx_out == NULL || hidden == 0) {
        return;
    }
    fprintf(t->tx_out,
            "\n%d hidden check%s (%d points) not shown: your instructor runs them when "
            "grading. What %s about:\n",
            hidden, hidden == 1 ? "" : "s", points, hidden == 1 ? "it is" : "they are");
    gr_text_indented(t->tx_out, topics, "  - ");
}

void gr_text_score(const gr_text *t, const gr_run_result *r, const char *replay)
{
    if (t->tx_out == NULL) {
        return;
    }
    int full = r->rr_score == r->rr_max_score;
    fprintf(t->tx_out, "\n%sScore: %d/%d%s%s in %.1f s\n", color(t, full ? C_GREEN : C_YELLOW),
            r->rr_score, r->rr_max_score, color(t, C_RESET), full ? " - every check passed" : "",
            r->rr_seconds);
    if (!full && replay != NULL) {
        fprintf(t->tx_out, "To replay this run exactly: %s\n", replay);
    }
    fflush(t->tx_out);
}
