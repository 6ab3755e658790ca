/* bug_chat.c - self-test server: lab 06's chat server with one classic bug,
 * chosen by MODE.
 *
 * usage: bug_chat MODE PORT
 *
 * sequential  serves one client at a time (no threads): nobody else is
 *             served while a member is connected
 * framing     takes what one recv() returns for one line, as the seed's
 *             ChatServer does with its JSON messages
 * interleave  writes "NAME", ": ", TEXT and "\n" to each member with four
 *             send()s, from the talker's thread, with no lock per member:
 *             two talkers' pieces interleave
 * blocking    writes each line to every member with the room's lock held: a
 *             member who does not read blocks the writer, and the room
 * unbounded   queues lines for each member without a limit: a member who
 *             does not read is never dropped
 * unguarded   walks and changes the member list without the room's lock (a
 *             data race that ThreadSanitizer reports; built that way through
 *             grader/labs/06-threads/selftest/unguarded)
 * anyname     takes any first line as the name: no check of its characters
 *             or length, none that it is free
 * noleave     takes a member who leaves out of the list but tells nobody
 * sigpipe     leaves SIGPIPE at its default: the first send() to a member
 *             who is gone (a member disconnected for not reading) kills the
 *             server
 * halfline    says the half line a member sent just before closing (end of
 *             file) to the room, as if it had ended with a newline
 * fdleak      never closes a connection that ended: the others are told, and
 *             the client sees end of file (shutdown()), but the descriptor
 *             stays open in the server
 * flush       sends a member who leaves what waits for it before closing
 *             (as asyncio's close() and Node's end() do), and does not shut
 *             its socket down: a member who left without reading keeps its
 *             writer blocked in send(), its reader waiting for it, and its
 *             socket, forever
 * tightqueue  disconnects a member as soon as 128 KiB wait for it, not 256 KiB
 * name15      takes names of at most 15 characters (an off-by-one)
 * name8bit    takes any byte from 0x80 up as a letter, as isalpha() does in a
 *             Latin-1 locale or str.isalnum() does with Unicode
 * cstring     builds "NAME: TEXT" with printf("%s"): a NUL ends the text
 * crcount     counts a CR before the newline in the line's length, so a line of
 *             1000 bytes sent with CR LF is refused
 *
 * Everything else follows the protocol of labs/06-threads/README.md, like
 * the reference solution: a reader and a writer thread per member. */
#include "addr.h"
#include "err.h"
#include "rio.h"
#include "selftest_listen.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINE_MAX_LEN 1000
#define QUEUE_MAX (256 * 1024)

typedef enum mode {
    SEQUENTIAL,
    FRAMING,
    INTERLEAVE,
    BLOCKING,
    UNBOUNDED,
    UNGUARDED,
    ANYNAME,
    NOLEAVE,
    SIGPIPE_KILLS,
    HALFLINE,
    FDLEAK,
    FLUSH,
    TIGHTQUEUE,
    NAME15,
    NAME8BIT,
    CSTRING,
    CRCOUNT
} mode;
static mode bug;

typedef struct line {
    struct line *next;
    size_t len;
    char text[];
} line;

typedef struct member {
    int fd;
    char name[17];
    pthread_t writer;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    line *head, *tail;
    size_t queued;
    int stop;
    struct member *next;
} member;

static pthread_mutex_t room_lock = PTHREAD_MUTEX_INITIALIZER;
static member *room;

static void room_lock_take(void)
{
    if (bug != UNGUARDED) {
        pthread_mutex_lock(&room_lock);
    }
}

static void room_lock_give(void)
{
    if (bug != UNGUARDED) {
        pthread_mutex_unlock(&room_lock);
    }
}

static void stop_locked(member *m)
{
    m->stop = 1;
    pthread_cond_signal(&m->cv);
    shutdown(m->fd, SHUT_RDWR);
}

static void enqueue(member *m, const char *text, size_t len)
{
    pthread_mutex_lock(&m->mu);
    if (m->stop) {
    } else if (bug != UNBOUNDED &&
               m->queued + len > (bug == TIGHTQUEUE ? QUEUE_MAX / 2 : QUEUE_MAX)) {
        stop_locked(m);
    } else {
        line *l = malloc(sizeof *l + len);
        if (l != NULL) {
            l->next = NULL;
            l->len = len;
            memcpy(l->text, text, len);
            if (m->tail != NULL) {
                m->tail->next = l;
            } else {
                m->head = l;
            }
            m->tail = l;
            m->queued += len;
            pthread_cond_signal(&m->cv);
        }
    }
    pthread_mutex_unlock(&m->mu);
}

/* write() all of buf: no MSG_NOSIGNAL, so a gone peer raises SIGPIPE. */
static ssize_t plain_write(int fd, const char *buf, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w < 0) {
            return -1;
        }
        off += (size_t)w;
    }
    return (ssize_t)n;
}

