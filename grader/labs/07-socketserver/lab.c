/* lab.c - checks for Lab 07, a socketserver-style framework and the echo
 * servers built on it (tcp_echo, udp_echo, unix_echo).
 *
 * Every check is black-box: it starts one of the programs with the options
 * the guide defines (a family, a strategy, allow/deny rules) and checks what
 * the guide promises of it on the wire, in its exit status and in /proc. A
 * server in any language is graded with --server, where {args} stands for
 * the check's own command line ("tcp_echo --strategy fork 5000"), so that
 * one program can play all three (selftest/echo_socketserver.py, on
 * Python's socketserver, does).
 *
 * Concurrency is seen by behaviour: under sync, a second client is served
 * only when the first has gone; under thread, fork and pool, clients
 * connected in one order are served in another while one is held in the
 * middle of its request. Reaping, threads and descriptors are seen in
 * /proc, the shutdown in the exit status and the listening socket. RULES.md
 * lists every rule of the guide with the check that probes it. */
#include "lab07.h"

static const char *const steps[] = {
    "",
    "bind, listen and the synchronous loop",
    "the handler table and the TCP echo",
    "UDP and Unix sockets",
    "verify_request, handle_error, handle_timeout",
    "a thread per request",
    "a process per request, and reaping",
    "shutdown from a signal, and a clean close",
    "the bounded pool",
};

static const gr_program tcp_sync = {"./tcp_echo --strategy sync {port}", NULL};
static const gr_program tcp_thread = {"./tcp_echo --strategy thread {port}", NULL};
static const gr_program tcp_fork = {"./tcp_echo --strategy fork {port}", NULL};
static const gr_program tcp_pool = {"./tcp_echo --strategy pool --threads 4 --queue 4 {port}",
                                    NULL};
static const gr_program tcp_deny = {"./tcp_echo --deny 127.0.0.2 {port}", NULL};
static const gr_program tcp_allow = {"./tcp_echo --allow 127.0.0.3 {port}", NULL};
/* tcp_echo's options at both ends of their ranges (the guide's usage),
 * after the PORT probes every lab's server gets. */
static const gr_start_probe tcp_option_probes[] = {
    {"--threads 0 {port}", GR_START_USAGE, 0, "--threads 0 (1 to 64)"},
    {"--threads 65 {port}", GR_START_USAGE, 0, "--threads 65 (1 to 64)"},
    {"--queue 0 {port}", GR_START_USAGE, 0, "--queue 0 (1 to 64)"},
    {"--queue 65 {port}", GR_START_USAGE, 0, "--queue 65 (1 to 64)"},
    {"--poll-interval 0 {port}", GR_START_USAGE, 0, "--poll-interval 0 (1 to 60000)"},
    {"--poll-interval 60001 {port}", GR_START_USAGE, 0, "--poll-interval 60001 (1 to 60000)"},
    {"--strategy forks {port}", GR_START_USAGE, 0, "--strategy forks (sync, thread, fork, pool)"},
    {"--threads {port}", GR_START_USAGE, 0, "--threads without its N (PORT taken for it)"},
    {"--threads 64 --queue 64 --poll-interval 1 {port}", GR_START_LISTENS, 0,
     "--threads 64 --queue 64 --poll-interval 1 (each at an end of its range)"},
    {"--threads 1 --queue 1 --poll-interval 60000 {port}", GR_START_LISTENS, 0,
     "--threads 1 --queue 1 --poll-interval 60000 (each at an end of its range)"},
};
static const gr_start_rules tcp_start_rules = {
    .sr_probes = tcp_option_probes,
    .sr_n = sizeof tcp_option_probes / sizeof tcp_option_probes[0],
    .sr_port_zero = 1, /* the system picks one, as socketserver's does */
};
static const gr_program udp_sync = {"./udp_echo {port}", NULL};
static const gr_program udp_deny = {"./udp_echo --deny 127.0.0.2 {port}", NULL};
static const gr_program unix_stream = {"./unix_echo {unix}", NULL};
static const gr_program unix_dgram = {"./unix_echo --dgram {unix}", NULL};

/* How many clients the interleaving checks hold at once. */
static const size_t five = 5;
static const size_t pool_threads = POOL_THREADS;
/* Does the sigterm check look at the listening socket? Not under fork:
 * Python's ForkingMixIn leaves the children a copy of it. */
static const int yes = 1;
static const int no = 0;

