/**
 * @file echo.h
 * @brief Fake echo servers, honest and misbehaving: handlers for
 *        gr_fake_start() (peers/fake.h).
 *
 * The honest one sends back every byte; the others change what they send or
 * how: every letter's case swapped (so a client that prints its own copy of
 * a line shows it), each line in three pieces with pauses between them (so
 * a client that takes one recv() for one reply shows it), or no reply at
 * all and a hang-up after the first line (so a client that waits forever
 * shows it).
 */
#ifndef SOCKLAB_GRADER_PEERS_ECHO_H
#define SOCKLAB_GRADER_PEERS_ECHO_H

#include "peers/fake.h"

/** @brief Echo every byte until the client closes. @p arg is unused. */
void gr_echo_exact(gr_fake *f, gr_xport *x, void *arg);

/** @brief Echo with the case of every ASCII letter swapped. @p arg is unused. */
void gr_echo_swapcase(gr_fake *f, gr_xport *x, void *arg);

/**
 * @brief Echo each complete line in three pieces, pausing between them.
 * @p arg points to an int: the pause in milliseconds.
 */
void gr_echo_in_pieces(gr_fake *f, gr_xport *x, void *arg);

/** @brief Read up to the first newline, then hang up without a word. @p arg is unused. */
void gr_echo_hangup(gr_fake *f, gr_xport *x, void *arg);

#endif