static void *writer_main(void *arg)
{
    member *m = arg;
    for (;;) {
        pthread_mutex_lock(&m->mu);
        while (m->head == NULL && !m->stop) {
            pthread_cond_wait(&m->cv, &m->mu);
        }
        if (m->stop && (bug != FLUSH || m->head == NULL)) {
            pthread_mutex_unlock(&m->mu);
            return NULL; /* in mode flush, the bug: only once the queue is sent */
        }
        line *l = m->head;
        m->head = l->next;
        if (m->head == NULL) {
            m->tail = NULL;
        }
        m->queued -= l->len;
        pthread_mutex_unlock(&m->mu);
        ssize_t w = bug == SIGPIPE_KILLS ? plain_write(m->fd, l->text, l->len)
                                         : sl_rio_writen(m->fd, l->text, l->len);
        free(l);
        if (w < 0) {
            pthread_mutex_lock(&m->mu);
            stop_locked(m);
            pthread_mutex_unlock(&m->mu);
            return NULL;
        }
    }
}

/* Write one line to fd in four pieces, yielding in between. */
static void send_in_pieces(int fd, const char *buf, size_t n, size_t name_len)
{
    size_t cut[5] = {0, name_len, name_len + 2, n - 1, n};
    for (size_t k = 0; k < 4; k++) {
        send(fd, buf + cut[k], cut[k + 1] - cut[k], MSG_NOSIGNAL);
        sched_yield();
    }
}

/* Send buf to everyone but except, with the room's lock held. */
static void deliver_locked(member *except, const char *buf, size_t n)
{
    for (member *o = room; o != NULL; o = o->next) {
        if (o == except) {
            continue;
        }
        if (bug == BLOCKING || bug == INTERLEAVE) {
            /* The bug of "blocking": a send() that can block, with the
             * room's lock held. */
            sl_rio_writen(o->fd, buf, n);
        } else {
            enqueue(o, buf, n);
        }
    }
}

/* Say "NAME: TEXT\n" to everyone but m. */
static void say(member *m, const char *text, size_t len)
{
    char buf[64 + LINE_MAX_LEN];
    size_t name_len = strlen(m->name);
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s: ", m->name);
    memcpy(buf + n, text, len);
    buf[n + len] = '\n';
    n += len + 1;
    if (bug == CSTRING) {
        /* The bug: the text taken as a C string. */
        buf[n - 1] = '\0';
        char copy[64 + LINE_MAX_LEN];
        n = (size_t)snprintf(copy, sizeof copy, "%s: %s\n", m->name, buf + name_len + 2);
        memcpy(buf, copy, n);
    }
    if (bug == INTERLEAVE) {
        /* The bug: the list is copied under the lock, then each member gets
         * the line in pieces, from this thread, with nothing held. */
        int fds[256];
        size_t nfds = 0;
        room_lock_take();
        for (member *o = room; o != NULL && nfds < 256; o = o->next) {
            if (o != m) {
                fds[nfds++] = o->fd;
            }
        }
        room_lock_give();
        for (size_t i = 0; i < nfds; i++) {
            send_in_pieces(fds[i], buf, n, name_len);
        }
        return;
    }
    room_lock_take();
    deliver_locked(m, buf, n);
    room_lock_give();
}

