/* plan.c - which checks a run goes through, and finding a lab by name
 * (see engine.h). */
#include "engine/engine.h"

#include "text/strbuf.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

int gr_only_matches(const char *only, const char *name, int step)
{
    if (only == NULL || *only == '\0') {
        return 1;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", only);
    char *save = NULL;
    for (char *pat = strtok_r(buf, ",", &save); pat != NULL; pat = strtok_r(NULL, ",", &save)) {
        while (*pat == ' ') {
            pat++;
        }
        if (fnmatch(pat, name, 0) == 0) {
            return 1;
        }
        int n;
        char extra;
        if ((sscanf(pat, "step%d%c", &n, &extra) == 1 ||
             sscanf(pat, "step %d%c", &n, &extra) == 1) &&
            n == step) {
            return 1;
        }
    }
    return 0;
}

size_t gr_plan(const gr_options *opt, const gr_check **plan, size_t max, int *hidden,
               int *hidden_points)
{
    const gr_lab *lab = opt->op_lab;
    size_t n = 0;
    *hidden = 0;
    *hidden_points = 0;
    const gr_check_table *ht = lab->lab_hidden;
    size_t total = lab->lab_nchecks + (ht != NULL ? ht->ct_n : 0);
    for (size_t i = 0; i < total; i++) {
        int is_hidden = i >= lab->lab_nchecks;
        const gr_check *ck = is_hidden ? &ht->ct_checks[i - lab->lab_nchecks] : &lab->lab_checks[i];
        if (!gr_target_runs(opt->op_target, ck)) {
            continue;
        }
        if (is_hidden && !opt->op_instructor) {
            (*hidden)++;
            *hidden_points += ck->ck_points;
            continue;
        }
        if (gr_only_matches(opt->op_only, ck->ck_name, ck->ck_step) && n < max) {
            plan[n++] = ck;
        }
    }
    return n;
}

char *gr_plan_topics(const gr_options *opt)
{
    const gr_check_table *ht = opt->op_lab->lab_hidden;
    gr_str s = {0};
    gr_str_add(&s, "");
    for (size_t i = 0; !opt->op_instructor && ht != NULL && i < ht->ct_n; i++) {
        const gr_check *ck = &ht->ct_checks[i];
        if (gr_target_runs(opt->op_target, ck)) {
            gr_str_addf(&s, "step %d, %d points: %s\n", ck->ck_step, ck->ck_points,
                        ck->ck_topic != NULL ? ck->ck_topic : "(the lab's protocol)");
        }
    }
    return gr_str_take(&s);
}

const char *gr_kind_name(gr_kind kind)
{
    switch (kind) {
    case GR_SERVER:
        return "server";
    case GR_CLIENT:
        return "client";
    case GR_SOURCE:
        return "source";
    }
    return "?";
}

int gr_plan_not_applicable(const gr_options *opt, int *points)
{
    const gr_lab *lab = opt->op_lab;
    int n = 0;
    *points = 0;
    for (size_t i = 0; i < lab->lab_nchecks; i++) {
        const gr_check *ck = &lab->lab_checks[i];
        if (ck->ck_kind == GR_SOURCE && !gr_target_runs(opt->op_target, ck)) {
            n++;
            *points += ck->ck_points;
        }
    }
    return n;
}

int gr_target_runs(gr_target target, const gr_check *check)
{
    if (target == GR_TARGET_SERVER) {
        return check->ck_kind == GR_SERVER;
    }
    if (target == GR_TARGET_CLIENT) {
        return check->ck_kind == GR_CLIENT;
    }
    return 1;
}

const char *gr_lab_dirname(const gr_lab *lab, char *buf, size_t len)
{
    snprintf(buf, len, "%s-%s", lab->lab_id, lab->lab_name);
    return buf;
}

const gr_lab *gr_lab_find(const char *name)
{
    for (size_t i = 0; gr_labs[i] != NULL; i++) {
        const gr_lab *lab = gr_labs[i];
        char dir[128];
        gr_lab_dirname(lab, dir, sizeof dir);
        char *end;
        long num = strtol(name, &end, 10);
        if (strcmp(name, lab->lab_id) == 0 || strcmp(name, lab->lab_name) == 0 ||
            strcmp(name, dir) == 0 ||
            (*name != '\0' && *end == '\0' && num == strtol(lab->lab_id, NULL, 10))) {
            return lab;
        }
    }
    return NULL;
}
