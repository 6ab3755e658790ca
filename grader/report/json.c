/* report.c - JSON, JUnit XML and Gradescope reports of a run (see report.h).
 *
 * The documents are built with jansson and libxml2's xmlTextWriter rather
 * than by pasting strings together: a check's output is text that came, in
 * part, from a student's program, and quoting it correctly by hand is exactly
 * the kind of bug a grader must not have.
 *
 * Both libraries still need help with two things:
 *   - jansson refuses strings that are not valid UTF-8 (json_string returns
 *     NULL), so one stray byte would lose the whole report;
 *   - XML 1.0 cannot carry most control characters at all, not even as
 *     character references, so the document would not parse.
 * clean_text() fixes both before any text goes in.
 */
#include "report/report.h"

#include "err.h"
#include "text/strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <libxml/xmlwriter.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER, what Unicode says to show for bad bytes. */
#define REPLACEMENT "\xef\xbf\xbd"

/* Significant digits of execution times in JSON: enough for microseconds on
 * runs under a second, without jansson's default 17 digits of binary noise
 * (0.1 would print as 0.10000000000000001). */
#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(6))

/* Length (1..4) of the well-formed UTF-8 sequence at @p p, storing its code
 * point in @p cp; 0 if the byte at @p p does not start one. Overlong forms,
 * surrogates and code points above U+10FFFF are not well-formed (RFC 3629).
 * @p p is NUL-terminated, and a NUL is never a continuation byte, so this
 * never reads past the end. */
