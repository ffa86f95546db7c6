/* conn.c - lab 16, reference solution. */
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
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0) return -1;
    a->fd = fds[0];
    b->fd = fds[1];
    return 0;
}

/* Every byte, whatever one send() takes; MSG_NOSIGNAL: EPIPE, not SIGPIPE. */
static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += k; /* a send may take only part of the bytes */
        n -= (size_t)k;
    }
    return 0;
}

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
    if (send_all(c->fd, (const char *)&header, sizeof header) < 0 || send_all(c->fd, buf, len) < 0)
        return -1;
    return 0;
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
