/* http_chunked.c - the chunked transfer coding, decoded a byte at a time.
 *
 *     chunked-body = *chunk last-chunk trailer-section CRLF
 *     chunk        = chunk-size [ ";" ext ] CRLF chunk-data CRLF
 *     last-chunk   = 1*"0" [ ";" ext ] CRLF
 *
 * The decoder is a state machine whose whole state is an hp_chunked: it
 * can stop after any byte and go on when the next ones come, which is
 * what bytes arriving from a socket need. A line may end with a bare LF,
 * as in the head. */
#include "http_parse.h"

#include <string.h>

enum {
    CH_SIZE,         /* the chunk size's digits */
    CH_EXT,          /* after ';': ignored up to the line end */
    CH_SIZE_LF,      /* a CR ended the size line: its LF */
    CH_DATA,         /* the chunk's data */
    CH_DATA_CR,      /* the CRLF after the data */
    CH_DATA_LF,      /* its LF */
    CH_TRAILER,      /* the start of a trailer line, or the final line end */
    CH_TRAILER_LINE, /* a trailer field: read and dropped */
    CH_TRAILER_LF,   /* the LF of a trailer line */
    CH_END_LF,       /* the LF of the final empty line */
    CH_DONE
};

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        return (c | 0x20) - 'a' + 10;
    }
    return -1;
}

void hp_chunked_init(hp_chunked *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->ch_state = CH_SIZE;
}

int hp_chunked_done(const hp_chunked *ch)
{
    return ch->ch_state == CH_DONE;
}

/* The size line has ended: data next, or the trailer after the last chunk. */
static void size_line_done(hp_chunked *ch)
{
    ch->ch_remaining = ch->ch_size;
    ch->ch_count = 0;
    ch->ch_state = ch->ch_size == 0 ? CH_TRAILER : CH_DATA;
}

/* One byte of the chunk-size line. */
static int size_byte(hp_chunked *ch, unsigned char c)
{
    int h = hex_value(c);
    if (ch->ch_state == CH_SIZE && h >= 0) {
        if (++ch->ch_count > HP_MAX_CHUNK_DIGITS) {
            return HP_ERR_BAD_REQUEST;
        }
        ch->ch_size = ch->ch_size * 16 + (uint64_t)h;
        return 0;
    }
    if (ch->ch_state == CH_SIZE && ch->ch_count == 0) {
        return HP_ERR_BAD_REQUEST; /* no digit: empty, a space, a sign */
    }
    if (ch->ch_state == CH_SIZE && c == ';') {
        ch->ch_state = CH_EXT;
        ch->ch_count = 0;
        return 0;
    }
    if (c == '\r') {
        ch->ch_state = CH_SIZE_LF;
        return 0;
    }
    if (c == '\n') {
        size_line_done(ch);
        return 0;
    }
    if (ch->ch_state == CH_EXT && (c == '\t' || (c >= 0x20 && c != 0x7f))) {
        return ++ch->ch_count > HP_MAX_CHUNK_EXT ? HP_ERR_BAD_REQUEST : 0;
    }
    return HP_ERR_BAD_REQUEST; /* 0x5, 5 , 0_2e, a control byte */
}

/* One byte of the trailer section (or of its end). */
static int trailer_byte(hp_chunked *ch, unsigned char c)
{
    if (++ch->ch_count > HP_MAX_CHUNK_EXT) {
        return HP_ERR_FIELDS_TOO_LARGE;
    }
    switch (ch->ch_state) {
    case CH_TRAILER:
        ch->ch_state = c == '\r' ? CH_END_LF : c == '\n' ? CH_DONE : CH_TRAILER_LINE;
        return c == '\r' || c == '\n' || (c >= 0x20 && c != 0x7f) ? 0 : HP_ERR_BAD_REQUEST;
    case CH_TRAILER_LINE:
        if (c == '\r' || c == '\n') {
            ch->ch_state = c == '\r' ? CH_TRAILER_LF : CH_TRAILER;
            return 0;
        }
        return c == '\t' || (c >= 0x20 && c != 0x7f) ? 0 : HP_ERR_BAD_REQUEST;
    case CH_TRAILER_LF:
        ch->ch_state = CH_TRAILER;
        return c == '\n' ? 0 : HP_ERR_BAD_REQUEST;
    default: /* CH_END_LF */
        ch->ch_state = CH_DONE;
        return c == '\n' ? 0 : HP_ERR_BAD_REQUEST;
    }
}

/* One byte that is not chunk data. */
static int framing_byte(hp_chunked *ch, unsigned char c)
{
    switch (ch->ch_state) {
    case CH_SIZE:
    case CH_EXT:
        return size_byte(ch, c);
    case CH_SIZE_LF:
        if (c != '\n') {
            return HP_ERR_BAD_REQUEST; /* a bare CR */
        }
        size_line_done(ch);
        return 0;
    case CH_DATA_CR:
        if (c == '\n') {
            ch->ch_state = CH_SIZE;
            ch->ch_size = 0;
            ch->ch_count = 0;
            return 0;
        }
        ch->ch_state = CH_DATA_LF;
        return c == '\r' ? 0 : HP_ERR_BAD_REQUEST; /* data longer than its size */
    case CH_DATA_LF:
        ch->ch_state = CH_SIZE;
        ch->ch_size = 0;
        ch->ch_count = 0;
        return c == '\n' ? 0 : HP_ERR_BAD_REQUEST;
    default:
        return trailer_byte(ch, c);
    }
}

ssize_t hp_chunked_decode(hp_chunked *ch, char *out, const char *in, size_t n, size_t *used)
{
    size_t i = 0, produced = 0;
    while (i < n && ch->ch_state != CH_DONE) {
        if (ch->ch_state == CH_DATA) {
            size_t k = n - i;
            if (k > ch->ch_remaining) {
                k = (size_t)ch->ch_remaining;
            }
            memmove(out + produced, in + i, k);
            produced += k;
            i += k;
            ch->ch_remaining -= k;
            ch->ch_total += k;
            if (ch->ch_remaining == 0) {
                ch->ch_state = CH_DATA_CR;
            }
            continue;
        }
        int rc = framing_byte(ch, (unsigned char)in[i]);
        if (rc < 0) {
            *used = i;
            return rc;
        }
        i++;
    }
    *used = i;
    return (ssize_t)produced;
}
