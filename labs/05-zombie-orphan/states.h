/*
 * states.h - lab 05: process states, zombies and orphans. (Given: do not edit.)
 *
 * Python: psutil.Process(pid).status() / .ppid() read the same /proc files;
 *         os.waitpid(-1, os.WNOHANG) in a signal.signal(SIGCHLD, ...) handler;
 *         multiprocessing.active_children() reaps finished children.
 */
#ifndef STATES_H
#define STATES_H

#include <signal.h>
#include <sys/types.h>

/* ---- step 1: a process's state from /proc/PID/stat ------------------------ */

/* /proc/PID/stat is one line: "PID (COMM) STATE PPID PGRP ...". COMM, the
 * command name (at most 15 bytes), may itself hold spaces and ')' ... */
struct proc_stat {
    pid_t pid;
    char comm[64]; /* the command name without the parentheses */
    char state;    /* R running, S sleeping, D disk wait, T stopped, Z zombie, ... */
    pid_t ppid;    /* the parent's pid (0 if the parent is outside our view) */
};

/* Step 1. Read and parse /proc/PID/stat into *st. 0 on success; -1 when
 * there is no such process (errno ENOENT) or the line cannot be parsed. */
int read_proc_stat(pid_t pid, struct proc_stat *st);

/* ---- step 2: a zombie -------------------------------------------------------- */

/* Step 2. Fork a child that exits at once with _exit(0). Return its pid only
 * once it has exited, but do NOT reap it: it must be a zombie (state Z) when
 * make_zombie returns, and the caller reaps it later. Not to be used while
 * the reaper of step 3 is installed (it would reap the zombie). */
pid_t make_zombie(void);

/* ---- step 3: reap every child from a SIGCHLD handler -------------------------- */

/* How many children on_sigchld has reaped so far (defined in states.c). */
extern volatile sig_atomic_t reaped_children;

/* Step 3. The SIGCHLD handler: reap every child that has ended, without
 * blocking, adding one to reaped_children per child reaped. Several
 * children may end while one SIGCHLD is pending: they share that one signal.
 * The handler may interrupt code that is about to read errno: leave errno
 * as it found it. Only async-signal-safe calls (no printf, no malloc). */
void on_sigchld(int sig);

/* Install on_sigchld for SIGCHLD with sigaction() (SA_RESTART, SA_NOCLDSTOP). */
void install_reaper(void);

/* ---- step 4: an orphan -------------------------------------------------------- */

struct orphan {
    pid_t middle;   /* the orphan's first parent: your child */
    pid_t orphan;   /* your grandchild */
    int release_fd; /* yours to use: e.g. the pipe end that lets the middle child exit */
};

/* Step 4a. Fork a child (the middle); the middle forks a grandchild (the
 * orphan-to-be), which runs life(arg) and exits with its result. The middle
 * tells you the grandchild's pid (through a pipe: the pid exists only in the
 * middle's memory) and then waits, alive, until orphan_release(). Returns 0
 * with o->middle and o->orphan set and the middle still running, else -1. */
int orphan_start(struct orphan *o, int (*life)(void *arg), void *arg);

/* Step 4b. Let the middle child exit and reap it (waitpid). Afterwards the
 * grandchild is an orphan: its parent is no longer the middle child.
 * 0 on success, -1 if the middle could not be reaped. */
int orphan_release(struct orphan *o);

#endif
