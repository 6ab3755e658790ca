/* bug_reap_all.c - self-test framework: reaping with waitpid(-1, ...), so
 * that the fork strategy takes every child of the program, the test's own
 * too. Seen only through the API (api-own-child): a program that starts no
 * child of its own shows nothing on the wire. */
#define _GNU_SOURCE /* before any system header, as the framework needs */
#include <sys/wait.h>
#define waitpid(pid, status, flags) ((void)(pid), waitpid(-1, status, flags))
#include "../../../../../solutions/07-socketserver/socketserver.c"
