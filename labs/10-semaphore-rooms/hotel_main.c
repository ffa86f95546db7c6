/*
 * hotel_main.c - the `hotel` program. (Given: do not edit.)
 *
 *     ./hotel [ROOMS [GUESTS]] [--named]
 *
 * ROOMS rooms (default 4), GUESTS guests (default 10); every third guest
 * does not like its room and leaves at once. With --named the semaphore is
 * made by semaphore_named_new(), and the program checks that its name did
 * not stay in /dev/shm. The summary comes from the hotel's register, not
 * from the guests.
 */
#include "hotel.h"
#include "proclabs.h"
#include "rooms.h"

#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int num[2] = {4, 10}, k = 0;
    const char *name = NULL;
    char buf[64];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--named")) {
            /* pid and clock: unique even beside a run in another pid namespace */
            snprintf(buf, sizeof buf, "/proclabs-hotel-%d-%ld", (int)getpid(), (long)now_ms());
            name = buf;
        } else if (k < 2) {
            num[k++] = atoi(argv[i]);
        }
    }
    int rooms = num[0], guests = num[1];
    if (rooms < 1 || rooms > 64 || guests < 1 || guests > 64)
        fatal("usage: %s [ROOMS [GUESTS]] [--named]   (1 to 64 each)", argv[0]);

    hotel_open(3);
    log_line("hotel: %d rooms, %d guests%s%s", rooms, guests, name ? ", semaphore " : "",
             name ? name : "");
    int done = run_hotel(rooms, guests, name);

    const struct hotel_log *h = hotel_log();
    log_line("hotel: at most %d of %d rooms in use at once; %d served, %d left early; "
             "run_hotel() says %d of %d guests done",
             h->max_inside, rooms, h->served, h->left, done, guests);
    int ok = h->max_inside <= rooms && h->served + h->left == guests && done == guests;
    if (h->max_inside > rooms)
        log_line("hotel: OVERBOOKED: %d guests in %d rooms", h->max_inside, rooms);
    if (name) {
        char path[128];
        snprintf(path, sizeof path, "/dev/shm/sem.%s", name + 1);
        if (access(path, F_OK) == 0) {
            log_line("hotel: LEFT BEHIND %s: the name was never unlinked (sem_unlink); "
                     "removed it now",
                     path);
            sem_unlink(name);
            ok = 0;
        } else {
            log_line("hotel: nothing left in /dev/shm");
        }
    }
    return ok ? 0 : 1;
}
