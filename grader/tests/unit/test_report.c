/* test_report.c - unit tests for grader/report/.
 *
 * Every test parses the report back (jansson for JSON, libxml2 for JUnit)
 * and checks values, rather than comparing text: the contract is what a
 * reader of the document sees, not its whitespace.
 */
#include "cu_run.h"
#include "err.h"
#include "report/report.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fixtures -------------------------------------------------------------- */

/* Output with everything that has broken report writers: quotes, markup,
 * a CDATA terminator, backslash escapes, raw control bytes, a tab and CR,
 * invalid UTF-8 (a lone continuation byte, 0xff, a truncated sequence, an
 * overlong NUL, a UTF-16 surrogate) and valid multi-byte characters. */
static char nasty[] = "reply \"wrong\" <b>&amp; ]]> \\0\\x01\n"
                      "raw \x01\x02\x1b\x7f tab\there cr\r\n"
                      "bad \x80 \xff \xe2\x82 \xc0\x80 \xed\xa0\x80 end\n"
                      "good \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf";

/* What a JSON reader must get back for ::nasty: each invalid byte becomes
 * U+FFFD; everything else is unchanged. */
static const char nasty_json[] = "reply \"wrong\" <b>&amp; ]]> \\0\\x01\n"
                                 "raw \x01\x02\x1b\x7f tab\there cr\r\n"
                                 "bad \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
                                 "\xef\xbf\xbd\xef\xbf\xbd "
                                 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end\n"
                                 "good \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf";

/* What an XML reader must get back: as for JSON, and in addition control
 * characters XML cannot carry are spelled "\xNN", U+FFFF becomes U+FFFD. */
static const char nasty_xml[] = "reply \"wrong\" <b>&amp; ]]> \\0\\x01\n"
                                "raw \\x01\\x02\\x1b\x7f tab\there cr\r\n"
                                "bad \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
                                "\xef\xbf\xbd\xef\xbf\xbd "
                                "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end\n"
                                "good \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd";

static char empty_output[] = "";
static char fail_output[] =
    "expected \"hello\\n\", got nothing\n  replay: bin/grade 01 --seed 1234";

static gr_test_result sample_tests[] = {
    {"echo-text", 2, "server", 6, 6, GR_PASSED, empty_output, 0.25, 0},
    {"echo-binary", 2, "server", 0, 4, GR_FAILED, fail_output, 1.5, 0},
    {"half-close", 3, "client", 0, 10, GR_FAILED, nasty, 0.001, 1},
    {"many-clients", 3, "server", 80, 80, GR_PASSED, empty_output, 2.0, 1},
};

static gr_run_result sample_run(void)
{
    gr_run_result r = {
        .rr_lab = "01-tcp-echo",
        .rr_target = "solutions/01-tcp-echo",
        .rr_seed = 1234,
        .rr_score = 86,
        .rr_max_score = 100,
        .rr_seconds = 3.75,
        .rr_tests = sample_tests,
        .rr_ntests = sizeof sample_tests / sizeof sample_tests[0],
    };
    return r;
}

/* ---- helpers --------------------------------------------------------------- */

enum format { JSON, JUNIT, GRADESCOPE, GRADESCOPE_ALL };

/* Run one writer into memory. Returns the text (free() it) and the writer's
 * return value in @p rc. */
static char *render(enum format f, const gr_run_result *r, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    char err[SL_ERR_LEN] = "";
    switch (f) {
    case JSON:
        *rc = gr_report_json(out, r, err);
        break;
    case JUNIT:
        *rc = gr_report_junit(out, r, err);
        break;
    case GRADESCOPE:
        *rc = gr_report_gradescope(out, r, 0, err);
        break;
    case GRADESCOPE_ALL:
        *rc = gr_report_gradescope(out, r, 1, err);
        break;
    }
    fclose(out);
    if (*rc == 0) {
        CU_ASSERT_STRING_EQUAL(err, ""); /* success leaves err alone */
    }
    return text;
}