static int valid_name(const char *s, size_t len)
{
    if (len < 1 || len > (bug == NAME15 ? 15 : 16)) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (bug == NAME8BIT && (unsigned char)c >= 0x80) {
            continue; /* the bug: a "letter" */
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

/* Replies to one member go straight to its socket in the modes without a
 * writer thread, through its queue otherwise. */
static void reply(member *m, const char *text)
{
    if (bug == INTERLEAVE || bug == BLOCKING || bug == SEQUENTIAL) {
        sl_rio_writen(m->fd, text, strlen(text));
    } else {
        enqueue(m, text, strlen(text));
    }
}

static int join_room(member *m)
{
    room_lock_take();
    for (member *o = room; o != NULL && bug != ANYNAME; o = o->next) {
        if (strcmp(o->name, m->name) == 0) {
            room_lock_give();
            return -1;
        }
    }
    char text[64];
    snprintf(text, sizeof text, "OK %s\n", m->name);
    reply(m, text);
    int n = snprintf(text, sizeof text, "* %s joined\n", m->name);
    deliver_locked(m, text, (size_t)n);
    m->next = room;
    room = m;
    room_lock_give();
    return 0;
}

static void leave_room(member *m)
{
    room_lock_take();
    for (member **pp = &room; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    char text[64];
    int n = snprintf(text, sizeof text, "* %s left\n", m->name);
    if (bug != NOLEAVE) {
        deliver_locked(m, text, (size_t)n);
    }
    room_lock_give();
}

enum { LINE_OK, LINE_TOO_LONG, LINE_END };

static int read_line(sl_rio *rio, int fd, char *buf, size_t *len)
{
    if (bug == FRAMING) {
        /* The bug: one recv() is one line. */
        ssize_t n = recv(fd, buf, LINE_MAX_LEN + 2, 0);
        if (n <= 0) {
            return LINE_END;
        }
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
            n--;
        }
        *len = (size_t)n;
        return LINE_OK;
    }
    ssize_t n = sl_rio_readline(rio, buf, LINE_MAX_LEN + 3);
    if (n < 0 && errno == EMSGSIZE) {
        do {
            n = sl_rio_readline(rio, buf, LINE_MAX_LEN + 3);
        } while (n < 0 && errno == EMSGSIZE);
        return n > 0 && buf[n - 1] == '\n' ? LINE_TOO_LONG : LINE_END;
    }
    if (bug == HALFLINE && n > 0 && buf[n - 1] != '\n') {
        *len = (size_t)n; /* the bug: the end of the stream taken for a newline */
        return LINE_OK;
    }
    if (n <= 0 || buf[n - 1] != '\n') {
        return LINE_END;
    }
    n--;
    if (bug == CRCOUNT && n > LINE_MAX_LEN) {
        return LINE_TOO_LONG; /* the bug: measured before the CR is removed */
    }
    if (n > 0 && buf[n - 1] == '\r') {
        n--;
    }
    if (n > LINE_MAX_LEN) {
        return LINE_TOO_LONG;
    }
    *len = (size_t)n;
    return LINE_OK;
}

static void *member_main(void *arg)
{
    member *m = arg;
    sl_rio rio;
    sl_rio_init(&rio, m->fd);
    char buf[LINE_MAX_LEN + 3];
    size_t len = 0;
    int joined = 0;
    int r;
    while (!joined && (r = read_line(&rio, m->fd, buf, &len)) != LINE_END) {
        if (bug == ANYNAME && len > sizeof m->name - 1) {
            len = sizeof m->name - 1; /* the bug accepts it, cut to fit */
        } else if (bug != ANYNAME && (r == LINE_TOO_LONG || !valid_name(buf, len))) {
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
    while (joined && (r = read_line(&rio, m->fd, buf, &len)) != LINE_END) {
        if (r == LINE_TOO_LONG) {
            reply(m, "ERR line too long\n");
        } else if (len > 0) {
            say(m, buf, len);
        }
    }
    if (joined) {
        leave_room(m);
    }
    if (bug == FLUSH) {
        /* The bug: the writer is told to stop once it has sent everything,
         * and is not woken from a send() to a member who reads nothing. */
        pthread_mutex_lock(&m->mu);
        m->stop = 1;
        pthread_cond_signal(&m->cv);
        pthread_mutex_unlock(&m->mu);
        pthread_join(m->writer, NULL);
    } else if (bug != SEQUENTIAL) {
        pthread_mutex_lock(&m->mu);
        stop_locked(m);
        pthread_mutex_unlock(&m->mu);
        pthread_join(m->writer, NULL);
    }
    while (m->head != NULL) {
        line *l = m->head;
        m->head = l->next;
        free(l);
    }
    if (bug != FDLEAK) {
        close(m->fd); /* in mode fdleak, the bug: never closed */
    }
    free(m);
    return NULL;
}

int main(int argc, char **argv)
{
    static const char *const modes[] = {
        "sequential", "framing", "interleave", "blocking", "unbounded", "unguarded",
        "anyname",    "noleave", "sigpipe",    "halfline", "fdleak",    "flush",
        "tightqueue", "name15",  "name8bit",   "cstring",  "crcount"};
#ifdef BUG_CHAT_MODE
    const char *want = BUG_CHAT_MODE; /* built for one mode: usage chat_server PORT */
    const char *port = argc == 2 ? argv[1] : NULL;
#else
    const char *want = argc == 3 ? argv[1] : "";
    const char *port = argc == 3 ? argv[2] : NULL;
#endif
    size_t i = 0;
    while (i < sizeof modes / sizeof modes[0] && strcmp(modes[i], want) != 0) {
        i++;
    }
    if (port == NULL || i == sizeof modes / sizeof modes[0]) {
        fprintf(stderr, "usage: bug_chat sequential|framing|interleave|blocking|unbounded|"
                        "unguarded|anyname|noleave|sigpipe|halfline|fdleak|flush|tightqueue|"
                        "name15|name8bit|cstring|crcount PORT\n");
        return 2;
    }
    bug = (mode)i;
    if (bug != SIGPIPE_KILLS) {
        signal(SIGPIPE, SIG_IGN); /* in mode sigpipe, the bug: left at its default */
    }
    int lfd = selftest_listen_or_exit(port, "bug_chat MODE PORT");
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        member *m = calloc(1, sizeof *m);
        if (m == NULL) {
            close(fd);
            continue;
        }
        m->fd = fd;
        pthread_mutex_init(&m->mu, NULL);
        pthread_cond_init(&m->cv, NULL);
        if (bug == SEQUENTIAL) {
            member_main(m); /* the bug: the next client waits for this one */
            continue;
        }
        /* The writer stays idle in the modes that write directly. */
        pthread_create(&m->writer, NULL, writer_main, m);
        pthread_t reader;
        pthread_create(&reader, NULL, member_main, m);
        pthread_detach(reader);
    }
}
