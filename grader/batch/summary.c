/* summary.c - the class's figures: OUT/summary.txt and OUT/summary.json.
 *
 * The text is for the instructor reading it after the run (it is printed
 * too): the score distribution, then the checks from the one the fewest
 * submissions passed, each with what it checks and the concept behind it,
 * so that what the class has not understood is at the top. The JSON holds
 * the same figures for scripts, and is written through the report module
 * (report.h) like every other JSON file of socklab. */
#include "batch/batch_int.h"

#include "err.h"
#include "report/report.h"
#include "text/strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* Figures of the whole class. */
typedef struct class_stats {
    double cs_mean;
    double cs_median;
    int cs_min;
    int cs_max;
    size_t cs_bins[10]; /* scores in [0,10%), [10,20%), ..., [90,100%] */
    size_t *cs_passed;  /* per check of the plan: submissions with its full points */
    size_t *cs_order;   /* indices of the plan, lowest pass rate first */
} class_stats;

/* ---- the figures ------------------------------------------------------------------ */

/* qsort() takes no context: the figures by_pass_rate() sorts by. */
static const class_stats *sort_stats;

static int by_pass_rate(const void *a, const void *b)
{
    size_t i = *(const size_t *)a;
    size_t j = *(const size_t *)b;
    size_t pi = sort_stats->cs_passed[i];
    size_t pj = sort_stats->cs_passed[j];
    if (pi != pj) {
        return pi < pj ? -1 : 1;
    }
    return i < j ? -1 : i > j; /* ties keep the lab's order */
}

static int by_int(const void *a, const void *b)
{
    int x = *(const int *)a;
    int y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Fill @p cs from the class (at least one submission). Returns 0, or -1
 * when out of memory; free_stats() either way. */
static int compute_stats(const batch *b, class_stats *cs)
{
    memset(cs, 0, sizeof *cs);
    size_t n = b->bt_nsubs;
    int *scores = calloc(n, sizeof *scores);
    cs->cs_passed = calloc(b->bt_nplan ? b->bt_nplan : 1, sizeof *cs->cs_passed);
    cs->cs_order = calloc(b->bt_nplan ? b->bt_nplan : 1, sizeof *cs->cs_order);
    int rc = -1;
    if (scores == NULL || cs->cs_passed == NULL || cs->cs_order == NULL) {
        goto out;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const submission *s = &b->bt_subs[i];
        scores[i] = s->su_score;
        sum += s->su_score;
        int max = s->su_max_score > 0 ? s->su_max_score : b->bt_max_score;
        size_t bin = max > 0 && s->su_score > 0 ? (size_t)s->su_score * 10 / (size_t)max : 0;
        cs->cs_bins[bin > 9 ? 9 : bin]++;
        for (size_t k = 0; k < b->bt_nplan; k++) {
            cs->cs_passed[k] += s->su_points[k] >= b->bt_plan[k]->ck_points;
        }
    }
    qsort(scores, n, sizeof *scores, by_int);
    cs->cs_mean = sum / (double)n;
    cs->cs_median = n % 2 ? scores[n / 2] : (scores[n / 2 - 1] + scores[n / 2]) / 2.0;
    cs->cs_min = scores[0];
    cs->cs_max = scores[n - 1];
    for (size_t k = 0; k < b->bt_nplan; k++) {
        cs->cs_order[k] = k;
    }
    sort_stats = cs;
    qsort(cs->cs_order, b->bt_nplan, sizeof *cs->cs_order, by_pass_rate);
    rc = 0;
out:
    free(scores);
    return rc;
}

static void free_stats(class_stats *cs)
{
    free(cs->cs_passed);
    free(cs->cs_order);
}

/* The first sentence of a hint: up to the first ". " that ends a sentence
 * (not "e.g. " or "i.e. "), or all of it. malloc'd. */
static char *first_sentence(const char *hint)
{
    const char *end = NULL;
    for (const char *p = strchr(hint, '.'); p != NULL && end == NULL; p = strchr(p + 1, '.')) {
        int ends = p[1] == ' ' || p[1] == '\0';
        int abbreviation =
            p - hint >= 3 && (strncmp(p - 3, "e.g", 3) == 0 || strncmp(p - 3, "i.e", 3) == 0);
        if (ends && !abbreviation) {
            end = p + 1;
        }
    }
    return end != NULL ? strndup(hint, (size_t)(end - hint)) : strdup(hint);
}

/* ---- summary.txt --------------------------------------------------------------------- */

/* Append @p text wrapped at @p width columns, each line after @p indent. */
static void add_wrapped(gr_str *out, const char *text, const char *indent, size_t width)
{
    size_t col = 0;
    const char *p = text;
    while (*p != '\0') {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (n == 0) {
            break;
        }
        if (col == 0) {
            gr_str_add(out, indent);
            col = strlen(indent);
        } else if (col + 1 + n > width) {
            gr_str_addf(out, "\n%s", indent);
            col = strlen(indent);
        } else {
            gr_str_add(out, " ");
            col++;
        }
        gr_str_addn(out, p, n);
        col += n;
        p += n;
    }
    if (col > 0) {
        gr_str_add(out, "\n");
    }
}

/* The names of the submissions with outcome @p how, and their reasons;
 * nothing when there are none. */
static void add_list(gr_str *t, const batch *b, outcome how, const char *title)
{
    size_t n = 0;
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        n += b->bt_subs[i].su_outcome == how;
    }
    if (n > 0) {
        gr_str_addf(t, "\n%s (%zu):\n", title, n);
    }
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        const submission *s = &b->bt_subs[i];
        if (s->su_outcome != how) {
            continue;
        }
        if (how == OUT_NO_MAKEFILE || s->su_reason == NULL) {
            gr_str_addf(t, "  %s\n", s->su_name);
        } else {
            gr_str_addf(t, "  %s: %s\n", s->su_name, s->su_reason);
        }
    }
}

