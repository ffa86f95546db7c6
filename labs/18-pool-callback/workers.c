/*
 * workers.c - lab 18: the pool's workers. (Given: do not edit.)
 */
#include "workers.h"
#include "proclabs.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void worker(int tasks, int results, task_runner run)
{
    struct task t;
    while (read_all(tasks, &t, sizeof t) == (ssize_t)sizeof t) {
        struct task_result res = {0, 0, 0, 0, 0};
        run(&t, &res);
        res.id = t.id;
        res.worker = getpid();
        if (write_all(results, &res, sizeof res) < 0) break;
    }
    _exit(0); /* EOF: the main process stopped the pool */
}

int workers_start(struct workers *w, int n, task_runner run)
{
    if (n < 1 || n > WORKERS_MAX) return -1;
    int tasks[2], results[2];
    Pipe(tasks);
    Pipe(results);
    w->n = n;
    for (int i = 0; i < n; i++) {
        w->pids[i] = Fork();
        if (w->pids[i] == 0) {
            /* Only the main process may hold the task pipe's write end, or
             * the workers would never see EOF when it stops the pool. */
            close(tasks[1]);
            close(results[0]);
            worker(tasks[0], results[1], run);
        }
    }
    close(tasks[0]);
    close(results[1]);
    w->task_fd = tasks[1];
    w->result_fd = results[0];
    return 0;
}

int workers_send(struct workers *w, const struct task *t)
{
    return write_all(w->task_fd, t, sizeof *t) < 0 ? -1 : 0;
}

int workers_recv(struct workers *w, struct task_result *res, int timeout_ms)
{
    if (w->result_fd < 0) return -1; /* stopped: no result can ever come */
    double deadline = now_ms() + timeout_ms;
    for (;;) {
        int left = timeout_ms < 0 ? -1 : (int)(deadline - now_ms() + 0.999);
        if (left < 0 && timeout_ms >= 0) left = 0;
        struct pollfd pfd = {w->result_fd, POLLIN, 0};
        int k = poll(&pfd, 1, left);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) return 0;
        /* A whole message is there (one atomic write), or EOF. */
        return read_all(w->result_fd, res, sizeof *res) == (ssize_t)sizeof *res ? 1 : -1;
    }
}

static void wait_all(struct workers *w)
{
    for (int i = 0; i < w->n; i++)
        Waitpid(w->pids[i], NULL, 0);
    if (w->result_fd >= 0) close(w->result_fd);
    /* Forget the closed ends: a later pipe may be given the same numbers,
     * and a stale number would read that pipe's bytes as results. */
    w->result_fd = w->task_fd = -1;
    w->n = 0;
}

void workers_stop(struct workers *w)
{
    if (w->task_fd >= 0) close(w->task_fd); /* EOF for the workers once the pipe is empty */
    wait_all(w);
}

void workers_kill(struct workers *w)
{
    for (int i = 0; i < w->n; i++)
        kill(w->pids[i], SIGTERM);
    if (w->task_fd >= 0) close(w->task_fd);
    wait_all(w);
}
