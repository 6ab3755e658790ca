/* parallel.c - concurrent mode (step 10): an epoll loop over non-blocking
 * sockets, one job per URL. */
#include "parallel.h"

#include "err.h"
#include "fetch.h"

int parallel_fetch(const transfer_opts *o, char *const *urls, int n, int width, FILE *out,
                   char *err)
{
    /* TODO(step 10): a job per URL (its state, its socket, its request, the
     * bytes that arrived, a deadline); start up to width of them with a
     * non-blocking connect(), and loop on epoll_wait() until the nearest
     * deadline: EPOLLOUT finishes the connect (SO_ERROR) and sends the
     * request (transfer_request()), EPOLLIN appends what arrived and, when
     * it may be whole, reads it through response.c from a memfd. Write the
     * bodies to out in URL order; say each failure on stderr. */
    (void)o;
    (void)urls;
    (void)n;
    (void)width;
    (void)out;
    sl_err_set(err, "TODO(step 10): the concurrent mode");
    return FETCH_LOCAL;
}
