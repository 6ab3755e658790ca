/**
 * @file socketserver.h
 * @brief A small server framework in the manner of Python's socketserver.
 *
 * A server object owns a socket (TCP, UDP, Unix stream or Unix datagram),
 * waits for requests and hands each to a handler: a table of three
 * callbacks, setup, handle and finish, called with a per-request context
 * (::ss_request). How requests are served is a strategy chosen when the
 * server is made: one after another, a thread each, a process each, or a
 * bounded pool of threads. The server's own "methods" that Python lets a
 * subclass override (verify_request, handle_error, handle_timeout,
 * shutdown_request) are a second table, ::ss_hooks.
 *
 * Library rules: the framework never exits and never prints. A function
 * that fails returns -1 (or NULL) with errno set, and ss_server_new() also
 * writes a one-line reason into the caller's buffer. It installs no signal
 * handler: a program that wants SIGTERM to stop the server calls
 * ss_shutdown_signal() from its own handler.
 */
#ifndef LAB07_SOCKETSERVER_H
#define LAB07_SOCKETSERVER_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/** The address family and socket type: Python's four server classes. */
typedef enum ss_kind {
    SS_TCP,         /**< TCPServer: AF_INET or AF_INET6, SOCK_STREAM */
    SS_UDP,         /**< UDPServer: AF_INET or AF_INET6, SOCK_DGRAM */
    SS_UNIX_STREAM, /**< UnixStreamServer: AF_UNIX, SOCK_STREAM */
    SS_UNIX_DGRAM   /**< UnixDatagramServer: AF_UNIX, SOCK_DGRAM */
} ss_kind;

/** How requests are served: Python's mix-ins, and a pool. */
typedef enum ss_strategy {
    SS_SYNC,   /**< one request at a time, in serve_forever()'s thread */
    SS_THREAD, /**< a thread per request (ThreadingMixIn) */
    SS_FORK,   /**< a process per request (ForkingMixIn) */
    SS_POOL    /**< a fixed set of threads fed by a bounded queue */
} ss_strategy;

/** A server (opaque). */
typedef struct ss_server ss_server;

/**
 * One request, as the handler sees it: Python's self.request,
 * self.client_address and self.server. Owned by the framework, valid from
 * setup() to finish().
 */
typedef struct ss_request {
    ss_server *rq_server;            /**< the server */
    int rq_fd;                       /**< stream: the connected socket; datagram: the
                                          server's socket (reply with ss_reply()). The
                                          framework closes it: the handler never does */
    const unsigned char *rq_data;    /**< datagram: its bytes; stream: NULL */
    size_t rq_len;                   /**< datagram: its length (0 is a datagram too) */
    struct sockaddr_storage rq_addr; /**< the client's address */
    socklen_t rq_addrlen;            /**< its length */
    void *rq_user;                   /**< the server's user data (ss_config::cf_user) */
    void *rq_state;                  /**< the handler's own, per request: NULL at first */
} ss_request;

/**
 * The request handler: Python's BaseRequestHandler. Each callback but
 * handle may be NULL. setup() and handle() return 0, or -1 with errno set
 * for a failed request (Python: an exception), which then goes to the
 * handle_error hook. finish() runs after handle(), even when handle()
 * failed; when setup() fails, neither handle() nor finish() runs.
 */
typedef struct ss_handler {
    int (*h_setup)(ss_request *rq);   /**< before handle() */
    int (*h_handle)(ss_request *rq);  /**< serve the request (required) */
    void (*h_finish)(ss_request *rq); /**< clean up after handle() */
} ss_handler;

/**
 * The server's own hooks: what a Python subclass overrides. Each may be
 * NULL, for the default shown.
 */
typedef struct ss_hooks {
    /** Serve this client? 1 yes, 0 refuse: it is closed without the handler
     *  (default: serve everyone). */
    int (*verify_request)(ss_request *rq);
    /** setup() or handle() failed with @p err (an errno value); the server
     *  goes on (default: nothing). */
    void (*handle_error)(ss_request *rq, int err);
    /** ss_handle_request() waited cf_timeout_ms for nothing (default:
     *  nothing). */
    void (*handle_timeout)(ss_server *srv, void *user);
    /** Every request ends here, served or refused, just before the
     *  framework closes it: Python's shutdown_request (default: nothing). */
    void (*close_request)(ss_request *rq);
    /** The pool and its queue are full: this request is refused and then
     *  closed (default: nothing; e.g. say "BUSY"). */
    void (*busy)(ss_request *rq);
} ss_hooks;

