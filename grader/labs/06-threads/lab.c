/* lab.c - checks for Lab 06, threads and processes: a chat server with a
 * thread per member, a thread-pool echo server, a fork-per-connection echo
 * server.
 *
 * Concurrency is checked by behaviour, never by reading the source: clients
 * connect in one order and are served in another, one client stops in the
 * middle of a line while the others must go on, one member of the chat stops
 * reading while the room must keep flowing. Architecture is checked through
 * /proc: the pool server's threads, the fork server's children and zombies.
 *
 * The chat checks that follow one conversation compare every byte each member
 * receives (gr_conn, kit/conn.h). The big ones (50 members saying 100 lines each,
 * a member who never reads) cannot know in which order lines of different
 * senders arrive, so they read lines and check what the protocol promises:
 * every line of every other member exactly once, in the order it was said,
 * whole, and never one's own.
 *
 * Lab 06 builds submissions with ThreadSanitizer (lab_sanitize), so a data
 * race, such as a member list walked without its lock, fails the check in
 * which it happened even when the bytes came out right. */
#include "lab06.h"

/* ---- the list ----------------------------------------------------------------------- */

static const char *const steps[] = {
    "",
    "a thread per member",
    "broadcast",
    "join and leave",
    "many members at once",
    "a member who does not read",
    "a pool of threads",
    "a process per connection",
};

/* The pool and fork checks start their own programs; the chat checks the
 * lab's server. A --server command stands for all three. */
static const gr_program pool_server = {"./pool_server {port}", NULL};
static const gr_program fork_server = {"./fork_server {port}", NULL};

