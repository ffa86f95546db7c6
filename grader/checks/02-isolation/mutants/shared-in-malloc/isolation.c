/* isolation.c - lab 02, reference solution. */
#include "isolation.h"
#include "proclabs.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void compare_copies(int value, struct views *v)
{
    /* Mapped before fork(), so parent and child share the same page. */
    int *shared = malloc(sizeof *shared); /* MUTANT: private heap, copied by fork() */
    *shared = counter;

    pid_t pid = Fork();
    if (pid == 0) {
        counter = value; /* changes the child's copy only */
        *shared = value; /* changes the one shared page */
        v->child_global = (struct view){getpid(), &counter, counter};
        v->child_shared = (struct view){getpid(), shared, *shared};
        exit(0);
    }
    Waitpid(pid, NULL, 0); /* read only after the child is done */
    v->parent_global = (struct view){getpid(), &counter, counter};
    v->parent_shared = (struct view){getpid(), shared, *shared};
    free(shared);
}

int square_all(const int in[], int n, int out[])
{
    int *slots = shared_alloc(n * sizeof *slots);
    pid_t pids[MAX_SQUARES];

    for (int i = 0; i < n; i++) {
        pids[i] = Fork();
        if (pids[i] == 0) {
            slots[i] = slow_square(in[i]); /* lands in the shared page */
            exit(0);
        }
    }
    int reaped = 0;
    for (int i = 0; i < n; i++)
        if (Waitpid(pids[i], NULL, 0) == pids[i])
            reaped++;
    for (int i = 0; i < n; i++) /* every child is done: the slots are final */
        out[i] = slots[i];
    shared_free(slots, n * sizeof *slots);
    return reaped;
}
