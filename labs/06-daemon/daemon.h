/*
 * daemon.h - lab 06: daemon children. (Given: do not edit.)
 *
 * Python: Process(target=f, daemon=True).start(), current_process().daemon,
 *         and the AssertionError "daemonic processes are not allowed to have
 *         children".
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

/* What a child runs: job(arg). When the job returns, the child exits with 0. */
typedef void (*job_fn)(void *arg);

/* What a daemon is told when it tries to start a child: print this line on
 * stderr (it is Python's own message). */
#define DAEMON_CHILD_ERROR "daemonic processes are not allowed to have children"

/* Step 1. True in a daemon child (a process started by start_daemon), false
 * in every other process: the main process, ordinary children, ... */
bool is_daemon(void);

/* Step 2. Start an ordinary child. The child runs job(arg) and then exits
 * with 0: it never returns from start_process. The parent returns the
 * child's pid at once, without waiting; -1 if fork fails.
 * Step 4. In a daemon, start no child at all: print DAEMON_CHILD_ERROR on
 * stderr, set errno to EPERM and return -1. */
pid_t start_process(job_fn job, void *arg);

/* Step 3. Start a daemon child: like start_process, and moreover the child
 *   - is a daemon: is_daemon() is true in it, and only in it;
 *   - dies when its parent dies, however the parent dies: a normal exit, a
 *     crash, or SIGKILL (which runs no atexit handler and no cleanup);
 *   - also dies when the parent was already gone before the child could
 *     arrange that (the parent may die right after fork());
 * Step 4. In a daemon, refused exactly like start_process. */
pid_t start_daemon(job_fn job, void *arg);

#endif
