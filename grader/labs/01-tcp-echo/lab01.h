/**
 * @file lab01.h
 * @brief Pieces of lab 01's checks shared with its hidden checks.
 */
#ifndef SOCKLAB_GRADER_LAB01_H
#define SOCKLAB_GRADER_LAB01_H

#include "peers/fake.h"
#include "engine/grader.h"

#include <stddef.h>

/** @brief A fake echo server's connection handler (see fake.h); @p arg is unused. */
void lab01_fake_echo(gr_fake *f, int fd, void *arg);

/**
 * @brief Run the student's echo client against a fake server and compare.
 *
 * Starts a fake server with @p handler, runs the client with @p input on its
 * stdin, and fails the check unless the client exits with status 0 having
 * printed exactly @p want.
 * @param ctx     the check
 * @param handler the fake server's connection handler
 * @param arg     its argument
 * @param input   the client's stdin
 * @param ninput  its length
 * @param want    what the client must print
 * @param nwant   its length
 * @return 0, or gr_fail()'s value
 */
int lab01_client_round_trip(gr_ctx *ctx, gr_fake_handler handler, void *arg, const char *input,
                            size_t ninput, const char *want, size_t nwant);

#endif
