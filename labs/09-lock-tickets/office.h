/*
 * office.h - lab 09: the ticket office. (Given: do not edit.)
 *
 * A file holds how many tickets are left, like ticket.json in the Python
 * example: {"count": 1}. Reading and writing it is slow, like a remote
 * database: that delay is what lets buyers race. The delays shrink with
 * PROCLABS_TIME_SCALE (the grader sets 0.1), so races still happen, fast.
 *
 * The office also keeps a log, in shared memory, of every read and write and
 * of whether the lock was held at that moment: the `tickets` program and the
 * grader learn from it how many tickets were really sold, not from what the
 * buyers print.
 */
#ifndef OFFICE_H
#define OFFICE_H

#include "lock.h"

#include <sys/types.h>

/* Latencies at time scale 1 (milliseconds). */
#define OFFICE_READ_MS 100   /* after reading the file */
#define OFFICE_WRITE_MS 1000 /* before writing the file */

/* Create the file with `tickets` tickets and start a fresh log. `lock` is the
 * lock the buyers will use: the log notes whether it was held at each read
 * and write. Call before forking the buyers. 0 on success, -1 on error. */
int office_open(const char *path, int tickets, struct lock *lock);

/* The number of tickets left, after OFFICE_READ_MS; -1 on error. */
int tickets_read(const char *path);

/* Set the number of tickets left, after OFFICE_WRITE_MS. The file is
 * replaced in one step: a reader sees the old or the new count, never half.
 * 0 on success, -1 on error. */
int tickets_write(const char *path, int count);

/* The count now, without delay and without logging (for summaries). */
int tickets_peek(const char *path);

/* Remove the file. */
void office_close(const char *path);

struct office_log {
    int tickets;              /* the count office_open wrote */
    int reads, writes;        /* tickets_read and tickets_write calls */
    int sold_out_reads;       /* reads that found 0 */
    int sales;                /* writes of (what the same process read last) - 1 */
    int sales_read_unlocked;  /* sales whose read happened while the lock was free */
    int sales_write_unlocked; /* sales whose write happened while the lock was free */
    int other_writes;         /* writes that were not a sale */
};

/* The log since the last office_open (shared by every process). */
const struct office_log *office_log(void);

/* One sentence on what went wrong when more tickets were sold than existed,
 * read from the log: no lock, a lock around the write only, or a lock that
 * each buyer had its own copy of. */
const char *office_diagnosis(void);

#endif
