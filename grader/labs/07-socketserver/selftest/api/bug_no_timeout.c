/* bug_no_timeout.c - self-test framework: ss_handle_request() waits its
 * timeout and returns 0, but never calls the handle_timeout hook. Seen only
 * through the API (api-timeout): the echo programs never call
 * ss_handle_request(). */
#define handle_timeout(srv, user) handle_timeout != NULL ? (void)(srv) : (void)(user)
#include "../../../../../solutions/07-socketserver/socketserver.c"
