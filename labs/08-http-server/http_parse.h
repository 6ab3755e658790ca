/**
 * @file http_parse.h
 * @brief Lab 08's HTTP/1.1 request parser: the head, chunked bodies, and the
 *        field values the server reads.
 *
 * Nothing here touches a socket or allocates. A request head is parsed
 * from the caller's buffer and every field of the result points into that
 * buffer (so it is valid while the buffer is). One recv() is not one
 * request: the parser is called again each time more bytes have arrived,
 * with how many it saw the time before, and answers one of three things:
 * the head is complete (its length), more bytes are needed, or the request
 * is malformed, as the HTTP status the server must answer (negated).
 *
 * The chunked decoder keeps its place in a small struct and can stop and
 * resume at every byte. The helpers at the end read one field value each
 * (Content-Length, Connection, Accept-Encoding, Range, dates) and decode
 * percent-escapes in paths and queries; each says which inputs it refuses.
 *
 * The rules are those of the lab's guide (its protocol section).
 */
#ifndef LAB08_HTTP_PARSE_H
#define LAB08_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/** Most bytes of a request-target; one more is 414. */
#define HP_MAX_TARGET 8000
/** Most bytes of the field lines, each with its line end; one more is 431. */
#define HP_MAX_FIELD_BYTES 16384
/** Most field lines in a head; one more is 431. */
#define HP_MAX_FIELDS 100
/** Most bytes of a method token; a longer one cannot be implemented: 501. */
#define HP_MAX_METHOD 64
/** Most hex digits of a chunk size. */
#define HP_MAX_CHUNK_DIGITS 15
/** Most bytes of a chunk-size line's extension, or of the trailer section. */
#define HP_MAX_CHUNK_EXT 4096

/** What a parse returns besides a length: "need more", or an error that is
 *  the negated status to answer (-status gives the code). */
enum hp_result {
    HP_INCOMPLETE = -1,             /**< the bytes so far are a valid start: read more */
    HP_ERR_BAD_REQUEST = -400,      /**< malformed */
    HP_ERR_TARGET_TOO_LONG = -414,  /**< a request-target over HP_MAX_TARGET */
    HP_ERR_FIELDS_TOO_LARGE = -431, /**< too many field lines, or too many bytes */
    HP_ERR_NOT_IMPLEMENTED = -501,  /**< a method or transfer coding it cannot serve */
    HP_ERR_VERSION = -505           /**< an HTTP major version other than 1 */
};

/** The methods the server implements; any other token is HP_METHOD_OTHER. */
typedef enum hp_method {
    HP_METHOD_OTHER, /**< a token the server does not implement (501) */
    HP_GET,          /**< GET */
    HP_HEAD,         /**< HEAD */
    HP_POST          /**< POST */
} hp_method;

/** One field line: its name and value (trimmed), pointers into the buffer. */
typedef struct hp_field {
    const char *f_name;  /**< the name as sent (compare case-insensitively) */
    size_t f_name_len;   /**< its length */
    const char *f_value; /**< the value without leading or trailing SP/HTAB */
    size_t f_value_len;  /**< its length */
} hp_field;

/** A parsed request head. Fields point into the caller's buffer. */
typedef struct hp_request {
    const char *rq_method;             /**< the method token */
    size_t rq_method_len;              /**< its length */
    hp_method rq_method_id;            /**< which of the implemented methods, if any */
    const char *rq_target;             /**< the request-target (origin-form: starts with /) */
    size_t rq_target_len;              /**< its length */
    int rq_minor;                      /**< HTTP/1.x: x as sent (0 to 9) */
    size_t rq_nfields;                 /**< how many of rq_fields are filled */
    hp_field rq_fields[HP_MAX_FIELDS]; /**< in the order sent */
    /* The parser's place between calls: not for the caller. */
    size_t rq_next_line;   /**< where the first line not yet complete starts */
    size_t rq_field_bytes; /**< bytes of the complete field lines */
    int rq_stage;          /**< 0: before the request line, 1: in the fields */
    const char *rq_base;   /**< the buffer of the last call */
} hp_request;

/**
 * @brief Parse a request head from @p buf.
 *
 * Call it with prev_len 0 for a new request; when it answered
 * HP_INCOMPLETE and more bytes have arrived, call it again with the same
 * @p rq, the buffer (the same bytes first; it may have moved) and, in
 * @p prev_len, the length it was given the time before. It then only reads
 * the lines it had not finished.
 *
 * Empty lines before the request line are skipped. A line may end with
 * CRLF or a bare LF; a CR anywhere else is an error.
 * @return the length of the head (request line, field lines and the empty
 *         line) when it is complete; HP_INCOMPLETE; or an hp_result error
 */
ssize_t hp_parse_request(const char *buf, size_t len, size_t prev_len, hp_request *rq);

/**
 * @brief How many bytes at the start of @p buf are complete empty lines
 *        (CRLF or LF), which a server may drop before a request.
 */
size_t hp_empty_lines(const char *buf, size_t len);

/** 1 if the request is HTTP/1.1 (or a higher 1.x), 0 for HTTP/1.0. */
int hp_is_http11(const hp_request *rq);

/**
 * @brief The first field named @p name (case-insensitive), or NULL;
 *        @p count, if not NULL, gets how many fields have that name.
 */
const hp_field *hp_find_field(const hp_request *rq, const char *name, size_t *count);

/**
 * @brief 1 if any field named @p name holds @p token in its comma list
 *        (case-insensitive, spaces around the commas allowed), else 0.
 */
int hp_field_has_token(const hp_request *rq, const char *name, const char *token);

