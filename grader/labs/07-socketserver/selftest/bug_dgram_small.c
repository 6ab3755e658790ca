/* bug_dgram_small.c - self-test server: datagrams read into 1024 bytes.
 * A longer one is cut (recvfrom() drops the rest without a word). */
#include <sys/socket.h>
#define recvfrom(fd, buf, n, flags, addr, len) recvfrom((fd), (buf), 1024, (flags), (addr), (len))
#include "selftest07.h"

int main(int argc, char **argv)
{
    return bug_main(argc, argv, &(bug_plan){.bp_strategy = BUG_SAME_STRATEGIES});
}
