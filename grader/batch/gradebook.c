/* gradebook.c - OUT/gradebook.csv, one row per submission (see batch.h).
 *
 * RFC 4180 with CRLF line ends, which is what spreadsheets and LMS imports
 * read without asking; the values are points, as the JSON reports have them. */
#include "batch/batch_int.h"

#include "text/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF.
 * Control characters become '?'. A name starting with = + - @ gets a ' in
 * front, so spreadsheets show it instead of running it as a formula. */
static void csv_field(FILE *f, const char *text, int is_name)
{
    gr_str v = {0};
    if (is_name && strchr("=+-@", text[0]) != NULL && text[0] != '\0') {
        gr_str_add(&v, "'");
    }
    for (const char *p = text; *p != '\0'; p++) {
        char c = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
        gr_str_addn(&v, &c, 1);
    }
    const char *s = gr_str_cstr(&v);
    if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' && (v.s_len == 0 || s[v.s_len - 1] != ' ')) {
        fputs(s, f);
    } else {
        fputc('"', f);
        for (const char *p = s; *p != '\0'; p++) {
            if (*p == '"') {
                fputc('"', f);
            }
            fputc(*p, f);
        }
        fputc('"', f);
    }
    gr_str_free(&v);
}

/* The header and the rows. Write errors are left for the caller to find
 * with ferror() and fclose(). */
static void write_rows(FILE *f, const batch *b)
{
    fputs("submission,score,max_score", f);
    for (size_t k = 0; k < b->bt_nplan; k++) {
        fputc(',', f);
        csv_field(f, b->bt_plan[k]->ck_name, 0);
    }
    fputs("\r\n", f);
    for (size_t i = 0; i < b->bt_nsubs; i++) {
        const submission *s = &b->bt_subs[i];
        csv_field(f, s->su_name, 1);
        fprintf(f, ",%d,%d", s->su_score, s->su_max_score);
        for (size_t k = 0; k < b->bt_nplan; k++) {
            fprintf(f, ",%d", s->su_points[k]);
        }
        fputs("\r\n", f);
    }
}

int gr_batch_write_gradebook(const batch *b)
{
    int rc = -1;
    char *path = gr_batch_join(b->bt_out, "gradebook.csv");
    FILE *f = path != NULL ? fopen(path, "w") : NULL;
    if (f == NULL) {
        fprintf(stderr, "grade: cannot write %s: %s\n", path != NULL ? path : "gradebook.csv",
                strerror(errno));
        goto out;
    }
    write_rows(f, b);
    /* Both, always: fclose() even when the stream already failed. */
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "grade: could not write %s: %s\n", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(path);
    return rc;
}
