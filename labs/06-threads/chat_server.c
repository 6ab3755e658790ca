/*
 * chat_server.c - a chat room, one thread per member. Lab 06.
 *
 * This is the skeleton: it builds and runs, one member at a time. Your work
 * is marked TODO(step 1), (step 3), (step 4) and (step 5): step 2 adds no
 * code, it checks that lines are said and framed; the guide is README.md.
 *
 * usage: chat_server PORT
 *
 * Listens on TCP PORT (every local address). Each connection gets a thread
 * that reads its lines; the first line is the member's name, every later
 * line is said to the room: every other member receives "NAME: TEXT". Joins
 * and departures are announced as "* NAME joined" and "* NAME left". The
 * exact bytes are in labs/06-threads/README.md.
 *
 * Two kinds of shared state, two kinds of lock:
 * - the room (the list of named members) is guarded by one mutex, room_lock.
 *   Whoever walks the list, adds to it or removes from it holds it, so a
 *   line goes to exactly the members present when it was said;
 * - each member's outgoing queue is guarded by the member's own mutex. A
 *   line for a member is put on its queue, and the member's writer thread
 *   takes lines off and writes them to the socket, whole, one after another.
 *   Nobody else writes to that socket, so lines never interleave.
 *
 * A member who stops reading fills its socket and then its queue, never
 * anyone else's thread: when its queue would grow past QUEUE_MAX bytes, the
 * server disconnects it (shutdown()), and its reader announces that it left.
 *
 * Lock order: room_lock, then a member's mu; never the other way round.
 *
 * Exit status: 2 for a usage error or a bad PORT, 1 if the server cannot
 * start. Otherwise it runs until a signal stops it.
 */
#include "addr.h"
#include "err.h"
#include "rio.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The protocol's limits (README.md, "The protocol"). */
#define NAME_MAX_LEN 16        /* a name is 1 to 16 of [A-Za-z0-9_-] */
#define LINE_MAX_LEN 1000      /* bytes of text in a line, newline not counted */
#define QUEUE_MAX (256 * 1024) /* bytes waiting for one member before it is dropped */

/* One line waiting to be written to a member. */
typedef struct line {
    struct line *next;
    size_t len;
    char text[]; /* len bytes, newline included */
} line;

typedef struct member {
    int fd;                      /* the member's socket; its reader thread closes it */
    char name[NAME_MAX_LEN + 1]; /* set before the member joins the room, then read-only */
    pthread_t writer;            /* writes the queue to fd */
    pthread_mutex_t mu;          /* guards the fields below */
    pthread_cond_t cv;           /* signalled when a line is queued or stop is set */
    line *head, *tail;           /* the outgoing queue */
    size_t queued;               /* bytes in it */
    int stop;                    /* 1: the writer must exit, and nothing more is queued */
    struct member *next;         /* the room's list, guarded by room_lock */
} member;

static pthread_mutex_t room_lock = PTHREAD_MUTEX_INITIALIZER;
static member *room; /* the members with a name; guarded by room_lock */

/* Stop m's writer and make m's reader see end of file. Call with m->mu held. */
static void stop_locked(member *m)
{
    m->stop = 1;
    pthread_cond_signal(&m->cv);
    /* Wakes a writer blocked in send() and a reader blocked in recv(). The
     * fd stays open (its reader closes it), so it cannot be reused meanwhile. */
    shutdown(m->fd, SHUT_RDWR);
}

/*
 * Send text[0..len) (one or more whole lines) to member m.
 */
static void enqueue(member *m, const char *text, size_t len)
{
    /* TODO(step 4): the member's own thread (its replies) and the threads
     * of everyone who talks (broadcasts) may write to m->fd at the same
     * time. Hold m->mu around the write, so that each line goes out whole.
     *
     * TODO(step 5): a send() that blocks here blocks the thread that
     * talks, and the room's lock it holds: one member who does not read
     * freezes the room. Instead, put a copy of the line on m's queue and let
     * m's writer thread (writer_main()) send it:
     *   1. lock m->mu; if m->stop, unlock and return (m is leaving);
     *   2. if m->queued + len > QUEUE_MAX: m is not reading. Call
     *      stop_locked(m), which disconnects it, unlock and return;
     *   3. otherwise malloc() a line (sizeof(line) + len), copy the text,
     *      append it at m->tail, add len to m->queued, and
     *      pthread_cond_signal(&m->cv) to wake the writer; unlock.
     */
    if (sl_rio_writen(m->fd, text, len) < 0) {
        shutdown(m->fd, SHUT_RDWR); /* m is gone: its reader will see end of file */
    }
}

