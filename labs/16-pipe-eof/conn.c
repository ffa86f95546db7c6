/*
 * conn.c - lab 16: a duplex connection with framed messages, and EOF.
 * This is the file you edit. Read README.md first; `make grade LAB=16`
 * checks your work.
 */
#include "conn.h"
#include "proclabs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int conn_pair(struct conn *a, struct conn *b)
{
    /* TODO step 1: socketpair(AF_UNIX, SOCK_STREAM, 0, fds); a->fd = fds[0],
     * b->fd = fds[1]. */
    a->fd = -1;
    b->fd = -1;
    errno = ENOSYS;
    return -1;
}

int conn_send(struct conn *c, const void *buf, size_t len)
{
    /* TODO step 2: refuse a closed end (EBADF) and len > CONN_MAX_MESSAGE
     * (EMSGSIZE); send the 4-byte header htonl(len), then the len bytes.
     * send() may take only part: loop until every byte is out, retry EINTR,
     * and pass MSG_NOSIGNAL. */
    (void)c;
    (void)buf;
    (void)len;
    errno = ENOSYS;
    return -1;
}

int conn_recv(struct conn *c, void **buf, size_t *len)
{
    /* TODO step 3: refuse a closed end (EBADF); read the 4-byte header
     * (0 bytes before it: EOF, return 0); ntohl() it; malloc len + 1; read
     * until all len bytes are in (a read may return fewer); '\0' at the end.
     * EOF inside a frame is an error (EPROTO). */
    (void)c;
    *buf = NULL;
    *len = 0;
    errno = ENOSYS;
    return -1;
}

int conn_close(struct conn *c)
{
    /* TODO step 4: refuse a closed end (EBADF); close(c->fd); c->fd = -1. */
    (void)c;
    errno = ENOSYS;
    return -1;
}

pid_t start_worker(conn_job job, struct conn *parent_end)
{
    /* TODO step 5: conn_pair, fork. Child: close the parent's end, job(&its
     * end), close its end, _exit(0). Parent: close the child's end, hand
     * back its own end, return the pid. */
    (void)job;
    parent_end->fd = -1;
    return -1;
}
