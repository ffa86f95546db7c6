/* bench_process.c - lab 04's Process: start + join of a trivial child,
 * beside the ways the kernel starts a process: fork + waitpid (what
 * process_start does underneath), vfork + waitpid (no copy of the page
 * tables: the child borrows the parent's memory until it exits) and
 * posix_spawn of /bin/true + waitpid (vfork-like, plus an exec). Every side
 * checks that its child exited 0. */
#include "bench.h"
#include "process.h"

#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

static int trivial(void *arg)
{
    (void)arg;
    return 0;
}

static double lab(long k)
{
    double t = bench_now();
    for (long i = 0; i < k; i++) {
        struct process p;
        process_init(&p, trivial, NULL, NULL);
        if (process_start(&p) < 0 || !process_join(&p, JOIN_FOREVER) || process_exitcode(&p) != 0)
            fatal("process %ld: start/join/exitcode failed", i);
    }
    return bench_now() - t;
}

static void reap_ok(pid_t pid, const char *how)
{
    int status;
    Waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("%s: the child did not exit 0", how);
}

static double fork_floor(long k)
{
    double t = bench_now();
    for (long i = 0; i < k; i++) {
        pid_t pid = Fork();
        if (pid == 0)
            _exit(0);
        reap_ok(pid, "fork");
    }
    return bench_now() - t;
}

/* Apart, so that nothing of the loop's lives in a frame the child borrows. */
static __attribute__((noinline)) void one_vfork(void)
{
    pid_t pid = vfork();
    if (pid < 0)
        die("vfork");
    if (pid == 0)
        _exit(0);
    reap_ok(pid, "vfork");
}

static double vfork_floor(long k)
{
    double t = bench_now();
    for (long i = 0; i < k; i++)
        one_vfork();
    return bench_now() - t;
}

static double spawn_floor(long k)
{
    char *argv[] = {"true", NULL};
    double t = bench_now();
    for (long i = 0; i < k; i++) {
        pid_t pid;
        int e = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
        if (e != 0)
            fatal("posix_spawn /bin/true: %s", strerror(e));
        reap_ok(pid, "posix_spawn");
    }
    return bench_now() - t;
}

int main(void)
{
    bench_no_latency();
    bench_pin(0); /* as every row: the timing process on CPU 0 (children start there) */
    static const struct bench_side sides[] = {
        {"lab", lab}, {"fork", fork_floor}, {"vfork", vfork_floor}, {"spawn", spawn_floor}};
    return bench_serve(sides, 4);
}
