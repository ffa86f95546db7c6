/* rooms.c - lab 10, reference solution. */
#include "rooms.h"
#include "hotel.h"
#include "proclabs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

sem_t *semaphore_new(unsigned value)
{
    /* MAP_SHARED memory: after fork every guest waits on the same sem_t. */
    sem_t *s = shared_alloc(sizeof *s);
    if (sem_init(s, 1, value) < 0) { /* pshared 1: used by many processes */
        shared_free(s, sizeof *s);
        return NULL;
    }
    return s;
}

void semaphore_free(sem_t *s)
{
    if (!s) return;
    sem_destroy(s);
    shared_free(s, sizeof *s);
}

sem_t *semaphore_named_new(const char *name, unsigned value)
{
    sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, value);
    if (s == SEM_FAILED) return NULL;
    sem_unlink(name); /* the name goes now; the semaphore stays while it is open */
    return s;
}

void semaphore_named_free(sem_t *s)
{
    if (s) sem_close(s);
}

int guest(sem_t *rooms, int id)
{
    while (sem_wait(rooms) < 0)
        if (errno != EINTR) return -1;
    if (!room_check_in(id)) {
        sem_post(rooms); /* leaving early still gives the room back */
        return GUEST_LEFT;
    }
    room_stay(id);
    room_check_out(id);
    sem_post(rooms);
    return GUEST_SERVED;
}

int run_hotel(int n_rooms, int n_guests, const char *name)
{
    sem_t *rooms = name ? semaphore_named_new(name, n_rooms) : semaphore_new(n_rooms);
    if (!rooms) return 0;
    pid_t pids[n_guests > 0 ? n_guests : 1];
    for (int i = 0; i < n_guests; i++) {
        pids[i] = fork();
        if (pids[i] == 0) exit(guest(rooms, i));
    }
    int done = 0;
    for (int i = 0; i < n_guests; i++) {
        int status;
        if (pids[i] > 0 && Waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
            (WEXITSTATUS(status) == GUEST_SERVED || WEXITSTATUS(status) == GUEST_LEFT))
            done++;
    }
    if (name)
        semaphore_named_free(rooms);
    else
        semaphore_free(rooms);
    return done;
}
