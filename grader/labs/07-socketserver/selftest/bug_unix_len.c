/* bug_unix_len.c - self-test server: an abstract Unix address bound with
 * the whole sizeof(struct sockaddr_un) as its length. The name then has
 * all of sun_path's NUL bytes in it: a different name, which no client
 * that writes @NAME finds. */
#include <sys/socket.h>
#include <sys/un.h>
static socklen_t bug_len(const struct sockaddr *sa, socklen_t len)
{
    return sa->sa_family == AF_UNIX ? (socklen_t)sizeof(struct sockaddr_un) : len;
}
#define bind(fd, addr, len) bind((fd), (addr), bug_len((addr), (len)))
#include "selftest07.h"

int main(int argc, char **argv)
{
    return bug_main(argc, argv, &(bug_plan){.bp_strategy = BUG_SAME_STRATEGIES});
}
