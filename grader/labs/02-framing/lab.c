/* lab.c - lab 02, framing and file transfer: the list of checks. The
 * checks are in upload.c (uploads in every shape, memory), rules.c (the
 * header's rules at both edges), leaving.c (clients that leave, descriptors)
 * and client.c (file_send); RULES.md says which check probes which rule of
 * the guide. */
#include "lab02.h"

/* ---- the list ---------------------------------------------------------------------- */

static const char *const steps[] = {
    "",           "one upload", "framing", "constant memory", "hostile headers", "no partial files",
    "the client",
};

static const gr_check checks[] = {
    {.ck_name = "upload-small",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 10000,
     .ck_summary = "a text file uploaded with NAME|SIZE arrives intact, with OK and DONE replies",
     .ck_hint =
         "An upload is a header line, OK, exactly SIZE bytes, then DONE SIZE. In C: read the "
         "line with sl_rio_readline(), split it at the last '|', reply \"OK\\n\", copy SIZE bytes "
         "into DIR/NAME, then reply \"DONE SIZE\\n\". In Python: f = conn.makefile('rb'); "
         "f.readline(1024), name, _, size = line.rstrip(b'\\n').rpartition(b'|'), then the body "
         "and DONE.",
     .ck_run = lab02_check_upload_small},
    {.ck_name = "empty-file",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "a file of 0 bytes is stored, then the next one",
     .ck_hint =
         "SIZE 0 is a valid upload: OK, no body at all, an empty file, DONE 0. In C: a loop "
         "while (left > 0) reads nothing and is right; waiting for a first recv() of the body "
         "waits forever. Create the file all the same. In Python: the same loop, while left > 0, "
         "and open(tmp, 'xb') even when nothing is written.",
     .ck_run = lab02_check_empty_file},
    {.ck_name = "start-errors",
     .ck_step = 1,
     .ck_points = 3,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &gr_start_tcp},
    {.ck_name = "header-pieces",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 15000,
     .ck_summary = "a header sent one byte per send() is understood",
     .ck_hint =
         "One recv() is not one header: it returns whatever has arrived, maybe one byte. In C: "
         "read until the newline with sl_rio_readline(), never trust a single recv() to hold the "
         "line. In Python: conn.makefile('rb').readline(1024) reads up to the newline, however "
         "many recv() calls that takes.",
     .ck_run = lab02_check_header_pieces},
    {.ck_name = "odd-chunks",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "a body sent in random odd-sized pieces is stored byte for byte",
     .ck_hint =
         "Count body bytes as they arrive: each read returns from 1 byte up. In C: read the "
         "body through the same sl_rio reader as the header (sl_rio_read()), never recv() on the "
         "fd, which would skip what the reader holds. In Python: read the body from the same "
         "file object as the header, f.read(min(65536, left)), until left is 0.",
     .ck_run = lab02_check_odd_chunks},
    {.ck_name = "body-with-header",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "a header and its body in one send() (the body already in the reader's buffer)",
     .ck_hint =
         "A buffered reader reads ahead: bytes after the newline are in its buffer. In C: read "
         "the body with sl_rio_read() on the reader that read the header, never recv() on the "
         "fd. In Python: read the body from the same file object as the header, or keep what "
         "came after the newline.",
     .ck_run = lab02_check_body_with_header},
    {.ck_name = "large-file",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 60000,
     .ck_summary =
         "a 128 MiB file arrives intact (SHA-256), after a warm-up; memory does not grow with it",
     .ck_hint =
         "Copy the body through a fixed buffer: memory must not grow with SIZE, which comes from "
         "the network and may be 1 TiB. In C: a 64 KiB buffer, read some, write them, repeat; "
         "never malloc(SIZE). In Python: chunk = f.read(65536) and out.write(chunk) in a loop; "
         "never data += chunk or f.read(size).",
     .ck_run = lab02_check_large_file},
    {.ck_name = "hostile-names",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 7,
     .ck_deadline_ms = 20000,
     .ck_summary =
         "../, absolute, empty, NUL, control bytes (1, 9, 13, 31, 127), 256- and 300-byte, "
         "\".\" and \"..\" names, and a header without '|', get ERR, nothing is written",
     .ck_hint =
         "A NAME from the network is one path component, checked before anything touches the "
         "disk: 1 to 255 bytes, no '/', no NUL, no control character, not \".\" or \"..\". In C: "
         "check it by its length, then answer \"ERR reason\" and close if it fails. In Python: "
         "the same checks on the bytes; os.path.join() validates nothing.",
     .ck_run = lab02_check_hostile_names},
    {.ck_name = "names-allowed",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 20000,
     .ck_summary = "valid names at the edges are stored: 255 bytes, spaces, punctuation, bytes "
                   "128-255, UTF-8, leading dots, \"...\"",
     .ck_hint = "Refuse exactly what the guide refuses, no more: '/', NUL, bytes 1 to 31 and 127, "
                "\".\", \"..\", empty, over 255 bytes. In C: test those bytes on unsigned char. In "
                "Python: keep NAME as bytes and test the same rules.",
     .ck_run = lab02_check_names_allowed},
    {.ck_name = "name-with-bar",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "\"a|b.txt|5\" stores a|b.txt: the last '|' separates NAME and SIZE",
     .ck_hint =
         "NAME and SIZE are separated by the last '|'. In C: find the last '|' of the line, not "
         "the first. In Python: line.rpartition(b'|').",
     .ck_run = lab02_check_name_with_bar},
    {.ck_name = "bad-sizes",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 20000,
     .ck_summary =
         "sizes like -1, abc, 1e9, \" 10\", 14 digits, 0x10, 1_0, 10\\r, 2^40+1 and empty get "
         "ERR, nothing is written",
     .ck_hint =
         "SIZE is 1 to 13 decimal digits, at most 2^40, and nothing else. In C: atoi() and "
         "strtol() accept spaces, signs and junk; check each character yourself, then the value. "
         "In Python: int() accepts spaces, signs and underscores; check "
         "re.fullmatch(rb'[0-9]{1,13}', size) first.",
     .ck_run = lab02_check_bad_sizes},
    {.ck_name = "size-edges",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "sizes 0010 (ten), 13 digits, 00 and 2^40 itself are accepted",
     .ck_hint =
         "SIZE is 1 to 13 decimal digits, at most 2^40: leading zeros are allowed, and 2^40 "
         "itself. In C: convert in base 10 and refuse value > 2^40. In Python: int(size, 10) "
         "after the digit check, and refuse > 2**40.",
     .ck_run = lab02_check_size_edges},
    {.ck_name = "long-header",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 20000,
     .ck_summary = "1024 bytes without a newline are refused at once, 2000 too, and the next "
                   "client is served",
     .ck_hint =
         "Bound the header: a line without a newline must not grow without end. In C: "
         "sl_rio_readline() with a 1025-byte buffer returns -1 with EMSGSIZE after 1024 bytes; "
         "answer \"ERR header too long\" and close. In Python: f.readline(1024) returns the line "
         "or 1024 bytes; without a newline at the end, answer ERR.",
     .ck_run = lab02_check_long_header},
    {.ck_name = "disconnect-mid-body",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 20000,
     .ck_summary = "a client that hangs up halfway leaves no file and no temporary file behind",
     .ck_hint =
         "A file appears whole or not at all: a client that hangs up halfway leaves nothing. In "
         "C: write the body to a temporary name in DIR (O_CREAT | O_EXCL), rename() it to NAME "
         "after the last byte, and unlink() it when the client leaves early. In Python: the same "
         "with os.replace(tmp, path) and os.unlink(tmp).",
     .ck_run = lab02_check_disconnect_mid_body},
    {.ck_name = "leave-anytime",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 30000,
     .ck_summary = "clients that close or reset at every phase leave no file, thread or process, "
                   "and the next is served",
     .ck_hint =
         "A client may leave at any moment: before its first byte, in its header, before OK, in "
         "its body, before DONE. In C: a read of 0 or -1 ends that client: remove the temporary "
         "file, close, accept the next. In Python: recv() returning b'' or raising "
         "ConnectionResetError is the same.",
     .ck_run = lab02_check_leave_anytime},
    {.ck_name = "replace-existing",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_summary = "uploading a NAME that exists replaces the file",
     .ck_hint = "A file of that name already there is replaced. In C: O_EXCL on the temporary file "
                "only; renameat() replaces NAME. In Python: os.replace(tmp, path).",
     .ck_run = lab02_check_replace_existing},
    {.ck_name = "fd-count",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 30000,
     .ck_summary = "the server's open descriptors stay level over ~100 clients: stored, refused, "
                   "reset, gone",
     .ck_hint =
         "Every descriptor opened for a client is closed on every path: the temporary file's "
         "and the connection's. In C: one exit path per client that closes both. In Python: "
         "with open(...) and with conn:.",
     .ck_run = lab02_check_fd_count},

    {.ck_name = "client-upload",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 8,
     .ck_deadline_ms = 15000,
     .ck_summary = "file_send sends NAME|SIZE, waits for OK, sends the file and exits 0 on DONE",
     .ck_hint =
         "The client sends NAME|SIZE, waits for OK, sends exactly SIZE bytes and waits for "
         "DONE SIZE. In C: \"upload.bin|SIZE\\n\" (basename, size from fstat()), read the reply "
         "line, sl_rio_writen() the file in chunks, read \"DONE SIZE\", exit 0. In Python: "
         "sock.sendall(header), f.readline(), then sock.sendall() each chunk, then DONE.",
     .ck_run = lab02_check_client_upload},
    {.ck_name = "client-slow-ack",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "the body waits for OK, which comes late and in pieces, as does DONE",
     .ck_hint =
         "The body waits for OK, however late and in however many pieces it comes. In C: read "
         "the whole reply line with sl_rio_readline() before sending any body byte; one recv() "
         "may hold \"O\" alone. In Python: sock.makefile('rb').readline(), not one sock.recv(), "
         "and no short timeout.",
     .ck_run = lab02_check_client_slow_ack},
    {.ck_name = "client-err",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "an ERR reply ends the upload: the server's reason on stderr, exit 1",
     .ck_hint =
         "Anything but OK ends the upload: show the server's reason and fail. In C: print the "
         "text after \"ERR \" on stderr and exit 1. In Python: print it to sys.stderr and "
         "sys.exit(1).",
     .ck_run = lab02_check_client_err},
    {.ck_name = "client-no-done",
     .ck_step = 6,
     .ck_kind = GR_CLIENT,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "a server that closes without DONE makes the client exit 1",
     .ck_hint =
         "An upload succeeds only when the server says DONE SIZE: sending every byte proves "
         "nothing. In C: a connection closed before that line (sl_rio_readline() returning 0) is a "
         "failure: say so and exit 1. In Python: readline() returning b'' is the same.",
     .ck_run = lab02_check_client_no_done},
};

const gr_lab gr_lab02 = {
    .lab_id = "02",
    .lab_name = "framing",
    .lab_title = "Framing and file transfer",
    .lab_server_cmd = "./file_server {port} " UP_DIR,
    .lab_client_cmd = "./file_send {host} {port} " CLIENT_FILE,
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = NULL,
    .lab_udp = 0,
};