/* Render as JSON (or Gradescope) and parse; fails the test if either fails. */
static json_t *render_json(enum format f, const gr_run_result *r)
{
    int rc = -1;
    char *text = render(f, r, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    json_error_t error;
    json_t *root = json_loads(text, 0, &error);
    if (root == NULL) {
        fprintf(stderr, "\nJSON did not parse: %s at line %d\n%s\n", error.text, error.line, text);
    }
    CU_ASSERT_PTR_NOT_NULL(root);
    free(text);
    return root;
}

static const char *jstr(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long jint(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    CU_ASSERT(json_is_integer(v));
    return json_is_integer(v) ? json_integer_value(v) : -999999;
}

/* CU_ASSERT_STRING_EQUAL on a possibly NULL string. */
static void assert_str(const char *got, const char *want)
{
    CU_ASSERT_PTR_NOT_NULL(got);
    if (got != NULL) {
        CU_ASSERT_STRING_EQUAL(got, want);
    }
}

static xmlDocPtr render_xml(const gr_run_result *r)
{
    int rc = -1;
    char *text = render(JUNIT, r, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "junit.xml", NULL, XML_PARSE_NONET);
    if (doc == NULL) {
        fprintf(stderr, "\nXML did not parse:\n%s\n", text);
    }
    CU_ASSERT_PTR_NOT_NULL(doc);
    CU_ASSERT(strncmp(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38) == 0);
    free(text);
    return doc;
}

/* The string value of XPath expression @p expr (wrapped in string()), as a
 * fresh string; "" when nothing matches. */
static char *xpath_string(xmlDocPtr doc, const char *expr)
{
    char wrapped[512];
    snprintf(wrapped, sizeof wrapped, "string(%s)", expr);
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
    xmlXPathObjectPtr res = xmlXPathEvalExpression(BAD_CAST wrapped, ctx);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    char *s = strdup(res->stringval != NULL ? (const char *)res->stringval : "");
    xmlXPathFreeObject(res);
    xmlXPathFreeContext(ctx);
    return s;
}

static void assert_xpath(xmlDocPtr doc, const char *expr, const char *want)
{
    char *got = xpath_string(doc, expr);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "\n%s: got \"%s\", want \"%s\"\n", expr, got, want);
    }
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
}

/* ---- JSON ------------------------------------------------------------------ */

static void test_json_shape(void)
{
    gr_run_result r = sample_run();
    json_t *root = render_json(JSON, &r);
    CU_ASSERT_FATAL(json_is_object(root));
    assert_str(jstr(root, "lab"), "01-tcp-echo");
    CU_ASSERT_EQUAL(jint(root, "score"), 86);
    CU_ASSERT_EQUAL(jint(root, "max_score"), 100);
    CU_ASSERT_EQUAL(jint(root, "seed"), 1234);
    assert_str(jstr(root, "target"), "solutions/01-tcp-echo");
    CU_ASSERT(json_is_real(json_object_get(root, "execution_time")));
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(root, "execution_time")), 3.75, 1e-9);

    json_t *tests = json_object_get(root, "tests");
    CU_ASSERT_FATAL(json_is_array(tests));
    CU_ASSERT_EQUAL_FATAL(json_array_size(tests), r.rr_ntests);
    for (size_t i = 0; i < r.rr_ntests; i++) {
        const gr_test_result *t = &r.rr_tests[i];
        json_t *o = json_array_get(tests, i);
        CU_ASSERT_FATAL(json_is_object(o));
        assert_str(jstr(o, "name"), t->tr_name);
        CU_ASSERT_EQUAL(jint(o, "score"), t->tr_score);
        CU_ASSERT_EQUAL(jint(o, "max_score"), t->tr_max_score);
        assert_str(jstr(o, "status"), t->tr_status == GR_PASSED ? "passed" : "failed");
        CU_ASSERT(json_is_string(json_object_get(o, "output")));
        CU_ASSERT_EQUAL(jint(o, "step"), t->tr_step);
        assert_str(jstr(o, "kind"), t->tr_kind);
        CU_ASSERT(json_is_boolean(json_object_get(o, "hidden")));
        CU_ASSERT_EQUAL(json_is_true(json_object_get(o, "hidden")), t->tr_hidden);
        CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(o, "execution_time")), t->tr_seconds,
                               1e-9);
    }
    assert_str(jstr(json_array_get(tests, 0), "output"), "");
    assert_str(jstr(json_array_get(tests, 1), "output"), fail_output);
    json_decref(root);
}