/* The writer thread: take lines off the queue and write each one whole. */
static void *writer_main(void *arg)
{
    member *m = arg;
    /* TODO(step 5): loop:
     *   1. lock m->mu; while the queue is empty and !m->stop,
     *      pthread_cond_wait(&m->cv, &m->mu);
     *   2. if m->stop: unlock and return NULL;
     *   3. take the first line off the queue (m->head, and m->tail when it
     *      was the last), subtract its length from m->queued, unlock;
     *   4. WITHOUT the lock, sl_rio_writen() it to m->fd and free() it. If
     *      the write fails, lock, stop_locked(m), unlock, and return NULL.
     * Until then the writer has nothing to do: lines are written directly
     * by enqueue(). */
    pthread_mutex_lock(&m->mu);
    while (!m->stop) {
        pthread_cond_wait(&m->cv, &m->mu);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* Send text to every member of the room but except. Call with room_lock held. */
static void broadcast_locked(const member *except, const char *text, size_t len)
{
    /* Given, like the "joined" notice in join_room(): every check, from
     * step 1 on, needs members who hear each other. */
    for (member *o = room; o != NULL; o = o->next) {
        if (o != except) {
            enqueue(o, text, len);
        }
    }
}

/* Is name (len bytes) a valid member name? */
static int valid_name(const char *name, size_t len)
{
    if (len < 1 || len > NAME_MAX_LEN) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

/* Add m to the room under its name, which must be free. Returns 0, or -1 if
 * the name is taken. Checking and adding under one lock: two members asking
 * for the same name at once cannot both get it. */
static int join_room(member *m)
{
    /* TODO(step 1): with many threads, two members may join at the same
     * moment, and others may be walking the list. Hold room_lock
     * (pthread_mutex_lock/unlock) from here to the end, and first walk
     * the list: if a member o has strcmp(o->name, m->name) == 0, unlock and
     * return -1 (the name is taken). Unlock on every return. */
    char text[NAME_MAX_LEN + 32];
    int n = snprintf(text, sizeof text, "OK %s\n", m->name);
    enqueue(m, text, (size_t)n); /* before anything said after it */
    n = snprintf(text, sizeof text, "* %s joined\n", m->name);
    broadcast_locked(m, text, (size_t)n); /* to the others: m is not in the list yet */
    m->next = room;
    room = m;
    return 0;
}

static void leave_room(member *m)
{
    pthread_mutex_lock(&room_lock);
    for (member **pp = &room; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    /* TODO(step 3): tell the others "* NAME left\n" (broadcast_locked()). */
    pthread_mutex_unlock(&room_lock);
}

/* What read_line() found. */
enum { LINE_OK, LINE_TOO_LONG, LINE_END };

/*
 * Read one line into buf (room for LINE_MAX_LEN + 3 bytes) and strip its
 * newline and a carriage return before it; *len is the text's length.
 * A line longer than LINE_MAX_LEN is read to its end and thrown away.
 * LINE_END: end of file, an error, or a last line without its newline.
 */
static int read_line(sl_rio *rio, char *buf, size_t *len)
{
    ssize_t n = sl_rio_readline(rio, buf, LINE_MAX_LEN + 3);
    if (n < 0 && errno == EMSGSIZE) {
        /* No newline in the first LINE_MAX_LEN + 2 bytes: skip to it. */
        do {
            n = sl_rio_readline(rio, buf, LINE_MAX_LEN + 3);
        } while (n < 0 && errno == EMSGSIZE);
        return n > 0 && buf[n - 1] == '\n' ? LINE_TOO_LONG : LINE_END;
    }
    if (n <= 0 || buf[n - 1] != '\n') {
        return LINE_END;
    }
    n--;
    if (n > 0 && buf[n - 1] == '\r') {
        n--;
    }
    if (n > LINE_MAX_LEN) {
        return LINE_TOO_LONG;
    }
    *len = (size_t)n;
    return LINE_OK;
}

/* Queue a reply for m alone. */
static void reply(member *m, const char *text)
{
    enqueue(m, text, strlen(text));
}

/* The reader thread: one per member, from accept() to goodbye. */
static void *member_main(void *arg)
{
    member *m = arg;
    sl_rio rio;
    sl_rio_init(&rio, m->fd);
    char buf[LINE_MAX_LEN + 3];
    size_t len = 0;
    int joined = 0;
    int r;

    /* The name: the first line that is a valid name nobody else has. */
    while (!joined && (r = read_line(&rio, buf, &len)) != LINE_END) {
        if (r == LINE_TOO_LONG || !valid_name(buf, len)) {
            reply(m, "ERR invalid name\n");
            continue;
        }
        memcpy(m->name, buf, len);
        m->name[len] = '\0';
        if (join_room(m) < 0) {
            m->name[0] = '\0';
            reply(m, "ERR name taken\n");
            continue;
        }
        joined = 1;
    }

    /* Every later line goes to everyone else, as "NAME: TEXT". */
    char said[NAME_MAX_LEN + 2 + LINE_MAX_LEN + 1];
    size_t prefix = (size_t)snprintf(said, sizeof said, "%s: ", m->name);
    while (joined && (r = read_line(&rio, buf, &len)) != LINE_END) {
        if (r == LINE_TOO_LONG) {
            reply(m, "ERR line too long\n");
            continue;
        }
        if (len == 0) {
            continue; /* an empty line says nothing */
        }
        memcpy(said + prefix, buf, len);
        said[prefix + len] = '\n';
        pthread_mutex_lock(&room_lock);
        broadcast_locked(m, said, prefix + len + 1);
        pthread_mutex_unlock(&room_lock);
    }

    /* Goodbye: out of the room first, so nothing more is queued for m. */
    if (joined) {
        leave_room(m);
    }
    pthread_mutex_lock(&m->mu);
    stop_locked(m);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->writer, NULL);
    while (m->head != NULL) {
        line *l = m->head;
        m->head = l->next;
        free(l);
    }
    close(m->fd);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
    return NULL;
}

/* Start the two threads of a new connection. Returns 0, or -1 (fd not closed). */
static int start_member(int fd)
{
    member *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return -1;
    }
    m->fd = fd;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    if (pthread_create(&m->writer, NULL, writer_main, m) != 0) {
        goto fail;
    }
    /* TODO(step 1): member_main() runs here, in the thread that accepts:
     * nobody else gets in until this member leaves. Run it in a thread of
     * its own instead:
     *   pthread_t reader;
     *   if (pthread_create(&reader, NULL, member_main, m) != 0) {
     *       lock m->mu, set m->stop = 1, pthread_cond_signal(&m->cv), unlock,
     *       pthread_join(m->writer, NULL), and goto fail;
     *   }
     *   pthread_detach(reader);   (nobody joins it: it cleans up after itself)
     */
    member_main(m);
    return 0;
fail:
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: chat_server PORT\n");
        return 2;
    }
    char err[SL_ERR_LEN];
    uint16_t port;
    if (sl_addr_parse_port(argv[1], 0, &port, err) < 0) {
        fprintf(stderr, "chat_server: %s\n", err);
        return 2;
    }
    /* A member who vanishes makes send() fail with EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    int lfd = sl_addr_listen(NULL, argv[1], 128, err);
    if (lfd < 0) {
        fprintf(stderr, "chat_server: %s\n", err);
        return 1;
    }
    fprintf(stderr, "chat_server: listening on port %u\n", (unsigned)port);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno != EINTR) {
                perror("chat_server: accept");
            }
            continue;
        }
        if (start_member(fd) < 0) {
            fprintf(stderr, "chat_server: cannot start a thread for a new member\n");
            close(fd);
        }
    }
}