/* The API checks: suites of the test program built against the
 * framework (api/test_socketserver.c, `make test_socketserver`); each is
 * bounded by its own watchdog, the deadline includes the first build. */
#define API_DEADLINE_MS 60000
#define API_SUITE(NAME)                                                                            \
    {                                                                                              \
        "test_socketserver", "api-" NAME                                                           \
    }
static const gr_unit_suite api_address = API_SUITE("address");
static const gr_unit_suite api_failed_bind = API_SUITE("failed-bind");
static const gr_unit_suite api_handle_error = API_SUITE("handle-error");
static const gr_unit_suite api_finish = API_SUITE("finish");
static const gr_unit_suite api_timeout = API_SUITE("timeout");
static const gr_unit_suite api_own_child = API_SUITE("own-child");
static const gr_unit_suite api_shutdown_start = API_SUITE("shutdown-start");
static const gr_unit_suite api_shutdown_thread = API_SUITE("shutdown-thread");
static const gr_unit_suite api_echo = API_SUITE("echo");

#define HINT_INTERLEAVE(WHAT, C, PY)                                                               \
    "Under this strategy requests are served at the same time: one client in the middle of its "   \
    "request must not hold up the others. In C: " C " In Python: " PY
#define HINT_SIGTERM                                                                               \
    "SIGTERM must stop the loop, and the server must then close cleanly and exit 0. In C: the "    \
    "handler only calls ss_shutdown_signal() (a flag and a byte down the wake-up pipe, both "      \
    "async-signal-safe); serve_forever() polls that pipe beside its socket, returns, and main() "  \
    "calls ss_server_close(), which waits for the requests in flight. In Python: serve_forever() " \
    "in a thread; the main thread waits for the signal, then server.shutdown() and "               \
    "server_close()."

