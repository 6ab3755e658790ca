/**
 * @file transcript.h
 * @brief Show bytes to a human: escaping, and a diff with a caret.
 *
 * When a check fails, the student needs to see what crossed the wire. Bytes
 * are shown escaped, one line each, like a C string literal: printable ASCII
 * as itself, `\n \r \t \0 \\ \"` and `\xNN` for everything else, so that
 * every byte is visible and one byte never spans two lines.
 *
 * Long data is shown as a window around the interesting place (the first
 * byte that differs), with how many bytes were left out on each side.
 */
#ifndef SOCKLAB_GRADER_TRANSCRIPT_H
#define SOCKLAB_GRADER_TRANSCRIPT_H

#include "text/strbuf.h"

#include <stddef.h>

/** How many input bytes a transcript line shows at most, by default. */
#define GR_TRANSCRIPT_WINDOW 64

/**
 * @brief Append the escaped form of @p n bytes to @p out, with no quotes.
 * @param out  string to append to
 * @param data bytes to show; may contain any values, including NUL
 * @param n    how many bytes
 */
void gr_escape(gr_str *out, const void *data, size_t n);

/**
 * @brief Index of the first byte where @p a and @p b differ.
 * @return that index; if one is a prefix of the other, the shorter length;
 *         if they are equal (same length and bytes), @p alen (== @p blen).
 */
size_t gr_first_diff(const void *a, size_t alen, const void *b, size_t blen);

/**
 * @brief Append a labelled line showing bytes [@p from, @p from + @p window) of @p data.
 *
 * The line looks like
 * `  label: ...(120 bytes) "abc\n" ...(3000 bytes), 3124 bytes in all`:
 * two spaces, the label, a colon; each elision appears only when bytes were
 * left out on that side ("...(1 byte)" for one), and the total length only
 * when anything was left out. The quoted part is what gr_escape() makes of
 * the shown bytes.
 *
 * @param out     string to append to; a newline ends the appended line
 * @param label   e.g. "sent", right-aligned by the caller if wanted
 * @param data    the bytes
 * @param n       their count
 * @param from    first byte to show (clamped to @p n)
 * @param window  how many bytes to show at most
 * @param column  if not NULL, set to the column (0-based, counting from the
 *                start of the appended line) where the escaped form of byte
 *                index @p from begins, or would begin if @p from == @p n;
 *                lets the caller put a caret under it
 */
void gr_show_bytes(gr_str *out, const char *label, const void *data, size_t n, size_t from,
                   size_t window, size_t *column);

/**
 * @brief Append the standard three-way transcript of an exchange.
 *
 * Shows what was sent, what was expected back and what was received, each
 * in a window around the first byte where the received data differs from the
 * expected data, with a caret line under the received line at that byte and
 * a sentence saying where it is, e.g.
 * @code
 *       sent: "hello\n"
 *   expected: "hello\n"
 *   received: "help\n"
 *                 ^ first difference at byte 3: expected 'l' (0x6c), got 'p' (0x70)
 * @endcode
 * The sentence after the caret is one of (N, M, K are byte counts):
 * - `first difference at byte N: expected 'a' (0x61), got '\n' (0x0a)`
 * - `first difference at byte N: expected end of data, got 1 extra byte: '\n' (0x0a)`
 * - `first difference at byte N: expected end of data, got K extra bytes,
 *   starting with '\n' (0x0a)`
 * - `received only N of M bytes; the remaining K never arrived` for a correct
 *   but incomplete prefix ("the last byte never arrived" when K is 1); the
 *   caret then sits just past the last received byte
 * - `received nothing; expected M bytes`
 *
 * Bytes in the sentence are C character literals (so `'\''` and `'"'`).
 * When nothing differs there is no caret line. @p sent may be NULL when
 * nothing was sent (a client check shows the server's side). Labels are
 * right-aligned so that the colons line up.
 *
 * Each line shows ::GR_TRANSCRIPT_WINDOW bytes starting 16 bytes before the
 * first difference (or at 0, and at 0 when nothing differs), so the caret has
 * context on its left. Expected and received share the window, so they line
 * up column for column. The sent line uses it too, except that sent data no
 * longer than the window is shown whole, and a window that would start beyond
 * the last ::GR_TRANSCRIPT_WINDOW bytes of sent data shows those bytes
 * instead (so a short request with a long reply still shows the request).
 *
 * @param out       string to append to
 * @param sent      bytes sent, or NULL
 * @param nsent     their count
 * @param expected  bytes expected
 * @param nexpected their count
 * @param received  bytes received
 * @param nreceived their count
 */
void gr_transcript(gr_str *out, const void *sent, size_t nsent, const void *expected,
                   size_t nexpected, const void *received, size_t nreceived);

/**
 * @brief Append the last lines of a program's output (at most 12, each cut
 *        to 2000 bytes), each after "  | ", under "TITLE:" or, when some of
 *        it is left out, "TITLE (last lines):". Control bytes are escaped.
 * @param out   where to append
 * @param title e.g. "server stderr"
 * @param text  the output kept (not NUL-terminated)
 * @param len   its length; nothing is appended when 0
 * @param total how many bytes the program wrote in all (> len when the
 *              start was dropped)
 */
void gr_output_tail(gr_str *out, const char *title, const char *text, size_t len, size_t total);

#endif
