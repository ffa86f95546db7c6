/*
 * heartbeat_main.c - the `heartbeat` program. (Given: do not edit.)
 *
 *     ./heartbeat [exit|kill|fork]
 *
 * The main process starts a daemon whose job prints "still alive" every
 * half second (times the time scale), waits for three heartbeats and then
 *     exit   returns normally (the default);
 *     kill   kills itself with SIGKILL: no atexit handler, no cleanup runs;
 *     fork   returns normally, but the daemon first tries to start a child
 *            of its own, which must be refused.
 *
 * The process you start is a watcher: it runs the main process as its child
 * and, being a "child subreaper", inherits whatever outlives the main
 * process. So it can tell whether the daemon died with the main process.
 */
#define _GNU_SOURCE
#include "daemon.h"
#include "proclabs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

enum { BEATS = 3, BEAT_WAIT_MS = 5000, OUTLIVE_MS = 2000 };

static const char *mode;
static int beat[2];       /* the daemon writes a byte per heartbeat */
static pid_t *daemon_pid; /* shared with the watcher */

static void child_of_daemon(void *arg)
{
    (void)arg;
    log_line("child of the daemon: running (a daemon must not have children!)");
}

/* The daemon's job: a heartbeat, forever. */
static void heartbeat(void *arg)
{
    (void)arg;
    for (int n = 1;; n++) {
        log_line("daemon: still alive (%d)", n);
        (void)!write(beat[1], "b", 1);
        if (n == 1 && !strcmp(mode, "fork")) {
            pid_t pid = start_process(child_of_daemon, NULL);
            if (pid < 0)
                log_line("daemon: start_process() refused: %s", strerror(errno));
            else
                log_line("daemon: start_process() started child %d", (int)pid);
        }
        sleep_ms(scaled_ms(500));
    }
}

static void main_process(void)
{
    log_line("main: starting a daemon (is_daemon() here: %s)", is_daemon() ? "true" : "false");
    pid_t pid = start_daemon(heartbeat, NULL);
    if (pid < 0) {
        log_line("main: start_daemon() failed");
        exit(1);
    }
    *daemon_pid = pid;
    close(beat[1]); /* only the daemon writes now: EOF when it is gone */
    log_line("main: daemon %d started; waiting for %d heartbeats", (int)pid, BEATS);
    for (int i = 0; i < BEATS; i++) {
        struct pollfd p = {beat[0], POLLIN, 0};
        char b;
        if (poll(&p, 1, BEAT_WAIT_MS) <= 0 || read(beat[0], &b, 1) != 1) {
            log_line("main: the daemon stopped beating");
            exit(1);
        }
    }
    if (!strcmp(mode, "kill")) {
        log_line("main: killing myself with SIGKILL (no atexit handler, no cleanup runs)");
        raise(SIGKILL);
    }
    log_line("main: done, exiting normally");
    exit(0);
}

/* Wait at most ms for our child pid to end; true if it ended (reaped). */
static bool reap_within(pid_t pid, int *status, double ms)
{
    double deadline = now_ms() + ms;
    int fd = pidfd_open(pid, 0); /* readable once the process has ended */
    bool ended = false;
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR)) {
            ended = true;
            break;
        }
        double left = deadline - now_ms();
        if (left <= 0) break;
        struct pollfd p = {fd, POLLIN, 0};
        if (fd < 0 || poll(&p, 1, (int)left + 1) < 0) sleep_ms(1);
    }
    if (fd >= 0) close(fd);
    return ended;
}

int main(int argc, char **argv)
{
    mode = argc > 1 ? argv[1] : "exit";
    if (strcmp(mode, "exit") && strcmp(mode, "kill") && strcmp(mode, "fork"))
        fatal("usage: %s [exit|kill|fork]", argv[0]);

    prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans of the main process come here */
    daemon_pid = shared_alloc(sizeof *daemon_pid);
    Pipe(beat);
    fcntl(beat[1], F_SETFL, O_NONBLOCK); /* a daemon nobody listens to never blocks */
    pid_t main_pid = Fork();
    if (main_pid == 0) main_process();
    close(beat[0]);
    close(beat[1]);

    int status;
    Waitpid(main_pid, &status, 0);
    if (WIFSIGNALED(status))
        log_line("watcher: main process %d was killed by signal %d", (int)main_pid,
                 WTERMSIG(status));
    else
        log_line("watcher: main process %d exited with %d", (int)main_pid, WEXITSTATUS(status));

    pid_t d = *daemon_pid;
    if (d <= 0) {
        log_line("watcher: no daemon was started");
        return 2;
    }
    double t0 = now_ms();
    if (reap_within(d, &status, OUTLIVE_MS)) {
        log_line("watcher: daemon %d ended %.0f ms after the main process", (int)d, now_ms() - t0);
        return 0;
    }
    log_line("watcher: daemon %d is still alive %d ms after the main process ended: it "
             "outlived it (killing it now)",
             (int)d, OUTLIVE_MS);
    kill(d, SIGKILL);
    reap_within(d, &status, OUTLIVE_MS);
    return 1;
}
