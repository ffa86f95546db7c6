/*
 * rooms.h - lab 10: a counting semaphore; four rooms, many guests.
 * (Given: do not edit.)
 *
 * Python: sem = multiprocessing.Semaphore(4); sem.acquire(); sem.release().
 *         Python makes it with sem_open() under a random name; with the
 *         fork start method it unlinks the name at once, so nothing is left
 *         in /dev/shm (with forkserver, the default from Python 3.14, the
 *         name stays until the program ends: children open it by name).
 */
#ifndef ROOMS_H
#define ROOMS_H

#include <semaphore.h>

/* Step 1. A counting semaphore of `value` that every process forked
 * afterwards shares: an unnamed sem_t in shared memory. NULL on failure. */
sem_t *semaphore_new(unsigned value);
/* Destroy it and give its memory back. */
void semaphore_free(sem_t *s);

/* Step 2. The same, made through a name, as Python does: create
 * /dev/shm/sem.NAME with sem_open(name, O_CREAT | O_EXCL, 0600, value), then
 * sem_unlink(name) at once. The open semaphore goes on working in this
 * process and in every child forked later, and nothing is left behind in
 * /dev/shm, even if the program crashes. name starts with '/'. NULL on
 * failure (for example when the name is taken). */
sem_t *semaphore_named_new(const char *name, unsigned value);
/* Close it (sem_close). */
void semaphore_named_free(sem_t *s);

/* How a guest's visit ended: its exit code. */
enum { GUEST_SERVED = 0, GUEST_LEFT = 1 };

/* Step 3. One guest. Wait for a free room (the semaphore), then
 * room_check_in(id) (hotel.h). If the guest does not like the room, it leaves
 * at once: give the room back and return GUEST_LEFT. Otherwise room_stay(id),
 * room_check_out(id), give the room back and return GUEST_SERVED. */
int guest(sem_t *rooms, int id);

/* Step 4. The hotel: a semaphore of n_rooms (unnamed when name is NULL, else
 * made by semaphore_named_new(name, ...)); fork n_guests guests at once, guest
 * i running guest(rooms, i) and exiting with what it returned; wait for every
 * guest; free the semaphore. Returns how many guests ended with GUEST_SERVED
 * or GUEST_LEFT (n_guests when all went well). */
int run_hotel(int n_rooms, int n_guests, const char *name);

#endif
