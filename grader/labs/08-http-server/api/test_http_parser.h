/* test_http_parser.h - what the files of lab 08's parser tests share: the
 * guarded input buffers and the tests main() registers. */
#ifndef LAB08_TEST_HTTP_PARSER_H
#define LAB08_TEST_HTTP_PARSER_H

#include <stddef.h>

/* A string literal and its length (it may hold NUL bytes). */
#define LIT(s) s, sizeof(s) - 1

/* s[0..n) copied to the end of guarded area 0 or 1: a read past n crashes. */
char *guarded(int area, const char *s, size_t n);

/* test_http_head.c */
void test_parse_valid(void);
void test_find_field(void);
void test_parse_malformed(void);
void test_split_valid(void);
void test_split_moved(void);
void test_split_malformed(void);
void test_limit_target(void);
void test_limit_field_bytes(void);
void test_limit_field_count(void);
void test_limit_method(void);

/* test_http_body.c */
void test_chunked_valid(void);
void test_chunked_malformed(void);
void test_chunked_split(void);
void test_body_framing(void);

/* test_http_fields.c */
void test_content_length(void);
void test_list_tokens(void);
void test_gzip_allowed(void);
void test_decode_path(void);
void test_query_param(void);
void test_range(void);
void test_dates(void);
void test_empty_lines(void);

#endif
