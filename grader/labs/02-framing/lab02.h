/* lab02.h - what the files of lab 02's checks share: the lab's constants,
 * talking to the server (a reply line, an upload, a refusal), the upload
 * directory, and each file's checks for the table in lab.c. Private to
 * this folder.
 *
 * The server runs in the lab's scratch copy with DIR "received", so the
 * files it writes are under gr_server_dir()/received. Uploads use random
 * names, so files left by earlier checks never confuse a later one; checks
 * that must see "nothing written" compare the directory's entries before
 * and after. RULES.md lists the guide's rules and the check that probes
 * each one. */
#ifndef SOCKLAB_GRADER_LAB02_H
#define SOCKLAB_GRADER_LAB02_H

#include "kit/kit.h"

#include <stdint.h>

/* The DIR argument of the server command. */
#define UP_DIR "received"
/* The file the client command sends, in its working directory. */
#define CLIENT_FILE "upload.bin"
/* The longest reply line the checks accept. */
#define REPLY_MAX 512
/* How long a single reply may take. */
#define REPLY_MS 5000
/* The largest SIZE the protocol allows: 2^40. */
#define LAB02_SIZE_MAX (UINT64_C(1) << 40)

/* ---- talking to the server (upload.c) ---------------------------------------------- */

/* REPLY_MS (scaled) from now, but never past the check's deadline. */
long lab02_reply_deadline(gr_ctx *ctx);

/* Read a reply that must be exactly want; fail with what came instead
 * (after: what came before, for messages). */
int lab02_expect_line(gr_ctx *ctx, gr_conn *c, const char *want, const char *after);

/* DIR/name of the server, in buf. */
void lab02_up_path(gr_ctx *ctx, char *buf, size_t n, const char *name);

/* The entries of the upload directory, as "\nname\nname\n" (empty if it
 * does not exist). */
void lab02_dir_snapshot(gr_ctx *ctx, gr_str *out);

/* Fail unless the entries new since before are exactly the names in allowed
 * (NULL-terminated); when says what happened, for messages. */
int lab02_expect_new_entries(gr_ctx *ctx, const gr_str *before, const char *const *allowed,
                             const char *when);

/* A random name "WORD-HEX.EXT" in buf (64 bytes). */
void lab02_random_name(gr_ctx *ctx, char *buf, const char *word, const char *ext);

/* One upload, and what it saw. */
typedef struct up_opts {
    const char *uo_name;    /* the name (any bytes but NUL, newline) */
    const char *uo_size_as; /* SIZE as sent, or NULL: uo_size in decimal */
    uint64_t uo_size;       /* body size */
    int uo_text;            /* body of readable text (else any bytes) */
    int uo_header_bytes;    /* header one byte per send() */
    int uo_odd_chunks;      /* body in random odd-sized send()s */
    int uo_glued;           /* header and body in one send(), before OK */
    int uo_watch_memory;    /* sample the server's resident memory */
    long uo_rss_kb[64];     /* set: the samples, one each 1/64 of the body */
    int uo_nrss;            /* how many */
} up_opts;

/* Upload one file as o says, check the replies and the stored file. */
int lab02_upload(gr_ctx *ctx, up_opts *o);

/* Has the server died of decoding a binary body (Python's
 * UnicodeDecodeError)? Then that is the cause, and its hint is given. */
int lab02_decoded_body(gr_ctx *ctx);

/* A normal upload of a short text file, after something else was tried
 * (when); its random name goes into name (64 bytes). */
int lab02_upload_next(gr_ctx *ctx, const char *when, char *name);

/* A body cut short, under NAME. */
#define HINT_PARTIAL_NAME                                                                          \
    "A file appears whole or not at all: the body was written straight to NAME. In C: write to "   \
    "a temporary name in DIR (open() with O_CREAT | O_EXCL), and rename() it to NAME only after "  \
    "the last byte. In Python: write to a temporary file in DIR, then os.replace(tmp, path)."
/* A temporary file left by a client that left. */
#define HINT_TEMP_LEFT                                                                             \
    "A client that leaves early leaves nothing behind: the temporary file stayed. In C: when a "   \
    "read returns 0 or fails before SIZE bytes (or a reply cannot be sent), close() and "          \
    "unlink() the temporary file. In Python: os.unlink(tmp) in a finally: clause, so that "        \
    "b'' from recv() and ConnectionResetError both remove it."

/* After new entries were found: the hint for a partial file under one of
 * the names of uploads cut short (names[0..n)), or for a temporary file. */
void lab02_leftover_hint(gr_ctx *ctx, const char *const *names, int n);

/* ---- refusals (rules.c) -------------------------------------------------------------- */

/* Send header[0..n) (with any body bytes after it) and expect "ERR reason"
 * and a close. With may_just_close, a close without a reply is accepted.
 * For an "OK", ok_why says what that lets a client do, and ok_hint is the
 * hint for the one check of the header it shows missing (either NULL). */
int lab02_expect_refusal(gr_ctx *ctx, const char *header, size_t n, const char *desc,
                         int may_just_close, const char *ok_why, const char *ok_hint);

/* After a failed refusal check: a server that ended on the bad headers
 * says why (a Python traceback, an exit status). */
void lab02_refusal_cause(gr_ctx *ctx);

/* ---- the checks ------------------------------------------------------------------- */

/* upload.c */
int lab02_check_upload_small(gr_ctx *ctx);
int lab02_check_empty_file(gr_ctx *ctx);
int lab02_check_header_pieces(gr_ctx *ctx);
int lab02_check_odd_chunks(gr_ctx *ctx);
int lab02_check_body_with_header(gr_ctx *ctx);
int lab02_check_large_file(gr_ctx *ctx);
int lab02_check_replace_existing(gr_ctx *ctx);
/* rules.c */
int lab02_check_hostile_names(gr_ctx *ctx);
int lab02_check_names_allowed(gr_ctx *ctx);
int lab02_check_name_with_bar(gr_ctx *ctx);
int lab02_check_bad_sizes(gr_ctx *ctx);
int lab02_check_size_edges(gr_ctx *ctx);
int lab02_check_long_header(gr_ctx *ctx);
/* leaving.c */
int lab02_check_disconnect_mid_body(gr_ctx *ctx);
int lab02_check_leave_anytime(gr_ctx *ctx);
int lab02_check_fd_count(gr_ctx *ctx);
/* client.c */
int lab02_check_client_upload(gr_ctx *ctx);
int lab02_check_client_slow_ack(gr_ctx *ctx);
int lab02_check_client_err(gr_ctx *ctx);
int lab02_check_client_no_done(gr_ctx *ctx);

#endif
