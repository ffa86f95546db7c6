/*
 * isolation.h - lab 02: address spaces are copied. (Given: do not edit.)
 *
 * Python: a global changed inside a Process is never seen by the parent;
 *         multiprocessing.Value and Array live in shared memory, and are.
 */
#ifndef ISOLATION_H
#define ISOLATION_H

#include <sys/types.h>

/* A plain global, defined in work.c, starting at 100. After fork() the
 * child has its own copy of it, at the very same address. */
extern int counter;

/* What one process saw when it looked at one variable. */
struct view {
    pid_t pid;       /* who looked: getpid() */
    const int *addr; /* the variable's (virtual) address in that process */
    int value;       /* the value it saw there */
};

/* Both processes' views of both variables. */
struct views {
    struct view child_global;  /* the child, right after it changed counter */
    struct view child_shared;  /* the child, right after it changed the shared int */
    struct view parent_global; /* the parent, after the child ended */
    struct view parent_shared; /* the parent, after the child ended */
};

/* Step 1. Make an int in shared memory (shared_alloc) that starts equal to
 * counter. Fork one child: it sets counter = value and the shared int =
 * value, records what it sees in v->child_global and v->child_shared, and
 * exits. The parent waits for the child to end, then records its own view
 * in v->parent_global and v->parent_shared (the parent never changes
 * either variable itself). v is in shared memory already (the caller made
 * it with shared_alloc), so what the child writes into *v reaches the
 * parent. */
void compare_copies(int value, struct views *v);

/* Given (work.c): x * x, computed slowly, like real work. */
int slow_square(int x);

enum { MAX_SQUARES = 64 };

/* Step 2. Square n numbers (1 <= n <= MAX_SQUARES) in n children, all
 * running at once: child i computes slow_square(in[i]) and leaves it in
 * slot i of an array in shared memory. The parent waits for every child,
 * then copies the results into out[] (ordinary, private memory of the
 * caller) and frees the shared array. Returns how many children it
 * reaped (n when all went well). */
int square_all(const int in[], int n, int out[]);

/* Instrumentation for the grader (given): when square_log points to shared
 * memory, slow_square() records there which process ran it, and returns
 * only once its parent sleeps waiting (so reading too early shows on every
 * run). Unset in the isolation program. */
struct square_log {
    int calls;
    pid_t pid[MAX_SQUARES];
    int entered;     /* slow_square() calls that have begun */
    int returned;    /* slow_square() calls that have handed back their result */
    int late_starts; /* calls that began after another had already returned */
};
extern struct square_log *square_log;

#endif