/* Outputs that must survive the trip through JSON, and what comes back. */
static void test_json_output_survives(void)
{
    static const struct {
        const char *output;
        const char *want;
    } cases[] = {
        {nasty, nasty_json},
        {"", ""},
        {"\xff", "\xef\xbf\xbd"},
        {"\xc3", "\xef\xbf\xbd"}, /* truncated at the end */
        {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
        {"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},                 /* U+10FFFF itself is fine */
        {"\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* overlong '/' */
        {"\xf0\x80\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* overlong NUL */
        {"\x7f\x1f\x01", "\x7f\x1f\x01"}, /* JSON escapes controls */
        {"\\u0000 \\\"", "\\u0000 \\\""}, /* text that looks like escapes */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *output = strdup(cases[i].output);
        gr_test_result t = {"odd", 1, "server", 0, 1, GR_FAILED, output, 0.0, 0};
        gr_run_result r = sample_run();
        r.rr_tests = &t;
        r.rr_ntests = 1;
        json_t *root = render_json(JSON, &r);
        json_t *o = json_array_get(json_object_get(root, "tests"), 0);
        assert_str(jstr(o, "output"), cases[i].want);
        json_decref(root);

        root = render_json(GRADESCOPE, &r);
        o = json_array_get(json_object_get(root, "tests"), 0);
        assert_str(jstr(o, "output"), cases[i].want);
        json_decref(root);
        free(output);
    }
}

/* Seeds: integers while jansson can hold them, a decimal string beyond. */
static void test_json_seed(void)
{
    static const struct {
        uint64_t seed;
        int as_string;
        long long value;
        const char *text;
    } cases[] = {
        {0, 0, 0, NULL},
        {1234, 0, 1234, NULL},
        {(1ull << 53) - 1, 0, (1ll << 53) - 1, NULL},
        {INT64_MAX, 0, INT64_MAX, NULL},
        {(uint64_t)INT64_MAX + 1, 1, 0, "9223372036854775808"},
        {UINT64_MAX, 1, 0, "18446744073709551615"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gr_run_result r = sample_run();
        r.rr_seed = cases[i].seed;
        static const enum format formats[] = {JSON, GRADESCOPE};
        for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
            json_t *root = render_json(formats[k], &r);
            json_t *seed = json_object_get(root, "seed");
            if (cases[i].as_string) {
                CU_ASSERT(json_is_string(seed));
                assert_str(json_string_value(seed), cases[i].text);
            } else {
                CU_ASSERT(json_is_integer(seed));
                CU_ASSERT_EQUAL(json_integer_value(seed), cases[i].value);
            }
            json_decref(root);
        }
    }
}

/* Edge cases of the run: no tests, no target, odd times, NULL strings. */
static void test_json_edges(void)
{
    gr_run_result r = sample_run();
    r.rr_tests = NULL;
    r.rr_ntests = 0;
    r.rr_target = NULL;
    r.rr_seconds = NAN;
    json_t *root = render_json(JSON, &r);
    CU_ASSERT(json_is_array(json_object_get(root, "tests")));
    CU_ASSERT_EQUAL(json_array_size(json_object_get(root, "tests")), 0);
    CU_ASSERT_PTR_NULL(json_object_get(root, "target"));
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(root, "execution_time")), 0.0, 0);
    json_decref(root);

    gr_test_result t = {NULL, 0, NULL, 0, 0, GR_FAILED, NULL, -1.0, 0};
    r = sample_run();
    r.rr_lab = NULL;
    r.rr_seconds = INFINITY;
    r.rr_tests = &t;
    r.rr_ntests = 1;
    root = render_json(JSON, &r);
    assert_str(jstr(root, "lab"), "");
    json_t *o = json_array_get(json_object_get(root, "tests"), 0);
    assert_str(jstr(o, "name"), "");
    assert_str(jstr(o, "output"), "");
    CU_ASSERT_PTR_NULL(json_object_get(o, "kind"));
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(o, "execution_time")), 0.0, 0);
    json_decref(root);
}

/* ---- Gradescope ------------------------------------------------------------ */