static const gr_check checks[] = {
    {.ck_name = "tcp-accepts",
     .ck_step = 1,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "10 clients one after another: each is accepted and closed by the server",
     .ck_hint = "A server listens on the port it is given and accepts each client in turn. In C: "
                "socket(), bind() to the port, listen(); serve_forever() polls the socket and "
                "accept()s, and every request ends with close(). In Python: "
                "socketserver.TCPServer((\"\", port), Handler).serve_forever().",
     .ck_run = lab07_check_tcp_accepts,
     .ck_program = &tcp_sync},
    {.ck_name = "tcp-start-errors",
     .ck_step = 1,
     .ck_points = 3,
     .ck_summary =
         "PORT and the options at both ends of their ranges: out of range, left out or one too "
         "many, exit 2; its port in use, exit 1; each with a message; in range, it listens",
     GR_START_ERRORS_CHECK,
     .ck_arg = &tcp_start_rules,
     .ck_program = &tcp_sync},
    {.ck_name = "tcp-reuse-address",
     .ck_step = 1,
     .ck_points = 3,
     .ck_deadline_ms = 15000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary = "restarted at once on its port, with a connection of the last run in "
                   "TIME_WAIT, the server listens again",
     .ck_hint = "A connection the server closed first stays in TIME_WAIT for a minute, and holds "
                "the port. In C: setsockopt(SO_REUSEADDR) before bind() when cf_reuse_address "
                "is set. In Python: allow_reuse_address = True (TCPServer sets it in "
                "socketserver's subclasses such as HTTPServer).",
     .ck_run = lab07_check_reuse_address,
     .ck_program = &tcp_sync},

    {.ck_name = "api-failed-bind",
     .ck_step = 1,
     .ck_kind = GR_SOURCE,
     .ck_points = 2,
     .ck_deadline_ms = API_DEADLINE_MS,
     .ck_summary =
         "through the API: 1024 ss_server_new() on a port in use fail and leave no descriptor open",
     .ck_hint =
         "A constructor that fails undoes what it did: the socket it made is closed on every "
         "failure path (bind(), listen(), getsockname(), the pipe). In C: one fail: label that "
         "closes what was taken, errno saved around close(). In Python: TCPServer.__init__ "
         "calls server_close() when server_bind() raises.",
     .ck_run = gr_check_unit_suite,
     .ck_arg = &api_failed_bind},

    {.ck_name = "tcp-echo",
     .ck_step = 2,
     .ck_points = 4,
     .ck_deadline_ms = 15000,
     .ck_summary = "the handler echoes 1 B, 1000 B and 300 KiB, then closes after the client",
     .ck_hint = "The handler's handle() callback serves the connection: everything that comes "
                "goes back, until the client closes its side. In C: recv() in a loop and "
                "ss_reply() what came (all of it), until recv() returns 0; the framework then "
                "closes. In Python: while data := self.request.recv(16384): "
                "self.request.sendall(data).",
     .ck_run = lab07_check_tcp_echo,
     .ck_program = &tcp_sync},
    {.ck_name = "sync-in-turn",
     .ck_step = 2,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "under sync, a second client is served only once the first has gone",
     .ck_hint = "The synchronous strategy serves one request at a time, in serve_forever()'s "
                "own thread: that is what sync means, and what makes the others worth having. In "
                "C: for SS_SYNC, process_request() calls finish_request() and "
                "shutdown_request() itself, no thread, no fork. In Python: a plain TCPServer, "
                "without a mix-in.",
     .ck_run = lab07_check_sync_in_turn,
     .ck_program = &tcp_sync},

    {.ck_name = "udp-echo",
     .ck_step = 3,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_ready = GR_READY_UDP,
     .ck_summary = "datagrams of 0 to 8192 bytes from two clients each come back whole to "
                   "their sender",
     .ck_hint = "A datagram request is the datagram and its sender: the reply is one datagram "
                "to that address. In C: recvfrom() a whole datagram (a buffer of 64 KiB), keep "
                "its length (0 too) and sender in the request; ss_reply() does sendto() to "
                "rq_addr. In Python: data, sock = self.request; sock.sendto(data, "
                "self.client_address).",
     .ck_run = lab07_check_udp_echo,
     .ck_program = &udp_sync},
    {.ck_name = "unix-stream-echo",
     .ck_step = 3,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_ready = GR_READY_UNIX_STREAM,
     .ck_summary = "the echo over a Unix stream socket with an abstract name (@NAME)",
     .ck_hint = "A Unix stream server is a TCP server with another address: the same handler "
                "serves it. In C: AF_UNIX, a struct sockaddr_un whose sun_path starts with a NUL "
                "byte for @NAME, and a length of offsetof(struct sockaddr_un, sun_path) + the "
                "name's length. In Python: socketserver.UnixStreamServer(\"\\0NAME\", Handler).",
     .ck_run = lab07_check_unix_stream_echo,
     .ck_program = &unix_stream},
    {.ck_name = "unix-dgram-echo",
     .ck_step = 3,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_ready = GR_READY_UNIX_DGRAM,
     .ck_summary = "datagrams over a Unix datagram socket come back to their sender",
     .ck_hint = "A Unix datagram server replies to the sender's own address, as a UDP server "
                "does. In C: SOCK_DGRAM on AF_UNIX; recvfrom() fills the sender's sockaddr_un "
                "and its length: keep both, and sendto() them. In Python: "
                "socketserver.UnixDatagramServer(\"\\0NAME\", Handler).",
     .ck_run = lab07_check_unix_dgram_echo,
     .ck_program = &unix_dgram},

    {.ck_name = "api-address",
     .ck_step = 3,
     .ck_kind = GR_SOURCE,
     .ck_points = 2,
     .ck_deadline_ms = API_DEADLINE_MS,
     .ck_summary = "through the API: after port 0, ss_server_address() is what getsockname() says",
     .ck_hint = "The bound address is the one the system picked: after bind() to port 0, read it "
                "back with "
                "getsockname() and keep it for ss_server_address(); for a Unix socket, the "
                "address and length getsockname() gives. In Python: server_address is set from "
                "getsockname() in server_bind().",
     .ck_run = gr_check_unit_suite,
     .ck_arg = &api_address},
    {.ck_name = "verify-deny",
     .ck_step = 4,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "--deny 127.0.0.2: that client is closed unanswered; 127.0.0.3 and "
                   "127.0.0.1 are served",
     .ck_hint = "verify_request decides before the handler runs: a refused client is closed "
                "without a byte, and the next address is served as usual. In C: call the "
                "verify_request hook after accept() and end the request (close hook, close()) "
                "when it says 0; the rule compares the client's address as inet_ntop() writes "
                "it. In Python: def verify_request(self, request, client_address): return "
                "client_address[0] not in denied.",
     .ck_run = lab07_check_verify_deny,
     .ck_program = &tcp_deny},
    {.ck_name = "verify-allow",
     .ck_step = 4,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "--allow 127.0.0.3: only that client is served",
     .ck_hint = "With an --allow list, only the addresses on it are served: every other client "
                "is refused before the handler runs. In C: verify_request returns 1 only for an "
                "address on the list (when there is one), and never for one on --deny. In "
                "Python: return client_address[0] in allowed.",
     .ck_run = lab07_check_verify_allow,
     .ck_program = &tcp_allow},
    {.ck_name = "verify-udp",
     .ck_step = 4,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_ready = GR_READY_UDP,
     .ck_summary = "--deny 127.0.0.2 on UDP: no reply to that sender; 127.0.0.3 gets its reply",
     .ck_hint = "verify_request applies to datagrams too: a refused datagram gets no reply and "
                "reaches no handler. In C: the same hook, called after recvfrom() with the "
                "sender's address. In Python: UDPServer calls verify_request(request, "
                "client_address) as TCPServer does.",
     .ck_run = lab07_check_verify_udp,
     .ck_program = &udp_deny},
    {.ck_name = "error-goes-on",
     .ck_step = 4,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "clients that reset their connection in mid-echo fail their request, and "
                   "the server goes on serving",
     .ck_hint = "A failed request is that request's problem: handle_error reports it and the "
                "loop goes on. In C: when handle() returns -1 (recv() failed with ECONNRESET), "
                "call the handle_error hook and end the request; never return from "
                "serve_forever() or exit(). In Python: BaseServer catches the exception and "
                "calls handle_error(), which prints the traceback.",
     .ck_run = lab07_check_error_goes_on,
     .ck_program = &tcp_sync},

    {.ck_name = "api-handle-error",
     .ck_step = 4,
     .ck_kind = GR_SOURCE,
     .ck_points = 2,
     .ck_deadline_ms = API_DEADLINE_MS,
     .ck_summary = "through the API: a handle() that fails reaches handle_error with its errno; "
                   "the next request is served",
     .ck_hint =
         "A failed request goes to handle_error, and the loop goes on. In C: when setup() or "
         "handle() returns -1, call hooks.handle_error(rq, errno) and end the request as "
         "usual. In Python: _handle_request_noblock() catches the exception and calls "
         "handle_error().",
     .ck_run = gr_check_unit_suite,
     .ck_arg = &api_handle_error},
    {.ck_name = "api-finish",
     .ck_step = 4,
     .ck_kind = GR_SOURCE,
     .ck_points = 2,
     .ck_deadline_ms = API_DEADLINE_MS,
     .ck_summary = "through the API: finish() runs after handle(), even when handle() failed",
     .ck_hint =
         "finish() is the handler's cleanup: it runs whenever handle() ran, failed or not. In C: "
         "call h_finish after h_handle whatever it returned (not when setup() failed). In "
         "Python: BaseRequestHandler.__init__ calls finish() in a finally: after handle().",
     .ck_run = gr_check_unit_suite,
     .ck_arg = &api_finish},
    {.ck_name = "api-timeout",
     .ck_step = 4,
     .ck_kind = GR_SOURCE,
     .ck_points = 2,
     .ck_deadline_ms = API_DEADLINE_MS,
     .ck_summary = "through the API: ss_handle_request() with a timeout and no request returns 0 "
                   "and calls handle_timeout",
     .ck_hint =
         "handle_request() waits at most the server's timeout; when nothing came, it calls the "
         "handle_timeout hook. In C: poll() with cf_timeout_ms; on 0 ready, call "
         "hooks.handle_timeout(srv, user) and return 0. In Python: handle_request() calls "
         "self.handle_timeout() when selector.select(timeout) is empty.",
     .ck_run = gr_check_unit_suite,
     .ck_arg = &api_timeout},

    {.ck_name = "thread-interleave",
     .ck_step = 5,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "under thread, 5 clients connected in order are served in reverse, client 1 "
                   "held mid-request",
     .ck_hint = HINT_INTERLEAVE("thread",
                                "for SS_THREAD, process_request() starts a thread that runs "
                                "finish_request() and shutdown_request(), and returns at once.",
                                "socketserver.ThreadingTCPServer (ThreadingMixIn)."),
     .ck_run = lab07_check_interleave,
     .ck_program = &tcp_thread,
     .ck_arg = &five},

    {.ck_name = "fork-interleave",
     .ck_step = 6,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "under fork, 5 clients connected in order are served in reverse, client 1 "
                   "held mid-request",
     .ck_hint = HINT_INTERLEAVE(
         "fork",
         "for SS_FORK, fork(); the child closes the server's socket, serves the request and "
         "_exit()s; the parent closes its copy of the connection (or the client never sees end "
         "of file) and goes back to the loop.",
         "socketserver.ForkingTCPServer (ForkingMixIn)."),
     .ck_run = lab07_check_interleave,
     .ck_program = &tcp_fork,
     .ck_arg = &five},
    {.ck_name = "fork-children",
     .ck_step = 6,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "under fork, each of 5 clients is served by a child process of its own",
     .ck_hint = "The fork strategy gives each request a process: /proc shows one child per "
                "client being served. In C: fork() in process_request(), not pthread_create(). "
                "In Python: ForkingMixIn, not ThreadingMixIn.",
     .ck_run = lab07_check_fork_children,
     .ck_program = &tcp_fork},
    {.ck_name = "fork-no-zombies",
     .ck_step = 6,
     .ck_points = 4,
     .ck_deadline_ms = 30000,
     .ck_summary = "under fork, after 300 connections no child is left: none running, none a "
                   "zombie",
     .ck_hint = "An exited child stays a zombie until its parent reaps it. In C: the framework "
                "keeps the pids it forked and calls waitpid(pid, NULL, WNOHANG) on each every "
                "turn of the loop (service_actions); the program's SIGCHLD handler calls "
                "ss_wake() so that the turn comes at once. In Python: ForkingMixIn's "
                "collect_children(), called from service_actions().",
     .ck_run = lab07_check_fork_zombies,
     .ck_program = &tcp_fork},

    {.ck_name = "api-own-child",
     .ck_step = 6,
     .ck_kind = GR_SOURCE,
     .ck_points = 3,
     .ck_deadline_ms = API_DEADLINE_MS,
     .ck_summary =
         "through the API: the fork strategy leaves alone a child the program started itself",
     .ck_hint =
         "A library reaps only its own children: waitpid(-1, ...) takes the program's other "
         "children too (a zombie the program meant to wait for is gone, and its waitpid() "
         "fails with ECHILD). In C: keep the pids fork() returned and waitpid() each by pid, "
         "in service_actions and in ss_server_close(). In Python: ForkingMixIn keeps "
         "active_children and calls os.waitpid(pid, ...) on each.",
     .ck_run = gr_check_unit_suite,
     .ck_arg = &api_own_child},

    {.ck_name = "sigterm-idle",
     .ck_step = 7,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary = "SIGTERM to an idle server: it exits with status 0 within 2 s",
     .ck_hint = HINT_SIGTERM,
     .ck_run = lab07_check_sigterm_idle,
     .ck_program = &tcp_sync},
    {.ck_name = "sigterm-drains",
     .ck_step = 7,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary = "SIGTERM under thread: no new client gets in, the request in flight "
                   "finishes, then exit 0",
     .ck_hint = HINT_SIGTERM,
     .ck_run = lab07_check_sigterm_drains,
     .ck_program = &tcp_thread,
     .ck_arg = &yes},
    {.ck_name = "sigterm-fork-drains",
     .ck_step = 7,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_flags = GR_OWN_SERVER,
     .ck_summary = "SIGTERM under fork: the child in flight finishes its request, the server "
                   "reaps it and exits 0",
     .ck_hint = HINT_SIGTERM,
     .ck_run = lab07_check_sigterm_drains,
     .ck_program = &tcp_fork,
     .ck_arg = &no},
    {.ck_name = "fds-constant",
     .ck_step = 7,
     .ck_points = 3,
     .ck_deadline_ms = 20000,
     .ck_summary = "under thread, 200 connections later the server holds no more descriptors "
                   "than before",
     .ck_hint = "Every request releases what it took: the framework closes each connection "
                "once it is done, on every path (served, refused, failed). In C: "
                "shutdown_request() ends with close(fd); shutdown() alone sends the FIN but "
                "keeps the descriptor. In Python: shutdown_request() calls close_request(), "
                "which closes the socket.",
     .ck_run = lab07_check_fds_constant,
     .ck_program = &tcp_thread},

    {.ck_name = "api-shutdown-start",
     .ck_step = 7,
     .ck_kind = GR_SOURCE,
     .ck_points = 2,
     .ck_deadline_ms = API_DEADLINE_MS,
     .ck_summary = "through the API: 20 servers shut down before or just as their loop starts: "
                   "none goes on serving",
     .ck_hint =
         "A shutdown asked for before the loop runs, or as it starts, must still stop it. In C: "
         "ss_shutdown() sets the flag (and writes the wake-up pipe) before waiting; the loop "
         "reads the flag before each wait and returns at once, and clears it only when it "
         "returns, never when it starts. In Python: shutdown() sets __shutdown_request, which "
         "serve_forever() reads every turn and resets in its finally: clause.",
     .ck_run = gr_check_unit_suite,
     .ck_arg = &api_shutdown_start},
    {.ck_name = "api-shutdown-thread",
     .ck_step = 7,
     .ck_kind = GR_SOURCE,
     .ck_points = 2,
     .ck_deadline_ms = API_DEADLINE_MS,
     .ck_summary = "through the API: ss_shutdown() from another thread wakes the loop at once, "
                   "not at its next poll interval",
     .ck_hint =
         "A shutdown wakes the loop; it does not wait for the loop's next turn. In C: poll() "
         "the socket and the wake-up pipe's read end together, with the poll interval; "
         "ss_shutdown() sets the flag and writes a byte to the pipe, so that poll() returns at "
         "once. In Python: serve_forever(poll_interval) sees shutdown() only at its next "
         "select(); a selector on a socketpair() beside the socket is the wake-up.",
     .ck_run = gr_check_unit_suite,
     .ck_arg = &api_shutdown_thread},

    {.ck_name = "pool-interleave",
     .ck_step = 8,
     .ck_points = 3,
     .ck_deadline_ms = 10000,
     .ck_summary = "a pool of 4: 4 clients connected in order are served in reverse, client 1 "
                   "held mid-request",
     .ck_hint = HINT_INTERLEAVE("pool",
                                "start cf_pool_threads workers once; process_request() puts the "
                                "request on the queue and a free worker serves it.",
                                "a fixed list of threading.Thread workers on a queue.Queue."),
     .ck_run = lab07_check_interleave,
     .ck_program = &tcp_pool,
     .ck_arg = &pool_threads},
    {.ck_name = "pool-busy",
     .ck_step = 8,
     .ck_points = 4,
     .ck_deadline_ms = 10000,
     .ck_summary = "a pool of 4 with a queue of 4, full: the next client gets \"BUSY\"; a free "
                   "worker takes the oldest waiting",
     .ck_hint = "The pool's queue is bounded: when it is full, the request is refused (the busy "
                "hook says BUSY) and closed, and workers take the waiting ones oldest first. In "
                "C: with sv_queued == cf_pool_queue, process_pool() returns -1; the queue is a "
                "FIFO under the server's mutex. In Python: queue.Queue(maxsize=4).put_nowait(), "
                "catching queue.Full.",
     .ck_run = lab07_check_pool_busy,
     .ck_program = &tcp_pool},
    {.ck_name = "pool-threads",
     .ck_step = 8,
     .ck_points = 3,
     .ck_deadline_ms = 20000,
     .ck_summary = "a pool of 4 never has more than its 4 workers and the serving thread, "
                   "however many clients come",
     .ck_hint = "A pool's threads are made once, when the server is: a thread per request is "
                "not a pool. In C: start_pool() creates cf_pool_threads workers in "
                "ss_server_new(), and process_request() never creates another. In Python: not "
                "ThreadingMixIn; a fixed list of workers.",
     .ck_run = lab07_check_pool_threads,
     .ck_program = &tcp_pool},
    {.ck_name = "api-echo",
     .ck_step = 8,
     .ck_kind = GR_SOURCE,
     .ck_points = 3,
     .ck_deadline_ms = API_DEADLINE_MS,
     .ck_summary = "through the API: each family under each strategy: 3 echoes, shutdown, close, "
                   "no descriptor left open",
     .ck_hint =
         "Every family and every strategy serve through the same handler, and ss_server_close() "
         "releases every descriptor the server took (its socket, the wake-up pipe, each "
         "request's), after joining its threads and reaping its children. In Python: "
         "server_close() closes the socket; ThreadingMixIn joins, ForkingMixIn reaps.",
     .ck_run = gr_check_unit_suite,
     .ck_arg = &api_echo},
};

const gr_lab gr_lab07 = {
    .lab_id = "07",
    .lab_name = "socketserver",
    .lab_title = "a socketserver-style framework",
    .lab_server_cmd = "./tcp_echo {port}",
    .lab_client_cmd = NULL,
    .lab_steps = steps,
    .lab_nsteps = sizeof steps / sizeof steps[0] - 1,
    .lab_checks = checks,
    .lab_nchecks = sizeof checks / sizeof checks[0],
    .lab_hidden = NULL,
    .lab_udp = 0,
    .lab_sanitize = NULL,
    .lab_quiet_ms = 0,
};
