/* pipeq.c - lab 15: a queue of ints over a pipe. (Given: do not edit.) */
#include "pipeq.h"
#include "proclabs.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

void (*pipeq_after_put)(void) = NULL;

void pipeq_init(struct pipeq *p)
{
    int fds[2];
    Pipe(fds);
    p->rfd = fds[0];
    p->wfd = fds[1];
}

void pipeq_put(struct pipeq *p, int item)
{
    if (write_all(p->wfd, &item, sizeof item) < 0)
        die("pipeq_put: write");
    if (pipeq_after_put)
        pipeq_after_put();
}

int pipeq_get(struct pipeq *p)
{
    int item;
    ssize_t n;
    while ((n = read(p->rfd, &item, sizeof item)) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof item)
        die("pipeq_get: read gave %zd bytes", n);
    return item;
}

bool pipeq_empty(struct pipeq *p)
{
    int n = 0;
    if (ioctl(p->rfd, FIONREAD, &n) < 0)
        die("pipeq_empty: ioctl(FIONREAD)");
    return n == 0;
}

void pipeq_close(struct pipeq *p)
{
    close(p->rfd);
    close(p->wfd);
}
