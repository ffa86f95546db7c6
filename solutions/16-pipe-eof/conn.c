/* conn.c - lab 16, reference solution. */
#include "conn.h"
#include "proclabs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int conn_pair(struct conn *a, struct conn *b)
{
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) return -1;
    a->fd = fds[0];
    b->fd = fds[1];
    return 0;
}

/* The whole frame, header and body, in ONE system call when the socket has
 * room: the reader is woken once per message, not once for the header and
 * again for the body (two wake-ups would halve a ping-pong's rate). A send
 * may still take only part of the bytes (the socket is full and a signal
 * arrives): go on from where it stopped. One buffer goes by send(), which
 * costs less than sendmsg() (no msghdr or iovec array to copy in).
 * MSG_NOSIGNAL: EPIPE, not SIGPIPE. */
static int send_all(int fd, struct iovec *iov, size_t n)
{
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = n};
    while (m.msg_iovlen > 0) {
        ssize_t k = m.msg_iovlen == 1
                        ? send(fd, m.msg_iov[0].iov_base, m.msg_iov[0].iov_len, MSG_NOSIGNAL)
                        : sendmsg(fd, &m, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        /* Skip what was sent: whole iovecs, then part of the next one. */
        while (m.msg_iovlen > 0 && (size_t)k >= m.msg_iov[0].iov_len) {
            k -= (ssize_t)m.msg_iov[0].iov_len;
            m.msg_iov++;
            m.msg_iovlen--;
        }
        if (m.msg_iovlen > 0) {
            m.msg_iov[0].iov_base = (char *)m.msg_iov[0].iov_base + k;
            m.msg_iov[0].iov_len -= (size_t)k;
        }
    }
    return 0;
}

enum { SMALL_BODY = 508 }; /* header and body copied into one 512-byte buffer */

int conn_send(struct conn *c, const void *buf, size_t len)
{
    if (c->fd < 0) {
        errno = EBADF;
        return -1;
    }
    if (len > CONN_MAX_MESSAGE) {
        errno = EMSGSIZE;
        return -1;
    }
    uint32_t header = htonl((uint32_t)len); /* the frame: length first */
    if (len <= SMALL_BODY) { /* a copy of a few hundred bytes is cheaper than sendmsg() */
        char frame[sizeof header + SMALL_BODY];
        memcpy(frame, &header, sizeof header);
        memcpy(frame + sizeof header, buf, len);
        struct iovec one = {frame, sizeof header + len};
        return send_all(c->fd, &one, 1);
    }
    struct iovec two[2] = {{&header, sizeof header}, {(void *)buf, len}};
    return send_all(c->fd, two, 2);
}

int conn_recv(struct conn *c, void **buf, size_t *len)
{
    if (c->fd < 0) {
        errno = EBADF;
        return -1;
    }
    uint32_t header;
    ssize_t n = read_all(c->fd, &header, sizeof header); /* loops over short reads */
    if (n == 0) return 0; /* EOF between frames: every copy of the other end is closed */
    if (n < 0) return -1;
    size_t want = ntohl(header);
    if (n < (ssize_t)sizeof header || want > CONN_MAX_MESSAGE) {
        errno = EPROTO;
        return -1;
    }
    char *p = malloc(want + 1);
    if (!p) return -1;
    n = read_all(c->fd, p, want);
    if (n != (ssize_t)want) { /* an error, or EOF in the middle of the body */
        if (n >= 0) errno = EPROTO;
        free(p);
        return -1;
    }
    p[want] = '\0';
    *buf = p;
    *len = want;
    return 1;
}

int conn_close(struct conn *c)
{
    if (c->fd < 0) {
        errno = EBADF;
        return -1;
    }
    int r = close(c->fd);
    c->fd = -1; /* the number may be reused: never touch it again */
    return r;
}

pid_t start_worker(conn_job job, struct conn *parent_end)
{
    struct conn mine, theirs;
    if (conn_pair(&mine, &theirs) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        conn_close(&mine);
        conn_close(&theirs);
        return -1;
    }
    if (pid == 0) {
        conn_close(&mine); /* else the child's recv never sees the parent's EOF */
        job(&theirs);
        if (theirs.fd >= 0) conn_close(&theirs);
        _exit(0);
    }
    conn_close(&theirs); /* else the parent's recv never sees EOF */
    *parent_end = mine;
    return pid;
}
