/*
 * wire.h - lab 12: messages on a stream socket, and the store the manager
 * owns. (Given: do not edit.)
 *
 * Python's multiprocessing.connection frames every message the same way: a
 * 4-byte big-endian length, then that many bytes. A stream socket keeps no
 * message boundaries, so the receiver must read the length, then exactly
 * that many bytes, however the kernel cuts them up (see recv_msg()).
 */
#ifndef WIRE_H
#define WIRE_H

#include <stdbool.h>
#include <stddef.h>

enum { MSG_MAX = 256 }; /* the longest message text, in bytes */

/* Send text (1 to MSG_MAX bytes, no NUL) as one message. Like a slow
 * network it delivers the message in pieces: the length first and the text
 * wire_latency_ms later. A peer that has gone away gives -1 (never
 * SIGPIPE). Returns 0 or -1. */
int send_msg(int fd, const char *text);

/* The simulated latency, scaled by PROCLABS_TIME_SCALE: 5 ms by default;
 * 0 sends each message in one piece (the benchmark does, to time the
 * manager itself). */
extern double wire_latency_ms;

/* The store: the dict that lives in the manager's server process, and only
 * there. Apply one request and write the reply text into reply:
 *
 *     "GET key"         -> "OK value"      or "ERR no such key"
 *     "SET key value"   -> "OK value"
 *     "ADD key delta"   -> "OK new-value"  (a missing key counts as 0); one
 *                          step in the server, so no other request can
 *                          come in between the read and the write
 *     "SHUTDOWN"        -> "OK bye"
 *     anything else     -> "ERR bad request ..."
 *
 * Keys are up to 31 characters without spaces; values are long integers.
 * Returns true for SHUTDOWN: the server should stop after replying. */
bool store_handle(const char *request, char *reply, size_t cap);

#endif
