/* tickets.c - lab 09, reference solution. */
#include "tickets.h"
#include "office.h"
#include "proclabs.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int search(const char *path, int buyer)
{
    int left = tickets_read(path);
    log_line("buyer %d sees %d tickets left", buyer, left);
    return left;
}

bool buy(const char *path, struct lock *lock, int buyer)
{
    /* Check and write under one hold of the lock: no one can sneak in between. */
    if (!lock_acquire(lock, true, -1)) return false;
    int left = tickets_read(path);
    bool bought = left > 0 && tickets_write(path, left - 1) == 0;
    lock_release(lock); /* on both paths: bought or sold out */
    if (bought)
        log_line("buyer %d bought a ticket", buyer);
    else
        log_line("buyer %d found no ticket left", buyer);
    return bought;
}

int run_buyers(const char *path, int n, struct lock *lock)
{
    pid_t pids[n > 0 ? n : 1];
    for (int i = 0; i < n; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            search(path, i);
            exit(buy(path, lock, i) ? 0 : 1);
        }
    }
    int bought = 0;
    for (int i = 0; i < n; i++) {
        int status;
        if (pids[i] > 0 && Waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            bought++;
    }
    return bought;
}