/* One bar of '#' per 10% bin, the longest 40 wide. */
static void add_histogram(gr_str *t, const class_stats *cs)
{
    gr_str_add(t, "\nScore distribution:\n");
    size_t most = 1;
    for (int i = 0; i < 10; i++) {
        most = cs->cs_bins[i] > most ? cs->cs_bins[i] : most;
    }
    for (int i = 0; i < 10; i++) {
        char label[16];
        snprintf(label, sizeof label, "%d-%d%%", i * 10, i == 9 ? 100 : i * 10 + 9);
        size_t bar = (cs->cs_bins[i] * 40 + most - 1) / most;
        gr_str_addf(t, "  %8s  ", label);
        for (size_t k = 0; k < bar; k++) {
            gr_str_add(t, "#");
        }
        gr_str_addf(t, "%*s %zu\n", (int)(40 - bar), "", cs->cs_bins[i]);
    }
}

/* Under a check's line: what it checks, and the concept, which is the
 * first sentence of its hint. */
static void add_concept(gr_str *t, const gr_check *ck, const char *indent)
{
    add_wrapped(t, ck->ck_summary != NULL ? ck->ck_summary : "", indent, 78);
    char *sentence = first_sentence(ck->ck_hint != NULL ? ck->ck_hint : "");
    gr_str hint = {0};
    gr_str_addf(&hint, "hint: %s", sentence != NULL ? sentence : "");
    add_wrapped(t, gr_str_cstr(&hint), indent, 78);
    gr_str_free(&hint);
    free(sentence);
}

/* The line of check @p k of the plan, and its concept when a submission
 * that built failed it. Checks lost only by submissions that never ran do
 * not need one. */
static void add_check(gr_str *t, const batch *b, const class_stats *cs, size_t k)
{
    size_t n = b->bt_nsubs;
    const gr_check *ck = b->bt_plan[k];
    int width = snprintf(NULL, 0, "%zu", n);
    double rate = 100.0 * (double)cs->cs_passed[k] / (double)n;
    gr_str_addf(t, "  %3.0f%%  %*zu/%zu  %s (step %d, %d pts%s)\n", rate, width, cs->cs_passed[k],
                n, ck->ck_name, ck->ck_step, ck->ck_points,
                (ck->ck_flags & GR_HIDDEN) ? ", hidden" : "");
    size_t missed = 0;
    for (size_t i = 0; i < n; i++) {
        missed +=
            b->bt_subs[i].su_outcome == OUT_GRADED && b->bt_subs[i].su_points[k] < ck->ck_points;
    }
    if (missed > 0) {
        char indent[64];
        snprintf(indent, sizeof indent, "%*s", 2 * width + 10, "");
        add_concept(t, ck, indent);
    }
}

