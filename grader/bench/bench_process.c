/* bench_process.c - lab 04's Process: start + join of a trivial child,
 * against a bare fork + waitpid, one of each in turn. Prints JSON (ops/s). */
#include "bench.h"
#include "process.h"

#include <sys/wait.h>
#include <unistd.h>

static int trivial(void *arg)
{
    (void)arg;
    return 0;
}

static double one_process(long i)
{
    double t = now_ms();
    struct process p;
    process_init(&p, trivial, NULL, NULL);
    if (process_start(&p) < 0 || !process_join(&p, JOIN_FOREVER) || process_exitcode(&p) != 0)
        fatal("process %ld: start/join/exitcode failed", i);
    return (now_ms() - t) / 1e3;
}

static double one_fork(void)
{
    double t = now_ms();
    pid_t pid = Fork();
    if (pid == 0)
        _exit(0);
    Waitpid(pid, NULL, 0);
    return (now_ms() - t) / 1e3;
}

/* One Process start + join and one bare fork + waitpid, n times, which one
 * goes first changing every time (the second of a pair may find the machine
 * warmer or busier). */
static void start_join_vs_fork(long n, double *secs_process, double *secs_fork)
{
    *secs_process = *secs_fork = 0;
    for (long i = 0; i < n; i++) {
        if (i % 2) {
            *secs_process += one_process(i);
            *secs_fork += one_fork();
        } else {
            *secs_fork += one_fork();
            *secs_process += one_process(i);
        }
    }
}

int main(int argc, char **argv)
{
    bench_no_latency();
    long n = bench_quick(argc, argv) ? 100 : 300;
    double c, floor;
    bench_both(start_join_vs_fork, n, bench_runs(argc, argv), &c, &floor);
    printf("{\"c\": %.1f, \"floor\": %.1f, \"n\": %ld}\n", c, floor, n);
    return 0;
}
