/*
 * pipeq.h - lab 15: a plain queue of ints over a pipe. (Given: do not edit.)
 *
 * Every item is one 4-byte write(2) and one 4-byte read(2): a pipe never
 * splits or mixes writes that small, so many processes may put and get at
 * once. Initialise it before forking; every child inherits the pipe.
 * It holds up to 16384 items (the pipe's 64 KiB); put waits beyond that.
 */
#ifndef PIPEQ_H
#define PIPEQ_H

#include <stdbool.h>

struct pipeq {
    int rfd, wfd;
};

void pipeq_init(struct pipeq *p);          /* make the pipe; dies on error */
void pipeq_put(struct pipeq *p, int item); /* append an item */
int pipeq_get(struct pipeq *p);            /* take the oldest; waits while empty */
bool pipeq_empty(struct pipeq *p);         /* no item waiting in the pipe right now */
void pipeq_close(struct pipeq *p);         /* close both ends (in this process) */

/* For the checks: when set, pipeq_put calls it right after the item is in
 * the pipe (a reader may take it from then on), to make the window between
 * "item out" and whatever the caller does next as wide as the check needs.
 * NULL (no hook) by default. */
extern void (*pipeq_after_put)(void);

#endif
