/* http_chunked.c - the chunked transfer coding, decoded a byte at a time.
 *
 *     chunked-body = *chunk last-chunk trailer-section CRLF
 *     chunk        = chunk-size [ ";" ext ] CRLF chunk-data CRLF
 *     last-chunk   = 1*"0" [ ";" ext ] CRLF
 *
 * The decoder's whole state is an hp_chunked, so it can stop after any
 * byte and go on when the next ones come. */
#include "http_parse.h"

#include <string.h>

void hp_chunked_init(hp_chunked *ch)
{
    memset(ch, 0, sizeof *ch);
}

int hp_chunked_done(const hp_chunked *ch)
{
    /* TODO(step 1): 1 once the decoder is past the final empty line. */
    (void)ch;
    return 0;
}

ssize_t hp_chunked_decode(hp_chunked *ch, char *out, const char *in, size_t n, size_t *used)
{
    /* TODO(step 1): a state machine over the bytes in[0..n): the size's hex
     * digits (at most HP_MAX_CHUNK_DIGITS), an extension after ';'
     * (ignored), the line end, the data (copied to out), its CRLF, and
     * after the last chunk the trailer lines (dropped) and the empty line.
     * ch_state says where it is; ch_remaining how much data is left. */
    (void)ch;
    (void)out;
    (void)in;
    (void)n;
    *used = 0;
    return HP_ERR_NOT_IMPLEMENTED;
}