static const gr_check checks[] = {
    {.ck_name = "chat-concurrent",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_summary = "a member is served while another is in the middle of its first line",
     .ck_hint =
         "Give each connection its own thread: one client in the middle of a line must not "
         "hold up the others. In C: accept(), then pthread_create() a thread that reads that "
         "client's lines (pthread_detach() it), and go straight back to accept(). In Python: "
         "threading.Thread(target=serve, args=(conn,)).start() per accepted connection.",
     .ck_run = lab06_check_chat_concurrent},
    {.ck_name = "chat-start-errors",
     .ck_step = 1,
     .ck_points = 2,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &gr_start_tcp},
    {.ck_name = "chat-names",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_summary =
         "bad and taken names get ERR replies; a member is named before it hears the room",
     .ck_hint =
         "The first line is the name: 1 to 16 of A-Z a-z 0-9 _ -, and free. In C: reply \"ERR "
         "invalid name\" or \"ERR name taken\" and read the next line, or \"OK NAME\"; check that "
         "the name is free and add the member under the same lock. In Python: the check and the "
         "insertion in one with lock: block.",
     .ck_run = lab06_check_chat_names},
    {.ck_name = "chat-name-limits",
     .ck_step = 1,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "names of 1 and 16 characters are taken, Alice beside alice; 17 characters, "
                   "UTF-8, NUL, tab and dot are refused",
     .ck_hint =
         "A rule has two edges: what it allows must be taken as surely as what it forbids is "
         "refused. A name is 1 to 16 bytes, each one of A-Z a-z 0-9 _ -, compared byte for "
         "byte. In C: test each byte against those ranges (not isalnum(), which a locale "
         "widens), count the bytes up to the newline, and strcmp() names (not strcasecmp()). In "
         "Python: re.fullmatch(rb\"[A-Za-z0-9_-]{1,16}\", line) on the bytes, not "
         "str.isalnum(), which takes any letter of Unicode.",
     .ck_run = lab06_check_chat_name_limits},
    {.ck_name = "chat-broadcast",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary =
         "each line goes to every other member as \"NAME: TEXT\", never back to its sender",
     .ck_hint =
         "A line goes to every other member as \"NAME: TEXT\", never back to its sender. In C: "
         "walk the member list with the room's mutex held and queue \"NAME: TEXT\\n\" for every "
         "member but the sender; skip empty lines. In Python: with lock: for m in members: if m "
         "is not me: m.queue.put(line).",
     .ck_run = lab06_check_chat_broadcast},
    {.ck_name = "chat-framing",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 6,
     .ck_deadline_ms = 10000,
     .ck_summary = "lines are found by their newline, whatever pieces recv() returns",
     .ck_hint =
         "A line ends at its newline, not where a recv() ends: one recv() may hold part of a "
         "line or several. In C: read with a buffered line reader (sl_rio_readline()) and handle "
         "one complete line at a time. In Python: conn.makefile('rb') and readline(), not "
         "conn.recv(1024) per line.",
     .ck_run = lab06_check_chat_framing},
    {.ck_name = "chat-line-limit",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary =
         "a 1000-byte line passes; a longer one gets \"ERR line too long\" once and is dropped",
     .ck_hint =
         "A line holds at most 1000 bytes: a longer one is refused once, as a whole. In C: a "
         "buffer of 1000 bytes plus CR, LF and NUL; when sl_rio_readline() fails with EMSGSIZE, "
         "reply \"ERR line too long\" and skip the rest, up to its newline. In Python: "
         "readline() with a limit, then the length without CR LF; no newline at the end means "
         "more of the line is to come.",
     .ck_run = lab06_check_chat_line_limit},
    {.ck_name = "chat-line-bytes",
     .ck_step = 2,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "a line's text is every byte up to the newline (NUL, tab, CR, UTF-8 and "
                   "others), passed on unchanged",
     .ck_hint =
         "A line is bytes, not a C string: a NUL or a byte that is not UTF-8 is text like any "
         "other, and only the newline (with a CR just before it) ends it. In C: keep the line's "
         "length and memcpy() it; no strlen(), strcpy() or printf(\"%s\") on it. In Python: keep "
         "bytes end to end; decoding with .decode() fails or changes bytes that are not UTF-8.",
     .ck_run = lab06_check_chat_line_bytes},
    {.ck_name = "chat-leave",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 10000,
     .ck_summary = "\"* NAME left\" when a member closes; the name is free again",
     .ck_hint =
         "A member who closes leaves: the others are told, and the name is free again. In C: "
         "when recv() returns 0, take the member out of the list (under the lock), tell the others "
         "\"* NAME left\", close the socket, end the thread; nothing more is sent to it. In "
         "Python: "
         "the same when readline() returns b''.",
     .ck_run = lab06_check_chat_leave},
    {.ck_name = "chat-abrupt",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "a reset connection is a member leaving too; half a line is dropped",
     .ck_hint =
         "A reset connection is a member leaving too, and half a line is no line. In C: recv() "
         "failing (ECONNRESET) ends the member like end of file; drop a line without its newline; "
         "a client that leaves before its name is never announced; ignore SIGPIPE. In Python: "
         "catch ConnectionResetError like b''.",
     .ck_run = lab06_check_chat_abrupt},
    {.ck_name = "chat-descriptors",
     .ck_step = 3,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 30000,
     .ck_summary = "88 visitors leave in every way (FIN, RST, before a name, mid-line): the "
                   "server's descriptors and threads come back",
     .ck_hint =
         "Every connection that ends is closed, whichever way it ends: end of file or reset, "
         "before a name, after a refused one, or as a member. In C: one exit path at the end of "
         "the member's thread that leaves the room if it joined, stops its writer, close()s the "
         "socket and frees the member; no return before it. In Python: close the socket in a "
         "finally: block (socketserver does it after handle() returns).",
     .ck_run = lab06_check_chat_descriptors},
    {.ck_name = "chat-many-members",
     .ck_step = 4,
     .ck_kind = GR_SERVER,
     .ck_points = 8,
     .ck_deadline_ms = 60000,
     .ck_summary =
         "50 members say 100 lines each at once: everyone gets every other's lines once, in order, "
         "whole",
     .ck_hint =
         "Each line must reach each member whole: two senders must never write to one socket at "
         "once. In C: one writer per member (a queue and a thread, or a per-member mutex held for "
         "the whole line); join, leave and broadcast hold the room's lock. In Python: a "
         "queue.Queue and writer thread per member, and sendall() of whole lines.",
     .ck_run = lab06_check_chat_crowd},
    {.ck_name = "chat-slow-flows",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 60000,
     .ck_summary = "a member who never reads does not stop the others from talking",
     .ck_hint = HINT_SLOW_FLOWS,
     .ck_run = lab06_check_chat_slow_flows},
    {.ck_name = "chat-slow-dropped",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 60000,
     .ck_summary = "a member who never reads is disconnected once 256 KiB wait for it",
     .ck_hint =
         "Bound each member's queue: one who does not read must cost at most 256 KiB. In C: when a "
         "line would make the queue longer than 256 KiB, disconnect that member (shutdown(fd, "
         "SHUT_RDWR) wakes its threads) and let its reader announce \"* NAME left\". In Python: "
         "track the queued bytes; on overflow, conn.shutdown(socket.SHUT_RDWR).",
     .ck_run = lab06_check_chat_slow_dropped},

    {.ck_name = "chat-slow-kept",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 60000,
     .ck_summary = "a member who reads nothing while 192 KiB wait for it is kept, and gets every "
                   "line once it reads",
     .ck_hint =
         "A bound has two edges: under 256 KiB a member who falls behind is kept, and receives "
         "everything once it reads. In C: count the bytes of the lines on the member's queue "
         "(not the lines, not a smaller buffer) and disconnect only when one more would pass "
         "256 KiB. In Python: the same count of queued bytes (asyncio: "
         "transport.get_write_buffer_size()).",
     .ck_run = lab06_check_chat_slow_kept},
    {.ck_name = "chat-slow-leaves",
     .ck_step = 5,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 60000,
     .ck_summary = "members who leave while the server is writing to them leave no descriptor or "
                   "thread behind",
     .ck_hint =
         "A member who leaves while its writer is blocked in send() must still be let go: its "
         "lines are dropped and its connection closed at once. In C: when the reader sees end "
         "of file or an error, shutdown(fd, SHUT_RDWR) wakes the writer from send(); then join "
         "it, close() and free. In Python: sock.shutdown(SHUT_RDWR) before joining the writer "
         "(asyncio: transport.abort(), since close() waits to send what is queued; Node.js: "
         "socket.destroy(), not end()).",
     .ck_run = lab06_check_chat_slow_leaves},

    {.ck_name = "pool-concurrent",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "8 clients connected in order 1..8 are served in order 8..1, client 1 mid-line",
     .ck_hint = "A pool is a fixed set of workers fed by a queue of connections. In C: start 8 "
                "threads at the beginning; the main thread accepts and puts each connection on the "
                "queue; a free worker takes it and echoes until the client closes. In Python: 8 "
                "threading.Thread workers on a queue.Queue of connections.",
     .ck_run = lab06_check_pool_concurrent,
     .ck_program = &pool_server},
    {.ck_name = "pool-start-errors",
     .ck_step = 6,
     .ck_points = 1,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &gr_start_tcp,
     .ck_program = &pool_server},
    {.ck_name = "pool-busy",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary =
         "with 8 clients served and 16 waiting, the next gets \"BUSY\"; a free worker takes the "
         "oldest",
     .ck_hint =
         "The queue is bounded: with 8 served and 16 waiting, the next client is told BUSY. In C: "
         "when the queue is full, send \"BUSY\\n\" and close the new connection; take connections "
         "off the queue oldest first (a ring buffer, a mutex and a condition variable). In Python: "
         "queue.Queue(maxsize=16) and put_nowait(), catching queue.Full.",
     .ck_run = lab06_check_pool_busy,
     .ck_program = &pool_server},
    {.ck_name = "pool-threads",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 20000,
     .ck_summary = "the server's threads do not grow with its clients: 8 workers made at the "
                   "start, however many come",
     .ck_hint =
         "A pool's threads are made once, however many clients come: a thread per connection is "
         "not a pool. In C: create the workers before the accept loop and never again; "
         "/proc/PID/status (Threads:) shows how many you have. In Python: no "
         "socketserver.ThreadingMixIn; a fixed list of threading.Thread workers.",
     .ck_run = lab06_check_pool_threads,
     .ck_program = &pool_server},

    {.ck_name = "pool-leavers",
     .ck_step = 6,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "72 clients leave in every way (FIN, RST, mid-echo, while queued): workers, "
                   "descriptors and the next client's service come back",
     .ck_hint =
         "A worker ends the connection, not itself: whichever way a client leaves, the worker "
         "closes that socket and goes back to the queue. In C: in the worker's loop, a failed "
         "recv() or send() breaks out of the echo to one close(fd), then queue_take() again; a "
         "return there ends the thread, and the pool shrinks by one. In Python: try/finally "
         "around each connection, inside the worker's while True: loop.",
     .ck_run = lab06_check_pool_leavers,
     .ck_program = &pool_server},
    {.ck_name = "fork-concurrent",
     .ck_step = 7,
     .ck_kind = GR_SERVER,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary =
         "10 clients connected in order are served in reverse order; each sees end of file after "
         "closing",
     .ck_hint =
         "A process per connection: the child serves, the parent accepts. In C: after accept(), "
         "fork(); the child closes the listening socket, echoes and _exit()s; the parent closes "
         "the connected socket (or the client never sees end of file) and goes back to accept(). "
         "In Python: os.fork(), or socketserver.ForkingTCPServer.",
     .ck_run = lab06_check_fork_concurrent,
     .ck_program = &fork_server},
    {.ck_name = "fork-start-errors",
     .ck_step = 7,
     .ck_points = 1,
     .ck_summary = GR_START_ERRORS_SUMMARY,
     GR_START_ERRORS_CHECK,
     .ck_arg = &gr_start_tcp,
     .ck_program = &fork_server},
    {.ck_name = "fork-children",
     .ck_step = 7,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "each connection is served by a child process of its own",
     .ck_hint =
         "Each connection is served by a child process of its own. In C: fork() once per "
         "accepted connection; ps --forest (or /proc) shows the children. In Python: os.fork() "
         "per connection, or socketserver.ForkingMixIn (not ThreadingMixIn).",
     .ck_run = lab06_check_fork_children,
     .ck_program = &fork_server},
    {.ck_name = "fork-no-zombies",
     .ck_step = 7,
     .ck_kind = GR_SERVER,
     .ck_points = 5,
     .ck_deadline_ms = 30000,
     .ck_summary = "after 300 connections no child is left: none running, none a zombie",
     .ck_hint =
         "An exited child stays a zombie until its parent reaps it. In C: a SIGCHLD handler "
         "(sigaction(), SA_RESTART) that calls waitpid(-1, NULL, WNOHANG) in a loop: one signal "
         "may stand for many children. In Python: os.waitpid(-1, os.WNOHANG) in a loop, from a "
         "signal.signal(SIGCHLD) handler or each turn of the loop, as ForkingMixIn does.",
     .ck_run = lab06_check_fork_zombies,
     .ck_program = &fork_server},
    {.ck_name = "fork-leavers",
     .ck_step = 7,
     .ck_kind = GR_SERVER,
     .ck_points = 3,
     .ck_deadline_ms = 30000,
     .ck_summary = "24 clients leave in every way (FIN, RST, mid-echo): every child exits and is "
                   "reaped, the parent's descriptors come back",
     .ck_hint =
         "A child ends with its client, however the client leaves: end of file, a reset, or a "
         "send() that fails. In C: every path out of the child's echo loop leads to close(fd) "
         "and _exit(0); none goes back to the accept loop. In Python: os._exit(0) in a "
         "finally: block of the child's work.",
     .ck_run = lab06_check_fork_leavers,
     .ck_program = &fork_server},
};

const gr_lab gr_lab06 = {
    .lab_id = "06",
    .lab_name = "threads",
    .lab_title = "threads and processes",
    .lab_server_cmd = "./chat_server {port}",
    .lab_client_cmd = NULL,
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = NULL,
    .lab_udp = 0,
    .lab_sanitize = "thread,undefined",
    /* A correct chat server answers in microseconds, under ThreadSanitizer
     * in milliseconds. */
    .lab_quiet_ms = 3000,
};