static void summary_text(const batch *b, const class_stats *cs, gr_str *t)
{
    const gr_lab *lab = b->bt_opt->op_lab;
    size_t n = b->bt_nsubs;
    gr_str_addf(t, "Class summary: lab %s (%s), %zu submission%s, seed %" PRIu64 "\n", b->bt_lab,
                lab->lab_title, n, n == 1 ? "" : "s", b->bt_opt->op_seed);
    gr_str_addf(t, "Scores out of %d: mean %.1f, median %g, min %d, max %d\n", b->bt_max_score,
                cs->cs_mean, cs->cs_median, cs->cs_min, cs->cs_max);
    add_histogram(t, cs);
    gr_str_add(t, "\nChecks by pass rate, lowest first:\n");
    for (size_t r = 0; r < b->bt_nplan; r++) {
        add_check(t, b, cs, cs->cs_order[r]);
    }
    add_list(t, b, OUT_BUILD_FAILED, "Did not build");
    add_list(t, b, OUT_NO_MAKEFILE, "No Makefile found");
    add_list(t, b, OUT_NOT_GRADED, "Could not be graded");
}

static int write_summary_text(const batch *b, const gr_str *text)
{
    int rc = -1;
    char *path = gr_batch_join(b->bt_out, "summary.txt");
    FILE *f = path != NULL ? fopen(path, "w") : NULL;
    if (f != NULL) {
        int failed = fputs(gr_str_cstr(text), f) == EOF;
        failed |= fclose(f) != 0;
        rc = failed ? -1 : 0;
    }
    if (rc < 0) {
        fprintf(stderr, "grade: cannot write %s/summary.txt: %s\n", b->bt_out, strerror(errno));
    }
    free(path);
    return rc;
}

/* ---- summary.json -------------------------------------------------------------------- */

/* Add @p value under @p key; on failure (value NULL: out of memory) clear
 * @p ok. json_object_set_new() takes @p value either way, so nothing leaks. */
static void put(json_t *obj, const char *key, json_t *value, int *ok)
{
    if (json_object_set_new(obj, key, value) != 0) {
        *ok = 0;
    }
}

