/**
 * @file udp.h
 * @brief A fake UDP echo server that misbehaves on purpose, for checking a
 *        student's UDP client: it may drop a datagram, answer late (after
 *        the client's timeout, or after the next reply: reordering), or
 *        answer twice.
 *
 * One thread, one socket on 127.0.0.1 and a port the kernel picks. For each
 * datagram that arrives, a callback of the check says what to do with it.
 */
#ifndef SOCKLAB_GRADER_PEERS_UDP_H
#define SOCKLAB_GRADER_PEERS_UDP_H

#include <stddef.h>

/** What the fake does with one datagram. */
typedef enum gr_udp_act {
    GR_UDP_ECHO,  /**< send it back at once */
    GR_UDP_DROP,  /**< never answer */
    GR_UDP_DELAY, /**< send it back after a delay */
    GR_UDP_TWICE  /**< send it back twice */
} gr_udp_act;

/**
 * Decide what to do with a datagram of @p n bytes. Runs in the fake's
 * thread. For GR_UDP_DELAY, set *@p delay_ms.
 */
typedef gr_udp_act (*gr_udp_decide)(void *arg, const unsigned char *data, size_t n, int *delay_ms);

/** A running fake UDP server. */
typedef struct gr_udp_fake gr_udp_fake;

/**
 * @brief Start the fake on 127.0.0.1 and a port the kernel picks.
 * @param decide what to do with each datagram
 * @param arg    passed to @p decide
 * @param err    reason on failure (::SL_ERR_LEN bytes), may be NULL
 * @return the fake, or NULL
 */
gr_udp_fake *gr_udp_fake_start(gr_udp_decide decide, void *arg, char *err);

/** @brief The port the fake is bound to. */
int gr_udp_fake_port(const gr_udp_fake *f);

/** @brief Stop the thread (replies still held back are never sent) and free @p f. */
void gr_udp_fake_stop(gr_udp_fake *f);

#endif
