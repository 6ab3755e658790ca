/* discover.c - finding a class's submissions (see batch_int.h).
 *
 * A submission is a subdirectory of the batch's directory. For each one this
 * decides the directory that is graded (its target), and the stem its
 * reports are named after, which must be a safe file name even when the
 * subdirectory's name is not (spaces, quotes, bytes that are not UTF-8). */
#include "batch/batch_int.h"

#include "text/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Longest file name made from a submission's name, before any suffix. */
#define MAX_STEM 100

/* The text of @p s, or NULL (and @p s freed) if it ran out of memory: a
 * truncated path could name some other file. */
static char *take_whole(gr_str *s)
{
    char *text = NULL;
    if (s->s_oom) {
        gr_str_free(s);
    } else {
        text = gr_str_take(s);
    }
    return text;
}

char *gr_batch_join(const char *dir, const char *name)
{
    gr_str s = {0};
    gr_str_addf(&s, "%s/%s", dir, name);
    return take_whole(&s);
}

char *gr_batch_report_path(const batch *b, const submission *s, const char *ext)
{
    gr_str p = {0};
    gr_str_addf(&p, "%s/%s%s", b->bt_out, s->su_stem, ext);
    return take_whole(&p);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Does @p dir hold a makefile that make would read? */
static int has_makefile(const char *dir)
{
    static const char *const names[] = {"GNUmakefile", "makefile", "Makefile"};
    int found = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !found; i++) {
        char *path = gr_batch_join(dir, names[i]);
        struct stat st;
        found = path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
    }
    return found;
}

/* The directory to grade: a copy of the lab directory is graded as it is;
 * in a checkout of the whole kit (which has a Makefile at its top too) the
 * lab's own directory is. NULL if none of them has a Makefile. */
static char *find_target(const batch *b, const char *sub)
{
    char *candidates[3];
    gr_str labs = {0};
    gr_str_addf(&labs, "%s/labs/%s", sub, b->bt_lab);
    candidates[0] = take_whole(&labs);
    candidates[1] = gr_batch_join(sub, b->bt_lab);
    candidates[2] = strdup(sub);
    char *found = NULL;
    for (size_t i = 0; i < 3; i++) {
        if (found == NULL && candidates[i] != NULL && has_makefile(candidates[i])) {
            found = candidates[i];
        } else {
            free(candidates[i]);
        }
    }
    return found;
}

/* A file name for submission @p i: its name with anything but letters,
 * digits, '.', '_' and '-' replaced, unique (ignoring case, for file systems
 * that do) among the stems before it and the batch's own files. */
static char *make_stem(const batch *b, size_t i)
{
    const char *name = b->bt_subs[i].su_name;
    char base[MAX_STEM + 1];
    size_t n = 0;
    for (const char *p = name; *p != '\0' && n < MAX_STEM; p++) {
        char c = *p;
        int plain = ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
        base[n++] = plain ? c : '_';
    }
    base[n] = '\0';
    if (n == 0) {
        snprintf(base, sizeof base, "submission");
    }
    char stem[MAX_STEM + 16];
    int taken = 1;
    for (int k = 1; taken; k++) {
        if (k == 1) {
            snprintf(stem, sizeof stem, "%s", base);
        } else {
            snprintf(stem, sizeof stem, "%s-%d", base, k);
        }
        taken = strcasecmp(stem, "gradebook") == 0 || strcasecmp(stem, "summary") == 0;
        for (size_t j = 0; j < i && !taken; j++) {
            taken = strcasecmp(stem, b->bt_subs[j].su_stem) == 0;
        }
    }
    return strdup(stem);
}

/* Append a submission called @p name at @p path, which it takes (it is freed
 * here on failure). Returns 0, or -1 when out of memory. */
static int add_submission(batch *b, size_t *cap, const char *name, char *path)
{
    int rc = -1;
    if (b->bt_nsubs == *cap) {
        size_t more = *cap ? 2 * *cap : 32;
        submission *grown = realloc(b->bt_subs, more * sizeof *grown);
        if (grown != NULL) {
            b->bt_subs = grown;
            *cap = more;
        }
    }
    if (b->bt_nsubs < *cap) {
        submission *s = &b->bt_subs[b->bt_nsubs++];
        memset(s, 0, sizeof *s);
        s->su_pidfd = -1;
        s->su_path = path;
        s->su_name = strdup(name); /* free_batch() frees the row even when this fails */
        rc = s->su_name != NULL ? 0 : -1;
    } else {
        free(path);
    }
    return rc;
}

/* Add every subdirectory of b->bt_dir, in the order readdir() gives them. */
static int list_submissions(batch *b)
{
    const char *dir = b->bt_dir;
    size_t cap = 0;
    int rc = -1;
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "grade: cannot read the submissions in %s: %s\n", dir, strerror(errno));
        goto out;
    }
    rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') {
            continue; /* ".", "..", and hidden ones such as .git */
        }
        char *path = gr_batch_join(dir, e->d_name);
        if (path == NULL) {
            rc = -1;
        } else if (!is_dir(path)) {
            b->bt_skipped++;
            free(path);
        } else {
            rc = add_submission(b, &cap, e->d_name, path);
        }
    }
    closedir(d);
    if (rc < 0) {
        fprintf(stderr, "grade: out of memory while listing %s\n", dir);
    }
out:
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const submission *)a)->su_name, ((const submission *)b)->su_name);
}

int gr_batch_discover(batch *b)
{
    int rc = -1;
    if (!is_dir(b->bt_dir)) {
        fprintf(stderr, "grade: --batch wants a directory of submissions; %s is not one\n",
                b->bt_dir);
        goto out;
    }
    if (list_submissions(b) < 0) {
        goto out;
    }
    if (b->bt_nsubs == 0) {
        fprintf(stderr,
                "grade: no submissions in %s: each submission is a subdirectory (a copy of "
                "labs/%s, or a checkout of the kit)\n",
                b->bt_dir, b->bt_lab);
        goto out;
    }
    /* Sorted, so the gradebook's rows and the stems' suffixes do not depend
     * on the order the file system lists them in. */
    qsort(b->bt_subs, b->bt_nsubs, sizeof *b->bt_subs, by_name);
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        submission *s = &b->bt_subs[i];
        s->su_target = find_target(b, s->su_path);
        s->su_stem = make_stem(b, i);
        s->su_points = calloc(b->bt_nplan ? b->bt_nplan : 1, sizeof *s->su_points);
        if (s->su_stem == NULL || s->su_points == NULL) {
            fprintf(stderr, "grade: out of memory\n");
            goto out;
        }
    }
    rc = 0;
out:
    return rc;
}
