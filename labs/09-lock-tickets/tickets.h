/*
 * tickets.h - lab 09: buyers that grab tickets under a lock. (Given: do not
 * edit.) The ticket count lives in a file that office.h reads and writes.
 *
 * Python: the classic "grab tickets" example:
 *     def task(name, lock):
 *         search(name)
 *         with lock:
 *             buy(name)
 *     for i in range(10): Process(target=task, args=(i, lock)).start()
 */
#ifndef TICKETS_H
#define TICKETS_H

#include "lock.h"

#include <stdbool.h>

/* Step 4. Look at the office: read the count (tickets_read) and log
 * "buyer N sees K tickets left". Returns K, or -1 if the file could not be
 * read. Reading alone needs no lock. */
int search(const char *path, int buyer);

/* Step 5. Try to buy one ticket, holding the lock while checking and
 * buying: read the count; if a ticket is left, write count - 1, log
 * "buyer N bought a ticket" and return true; otherwise log "buyer N found
 * no ticket left" and return false. The lock is released on every path. */
bool buy(const char *path, struct lock *lock, int buyer);

/* Step 6. Start n buyers at once, all sharing the lock. Buyer i runs
 * search(path, i) then buy(path, lock, i) and exits with 0 if it bought a
 * ticket, 1 if not. Then wait for every buyer and return how many bought. */
int run_buyers(const char *path, int n, struct lock *lock);

#endif
