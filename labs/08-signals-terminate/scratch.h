/*
 * scratch.h - a worker's temp file, written record by record. (Given: do not
 * edit.)
 *
 * Like most library code (stdio, malloc, ...), these functions are NOT
 * async-signal-safe: never call them from a signal handler. Where real
 * library code would silently corrupt its state, scratch_remove() notices
 * that it interrupted a scratch_write() and aborts with a message.
 */
#ifndef SCRATCH_H
#define SCRATCH_H

#include <signal.h>

struct scratch {
    char path[256];
    int fd;
    int records;
    volatile sig_atomic_t busy; /* inside scratch_write() */
};

/* Create (or truncate) the file at path. 0 on success, -1 on error. */
int scratch_open(struct scratch *s, const char *path);

/* Append record n. A record is slow work: it takes a long while (20 s,
 * times PROCLABS_TIME_SCALE), but ends early as soon as *stop is set, so
 * pass your SIGTERM flag (NULL: no early end). */
void scratch_write(struct scratch *s, int n, const volatile sig_atomic_t *stop);

/* Close the file and delete it: the cleanup. Not from a handler! */
void scratch_remove(struct scratch *s);

/* Instrumentation the checks and the driver read: when scratch_probe points
 * to shared memory, the functions above count what happens in it. */
struct scratch_probe {
    volatile int tries;   /* scratch_open() calls, failed ones too */
    volatile int opened;  /* scratch_open() calls that made the file */
    volatile int writing; /* 1 while a scratch_write() runs */
    volatile int records; /* finished scratch_write() calls */
    volatile int removed; /* scratch_remove() calls that deleted the file */
    volatile int unsafe;  /* scratch_remove() ran inside a scratch_write() */
    volatile int hold;    /* set to 1 by a check: scratch_open() waits (bounded) after
                             creating the file until hold is no longer 1 */
};
extern struct scratch_probe *scratch_probe;

#endif
