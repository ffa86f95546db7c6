/*
 * terminate.h - lab 08: terminate a child, gracefully or not. (Given: do not
 * edit.)
 *
 * Python: p.terminate() (SIGTERM), p.join(timeout), p.kill() (SIGKILL),
 *         p.exitcode (-15, -9); signal.signal(signal.SIGTERM, handler) in the
 *         child; subprocess.Popen.terminate/wait(timeout)/kill.
 */
#ifndef TERMINATE_H
#define TERMINATE_H

#include <sys/types.h>

/* Steps 1-3: the worker, run in a child process.
 *
 * It installs a SIGTERM handler that does nothing but set a flag, creates
 * its temp file at path with scratch_open(), and writes records with
 * scratch_write() until that flag is set. Then, outside the handler, it
 * cleans up: scratch_remove() (the temp file is gone) and a log line
 * "worker: cleaned up". Last, it ends by SIGTERM itself, so that its parent
 * sees exitcode -15: restore the default action and raise the signal again.
 *
 * It does not return; it returns 1 only when the temp file cannot be made. */
int worker_main(const char *path);

/* Step 4: the parent. Terminate the child pid: send SIGTERM, give it up to
 * grace_ms milliseconds to end, and if it is still running after that,
 * send SIGKILL. Reap the child in every case and return its exitcode:
 *     N    when it called exit(N),
 *     -S   when signal S ended it (-15 for SIGTERM, -9 for SIGKILL).
 * Return as soon as the child has ended: never wait longer than needed.
 * Signals may arrive while you wait (this process may have handlers of its
 * own): an interrupted wait is not the end of the grace period. */
int terminate(pid_t pid, double grace_ms);

#endif
