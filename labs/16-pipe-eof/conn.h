/*
 * conn.h - lab 16: a duplex connection with framed messages, and EOF.
 * (Given: do not edit.)
 *
 * Python: multiprocessing.Pipe() -> (conn1, conn2); conn.send_bytes(b),
 *         conn.recv_bytes() (EOFError at the end), conn.close();
 *         Process(target=f, args=(child_conn,)).start(); child_conn.close().
 */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <sys/types.h>

/* The largest message conn_send() accepts and conn_recv() believes. */
#define CONN_MAX_MESSAGE (64u << 20) /* 64 MiB */

/* One end of a connection: a connected AF_UNIX stream socket. A struct conn
 * whose fd is such a socket is an open end; fd is -1 once it is closed. */
struct conn {
    int fd;
};

/* On the wire every message is a frame: its length as 4 bytes in network
 * (big-endian) order, htonl(len), then the len bytes themselves. A stream
 * socket keeps no message boundaries by itself: the length is what lets
 * the reader find them again. */

/* Step 1. Make a connected pair of ends with socketpair(AF_UNIX,
 * SOCK_STREAM, 0, fds): what is sent on one end is received on the other,
 * in both directions. 0, or -1 with errno. */
int conn_pair(struct conn *a, struct conn *b);

/* Step 2. Send one message of len bytes (len may be 0): the frame header,
 * then every byte. A write may take only part of the bytes (the socket is
 * full and a signal arrives) or fail with EINTR: go on until all is sent.
 * Use send(..., MSG_NOSIGNAL) so a vanished peer gives EPIPE, not a death
 * by SIGPIPE. Returns 0, or -1 with errno: EBADF when c is closed,
 * EMSGSIZE when len > CONN_MAX_MESSAGE, EPIPE when the other end is gone. */
int conn_send(struct conn *c, const void *buf, size_t len);

/* Step 3. Receive one whole message: *buf gets a buffer from malloc (the
 * caller frees it) holding the len bytes plus a '\0', *len the length.
 * Returns
 *    1  a message (perhaps an empty one: len 0 is a message, not EOF);
 *    0  end of file at a message boundary: every copy of the other end,
 *       in every process, has been closed (Python's EOFError);
 *   -1  with errno: EBADF when c is closed; EPROTO when the other end
 *       closed in the middle of a frame or the length is above
 *       CONN_MAX_MESSAGE. A read may return only part of what was sent:
 *       keep reading until the header and the whole body are in. */
int conn_recv(struct conn *c, void **buf, size_t *len);

/* Step 4. Close this end: close the fd and set it to -1, so the end can
 * never be used again (the fd number may soon belong to another file).
 * 0, or -1 with errno EBADF when it was already closed. */
int conn_close(struct conn *c);

/* What a worker does with its end of the connection. */
typedef void (*conn_job)(struct conn *end);

/* Step 5. Start a worker process connected to the caller: make a pair,
 * fork; the child runs job(its end), closes its end and _exit(0)s; the
 * parent gets the other end in *parent_end and returns the child's pid at
 * once. Each end must live in ONE process only: the child closes its copy
 * of the parent's end before running job, and the parent closes its copy
 * of the child's end before returning; otherwise recv never sees EOF.
 * -1 if the pair or the fork fails. */
pid_t start_worker(conn_job job, struct conn *parent_end);

#endif
