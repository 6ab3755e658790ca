/**
 * @file kit.h
 * @brief The check kit: what a lab's check files use, in one include.
 *
 * A check file includes this header and nothing else of the grader: it
 * brings the check API (engine/grader.h), connections with transcripts
 * (kit/conn.h), datagrams (kit/dgram.h), what a wrong reply did
 * (kit/reply.h), fake servers (peers/fake.h), byte transcripts and strings
 * (text/), the /proc views of the server under test (os/procfs.h), and the
 * helpers below, which every lab shares: the kit's units, deadlines, what
 * the server said, verdicts on a client's run, a client run
 * against a fake server, and file digests.
 */
#ifndef SOCKLAB_GRADER_KIT_KIT_H
#define SOCKLAB_GRADER_KIT_KIT_H

#include "engine/grader.h"
#include "kit/conn.h"
#include "kit/dgram.h"
#include "kit/reply.h"
#include "net/port.h"
#include "os/procfs.h"
#include "peers/fake.h"
#include "text/strbuf.h"
#include "text/transcript.h"

#include <stddef.h>
#include <stdint.h>

/** One kibibyte. */
#define KiB 1024
/** One mebibyte. */
#define MiB (1024 * 1024)

/* ---- time ------------------------------------------------------------------ */

/** @brief A deadline @p ms (scaled) from now, but never past the check's. */
long gr_soon(gr_ctx *ctx, int ms);

/** @brief Milliseconds left until the check's deadline (at least 0). */
int gr_time_left(const gr_ctx *ctx);

/* ---- failures with bytes --------------------------------------------------- */

/**
 * @brief Record a failure with a transcript under it: what was sent, what
 *        was expected, what came back, a caret under the first difference.
 * @return gr_fail()'s value
 */
