/*
 * A contained run beside another: started in a helper child of ours, so
 * that this process can run a second one meanwhile (a lab's Criterion
 * checks beside its bats checks: two boxes, two cores). The helper sends
 * the run's result back on a pipe and waits to be let go, so that its CPU
 * is counted here only after the run beside has been measured.
 */
#define _GNU_SOURCE
#include "grader.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

struct beside {
    pid_t pid;
    int result; /* read end: the run's result */
    int hold;   /* write end: closed to let the helper exit */
};

/* The fixed part of a result on the pipe; the output and left_ipc follow. */
struct wire {
    int status, leftovers;
    bool timed_out, output_overflow, too_many_procs;
    double elapsed_ms, cpu_s;
    size_t output_len, ipc_len;
};

double children_cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static bool write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

static _Noreturn void helper(const struct run_spec *spec, int result, int hold)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* the grader was stopped: kill the run too */
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* the run's orphans are ours to sweep */
    contain_set_scratch(NULL);        /* the folder is this process's parent's to remove */
    struct run_result r;
    double before = children_cpu_s();
    contain_run(spec, &r);
    struct wire w = {.status = r.status,
                     .leftovers = r.leftovers,
                     .timed_out = r.timed_out,
                     .output_overflow = r.output_overflow,
                     .too_many_procs = r.too_many_procs,
                     .elapsed_ms = r.elapsed_ms,
                     .cpu_s = children_cpu_s() - before,
                     .output_len = r.output_len,
                     .ipc_len = r.left_ipc ? strlen(r.left_ipc) : 0};
    bool sent = write_all(result, &w, sizeof w) && write_all(result, r.output, w.output_len) &&
                write_all(result, r.left_ipc ? r.left_ipc : "", w.ipc_len);
    close(result);
    char c;
    while (read(hold, &c, 1) < 0 && errno == EINTR)
        ;
    _exit(sent ? 0 : 1);
}

struct beside *contain_run_beside(const struct run_spec *spec)
{
    int result[2], hold[2];
    if (pipe2(result, O_CLOEXEC) < 0)
        return NULL;
    if (pipe2(hold, O_CLOEXEC) < 0) {
        close(result[0]);
        close(result[1]);
        return NULL;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(result[0]);
        close(hold[1]);
        helper(spec, result[1], hold[0]);
    }
    close(result[1]);
    close(hold[0]);
    if (pid < 0) {
        close(result[0]);
        close(hold[1]);
        return NULL;
    }
    contain_spare(pid); /* not a leftover of the run made here meanwhile */
    struct beside *b = xcalloc(1, sizeof *b);
    *b = (struct beside){.pid = pid, .result = result[0], .hold = hold[1]};
    return b;
}

void contain_beside_wait(struct beside *b, struct run_result *res, double *cpu_s)
{
    memset(res, 0, sizeof *res);
    struct wire w;
    bool ok = read_all(b->result, &w, sizeof w) && w.output_len <= (size_t)1 << 30 &&
              w.ipc_len <= (size_t)1 << 20;
    res->output = xcalloc(1, ok ? w.output_len + 1 : 1);
    char *ipc = ok && w.ipc_len ? xcalloc(1, w.ipc_len + 1) : NULL;
    ok = ok && read_all(b->result, res->output, w.output_len) &&
         (!ipc || read_all(b->result, ipc, w.ipc_len));
    if (ok) {
        res->status = w.status;
        res->leftovers = w.leftovers;
        res->timed_out = w.timed_out;
        res->output_overflow = w.output_overflow;
        res->too_many_procs = w.too_many_procs;
        res->elapsed_ms = w.elapsed_ms;
        res->output_len = w.output_len;
        res->left_ipc = ipc;
        *cpu_s = w.cpu_s;
    } else { /* the helper died: a runner that did not report */
        free(ipc);
        res->output[0] = '\0';
        res->status = 125 << 8;
        *cpu_s = 0;
    }
    close(b->result);
    close(b->hold);
    while (waitpid(b->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    contain_spare(0);
    free(b);
}
