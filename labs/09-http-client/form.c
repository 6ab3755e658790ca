/* form.c - query parameters percent-encoded into a URL, and multipart
 * bodies built from fields and files (step 11, see form.h). */
#include "form.h"

#include "err.h"

int form_add_query(url *u, const char *param, char *err)
{
    /* TODO(step 11): append "&" (when the query is not empty), the name and
     * '=' and the value, each encoded: letters, digits and "-._~" as they
     * are, a space as '+', every other byte as %XX; set u->u_has_query. */
    (void)u;
    sl_err_set(err, "TODO(step 11): add the query parameter \"%.60s\"", param);
    return -1;
}

char *form_multipart(char *const *fields, int n, size_t *len, char *ctype, size_t ctype_n,
                     char *err)
{
    /* TODO(step 11): for each field, its name and its bytes (the value, or
     * the file's after '@', read in binary); a random boundary that no
     * field's bytes hold (getrandom()); then each part ("--BOUNDARY\r\n",
     * Content-Disposition with name and filename, an empty line, the bytes,
     * "\r\n") and "--BOUNDARY--\r\n"; ctype "multipart/form-data;
     * boundary=BOUNDARY". */
    (void)fields;
    (void)n;
    (void)len;
    (void)ctype;
    (void)ctype_n;
    sl_err_set(err, "TODO(step 11): build the multipart body");
    return NULL;
}
