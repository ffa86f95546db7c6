/* terminate.c - lab 08, reference solution. */
#define _GNU_SOURCE
#include "terminate.h"
#include "proclabs.h"
#include "scratch.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop; /* set by the handler, read by the loop */
static struct scratch file;        /* the worker's temp file */

/* Only async-signal-safe work here: the main loop may be anywhere, even in
 * the middle of scratch_write(). */
static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

int worker_main(const char *path)
{
    Sigaction(SIGTERM, on_term, 0);
    if (scratch_open(&file, path) < 0) return 1;
    for (int n = 0; !stop; n++)
        scratch_write(&file, n, &stop); /* ends early once stop is set */

    /* Back in normal code: any function may be called now. */
    scratch_remove(&file);
    log_line("worker: cleaned up");

    /* Die of the signal we were sent, so that the parent sees -15. */
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    return 1; /* not reached */
}

/* Wait at most ms for child pid to end, and reap it. True if it ended. */
static bool wait_for(pid_t pid, int *status, double ms)
{
    double deadline = now_ms() + ms;
    int fd = pidfd_open(pid, 0); /* poll() sees it readable once pid has ended */
    if (fd < 0) die("pidfd_open(%d)", (int)pid);
    bool ended = false;
    for (;;) {
        if (waitpid(pid, status, WNOHANG) == pid) {
            ended = true;
            break;
        }
        double left = deadline - now_ms();
        if (left <= 0) break;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)left + 1) < 0 && errno != EINTR) die("poll");
        /* EINTR: a signal handler ran; go round and wait for the time left. */
    }
    close(fd);
    return ended;
}

int terminate(pid_t pid, double grace_ms)
{
    int status;
    Kill(pid, SIGTERM);
    if (!wait_for(pid, &status, grace_ms)) {
        Kill(pid, SIGKILL);       /* no more grace: this cannot be ignored */
        Waitpid(pid, &status, 0); /* so this wait ends */
    }
    return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}
