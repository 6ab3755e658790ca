/* bug_dgram_addrlen.c - self-test framework: ss_reply() gives sendto() the
 * size of the address buffer, not the sender's address length. IPv4 does
 * not mind a longer length; a Unix address does (EINVAL), so that Unix
 * datagram replies never leave. Seen through the API by api-echo alone:
 * the other API tests serve TCP and UDP. */
#define _GNU_SOURCE /* before any system header, as the framework needs */
#include <sys/socket.h>
#define sendto(fd, buf, n, flags, addr, len)                                                       \
    ((void)(len), sendto(fd, buf, n, flags, addr, sizeof rq->rq_addr)) /* the bug */
#include "../../../../../solutions/07-socketserver/socketserver.c"
