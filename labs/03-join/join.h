/*
 * join.h - lab 03: waiting for children. (Given: do not edit.)
 *
 * Python: Process.join(timeout), Process.exitcode, Process.is_alive();
 *         "start ten processes, join them all, then print done".
 */
#ifndef JOIN_H
#define JOIN_H

#include <sys/types.h>

/* Step 1. Decode a wait status (from waitpid) the way Python's
 * Process.exitcode does: N when the child called exit(N) (or returned N
 * from main), -S when it was killed by signal S (-15 for SIGTERM, -9 for
 * SIGKILL). */
int exitcode_of(int status);

/* What join_timeout() returns. */
enum {
    JOIN_ERROR = -1,  /* pid is not a child of the caller (or already joined) */
    JOIN_DONE = 0,    /* the child ended and was reaped: *exitcode is set */
    JOIN_RUNNING = 1, /* the deadline passed and the child is still running */
};

/* Step 2. Wait for child pid to end, but at most timeout_ms milliseconds
 * (timeout_ms < 0: wait as long as it takes). Return JOIN_DONE as soon as
 * the child ends (reaped, *exitcode = exitcode_of(status)), JOIN_RUNNING
 * once the deadline has passed with the child still running (leave it
 * running: the caller may join again later), JOIN_ERROR if waitpid fails.
 * Measure the deadline on a monotonic clock (now_ms()). */
int join_timeout(pid_t pid, double timeout_ms, int *exitcode);

/* A job for a child: it gets a number and returns its exit code (0-255). */
typedef int (*child_job)(int arg);

enum { MAX_CHILDREN = 64 };

/* Step 3. Start n children (1 <= n <= MAX_CHILDREN), child i running
 * job(i) and exiting with its result, ALL before joining any, so they run
 * at once. Then join every one of them (join_timeout with no timeout):
 * codes[i] gets child i's exitcode. Returns how many children were
 * joined (n when all went well). */
int run_all(int n, child_job job, int codes[]);

#endif
