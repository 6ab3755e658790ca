/* bug_no_wakeup.c - self-test framework: the loop polls its socket but not
 * the wake-up pipe, so that a shutdown is seen only at the loop's next
 * turn, a poll interval later. Seen only through the API
 * (api-shutdown-thread): the echo programs' poll interval (500 ms) ends
 * well within what the SIGTERM checks allow. */
#define _GNU_SOURCE /* before any system header, as the framework needs */
#include <poll.h>
#define poll(fds, n, ms) ((void)(n), poll(fds, 1, ms)) /* the bug: the pipe is not polled */
#include "../../../../../solutions/07-socketserver/socketserver.c"
