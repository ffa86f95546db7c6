/*
 * hotel.h - lab 10: the rooms themselves, and the hotel's register.
 * (Given: do not edit.)
 *
 * A guest in a room stays a while (HOTEL_STAY_MS, shrunk by
 * PROCLABS_TIME_SCALE: the grader sets 0.1). The register, in shared memory,
 * counts who is inside at every moment: the `hotel` program and the grader
 * learn from it how many guests were in the rooms at once, not from what the
 * guests print.
 */
#ifndef HOTEL_H
#define HOTEL_H

#include <stdbool.h>

#define HOTEL_STAY_MS 1000 /* at time scale 1 */

/* Open the register (fresh counts). A guest whose id % picky_every is
 * picky_every - 1 does not like the room and leaves at once (picky_every 2:
 * guests 1, 3, 5, ...; 0: nobody is picky). Call before forking guests. */
void hotel_open(int picky_every);

/* The guest is now in a room: counted as inside. Returns false when the guest
 * does not like the room: it is counted as gone at once (left early), and
 * must give the room back all the same. */
bool room_check_in(int id);

/* The guest stays a while. */
void room_stay(int id);

/* The guest leaves the room: no longer inside, counted as served. */
void room_check_out(int id);

struct hotel_log {
    int inside;     /* guests in a room right now */
    int max_inside; /* the most at once */
    int check_ins;  /* room_check_in calls */
    int served;     /* room_check_out calls */
    int left;       /* guests that did not like their room */
    int picky_every;
};

/* The register since the last hotel_open (shared by every process). */
const struct hotel_log *hotel_log(void);

#endif
