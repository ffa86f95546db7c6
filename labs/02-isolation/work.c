/*
 * work.c - lab 02 scaffolding: the global and the slow work. (Given: do not
 * edit.)
 */
#include "isolation.h"
#include "proclabs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int counter = 100;

struct square_log *square_log;

/* Processes with the same parent as the caller, itself included, that
 * have not ended. */
static int running_siblings(void)
{
    pid_t parent = getppid();
    int n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        pid_t pid = atoi(e->d_name), ppid = 0;
        char st = pid > 0 ? process_state(pid, &ppid) : 0;
        n += st && st != 'Z' && ppid == parent;
    }
    if (d)
        closedir(d);
    return n;
}

int slow_square(int x)
{
    /* Under the grader: a call that begins after another has returned
     * shows children run one after another (none returns before its parent
     * sleeps waiting, below, so children started at once never do that). */
    if (square_log) {
        __atomic_fetch_add(&square_log->entered, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&square_log->returned, __ATOMIC_SEQ_CST) > 0)
            __atomic_fetch_add(&square_log->late_starts, 1, __ATOMIC_SEQ_CST);
    }
    /* Real work takes time (scaled by PROCLABS_TIME_SCALE). */
    sleep_ms(scaled_ms(500));
    if (square_log) {
        /* Under the grader: hand the result back only once the parent is
         * blocked waiting for a child (in waitpid: a parent still forking
         * or copying results is running, one that sleeps in place of
         * waiting is in a sleep) and every running sibling has begun its
         * call, at most 2 s. So a parent that reads the results before it
         * waits, or sleeps and then looks, reads them before any child has
         * written one, and children started at once all begin before any
         * returns, on every run, however busy the machine. */
        double give_up = now_ms() + 2000;
        while ((waits_for_child(getppid()) == 0 ||
                __atomic_load_n(&square_log->entered, __ATOMIC_SEQ_CST) < running_siblings()) &&
               now_ms() < give_up)
            sleep_ms(1);
        int k = __atomic_fetch_add(&square_log->calls, 1, __ATOMIC_SEQ_CST);
        if (k < MAX_SQUARES)
            square_log->pid[k] = getpid();
        __atomic_fetch_add(&square_log->returned, 1, __ATOMIC_SEQ_CST);
    }
    return x * x;
}
