/* bug_port_zero.c - self-test framework: the server keeps the address it
 * was asked to bind, not the one it got, so that after port 0
 * ss_server_address() says port 0. Seen only through the API (api-address):
 * the echo programs are given their port. */
#define _GNU_SOURCE /* before any system header, as the framework needs */
#include <string.h>
#include <sys/socket.h>
/* The bug: bind_and_activate() copies its own request (ss, len) where it
 * should ask getsockname(). */
#define getsockname(fd, addr, lenp) ((void)(fd), memcpy(addr, &ss, len), *(lenp) = len, 0)
#include "../../../../../solutions/07-socketserver/socketserver.c"
