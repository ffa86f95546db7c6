/*
 * tray.h - lab 14: the tray between bakers and eaters. (Given: do not edit.)
 *
 * A small bounded queue of ints, built the way Python's multiprocessing.Queue
 * is: a pipe carries the items, and a semaphore counts the free places so
 * that a put into a full tray waits. Every item is one 4-byte write(2),
 * which a pipe never splits or mixes with another writer's, and one 4-byte
 * read(2), which one reader takes whole.
 *
 * Make the tray before forking: every child inherits the pipe and the
 * shared semaphore, and all of them use the same tray.
 */
#ifndef TRAY_H
#define TRAY_H

#include <semaphore.h>

enum { TRAY_CAPACITY = 4 }; /* the tray run_bakery() uses */

struct tray {
    int rfd, wfd; /* the pipe */
    sem_t room;   /* free places; put takes one, get gives one back */
};

/* A tray with room for capacity items, in shared memory. Dies on error. */
struct tray *tray_create(int capacity);
/* Put an item; waits while the tray is full. (Python: q.put(item)) */
void tray_put(struct tray *t, int item);
/* Take the oldest item; waits while the tray is empty. (Python: q.get()) */
int tray_get(struct tray *t);
/* Close the pipe and free the tray, in the process that made it. */
void tray_destroy(struct tray *t);

#endif