/** How a request's body is framed. */
typedef enum hp_body_kind {
    HP_BODY_NONE,   /**< no body */
    HP_BODY_LENGTH, /**< Content-Length bytes */
    HP_BODY_CHUNKED /**< Transfer-Encoding: chunked */
} hp_body_kind;

/** A request's body framing: none, a length, or chunked. */
typedef struct hp_body {
    hp_body_kind b_kind; /**< which framing */
    uint64_t b_length;   /**< HP_BODY_LENGTH: Content-Length */
} hp_body;

/**
 * @brief Read the body's framing from Content-Length and Transfer-Encoding.
 * @return 0 and @p body filled; HP_ERR_BAD_REQUEST (two Content-Lengths, a
 *         bad one, both fields, Transfer-Encoding in HTTP/1.0);
 *         HP_ERR_NOT_IMPLEMENTED (a transfer coding other than chunked)
 */
int hp_body_framing(const hp_request *rq, hp_body *body);

/* ---- chunked bodies ---------------------------------------------------------- */

/** A chunked decoder's place; set it to zero (hp_chunked_init) before the body. */
typedef struct hp_chunked {
    int ch_state;          /**< where in the grammar it is */
    uint64_t ch_size;      /**< the current chunk's size */
    uint64_t ch_remaining; /**< its data bytes still to come */
    size_t ch_count;       /**< digits or extension or trailer bytes so far */
    uint64_t ch_total;     /**< data bytes decoded so far */
} hp_chunked;

/** @brief Start decoding a new chunked body. */
void hp_chunked_init(hp_chunked *ch);

/**
 * @brief Decode the chunked bytes in[0..n): copy the data bytes to @p out
 *        (which may be @p in itself: data never runs ahead of the input).
 * @param ch   the decoder's place, kept between calls
 * @param out  where the data bytes go (room for @p n bytes)
 * @param in   the bytes received
 * @param n    how many
 * @param used gets how many input bytes were consumed: all of them unless
 *             the body ended, then the ones up to its end (the next
 *             request starts after them)
 * @return the data bytes written to @p out (0 or more), or
 *         HP_ERR_BAD_REQUEST, or HP_ERR_FIELDS_TOO_LARGE (a trailer section
 *         over HP_MAX_CHUNK_EXT bytes)
 */
ssize_t hp_chunked_decode(hp_chunked *ch, char *out, const char *in, size_t n, size_t *used);

/** @brief 1 once the last chunk and the trailer section are decoded. */
int hp_chunked_done(const hp_chunked *ch);

/* ---- field values ------------------------------------------------------------ */

/**
 * @brief Content-Length: 1*DIGIT, leading zeros allowed.
 * @return 0 and @p out, or HP_ERR_BAD_REQUEST (empty, not digits, over 2^63)
 */
int hp_content_length(const char *v, size_t n, uint64_t *out);

/** @brief 1 if the comma list @p v holds @p token (case-insensitive). */
int hp_list_has_token(const char *v, size_t n, const char *token);

/**
 * @brief Accept-Encoding: 1 if gzip is allowed (gzip or x-gzip with q > 0;
 *        neither listed and * with q > 0), else 0.
 */
int hp_gzip_allowed(const char *v, size_t n);

/**
 * @brief Percent-decode the path of a request-target (up to its '?') into
 *        @p out, and refuse what must not name a file.
 * @param target the request-target
 * @param n      its length
 * @param out    where the decoded path goes, NUL-terminated
 * @param cap    the size of @p out
 * @return its length, or HP_ERR_BAD_REQUEST: a bad escape (%, %4, %zz), an
 *         encoded NUL or slash, a . or .. segment, or no room
 */
ssize_t hp_decode_path(const char *target, size_t n, char *out, size_t cap);

/**
 * @brief The query of a request-target (after '?'), or NULL if none;
 *        @p qlen gets its length.
 */
const char *hp_target_query(const char *target, size_t n, size_t *qlen);

/** hp_query_param()'s answer for a parameter that is not there. */
#define HP_PARAM_ABSENT (-2)

/**
 * @brief The value of the first parameter called @p name in a query
 *        (name=value&...), percent-decoded with '+' as a space.
 * @return its length (NUL-terminated in @p out), HP_PARAM_ABSENT, or
 *         HP_ERR_BAD_REQUEST (a bad escape anywhere in the query, no room)
 */
ssize_t hp_query_param(const char *query, size_t qlen, const char *name, char *out, size_t cap);

/** hp_parse_range()'s answers. */
enum hp_range_result {
    HP_RANGE_IGNORE = 0,          /**< malformed or several ranges: send it all */
    HP_RANGE_OK = 1,              /**< [*first, *last] of the file */
    HP_RANGE_UNSATISFIABLE = -416 /**< 416 with Content-Range: bytes * / size */
};

/**
 * @brief Range: one "bytes=" range (a-b, a-, -n) of a file of @p size bytes.
 * @return an hp_range_result; HP_RANGE_OK fills @p first and @p last
 */
int hp_parse_range(const char *v, size_t n, uint64_t size, uint64_t *first, uint64_t *last);

/** Bytes of an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). */
#define HP_DATE_LEN 29
/** Bytes of a buffer for one, with its NUL. */
#define HP_DATE_SIZE 30

/** @brief Parse an IMF-fixdate. @return 0 and @p out, or -1 if it is not one. */
int hp_parse_date(const char *v, size_t n, time_t *out);

/** @brief Write @p t as an IMF-fixdate into @p out (HP_DATE_SIZE bytes). */
void hp_format_date(time_t t, char out[HP_DATE_SIZE]);

#endif
