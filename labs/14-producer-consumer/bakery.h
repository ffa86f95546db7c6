/*
 * bakery.h - lab 14: producers, consumers and stop sentinels. (Given: do
 * not edit.)
 *
 * Python: q = Queue(); bakers and eaters are Processes; an eater loops
 *         `for item in iter(q.get, None)`, and the main process puts one
 *         None per eater after joining every baker.
 */
#ifndef BAKERY_H
#define BAKERY_H

#include "tray.h"

/* The stop sentinel (Python's None): never a loaf. */
#define STOP (-1)

enum { MAX_BAKERS = 8, MAX_EATERS = 8, MAX_PER_BAKER = 100 };

/* ---- what you write (bakery.c) ------------------------------------------ */

/* Step 1. A baker: for k = 0 .. n-1, bake loaf k (bake(id, k)) and put it on
 * the tray. A baker never puts STOP. */
void baker(struct tray *t, int id, int n);

/* Step 2. An eater: take items from the tray until STOP; eat(id, item) each
 * loaf before it. Returns how many loaves it ate. */
int eater(struct tray *t, int id);

/* Step 3. The main process: make a tray of TRAY_CAPACITY; start neaters
 * eater processes (eater e runs eater(t, e)) and nbakers baker processes
 * (baker b runs baker(t, b, per_baker)); wait for every baker; then put one
 * STOP per eater; then wait for every eater. Children exit with 0.
 * Returns how many children exited with 0 (nbakers + neaters when all went
 * well). */
int run_bakery(int nbakers, int per_baker, int neaters);

/* ---- given (bakery_given.c) ------------------------------------------------ */

/* Bake loaf k of baker id: takes a little while, returns the loaf's number
 * 1000 * (id + 1) + k (baker 0's loaves are 1000, 1001, ...). */
int bake(int id, int k);
/* Eat a loaf: records it in the ledger (and prints it when bakery_verbose). */
void eat(int id, int loaf);
extern int bakery_verbose;

/* The ledger: shared memory that the given code fills in and the checks
 * read. Nothing in it is yours to change. */
struct ledger {
    int bakers, per_baker, eaters; /* the run ledger_reset() announced */
    int baked;                     /* bake() calls */
    int eaten;                     /* eat() calls */
    int times_eaten[MAX_BAKERS * MAX_PER_BAKER];
    int bad_loaves;           /* eat() of something that is no loaf (a STOP?) */
    int puts, gets;           /* tray_put and tray_get calls that finished */
    int stops_put, stops_got; /* STOPs through the tray */
    int baked_at_first_stop;  /* loaves baked when the first STOP was put (-1: none yet) */
    int loaves_after_stop;    /* loaves put after a STOP */
    int putters_waiting;      /* processes inside tray_put now (a full tray?) */
    int getters_waiting;      /* processes inside tray_get now (an empty tray?) */
    pid_t baker_pid[MAX_BAKERS]; /* the process of each baker (set by its first bake) */
    int unjoined_at_first_stop;  /* bakers of the STOP's putter still not waited for
                                    (running, or zombies) when it put the first STOP */
    int joined_at_first_stop;    /* bakers that had baked and were gone (waited for) then */
    int eaten_by[MAX_EATERS];    /* loaves each eater ate */
};
extern struct ledger *ledger;
/* Start a new run: make the ledger (the first time), clear it and say what
 * is expected. Called before forking, by the checks and by the program. */
void ledger_reset(int bakers, int per_baker, int eaters);

#endif
