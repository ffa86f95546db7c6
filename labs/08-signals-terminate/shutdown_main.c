/*
 * shutdown_main.c - the `shutdown` program. (Given: do not edit.)
 *
 *     ./shutdown [graceful|stubborn] [GRACE_MS]
 *
 * Starts a worker child, waits until it is busy, then calls terminate() on
 * it and reports how the worker ended.
 *     graceful  the worker is your worker_main(): it should clean up its
 *               temp file and end by SIGTERM (exitcode -15);
 *     stubborn  a given worker that ignores SIGTERM: terminate() must give up
 *               after the grace period and kill it (exitcode -9).
 * GRACE_MS defaults to 3000 ms times the time scale.
 */
#include "proclabs.h"
#include "scratch.h"
#include "terminate.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { READY_MS = 5000 };

/* A worker that will not hear of SIGTERM. */
static void stubborn_worker(void)
{
    signal(SIGTERM, SIG_IGN);
    log_line("stubborn worker: I ignore SIGTERM");
    scratch_probe->writing = 1;
    for (;;)
        sleep_ms(1000);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "graceful";
    double grace = argc > 2 ? atof(argv[2]) : scaled_ms(3000);
    bool stubborn = !strcmp(mode, "stubborn");
    if ((!stubborn && strcmp(mode, "graceful")) || !(grace > 0))
        fatal("usage: %s [graceful|stubborn] [GRACE_MS]", argv[0]);

    /* $TMPDIR as this process sees it, if it is a folder we may write in. */
    char path[512];
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || access(tmp, W_OK | X_OK) < 0) tmp = "/tmp";
    snprintf(path, sizeof path, "%s/shutdown-%d.tmp", tmp, (int)getpid());
    scratch_probe = shared_alloc(sizeof *scratch_probe);

    pid_t pid = Fork();
    if (pid == 0) {
        if (stubborn) stubborn_worker();
        log_line("worker: writing records to %s until SIGTERM", path);
        int rc = worker_main(path);
        log_line("worker: worker_main() returned %d", rc);
        exit(rc);
    }

    /* Terminate it only once it is at work (or it has ended on its own). */
    double until = now_ms() + READY_MS;
    while (!scratch_probe->writing && now_ms() < until && waitpid(pid, NULL, WNOHANG) == 0)
        sleep_ms(1);
    if (!scratch_probe->writing) log_line("parent: the worker never started writing records");

    log_line("parent: terminate(%d, %.0f ms)", (int)pid, grace);
    double t0 = now_ms();
    int code = terminate(pid, grace);
    double took = now_ms() - t0;
    log_line("parent: worker %d ended with exitcode %d after %.0f ms", (int)pid, code, took);

    /* terminate() should have reaped it; if not, say so and clean up. */
    int status;
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == 0) {
        log_line("parent: but worker %d is still running: terminate() did not end it", (int)pid);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return 1;
    }
    if (w == pid) log_line("parent: worker %d was not reaped by terminate() (waitpid)", (int)pid);

    if (stubborn) return code == -9 ? 0 : 1;
    bool removed = access(path, F_OK) < 0 && errno == ENOENT;
    log_line("parent: temp file %s removed: %s", path, removed ? "yes" : "no");
    if (!removed) unlink(path);
    return code == -15 && removed && w < 0 ? 0 : 1;
}