/** Everything ss_server_new() needs: Python's class attributes. */
typedef struct ss_config {
    ss_kind cf_kind;              /**< the family and socket type */
    const char *cf_address;       /**< TCP, UDP: a numeric address, NULL for any
                                       IPv4 address; Unix: the path, or "@name"
                                       for a Linux abstract name */
    int cf_port;                  /**< TCP, UDP: 0 to 65535; 0 picks a free port
                                       (ss_server_address() says which) */
    int cf_queue_size;            /**< listen() backlog (request_queue_size); 0: 5 */
    int cf_reuse_address;         /**< 1: SO_REUSEADDR (allow_reuse_address) */
    int cf_timeout_ms;            /**< ss_handle_request()'s wait; -1: none */
    ss_strategy cf_strategy;      /**< how requests are served */
    int cf_pool_threads;          /**< SS_POOL: its threads; 0: 4 */
    int cf_pool_queue;            /**< SS_POOL: requests that may wait; 0: 4 */
    const ss_handler *cf_handler; /**< the handler (copied) */
    const ss_hooks *cf_hooks;     /**< the hooks (copied), or NULL: the defaults */
    void *cf_user;                /**< given to every request as rq_user */
} ss_config;

/**
 * @brief Make a server: create its socket, bind it (server_bind) and, for a
 *        stream, listen (server_activate).
 * @param cf  the configuration (copied)
 * @param err a buffer of SL_ERR_LEN bytes for the reason, or NULL
 * @return the server, or NULL with errno set; nothing is left open then
 */
ss_server *ss_server_new(const ss_config *cf, char *err);

/** @brief The server's socket (fileno()). */
int ss_server_fileno(const ss_server *srv);

/**
 * @brief The address the server is bound to (server_address): after port
 *        0, the port the system picked; the same as getsockname().
 * @return 0, or -1 with errno set
 */
int ss_server_address(const ss_server *srv, struct sockaddr_storage *addr, socklen_t *len);

/**
 * @brief Serve requests until ss_shutdown() or ss_shutdown_signal().
 *
 * Each turn waits at most @p poll_interval_ms for a request or a wake-up,
 * then does its housekeeping (service_actions: reaping children, joining
 * threads). A shutdown asked for before it starts makes it return at once.
 * @return 0 after a shutdown, or -1 with errno set (EBUSY: it is already
 *         running in another thread)
 */
int ss_serve_forever(ss_server *srv, int poll_interval_ms);

/**
 * @brief Serve one request, waiting at most cf_timeout_ms for it; when none
 *        comes, call the handle_timeout hook.
 * @return 1 if a request came, 0 on a timeout, -1 with errno set
 */
int ss_handle_request(ss_server *srv);

/**
 * @brief Stop ss_serve_forever() and wait until it has returned. Call it
 *        from another thread than the one serving (or it would wait for
 *        itself). Returns at once when the server is not serving.
 */
void ss_shutdown(ss_server *srv);

/**
 * @brief Ask ss_serve_forever() to stop, without waiting: safe in a signal
 *        handler (it sets a flag and writes a byte to the wake-up pipe).
 */
void ss_shutdown_signal(ss_server *srv);

/**
 * @brief Make ss_serve_forever() take a turn now, e.g. from a SIGCHLD
 *        handler so that children are reaped at once. Async-signal-safe.
 */
void ss_wake(ss_server *srv);

/**
 * @brief Close the server (server_close) and free it: stop accepting, wait
 *        for every request in flight (join the threads, reap the children
 *        it started), remove a Unix socket's file, release every
 *        descriptor. Call it when ss_serve_forever() has returned.
 * @return 0, or -1 with errno set (the server is freed all the same)
 */
int ss_server_close(ss_server *srv);

/**
 * @brief Send a reply: the whole of @p buf on a stream, one datagram to
 *        the client's address on a datagram server.
 * @return @p n, or -1 with errno set
 */
ssize_t ss_reply(ss_request *rq, const void *buf, size_t n);

#endif
