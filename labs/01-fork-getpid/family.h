/*
 * family.h - lab 01: fork, getpid, getppid. (Given: do not edit.)
 *
 * Python: os.getpid(), os.getppid(), os.fork(), os.waitpid();
 *         multiprocessing.current_process().pid, parent_process().pid.
 */
#ifndef FAMILY_H
#define FAMILY_H

#include <sys/types.h>

struct who {
    pid_t pid;  /* this process: getpid() */
    pid_t ppid; /* its parent: getppid() */
};

/* Step 1. Who am I, and who is my parent? */
struct who who_am_i(void);

/* A job for a child: it gets a number and returns its exit code (0-255). */
typedef int (*child_job)(int arg);

/* Step 2. Fork one child. The child runs job(arg) and then exits with the
 * value job returned: it must never return from start_child. The parent
 * returns the child's pid at once, without waiting. -1 if fork fails. */
pid_t start_child(child_job job, int arg);

/* Step 3. Start n children, child i running job(i), all before waiting for
 * any. Then wait for every one of them: pids[i] gets child i's pid and
 * codes[i] its exit code. Returns how many children were reaped (n when
 * all went well). */
int run_children(int n, child_job job, pid_t pids[], int codes[]);

#endif
