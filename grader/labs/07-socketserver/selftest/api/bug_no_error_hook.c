/* bug_no_error_hook.c - self-test framework: a failed handle() never
 * reaches the handle_error hook (the request is still closed, and serving
 * goes on). Seen only through the API (api-handle-error): the echo programs'
 * hook only logs. */
#define handle_error(rq, err) handle_error != NULL ? (void)(rq) : (void)(err)
#include "../../../../../solutions/07-socketserver/socketserver.c"