static size_t utf8_decode(const unsigned char *p, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
        *cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
        *cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
        *cp = c & 0x07;
    } else {
        return 0; /* a continuation byte, or a lead byte UTF-8 never uses */
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        *cp = (*cp << 6) | (p[i] & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

/* Whether XML 1.0 allows code point @p cp in a document (its production
 * "Char"). Surrogates are left out because utf8_decode() never yields them. */
static int xml_allows(uint32_t cp)
{
    if (cp < 0x20) {
        return cp == '\t' || cp == '\n' || cp == '\r';
    }
    return cp != 0xfffe && cp != 0xffff;
}

/* A copy of @p s (NULL counts as "") that the report formats can carry:
 * each byte that is not part of well-formed UTF-8 becomes U+FFFD; with
 * @p for_xml, control characters XML forbids become the text "\xNN" (so the
 * student still sees which byte it was) and U+FFFE/U+FFFF become U+FFFD.
 * Returns a string to free(), or NULL when out of memory. */
static char *clean_text(const char *s, int for_xml)
{
    gr_str out = {0};
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    while (*p != '\0') {
        uint32_t cp = 0;
        size_t len = utf8_decode(p, &cp);
        if (len == 0) {
            gr_str_add(&out, REPLACEMENT);
            p++;
            continue;
        }
        if (for_xml && !xml_allows(cp)) {
            if (cp < 0x20) {
                gr_str_addf(&out, "\\x%02" PRIx32, cp);
            } else {
                gr_str_add(&out, REPLACEMENT);
            }
        } else {
            gr_str_addn(&out, (const char *)p, len);
        }
        p += len;
    }
    if (out.s_oom) {
        gr_str_free(&out);
        return NULL;
    }
    return gr_str_take(&out);
}

/* Times go into reports as non-negative finite numbers; jansson cannot
 * represent NaN or infinity at all, and a negative duration is a bug upstream
 * that should not make the report unwritable. */
static double clean_seconds(double s)
{
    return isfinite(s) && s > 0 ? s : 0.0;
}

/* ---- JSON and Gradescope --------------------------------------------------- */

/* Every string of the JSON reports that may hold anything other than our
 * own ASCII goes through here (see clean_text() for why). */
json_t *gr_json_text(const char *s)
{
    char *clean = clean_text(s, 0);
    if (clean == NULL) {
        return NULL;
    }
    json_t *v = json_string(clean);
    free(clean);
    return v;
}

/* The seed as a JSON integer. jansson's integers are signed 64-bit, so a seed
 * above INT64_MAX would come out negative; those become a decimal string
 * instead. The engine only makes seeds below 2^53, which also survive
 * readers that parse every number as a double (JavaScript, jq). */
static json_t *json_seed(uint64_t seed)
{
    if (seed <= INT64_MAX) {
        return json_integer((json_int_t)seed);
    }
    char digits[32];
    snprintf(digits, sizeof digits, "%" PRIu64, seed);
    return json_string(digits);
}

/* Add @p value under @p key; on failure (value NULL: out of memory) clear
 * @p ok. json_object_set_new() takes @p value either way, so nothing leaks. */
static void put(json_t *obj, const char *key, json_t *value, int *ok)
{
    if (json_object_set_new(obj, key, value) != 0) {
        *ok = 0;
    }
}

/* The keys every test object has, in both JSON formats. */
static void put_test_common(json_t *o, const gr_test_result *t, int *ok)
{
    put(o, "name", gr_json_text(t->tr_name), ok);
    put(o, "score", json_integer(t->tr_score), ok);
    put(o, "max_score", json_integer(t->tr_max_score), ok);
    put(o, "status", json_string(t->tr_status == GR_PASSED ? "passed" : "failed"), ok);
    put(o, "output", gr_json_text(t->tr_output), ok);
}

/* One test of the socklab JSON report; NULL when out of memory. */
static json_t *json_test(const gr_test_result *t)
{
    json_t *o = json_object();
    if (o == NULL) {
        return NULL;
    }
    int ok = 1;
    put_test_common(o, t, &ok);
    put(o, "step", json_integer(t->tr_step), &ok);
    if (t->tr_kind != NULL) {
        put(o, "kind", gr_json_text(t->tr_kind), &ok);
    }
    put(o, "execution_time", json_real(clean_seconds(t->tr_seconds)), &ok);
    put(o, "hidden", json_boolean(t->tr_hidden), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Gradescope's "number": "STEP.K" for the K-th check (from 1) of that step,
 * which Gradescope sorts and shows next to the name. */
static json_t *gradescope_number(const gr_run_result *r, size_t i)
{
    size_t k = 1;
    for (size_t j = 0; j < i; j++) {
        if (r->rr_tests[j].tr_step == r->rr_tests[i].tr_step) {
            k++;
        }
    }
    char number[48];
    snprintf(number, sizeof number, "%d.%zu", r->rr_tests[i].tr_step, k);
    return json_string(number);
}

/* Gradescope's "tags": ["stepN", KIND]. */
static json_t *gradescope_tags(const gr_test_result *t)
{
    json_t *tags = json_array();
    if (tags == NULL) {
        return NULL;
    }
    char step[32];
    snprintf(step, sizeof step, "step%d", t->tr_step);
    int ok = json_array_append_new(tags, json_string(step)) == 0;
    if (t->tr_kind != NULL) {
        ok = ok && json_array_append_new(tags, gr_json_text(t->tr_kind)) == 0;
    }
    if (!ok) {
        json_decref(tags);
        return NULL;
    }
    return tags;
}

/* One test of Gradescope's results.json; NULL when out of memory. */
static json_t *gradescope_test(const gr_run_result *r, size_t i, int show_hidden)
{
    const gr_test_result *t = &r->rr_tests[i];
    json_t *o = json_object();
    if (o == NULL) {
        return NULL;
    }
    int ok = 1;
    put_test_common(o, t, &ok);
    put(o, "number", gradescope_number(r, i), &ok);
    put(o, "tags", gradescope_tags(t), &ok);
    const char *visibility = t->tr_hidden && !show_hidden ? "after_published" : "visible";
    put(o, "visibility", json_string(visibility), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Gradescope's top-level "output": one line a student sees first. */
static json_t *gradescope_summary(const gr_run_result *r)
{
    gr_str line = {0};
    gr_str_addf(&line, "lab %s: %d/%d, seed %" PRIu64, r->rr_lab != NULL ? r->rr_lab : "",
                r->rr_score, r->rr_max_score, r->rr_seed);
    json_t *v = line.s_oom ? NULL : gr_json_text(gr_str_cstr(&line));
    gr_str_free(&line);
    return v;
}

/* Write @p root and a newline to @p out and make sure it got there; takes
 * @p root (which may be NULL, meaning building it ran out of memory). */
static int dump(FILE *out, json_t *root, const char *what, char *err)
{
    if (root == NULL) {
        sl_err_set(err, "out of memory while building the %s report", what);
        errno = ENOMEM;
        return -1;
    }
    /* fflush() as well: a full disk shows up only when the buffer is written. */
    int rc = json_dumpf(root, out, JSON_FLAGS);
    json_decref(root);
    if (rc != 0 || fputc('\n', out) == EOF || fflush(out) != 0 || ferror(out)) {
        sl_err_errno(err, "could not write the %s report", what);
        return -1;
    }
    return 0;
}

int gr_json_write_file(const json_t *root, const char *path, char *err)
{
    FILE *f = NULL;
    int rc = -1;
    if (path == NULL) {
        sl_err_set(err, "JSON file: no path to write to");
        errno = EINVAL;
        goto out;
    }
    if (root == NULL) {
        sl_err_set(err, "out of memory while building %s", path);
        errno = ENOMEM;
        goto out;
    }
    f = fopen(path, "w");
    if (f == NULL) {
        sl_err_errno(err, "cannot write %s", path);
        goto out;
    }
    /* fflush() and fclose() too: a full disk shows up only when the buffer
     * is written. */
    if (json_dumpf(root, f, JSON_FLAGS) != 0 || fflush(f) != 0 || ferror(f)) {
        sl_err_errno(err, "could not write %s", path);
        goto out;
    }
    rc = 0;
out:
    if (f != NULL) {
        int saved = errno; /* the reason of a failed write, not fclose()'s */
        if (fclose(f) != 0 && rc == 0) {
            sl_err_errno(err, "could not write %s", path);
            rc = -1;
        } else {
            errno = saved;
        }
    }
    return rc;
}

/* Check the arguments every writer takes. */
static int check_args(FILE *out, const gr_run_result *r, const char *what, char *err)
{
    if (out == NULL || r == NULL || (r->rr_tests == NULL && r->rr_ntests > 0)) {
        sl_err_set(err, "%s report: no output stream or no results", what);
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int gr_report_json(FILE *out, const gr_run_result *r, char *err)
{
    if (check_args(out, r, "JSON", err) < 0) {
        return -1;
    }
    json_t *root = json_object();
    json_t *tests = json_array();
    int ok = root != NULL && tests != NULL;
    for (size_t i = 0; ok && i < r->rr_ntests; i++) {
        ok = json_array_append_new(tests, json_test(&r->rr_tests[i])) == 0;
    }
    if (ok) {
        put(root, "lab", gr_json_text(r->rr_lab), &ok);
        put(root, "score", json_integer(r->rr_score), &ok);
        put(root, "max_score", json_integer(r->rr_max_score), &ok);
        put(root, "seed", json_seed(r->rr_seed), &ok);
        if (r->rr_target != NULL) {
            put(root, "target", gr_json_text(r->rr_target), &ok);
        }
        put(root, "execution_time", json_real(clean_seconds(r->rr_seconds)), &ok);
        put(root, "tests", tests, &ok); /* root owns tests from here */
        tests = NULL;
    }
    json_decref(tests);
    if (!ok) {
        json_decref(root);
        root = NULL;
    }
    return dump(out, root, "JSON", err);
}

int gr_report_gradescope(FILE *out, const gr_run_result *r, int show_hidden, char *err)
{
    if (check_args(out, r, "Gradescope", err) < 0) {
        return -1;
    }
    json_t *root = json_object();
    json_t *tests = json_array();
    int ok = root != NULL && tests != NULL;
    for (size_t i = 0; ok && i < r->rr_ntests; i++) {
        ok = json_array_append_new(tests, gradescope_test(r, i, show_hidden)) == 0;
    }
    if (ok) {
        put(root, "score", json_integer(r->rr_score), &ok);
        put(root, "max_score", json_integer(r->rr_max_score), &ok);
        put(root, "execution_time", json_real(clean_seconds(r->rr_seconds)), &ok);
        put(root, "output", gradescope_summary(r), &ok);
        put(root, "visibility", json_string("visible"), &ok);
        put(root, "stdout_visibility", json_string("visible"), &ok);
        put(root, "lab", gr_json_text(r->rr_lab), &ok);
        put(root, "seed", json_seed(r->rr_seed), &ok);
        put(root, "tests", tests, &ok);
        tests = NULL;
    }
    json_decref(tests);
    if (!ok) {
        json_decref(root);
        root = NULL;
    }
    return dump(out, root, "Gradescope", err);
}

/* ---- JUnit XML --------------------------------------------------------------- */

/* Write attribute @p name with clean_text(@p value). Returns < 0 on error,
 * like the xmlTextWriter functions it wraps. */
static int xml_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
    char *clean = clean_text(value, 1);
    if (clean == NULL) {
        return -1;
    }
    int rc = xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST clean);
    free(clean);
    return rc;
}

/* <property name=NAME value=VALUE/> */
static int xml_property(xmlTextWriterPtr w, const char *name, const char *value)
{
    if (xmlTextWriterStartElement(w, BAD_CAST "property") < 0 || xml_attr(w, "name", name) < 0 ||
        xml_attr(w, "value", value) < 0) {
        return -1;
    }
    return xmlTextWriterEndElement(w);
}

/* <failure message=FIRST-LINE type="failed">OUTPUT</failure>. CI tools show
 * the message in their summary table, so it is the first line only. */
static int xml_failure(xmlTextWriterPtr w, const char *output)
{
    const char *text = output != NULL && output[0] != '\0' ? output : "failed";
    const char *line = text + strspn(text, "\n"); /* skip blank lines before it */
    char *first = strndup(line, strcspn(line, "\n"));
    char *body = clean_text(text, 1);
    int rc = -1;
    if (first == NULL || body == NULL) {
        goto out;
    }
    if (xmlTextWriterStartElement(w, BAD_CAST "failure") < 0 || xml_attr(w, "message", first) < 0 ||
        xml_attr(w, "type", "failed") < 0 || xmlTextWriterWriteString(w, BAD_CAST body) < 0) {
        goto out;
    }
    rc = xmlTextWriterEndElement(w);
out:
    free(first);
    free(body);
    return rc;
}

/* <testcase name= classname="socklab.LAB.stepN" time=>[failure]</testcase> */
static int xml_testcase(xmlTextWriterPtr w, const char *lab, const gr_test_result *t)
{
    char classname[256];
    snprintf(classname, sizeof classname, "socklab.%s.step%d", lab, t->tr_step);
    if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
        xml_attr(w, "name", t->tr_name) < 0 || xml_attr(w, "classname", classname) < 0 ||
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f",
                                          clean_seconds(t->tr_seconds)) < 0) {
        return -1;
    }
    if (t->tr_status != GR_PASSED && xml_failure(w, t->tr_output) < 0) {
        return -1;
    }
    return xmlTextWriterEndElement(w);
}

/* The whole document, into @p w. Returns < 0 on error. */
static int xml_document(xmlTextWriterPtr w, const gr_run_result *r)
{
    const char *lab = r->rr_lab != NULL ? r->rr_lab : "";
    size_t failures = 0;
    for (size_t i = 0; i < r->rr_ntests; i++) {
        failures += r->rr_tests[i].tr_status != GR_PASSED;
    }
    char seed[32];
    char score[16];
    char max_score[16];
    snprintf(seed, sizeof seed, "%" PRIu64, r->rr_seed);
    snprintf(score, sizeof score, "%d", r->rr_score);
    snprintf(max_score, sizeof max_score, "%d", r->rr_max_score);

    if (xmlTextWriterSetIndent(w, 1) < 0 || xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
        xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0 ||
        xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 || xml_attr(w, "name", lab) < 0 ||
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "tests", "%zu", r->rr_ntests) < 0 ||
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "failures", "%zu", failures) < 0 ||
        xml_attr(w, "errors", "0") < 0 || xml_attr(w, "skipped", "0") < 0 ||
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f",
                                          clean_seconds(r->rr_seconds)) < 0) {
        return -1;
    }
    if (xmlTextWriterStartElement(w, BAD_CAST "properties") < 0 ||
        xml_property(w, "seed", seed) < 0 || xml_property(w, "score", score) < 0 ||
        xml_property(w, "max_score", max_score) < 0 ||
        (r->rr_target != NULL && xml_property(w, "target", r->rr_target) < 0) ||
        xmlTextWriterEndElement(w) < 0) {
        return -1;
    }
    for (size_t i = 0; i < r->rr_ntests; i++) {
        if (xml_testcase(w, lab, &r->rr_tests[i]) < 0) {
            return -1;
        }
    }
    /* Closes testsuite and testsuites, and flushes into the buffer. */
    return xmlTextWriterEndDocument(w);
}

int gr_report_junit(FILE *out, const gr_run_result *r, char *err)
{
    if (check_args(out, r, "JUnit", err) < 0) {
        return -1;
    }
    /* Build the document in memory, then write it in one go: a half-written
     * report is never left behind by an error inside libxml2, and write
     * errors on @p out are ours to see and name. */
    int rc = -1;
    xmlTextWriterPtr w = NULL;
    xmlBufferPtr buf = xmlBufferCreate();
    if (buf == NULL || (w = xmlNewTextWriterMemory(buf, 0)) == NULL) {
        sl_err_set(err, "out of memory while building the JUnit report");
        goto out;
    }
    int built = xml_document(w, r);
    xmlFreeTextWriter(w); /* the buffer stays ours */
    w = NULL;
    if (built < 0) {
        sl_err_set(err, "could not build the JUnit report (out of memory?)");
        goto out;
    }
    size_t len = (size_t)xmlBufferLength(buf);
    if (fwrite(xmlBufferContent(buf), 1, len, out) != len || fflush(out) != 0 || ferror(out)) {
        sl_err_errno(err, "could not write the JUnit report");
        goto out;
    }
    rc = 0;
out:
    xmlBufferFree(buf);
    return rc;
}
