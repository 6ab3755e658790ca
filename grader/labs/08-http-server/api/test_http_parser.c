/* test_http_parser.c - lab 08's request parser tested through its API
 * (http_parse.h): the head, the body's framing, chunked bodies and the
 * field helpers, each rule of the guide's protocol a row of a table that
 * names it.
 *
 * It is compiled against a copy's http_parse.c, http_chunked.c and
 * http_fields.c (`make test` in the lab or the solution; the grader builds
 * it the same way, with its sanitizers). Each property is a suite of its
 * own ("api-parse-valid", "api-chunked", ...), so that SOCKLAB_SUITE=NAME
 * runs one: the grader gives each its own check.
 *
 * Every input is copied to the end of a page whose next page cannot be
 * read (guarded()), so a parser that reads one byte past the length it
 * was given crashes instead of passing by luck. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cu_run.h"
#include "http_parse.h"
#include "test_http_parser.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- inputs against a guard page ------------------------------------------------- */

/* Two areas, so that a test can move a buffer between two calls. */
#define GUARD_AREAS 2
#define GUARD_BYTES (64 * 1024)

static char *guard_base[GUARD_AREAS];
static size_t guard_page;

static int guard_setup(void)
{
    guard_page = (size_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < GUARD_AREAS; i++) {
        char *m = mmap(NULL, GUARD_BYTES + guard_page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED || mprotect(m + GUARD_BYTES, guard_page, PROT_NONE) < 0) {
            return -1;
        }
        guard_base[i] = m;
    }
    return 0;
}

/* @p s[0..n) copied so that its last byte is the last readable one of area
 * @p area. The copy stays valid until the next call for that area. */
char *guarded(int area, const char *s, size_t n)
{
    if (n > GUARD_BYTES) {
        fprintf(stderr, "test input of %zu bytes is larger than the guarded area\n", n);
        abort();
    }
    char *p = guard_base[area] + GUARD_BYTES - n;
    memcpy(p, s, n);
    return p;
}

/* ---- the main -------------------------------------------------------------------- */

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (guard_setup() < 0) {
        perror("test_http_parser: mmap");
        return 1;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) {
        return 1;
    }
    static const cu_test valid[] = {
        {"every valid request of the table: method, target, version, fields", test_parse_valid},
        {"hp_find_field and hp_field_has_token: names case-insensitive", test_find_field},
        {NULL, NULL}};
    static const cu_test malformed[] = {
        {"every malformed request of the table gives its status", test_parse_malformed},
        {NULL, NULL}};
    static const cu_test split[] = {
        {"valid requests cut at every point, and byte by byte: the same head", test_split_valid},
        {"valid requests resumed in a buffer that moved: the same head", test_split_moved},
        {"malformed requests fed byte by byte: the same status", test_split_malformed},
        {NULL, NULL}};
    static const cu_test limits[] = {
        {"request-target of 8000 bytes served, 8001 refused (414), even unfinished",
         test_limit_target},
        {"field section of 16384 bytes served, 16385 refused (431), even unfinished",
         test_limit_field_bytes},
        {"100 fields served, 101 refused (431)", test_limit_field_count},
        {"method of 64 bytes parsed, 65 refused (501)", test_limit_method},
        {NULL, NULL}};
    static const cu_test chunked[] = {
        {"valid chunked bodies of the table: their data, where they end", test_chunked_valid},
        {"malformed chunked bodies of the table: their status", test_chunked_malformed},
        {"valid chunked bodies cut at every point, byte by byte, in place", test_chunked_split},
        {NULL, NULL}};
    static const cu_test fields[] = {
        {"body framing: Content-Length, Transfer-Encoding", test_body_framing},
        {"Content-Length values", test_content_length},
        {"comma lists (Connection)", test_list_tokens},
        {"Accept-Encoding and q-values", test_gzip_allowed},
        {"paths: percent-decoding, dot segments", test_decode_path},
        {"queries: the first parameter, + and escapes", test_query_param},
        {"Range", test_range},
        {"IMF-fixdate parsed and formatted", test_dates},
        {"leading empty lines", test_empty_lines},
        {NULL, NULL}};
    if (cu_add_suite("api-parse-valid", valid) < 0 ||
        cu_add_suite("api-parse-malformed", malformed) < 0 ||
        cu_add_suite("api-parse-split", split) < 0 ||
        cu_add_suite("api-parse-limits", limits) < 0 || cu_add_suite("api-chunked", chunked) < 0 ||
        cu_add_suite("api-fields", fields) < 0) {
        CU_cleanup_registry();
        return 1;
    }
    return cu_run("test_http_parser");
}
