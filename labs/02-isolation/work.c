/*
 * work.c - lab 02 scaffolding: the global and the slow work. (Given: do not
 * edit.)
 */
#include "isolation.h"
#include "proclabs.h"

#include <unistd.h>

int counter = 100;

struct square_log *square_log;

int slow_square(int x)
{
    /* Real work takes time (scaled by PROCLABS_TIME_SCALE). */
    sleep_ms(scaled_ms(500));
    if (square_log) {
        /* Under the grader: hand the result back only once the parent has
         * gone to sleep waiting (state 'S': a parent still forking or
         * copying results is running), at most 2 s, so a parent that reads the
         * results before it waits reads them before any child has written
         * one, on every run, however busy the machine. */
        double give_up = now_ms() + 2000;
        while (process_state(getppid(), NULL) != 'S' && now_ms() < give_up)
            sleep_ms(1);
        int k = __atomic_fetch_add(&square_log->calls, 1, __ATOMIC_SEQ_CST);
        if (k < MAX_SQUARES)
            square_log->pid[k] = getpid();
    }
    return x * x;
}