/* Return @p v, or NULL (freeing it) unless @p ok. */
static json_t *whole(json_t *v, int ok)
{
    if (!ok) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

static const char *outcome_name(outcome how)
{
    const char *name = "pending";
    switch (how) {
    case OUT_GRADED:
        name = "graded";
        break;
    case OUT_BUILD_FAILED:
        name = "build-failed";
        break;
    case OUT_NO_MAKEFILE:
        name = "no-makefile";
        break;
    case OUT_NOT_GRADED:
        name = "not-graded";
        break;
    case OUT_PENDING:
        break;
    }
    return name;
}

/* "histogram": [{"from_percent", "to_percent", "count"}, ...], 10 bins. */
static json_t *histogram_json(const class_stats *cs)
{
    json_t *hist = json_array();
    int ok = hist != NULL;
    for (int i = 0; ok && i < 10; i++) {
        json_t *bin = json_pack("{s:i, s:i, s:I}", "from_percent", i * 10, "to_percent",
                                i == 9 ? 100 : i * 10 + 10, "count", (json_int_t)cs->cs_bins[i]);
        ok = json_array_append_new(hist, bin) == 0;
    }
    return whole(hist, ok);
}

/* "checks": each check of the plan, in the lab's order, with its pass rate. */
static json_t *checks_json(const batch *b, const class_stats *cs)
{
    json_t *checks = json_array();
    int ok = checks != NULL;
    for (size_t k = 0; ok && k < b->bt_nplan; k++) {
        const gr_check *ck = b->bt_plan[k];
        char *sentence = first_sentence(ck->ck_hint != NULL ? ck->ck_hint : "");
        json_t *c =
            json_pack("{s:s, s:i, s:s, s:i, s:b, s:I, s:f, s:s, s:s?}", "name", ck->ck_name, "step",
                      ck->ck_step, "kind", gr_kind_name(ck->ck_kind), "points",
                      ck->ck_points, "hidden", (ck->ck_flags & GR_HIDDEN) != 0, "passed",
                      (json_int_t)cs->cs_passed[k], "pass_rate",
                      (double)cs->cs_passed[k] / (double)b->bt_nsubs, "summary",
                      ck->ck_summary != NULL ? ck->ck_summary : "", "hint", sentence);
        ok = json_array_append_new(checks, c) == 0;
        free(sentence);
    }
    return whole(checks, ok);
}

/* One entry of "results". The name and the reason may hold any bytes (a
 * subdirectory's name, a compiler's message), so they are cleaned. */
static json_t *result_json(const submission *s)
{
    json_t *r = json_object();
    int ok = r != NULL;
    put(r, "submission", gr_json_text(s->su_name), &ok);
    put(r, "report", json_string(s->su_stem), &ok);
    put(r, "score", json_integer(s->su_score), &ok);
    put(r, "max_score", json_integer(s->su_max_score), &ok);
    put(r, "outcome", json_string(outcome_name(s->su_outcome)), &ok);
    if (s->su_reason != NULL) {
        put(r, "reason", gr_json_text(s->su_reason), &ok);
    }
    return whole(r, ok);
}

/* "results": every submission, in the gradebook's order. */
static json_t *results_json(const batch *b)
{
    json_t *list = json_array();
    int ok = list != NULL;
    for (size_t i = 0; ok && i < b->bt_nsubs; i++) {
        ok = json_array_append_new(list, result_json(&b->bt_subs[i])) == 0;
    }
    return whole(list, ok);
}

/* The names of the submissions with outcome @p how. */
static json_t *names_json(const batch *b, outcome how)
{
    json_t *list = json_array();
    int ok = list != NULL;
    for (size_t i = 0; ok && i < b->bt_nsubs; i++) {
        if (b->bt_subs[i].su_outcome == how) {
            ok = json_array_append_new(list, gr_json_text(b->bt_subs[i].su_name)) == 0;
        }
    }
    return whole(list, ok);
}

/* The whole of summary.json; NULL when out of memory. jansson keeps keys in
 * the order they were added, so this is the order readers see. */
static json_t *summary_json(const batch *b, const class_stats *cs)
{
    json_t *root = json_object();
    int ok = root != NULL;
    put(root, "lab", json_string(b->bt_lab), &ok);
    put(root, "title", json_string(b->bt_opt->op_lab->lab_title), &ok);
    put(root, "seed", json_integer((json_int_t)b->bt_opt->op_seed), &ok);
    put(root, "submissions", json_integer((json_int_t)b->bt_nsubs), &ok);
    put(root, "max_score", json_integer(b->bt_max_score), &ok);
    put(root, "mean", json_real(cs->cs_mean), &ok);
    put(root, "median", json_real(cs->cs_median), &ok);
    put(root, "min", json_integer(cs->cs_min), &ok);
    put(root, "max", json_integer(cs->cs_max), &ok);
    put(root, "histogram", histogram_json(cs), &ok);
    put(root, "checks", checks_json(b, cs), &ok);
    put(root, "build_failed", names_json(b, OUT_BUILD_FAILED), &ok);
    put(root, "no_makefile", names_json(b, OUT_NO_MAKEFILE), &ok);
    put(root, "not_graded", names_json(b, OUT_NOT_GRADED), &ok);
    put(root, "results", results_json(b), &ok);
    return whole(root, ok);
}

static int write_summary_json(const batch *b, const class_stats *cs)
{
    int rc = -1;
    char err[SL_ERR_LEN] = "";
    char *path = gr_batch_join(b->bt_out, "summary.json");
    json_t *root = summary_json(b, cs);
    if (path == NULL) {
        fprintf(stderr, "grade: out of memory\n");
    } else if ((rc = gr_json_write_file(root, path, err)) < 0) {
        fprintf(stderr, "grade: %s\n", err);
    }
    json_decref(root);
    free(path);
    return rc;
}

int gr_batch_write_summary(const batch *b)
{
    int rc = -1;
    class_stats cs;
    gr_str text = {0};
    if (compute_stats(b, &cs) < 0) {
        fprintf(stderr, "grade: out of memory\n");
        goto out;
    }
    summary_text(b, &cs, &text);
    rc = 0;
    if (write_summary_text(b, &text) < 0) {
        rc = -1;
    }
    if (write_summary_json(b, &cs) < 0) {
        rc = -1;
    }
    gr_batch_say(b, "\n%s", gr_str_cstr(&text));
    gr_batch_say(b,
                 "\nReports: %s/NAME.txt and NAME.json for each submission, gradebook.csv, "
                 "summary.txt, summary.json\n",
                 b->bt_out);
out:
    gr_str_free(&text);
    free_stats(&cs);
    return rc;
}