static void test_gradescope_shape(void)
{
    static const char *numbers[] = {"2.1", "2.2", "3.1", "3.2"};
    static const char *tags[][2] = {
        {"step2", "server"}, {"step2", "server"}, {"step3", "client"}, {"step3", "server"}};
    gr_run_result r = sample_run();
    for (enum format f = GRADESCOPE; f <= GRADESCOPE_ALL; f++) {
        json_t *root = render_json(f, &r);
        CU_ASSERT_FATAL(json_is_object(root));
        CU_ASSERT_EQUAL(jint(root, "score"), 86);
        CU_ASSERT_EQUAL(jint(root, "max_score"), 100);
        CU_ASSERT_EQUAL(jint(root, "seed"), 1234);
        assert_str(jstr(root, "lab"), "01-tcp-echo");
        assert_str(jstr(root, "output"), "lab 01-tcp-echo: 86/100, seed 1234");
        assert_str(jstr(root, "visibility"), "visible");
        assert_str(jstr(root, "stdout_visibility"), "visible");
        CU_ASSERT(json_is_number(json_object_get(root, "execution_time")));

        json_t *tests = json_object_get(root, "tests");
        CU_ASSERT_EQUAL_FATAL(json_array_size(tests), r.rr_ntests);
        for (size_t i = 0; i < r.rr_ntests; i++) {
            const gr_test_result *t = &r.rr_tests[i];
            json_t *o = json_array_get(tests, i);
            assert_str(jstr(o, "name"), t->tr_name);
            CU_ASSERT_EQUAL(jint(o, "score"), t->tr_score);
            CU_ASSERT_EQUAL(jint(o, "max_score"), t->tr_max_score);
            assert_str(jstr(o, "status"), t->tr_status == GR_PASSED ? "passed" : "failed");
            CU_ASSERT(json_is_string(json_object_get(o, "output")));
            assert_str(jstr(o, "number"), numbers[i]);
            json_t *tag = json_object_get(o, "tags");
            CU_ASSERT_FATAL(json_is_array(tag));
            CU_ASSERT_EQUAL_FATAL(json_array_size(tag), 2);
            assert_str(json_string_value(json_array_get(tag, 0)), tags[i][0]);
            assert_str(json_string_value(json_array_get(tag, 1)), tags[i][1]);
            const char *want = t->tr_hidden && f == GRADESCOPE ? "after_published" : "visible";
            assert_str(jstr(o, "visibility"), want);
        }
        json_decref(root);
    }
}

/* ---- JUnit ----------------------------------------------------------------- */

