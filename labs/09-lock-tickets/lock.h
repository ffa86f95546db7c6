/*
 * lock.h - lab 09: a Lock that works across processes. (Given: do not edit.)
 *
 * Python: lock = multiprocessing.Lock(); lock.acquire(block=True, timeout=None);
 *         lock.release(). Python builds its Lock on a POSIX semaphore too.
 *         Python's timeout is in seconds (timeout=0.5); here, as in every lab
 *         of the kit, it is in milliseconds (timeout_ms 500).
 */
#ifndef LOCK_H
#define LOCK_H

#include <semaphore.h>
#include <stdbool.h>

/* A lock is a POSIX semaphore whose value is 1 while the lock is free and 0
 * while some process holds it. Every process must use the same sem_t, so
 * the struct must live in memory that fork() does not copy (see lock_new). */
struct lock {
    sem_t sem;
};

/* Step 1. A new, unlocked lock that every process forked afterwards shares.
 * NULL when it cannot be made. */
struct lock *lock_new(void);

/* Step 2. Take the lock:
 *   block false:                  try once, never wait (timeout_ms ignored);
 *   block true,  timeout_ms < 0:  wait as long as it takes;
 *   block true,  timeout_ms >= 0: wait at most timeout_ms milliseconds.
 * Returns true when the caller now holds the lock, false when it did not get
 * it. The lock is not recursive: a holder that acquires again does not get
 * it a second time. */
bool lock_acquire(struct lock *l, bool block, double timeout_ms);

/* Step 3. Give the lock back. Any process may release it (a Lock has no
 * owner). Releasing a lock that nobody holds is an error: return -1 and leave
 * the lock as it was (Python raises "ValueError: semaphore or lock released
 * too many times"). Returns 0 on success. */
int lock_release(struct lock *l);

/* Destroy the lock and give its memory back. */
void lock_free(struct lock *l);

#endif
