/* bug_no_finish.c - self-test framework: the handler's finish() is never
 * called, so what setup() opened is never released. Seen only through the
 * API (api-finish): the echo programs have no finish(). */
#define h_finish(rq) h_finish != NULL ? (void)0 : (void)(rq)
#include "../../../../../solutions/07-socketserver/socketserver.c"