static void test_junit_shape(void)
{
    gr_run_result r = sample_run();
    xmlDocPtr doc = render_xml(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    assert_xpath(doc, "count(/testsuites)", "1");
    assert_xpath(doc, "count(/testsuites/testsuite)", "1");
    assert_xpath(doc, "/testsuites/testsuite/@name", "01-tcp-echo");
    assert_xpath(doc, "/testsuites/testsuite/@tests", "4");
    assert_xpath(doc, "/testsuites/testsuite/@failures", "2");
    assert_xpath(doc, "/testsuites/testsuite/@errors", "0");
    assert_xpath(doc, "/testsuites/testsuite/@skipped", "0");
    assert_xpath(doc, "/testsuites/testsuite/@time", "3.750");
    assert_xpath(doc, "//properties/property[@name='seed']/@value", "1234");
    assert_xpath(doc, "//properties/property[@name='target']/@value", "solutions/01-tcp-echo");
    assert_xpath(doc, "count(//testcase)", "4");
    assert_xpath(doc, "count(//testcase/failure)", "2");

    char expr[128];
    for (size_t i = 0; i < r.rr_ntests; i++) {
        const gr_test_result *t = &r.rr_tests[i];
        char want[128];
        snprintf(expr, sizeof expr, "//testcase[%zu]/@name", i + 1);
        assert_xpath(doc, expr, t->tr_name);
        snprintf(expr, sizeof expr, "//testcase[%zu]/@classname", i + 1);
        snprintf(want, sizeof want, "socklab.01-tcp-echo.step%d", t->tr_step);
        assert_xpath(doc, expr, want);
        snprintf(expr, sizeof expr, "//testcase[%zu]/@time", i + 1);
        snprintf(want, sizeof want, "%.3f", t->tr_seconds);
        assert_xpath(doc, expr, want);
        snprintf(expr, sizeof expr, "count(//testcase[%zu]/failure)", i + 1);
        assert_xpath(doc, expr, t->tr_status == GR_PASSED ? "0" : "1");
    }
    assert_xpath(doc, "//testcase[2]/failure/@type", "failed");
    assert_xpath(doc, "//testcase[2]/failure/@message", "expected \"hello\\n\", got nothing");
    assert_xpath(doc, "//testcase[2]/failure", fail_output);
    xmlFreeDoc(doc);
}

/* Outputs that must survive the trip through XML: the failure's text is the
 * whole output, its message the first line. */
static void test_junit_output_survives(void)
{
    static const struct {
        const char *output;
        const char *text;
        const char *message;
    } cases[] = {
        {nasty, nasty_xml, "reply \"wrong\" <b>&amp; ]]> \\0\\x01"},
        {"", "failed", "failed"},
        {"\n\nafter blank\nlines", "\n\nafter blank\nlines", "after blank"},
        {"a\x01\x08\x0b\x0c\x1f!", "a\\x01\\x08\\x0b\\x0c\\x1f!", "a\\x01\\x08\\x0b\\x0c\\x1f!"},
        {"\t<tag attr='x'>&lt;\r", "\t<tag attr='x'>&lt;\r", "\t<tag attr='x'>&lt;\r"},
        {"]]>]]>", "]]>]]>", "]]>]]>"},
        {"\xef\xbf\xbe\xff", "\xef\xbf\xbd\xef\xbf\xbd", "\xef\xbf\xbd\xef\xbf\xbd"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *output = strdup(cases[i].output);
        gr_test_result t = {"odd <name> & \x01", 1, "server", 0, 1, GR_FAILED, output, 0.0, 0};
        gr_run_result r = sample_run();
        r.rr_lab = "lab \"x\" \xff";
        r.rr_tests = &t;
        r.rr_ntests = 1;
        xmlDocPtr doc = render_xml(&r);
        if (doc != NULL) {
            assert_xpath(doc, "//testcase/failure", cases[i].text);
            assert_xpath(doc, "//testcase/failure/@message", cases[i].message);
            assert_xpath(doc, "//testcase/@name", "odd <name> & \\x01");
            assert_xpath(doc, "/testsuites/testsuite/@name", "lab \"x\" \xef\xbf\xbd");
            assert_xpath(doc, "//testcase/@classname", "socklab.lab \"x\" \xef\xbf\xbd.step1");
            xmlFreeDoc(doc);
        }
        free(output);
    }
}

static void test_junit_no_tests(void)
{
    gr_run_result r = sample_run();
    r.rr_tests = NULL;
    r.rr_ntests = 0;
    r.rr_target = NULL;
    xmlDocPtr doc = render_xml(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    assert_xpath(doc, "/testsuites/testsuite/@tests", "0");
    assert_xpath(doc, "/testsuites/testsuite/@failures", "0");
    assert_xpath(doc, "count(//testcase)", "0");
    assert_xpath(doc, "count(//property[@name='target'])", "0");
    assert_xpath(doc, "//property[@name='seed']/@value", "1234");
    xmlFreeDoc(doc);
}

/* ---- errors ---------------------------------------------------------------- */

/* Write errors (a full disk) and bad arguments give -1 and a message. */
static void test_errors(void)
{
    gr_run_result r = sample_run();
    for (enum format f = JSON; f <= GRADESCOPE_ALL; f++) {
        FILE *full = fopen("/dev/full", "w");
        if (full == NULL) {
            CU_FAIL("cannot open /dev/full");
            return;
        }
        char err[SL_ERR_LEN] = "";
        int rc = 0;
        switch (f) {
        case JSON:
            rc = gr_report_json(full, &r, err);
            break;
        case JUNIT:
            rc = gr_report_junit(full, &r, err);
            break;
        case GRADESCOPE:
        case GRADESCOPE_ALL:
            rc = gr_report_gradescope(full, &r, f == GRADESCOPE_ALL, err);
            break;
        }
        fclose(full);
        CU_ASSERT_EQUAL(rc, -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "could not write"));
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "No space left on device"));
    }

    char err[SL_ERR_LEN] = "";
    errno = 0;
    CU_ASSERT_EQUAL(gr_report_json(stdout, NULL, err), -1);
    CU_ASSERT_EQUAL(errno, EINVAL);
    CU_ASSERT_NOT_EQUAL(err[0], '\0');
    CU_ASSERT_EQUAL(gr_report_junit(NULL, &r, NULL), -1); /* err may be NULL */
    r.rr_tests = NULL;                                    /* ntests > 0 but no array */
    CU_ASSERT_EQUAL(gr_report_gradescope(stdout, &r, 0, NULL), -1);
}

int register_report_tests(void)
{
    static const cu_test tests[] = {
        {"json: shape and values", test_json_shape},
        {"json: awkward output survives", test_json_output_survives},
        {"json: seed range", test_json_seed},
        {"json: edge cases", test_json_edges},
        {"gradescope: shape and visibility", test_gradescope_shape},
        {"junit: shape and values", test_junit_shape},
        {"junit: awkward output survives", test_junit_output_survives},
        {"junit: no tests", test_junit_no_tests},
        {"errors: full disk, bad arguments", test_errors},
        {NULL, NULL},
    };
    return cu_add_suite("report", tests);
}