int gr_fail_bytes(gr_ctx *ctx, const void *sent, size_t nsent, const void *want, size_t nwant,
                  const void *got, size_t ngot, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/**
 * @brief A printable copy of @p s for a message: control bytes become '?',
 *        at most 120 bytes, then "...".
 * @return @p out
 */
const char *gr_printable(const char *s, size_t n, char *out, size_t outn);

/* ---- the server under test, from /proc --------------------------------------- */

/**
 * @brief Totals over the running server's process tree (threads, fds,
 *        sockets, CPU time, memory, zombies).
 * @return 0, or -1 if no server runs or /proc cannot be read
 */
int gr_server_stats(gr_ctx *ctx, gr_tree_stats *st);

/**
 * @brief The CPU time the server's process tree uses over the next
 *        @p window_ms (a measurement over a window, not a wait for an event).
 * @param ctx        the check
 * @param window_ms  how long to measure
 * @param elapsed_ms set to the window's real length
 * @return the CPU time in ms, or -1 if /proc cannot tell
 */
long gr_server_cpu_over(gr_ctx *ctx, int window_ms, long *elapsed_ms);

/* ---- what the server said: evidence for a hint ------------------------------------ */

/**
 * @brief Has the server printed @p text on stdout or stderr (its last 64 KiB)?
 *
 * For hints that follow the cause: a Python server's traceback names its
 * exception ("UnicodeDecodeError"), which says more than the bytes on the
 * wire. Looks again for a few milliseconds, for output on its way (call it
 * when a check has failed, not on every exchange).
 */
int gr_server_said(gr_ctx *ctx, const char *text);

/* ---- a run of the student's client ------------------------------------------- */

/** @brief Did the run end by exiting with status 0? */
int gr_exited_zero(const gr_client_run *run);

/** @brief Did the run end by exiting with a non-zero status (not a signal or a timeout)? */
int gr_exited_nonzero(const gr_client_run *run);

/**
 * @brief Expect the client to have exited 0; otherwise fail, saying how it
 *        ended and why it should have exited 0 (@p why, e.g. "with replies
 *        received it should exit 0"), with its stderr.
 * @return 0, or gr_fail()'s value
 */
int gr_expect_exit_zero(gr_ctx *ctx, const gr_client_run *run, const char *why);

/**
 * @brief Expect the client to have ended by itself with a non-zero status and
 *        a message on stderr, which must contain @p must_mention (the
 *        system's reason, e.g. "refused"; case-insensitive) unless NULL.
 * @param ctx          the check
 * @param run          how the client ran
 * @param situation    what it met, for messages ("nothing listens on the port")
 * @param must_mention text its message must hold, or NULL
 * @return 0, or gr_fail()'s value
 */
int gr_expect_clean_error(gr_ctx *ctx, const gr_client_run *run, const char *situation,
                          const char *must_mention);

/**
 * @brief Run the lab's client against a fake server and compare its output.
 *
 * Starts a fake server with @p handler, runs the client with @p input on its
 * stdin until the check's deadline, and fails the check unless the client
 * exits with status 0 having printed exactly @p want (a transcript shows
 * where it differs).
 * @param ctx     the check
 * @param handler the fake server's connection handler (peers/)
 * @param arg     its argument
 * @param input   the client's stdin
 * @param ninput  its length
 * @param want    what the client must print
 * @param nwant   its length
 * @return 0, or gr_fail()'s value
 */
int gr_client_round_trip(gr_ctx *ctx, gr_fake_handler handler, void *arg, const char *input,
                         size_t ninput, const char *want, size_t nwant);

/**
 * @brief gr_client_round_trip(), keeping the client's run in @p run for the
 *        check to look into: its stderr may name the cause (a traceback).
 *        Release it with gr_client_run_free(), whatever this returned.
 */
int gr_client_round_trip_run(gr_ctx *ctx, gr_fake_handler handler, void *arg, const char *input,
                             size_t ninput, const char *want, size_t nwant, gr_client_run *run);

/**
 * @brief Append @p text to the check's details under "TITLE:", each line
 *        after "  | ", at most @p max_lines lines ("TITLE: (nothing)" when empty).
 */
void gr_show_text(gr_ctx *ctx, const char *title, const char *text, int max_lines);

/**
 * @brief The next line of the text at *@p p, without its newline and with
 *        trailing CR and spaces removed, cut to @p cap - 1 bytes; advances *@p p.
 * @return 1, or 0 at the end of the text
 */
int gr_next_line(const char **p, char *line, size_t cap);

/* ---- how a server starts: bad arguments, a port in use ----------------------- */

/** What a start probe must see the server do. */
typedef enum gr_start_want {
    GR_START_USAGE,  /**< a usage error: exit 2, a message on stderr */
    GR_START_IN_USE, /**< its port is in use (the check holds it): exit 1, a message */
    GR_START_LISTENS /**< a valid command line: it listens (or binds) on sp_port */
} gr_start_want;

/** One probe of a server's command line: what {port} becomes, and what it must do. */
typedef struct gr_start_probe {
    const char *sp_words;  /**< shell text in place of {port}; "{port}" in it is a free
                                port (the held one for GR_START_IN_USE): "'80x'",
                                "{port} extra", "--threads 0 {port}", "" (left out) */
    gr_start_want sp_want; /**< what the server must do */
    int sp_port;           /**< GR_START_LISTENS: the port it must be ready on, or 0:
                                the free port "{port}" became */
    const char *sp_what;   /**< the case, for messages: "PORT 80x (letters after the
                                digits)" */
} gr_start_probe;

/** A DOCROOT probe: {docroot} becomes a path under the document root. */
typedef struct gr_docroot_probe {
    const char *dp_name;   /**< the path under gr_docroot(): "hello.txt", "nothing" */
    gr_start_want dp_want; /**< GR_START_USAGE, or GR_START_LISTENS (another directory) */
    const char *dp_what;   /**< the case, for messages: "DOCROOT a regular file" */
} gr_docroot_probe;

/**
 * A start-errors check's argument (ck_arg; always set, since a program's
 * pg_arg would stand in for a missing one): the probes every server with a
 * PORT argument gets (a PORT left out, empty, 80x, 0, 65536, an extra
 * argument: exit 2; its port in use: exit 1; 65535: it listens), then a
 * lab's own.
 */
typedef struct gr_start_rules {
    const gr_start_probe *sr_probes;     /**< the lab's own probes, after the PORT ones */
    size_t sr_n;                         /**< how many */
    int sr_udp;                          /**< 1: the program binds a UDP socket, not TCP */
    int sr_port_zero;                    /**< 1: PORT 0 is valid (the system picks a port), so
                                              it is not probed as a usage error */
    const gr_docroot_probe *sr_docroots; /**< a server with a DOCROOT: its probes, last */
    size_t sr_ndocroots;                 /**< how many */
} gr_start_rules;

/** The PORT probes alone, for a TCP server. */
extern const gr_start_rules gr_start_tcp;
/** The PORT probes alone, for a UDP server. */
extern const gr_start_rules gr_start_udp;

/** The start-errors check's summary, in every lab whose server takes PORT. */
#define GR_START_ERRORS_SUMMARY                                                                    \
    "PORT left out, empty, 80x, 0, 65536 or one argument too many: exit 2; its port in use: "      \
    "exit 1; each with a message; PORT 65535 listens"

/** The start-errors check's general hint (each cause it sees has its own). */
#define GR_START_ERRORS_HINT                                                                       \
    "Exit statuses tell a script what went wrong: 2 for a usage error, 1 when the server cannot "  \
    "start, each with a message on stderr. In C: strtol() with an end pointer and a range "        \
    "check, perror() and exit(1) when bind() fails. In Python: int() with a range check and "      \
    "sys.exit(2); OSError from bind() -> sys.exit(1)."

/**
 * The fields every start-errors row of a lab's table shares: a server check
 * that runs the server itself (gr_check_start_errors()), with the general
 * hint. A row adds its name, step, points, summary, rules (ck_arg) and,
 * in a lab of several servers, its program.
 */
#define GR_START_ERRORS_CHECK                                                                      \
    .ck_kind = GR_SERVER, .ck_deadline_ms = 30000, .ck_flags = GR_OWN_SERVER,                      \
    .ck_hint = GR_START_ERRORS_HINT, .ck_run = gr_check_start_errors

/**
 * @brief The start-errors check: runs the server (gr_server_run_args()) with
 *        each probe of gr_arg()'s ::gr_start_rules in turn and holds it to
 *        the guide's exit statuses: 2 and a message for a usage error, 1 and
 *        a message when its port is in use, listening for a valid command
 *        line. It fails at the first probe that goes wrong, with the hint
 *        for the cause it saw (went on serving with a bad PORT, crashed on a
 *        missing argument, exit 0 after a failed bind, ...).
 */
int gr_check_start_errors(gr_ctx *ctx);

/* ---- files ------------------------------------------------------------------- */

/** Most bytes of a digest (SHA-256: 32). */
#define GR_DIGEST_MAX 64

/** A running SHA-256 digest (through OpenSSL: no check file includes it). */
typedef struct gr_digest gr_digest;

/** @brief Start a digest. @return it, or NULL when out of memory */
gr_digest *gr_digest_new(void);

/** @brief Add @p n bytes. */
void gr_digest_add(gr_digest *d, const void *buf, size_t n);

/**
 * @brief Finish: the digest's bytes into @p md (GR_DIGEST_MAX), and free @p d.
 * @return the digest's length
 */
unsigned gr_digest_end(gr_digest *d, unsigned char md[GR_DIGEST_MAX]);

/**
 * @brief The SHA-256 digest of a file's contents, and its size.
 * @return the digest's length, or 0 if the file cannot be read (errno set)
 */
unsigned gr_digest_file(const char *path, unsigned char md[GR_DIGEST_MAX], uint64_t *size);

/* ---- a test program's suite -------------------------------------------------- */

/**
 * A ::GR_SOURCE check's argument (ck_arg): one suite of a CUnit test
 * program of the lab's (common/tests/cu_run.h's output), built against the
 * submission with gr_test_build().
 */
typedef struct gr_unit_suite {
    const char *us_target; /**< its make target, and the program: "test_socketserver" */
    const char *us_suite;  /**< the suite it runs (SOCKLAB_SUITE): "api-echo" */
} gr_unit_suite;

/**
 * @brief The check of a ::gr_unit_suite (gr_arg()): build the program, run
 *        the suite; pass when every test in it passes. A failed test's own
 *        messages are the failure: the first the headline, all of them the
 *        details; a crash or a watchdog's TIMEOUT says so.
 */
int gr_check_unit_suite(gr_ctx *ctx);

/** @brief @p md as lowercase hex into @p out (2 * GR_DIGEST_MAX + 1 bytes). */
const char *gr_digest_hex(const unsigned char *md, unsigned len, char *out);

#endif
