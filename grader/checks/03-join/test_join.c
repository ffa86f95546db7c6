/* Lab 03 checks: exitcode_of, join_timeout, run_all. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "check.h"
#include "join.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TestSuite(join, .timeout = CHECK_SUITE_TIMEOUT);

/* ---- exitcode_of --------------------------------------------------------- */

/* How the test children end: exit(N) for N >= 0, killed by signal -N. */
static const int endings[] = {0, 3, 255, -SIGTERM, -SIGKILL};
enum { NENDINGS = sizeof endings / sizeof endings[0] };

struct decoded {
    int status[NENDINGS]; /* the real wait status of such a child */
    int code[NENDINGS];   /* exitcode_of(that status) */
};

/* A real child that ends as asked; returns its wait status. */
static int status_of(int ending)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (ending >= 0)
            _exit(ending);
        for (;;)
            pause();
    }
    if (ending < 0)
        kill(pid, -ending);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

static void call_exitcode_of(void *shared)
{
    struct decoded *d = shared;
    for (int k = 0; k < NENDINGS; k++)
        d->status[k] = status_of(endings[k]);
    for (int k = 0; k < NENDINGS; k++)
        d->code[k] = exitcode_of(d->status[k]);
}

Test(join, exitcode_decodes_status)
{
    struct decoded *d = shared_alloc(sizeof *d);
    struct sandbox r = sandbox_run(call_exitcode_of, d, 3000);
    sandbox_assert_returned(&r, "exitcode_of()");
    for (int k = 0; k < NENDINGS; k++) {
        int e = endings[k], got = d->code[k];
        if (e >= 0) {
            cr_assert(got == e || got != d->status[k] || e == 0,
                      "exitcode_of(status) gave %d for a child that called exit(%d): that is "
                      "the raw wait status (the exit code sits in its second byte). Decode it "
                      "with WEXITSTATUS(status)",
                      got, e);
            cr_assert(got == e,
                      "exitcode_of(status) gave %d for a child that called exit(%d): return "
                      "WEXITSTATUS(status) when WIFEXITED(status)",
                      got, e);
        } else {
            cr_assert(got == e,
                      "exitcode_of(status) gave %d for a child killed by signal %d (%s), not "
                      "%d: a killed child has no exit code, and Python's exitcode is -signal. "
                      "When WIFSIGNALED(status), return -WTERMSIG(status)",
                      got, -e, strsignal(-e), e);
        }
    }
}

/* ---- join_timeout -------------------------------------------------------- */

struct joined {
    pid_t child;
    int ret;        /* join_timeout()'s return value */
    int code;       /* its *exitcode */
    double took_ms; /* how long join_timeout() took */
    int after;      /* waitpid(child, WNOHANG) afterwards: 0 running, child = zombie, -1 gone */
    int after_errno;
    int ret2, code2; /* the second join: a child that kills itself with SIGTERM */
    char wchan[64];  /* where join_timeout() was stuck, when the watch fired */
    int stage;       /* 1: in join_timeout(pid, 200); 2: in join_timeout(pid, 0) */
    int ret0;        /* join_timeout(pid, 0), after the 200 ms one */
    double took0_ms;
    char state0;     /* the child's state right after join_timeout(pid, 200) */
    long sleeps;     /* voluntary context switches during join_timeout(pid, 200) */
    double cpu_ms;   /* CPU time it used meanwhile: a spin uses about all of it */
    int real_ret, real_code; /* join_timeout() on a real child that exits 3 */
    int ret_zombie, code_zombie; /* join_timeout(pid, 0) on a child that has ended */
    char state_zombie;           /* that child's state just before (Z: ended) */
    int ret_intr, code_intr;     /* join_timeout(pid, -1) interrupted by a signal */
    int handled;                 /* the caller's SIGUSR1 handler ran */
    double frac_start, frac_end; /* the wall clock's fraction of a second around the join */
};

static struct joined *interrupted; /* for the handler */

/* User + system CPU time between two getrusage() calls, in ms. */
static double cpu_ms_between(const struct rusage *a, const struct rusage *b)
{
    return (b->ru_utime.tv_sec - a->ru_utime.tv_sec + b->ru_stime.tv_sec - a->ru_stime.tv_sec) *
               1000.0 +
           (b->ru_utime.tv_usec - a->ru_utime.tv_usec + b->ru_stime.tv_usec -
            a->ru_stime.tv_usec) /
               1000.0;
}

static void on_usr1(int sig)
{
    (void)sig;
    __atomic_store_n(&interrupted->handled, 1, __ATOMIC_SEQ_CST);
}

/* The fraction of the current second on the wall clock (CLOCK_REALTIME). */
static double wall_fraction(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return t.tv_nsec / 1e9;
}

static void call_join_ending_child(void *shared)
{
    struct joined *j = shared;
    /* fork()'s result goes to a local first: *j is shared, and a child that
     * stored its 0 there could overwrite the parent's pid before the parent
     * reads it (a busy machine runs the child first), so the check would
     * join pid 0. */
    pid_t child = fork();
    if (child == 0) {
        /* Ends by itself 100 ms after the parent started waiting for it
         * (went to sleep: at most 2 s), long before the deadline, however
         * busy the machine. */
        double give_up = now_ms() + 2000;
        while (process_state(getppid(), NULL) != 'S' && now_ms() < give_up)
            sleep_ms(1);
        sleep_ms(100);
        _exit(7);
    }
    j->child = child;
    j->code = -999;
    struct rusage u0, u1;
    getrusage(RUSAGE_THREAD, &u0);
    double t0 = now_ms();
    j->ret = join_timeout(j->child, 2000, &j->code);
    j->took_ms = now_ms() - t0;
    getrusage(RUSAGE_THREAD, &u1);
    j->sleeps = u1.ru_nvcsw - u0.ru_nvcsw;
    j->cpu_ms = cpu_ms_between(&u0, &u1);
    j->after = waitpid(j->child, NULL, WNOHANG);
    j->after_errno = errno;

    pid_t p = fork();
    if (p == 0) {
        raise(SIGTERM);
        _exit(0);
    }
    j->code2 = -999;
    j->ret2 = join_timeout(p, -1, &j->code2); /* no timeout: waits as long as it takes */

    /* A child that has already ended: a timeout of 0 looks once, and finds it. */
    pid_t z = fork();
    if (z == 0)
        _exit(5);
    double until = now_ms() + 2000;
    while (process_state(z, NULL) != 'Z' && now_ms() < until)
        sleep_ms(1);
    j->state_zombie = process_state(z, NULL);
    j->code_zombie = -999;
    j->ret_zombie = join_timeout(z, 0, &j->code_zombie);
}

Test(join, join_timeout_returns_when_child_ends)
{
    struct joined *j = shared_alloc(sizeof *j);
    struct sandbox r = sandbox_run(call_join_ending_child, j, 8000);
    sandbox_assert_returned(&r, "join_timeout(pid, 2000 ms, &code)");
    cr_assert(!(j->ret == JOIN_RUNNING && j->sleeps < 3 && j->took_ms >= 1900 &&
                j->cpu_ms >= j->took_ms / 2),
              "join_timeout(pid, 2000 ms) returned JOIN_RUNNING after %.0f ms without ever "
              "going to sleep (%ld voluntary context switches): it spins, asking waitpid() "
              "again at full speed. The check's child ends 100 ms after its parent sleeps "
              "waiting, so it never ended in time. Sleep a little between two looks "
              "(sleep_ms(1))",
              j->took_ms, j->sleeps);
    cr_assert(j->ret != JOIN_RUNNING || j->took_ms >= 1900,
              "join_timeout(pid, 2000 ms) returned JOIN_RUNNING after %.0f ms, but the child "
              "ends after 100 ms, long before the deadline: it gave up early. Keep looking "
              "(waitpid with WNOHANG, then a short sleep) until the child ends or the deadline "
              "now_ms() + timeout_ms (both in ms) passes; a single look, or a deadline in the "
              "wrong unit, gives up early",
              j->took_ms);
    cr_assert(j->ret == JOIN_DONE,
              "join_timeout(pid, 2000 ms) on a child that exits with 7 after 100 ms returned %d, "
              "not JOIN_DONE (0)",
              j->ret);
    cr_assert(j->took_ms < 1500,
              "join_timeout(pid, 2000 ms) took %.0f ms, but the child ended after 100 ms: return "
              "as soon as the child ends (look every millisecond or so), not at the deadline",
              j->took_ms);
    cr_assert(j->code == 7, "join_timeout() set *exitcode to %d for a child that called exit(7)",
              j->code);
    cr_assert(j->after == -1 && j->after_errno == ECHILD,
              "after join_timeout() returned JOIN_DONE the child was not reaped (waitpid still "
              "found it): reap it with waitpid before returning");
    cr_assert(j->ret2 != JOIN_RUNNING,
              "join_timeout(pid, -1) returned JOIN_RUNNING, but a negative timeout means no "
              "limit: wait as long as it takes (a blocking waitpid(pid, &status, 0) is right "
              "there), never give up");
    cr_assert(j->state_zombie != 'Z' || j->ret_zombie != JOIN_RUNNING,
              "join_timeout(pid, 0) on a child that had already ended (a zombie) returned "
              "JOIN_RUNNING: a timeout of 0 does not mean \"do not look\". Look once, "
              "waitpid(pid, &status, WNOHANG), and a child that has ended is JOIN_DONE, reaped, "
              "with its exitcode");
    cr_assert(j->state_zombie != 'Z' || (j->ret_zombie == JOIN_DONE && j->code_zombie == 5),
              "join_timeout(pid, 0) on a child that had already ended with exit(5) returned %d "
              "with exitcode %d, not JOIN_DONE (0) with 5",
              j->ret_zombie, j->code_zombie);
    cr_assert(
        j->ret2 == JOIN_DONE && j->code2 == -SIGTERM,
        "join_timeout(pid, -1) on a child killed by SIGTERM returned %d with exitcode %d, not "
        "JOIN_DONE with -15: set *exitcode = exitcode_of(status)",
        j->ret2, j->code2);
}

/* What the body's main thread is doing, from the watch: "do_wait" when it
 * is blocked in waitpid(), a sleep or "0" (running) when it loops. */
static void where_is_join(void *arg)
{
    struct joined *j = arg;
    /* Ten looks a millisecond apart: blocked means "in do_wait" every time. */
    for (int k = 0; k < 10; k++) {
        char now[64] = "";
        int fd = open("/proc/self/wchan", O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, now, sizeof now - 1) : -1;
        now[n > 0 ? n : 0] = '\0';
        if (fd >= 0)
            close(fd);
        if (k == 0 || strcmp(now, "do_wait"))
            snprintf(j->wchan, sizeof j->wchan, "%s", now[0] ? now : "?");
        sleep_ms(1);
    }
}

static void call_join_endless_child(void *shared)
{
    struct joined *j = shared;
    pid_t child = fork(); /* a local first: see call_join_ending_child */
    if (child == 0)
        for (;;)
            pause(); /* never ends: the sandbox kills it afterwards */
    j->child = child;
    j->code = -999;
    struct watch w;
    watch_start(&w, 1600, where_is_join, j);
    /* Start the 200 ms join 0.88 s into a second of the wall clock: a
     * deadline counted in whole seconds (time()) then passes 120 ms later,
     * when the second changes, on every run. */
    for (int tries = 0; tries < 3; tries++) { /* a busy machine may sleep past it */
        double frac = wall_fraction();
        sleep_ms(1000 * (frac <= 0.88 ? 0.88 - frac : 1.88 - frac));
        frac = wall_fraction();
        if (frac >= 0.85 && frac < 0.95)
            break;
    }
    j->stage = 1;
    struct rusage u0, u1;
    getrusage(RUSAGE_THREAD, &u0);
    j->frac_start = wall_fraction();
    double t0 = now_ms();
    j->ret = join_timeout(child, 200, &j->code);
    j->took_ms = now_ms() - t0;
    j->frac_end = wall_fraction();
    getrusage(RUSAGE_THREAD, &u1);
    j->sleeps = u1.ru_nvcsw - u0.ru_nvcsw; /* each sleep between looks is one */
    j->cpu_ms = cpu_ms_between(&u0, &u1);
    char st = process_state(child, NULL); /* looks without reaping */
    j->state0 = st ? st : '-';
    j->stage = 2;
    t0 = now_ms();
    j->ret0 = join_timeout(child, 0, &j->code); /* 0: just look */
    j->took0_ms = now_ms() - t0;
    watch_done(&w);
    j->after = waitpid(j->child, NULL, WNOHANG);
    j->after_errno = errno;
}

Test(join, join_timeout_returns_in_time)
{
    struct joined *j = shared_alloc(sizeof *j);
    struct sandbox r = sandbox_run(call_join_endless_child, j, 3000);
    cr_assert(!(j->stage == 1 && j->wchan[0] && !strcmp(j->wchan, "do_wait")),
              "join_timeout(pid, 200 ms) on a child that never ends was still blocked in "
              "waitpid() 1600 ms later (the kernel showed it asleep in do_wait): a waitpid "
              "without WNOHANG waits for the child whatever the timeout. With a timeout, look "
              "with waitpid(pid, &status, WNOHANG) and give up once the deadline has passed");
    cr_assert(!(j->stage == 1 && j->wchan[0]),
              "join_timeout(pid, 200 ms) on a child that never ends had not returned 1600 ms "
              "later, and it was not blocked in waitpid() (its kernel wait channel was %s, not "
              "waitpid's do_wait): it goes on looking long after its deadline. The deadline is "
              "now_ms() + timeout_ms, both in milliseconds; check that arithmetic (a timeout "
              "read as seconds waits 1000 times too long) and the loop's exit test",
              strcmp(j->wchan, "0") ? j->wchan : _("none: it was running"));
    cr_assert(!(j->stage == 2 && j->wchan[0]),
              "join_timeout(pid, 0) on a child that never ends had not returned 1600 ms later "
              "(%s), although join_timeout(pid, 200 ms) had returned: a timeout of 0 only "
              "looks, waitpid(pid, &status, WNOHANG) once, and returns. Only a negative "
              "timeout waits without limit",
              !strcmp(j->wchan, "do_wait") ? _("it was blocked in waitpid(), kernel: do_wait")
                                           : _("it was not blocked in waitpid()"));
    cr_assert(!r.timed_out,
              "join_timeout(pid, 200 ms) on a child that never ends did not return within "
              "3000 ms: it must give up with JOIN_RUNNING once the deadline has passed");
    sandbox_assert_returned(&r, "join_timeout(pid, 200 ms, &code)");
    cr_assert(j->ret == JOIN_RUNNING,
              "join_timeout(pid, 200 ms) on a child that never ends returned %d, not "
              "JOIN_RUNNING (1)",
              j->ret);
    cr_assert(j->took_ms >= 180 || j->frac_start < 0.8 || j->frac_end > 0.05 || j->frac_end > j->frac_start,
              "join_timeout(pid, 200 ms) returned after only %.0f ms, right when the wall "
              "clock's second changed (the check started it %.0f ms before a new second): the "
              "deadline was counted on a clock in whole seconds, such as time(NULL). Measure it "
              "with now_ms(), in milliseconds on the monotonic clock",
              j->took_ms, 1000 * (1 - j->frac_start));
    cr_assert(j->took_ms >= 180,
              "join_timeout(pid, 200 ms) returned after only %.0f ms, before the 200 ms timeout "
              "had passed: keep looking until now_ms() reaches the deadline",
              j->took_ms);
    cr_assert(j->took_ms < 1500,
              "join_timeout(pid, 200 ms) returned only after %.0f ms: return once the deadline "
              "has passed",
              j->took_ms);
    cr_assert(j->sleeps >= 3 || j->took_ms < 180 || j->cpu_ms < j->took_ms / 2,
              "join_timeout(pid, 200 ms) waited %.0f ms without ever going to sleep (%ld "
              "voluntary context switches): it spins, asking waitpid() again at full speed and "
              "burning a CPU the child may need. Sleep a little between two looks "
              "(sleep_ms(1))",
              j->took_ms, j->sleeps);
    cr_assert(j->state0 != 'Z' && j->state0 != '-',
              "after join_timeout(pid, 200 ms) said the child is still running, the child was "
              "%s: leave it running (do not kill or reap it), the caller may join it again later",
              j->state0 == 'Z' ? _("dead (a zombie)") : _("gone (already reaped)"));
    cr_assert(j->ret0 == JOIN_RUNNING && j->took0_ms < 1000,
              "join_timeout(pid, 0) on a child that never ends returned %d after %.0f ms, not "
              "JOIN_RUNNING (1) at once: a timeout of 0 only looks",
              j->ret0, j->took0_ms);
    cr_assert(j->after == 0,
              "after join_timeout(pid, 0) said the child is still running, the child was %s: "
              "leave it running (do not kill or reap it), the caller may join it again later",
              j->after > 0 ? _("dead (a zombie)") : _("gone (already reaped)"));
}

/* ---- join_timeout on a pid that is no child -------------------------------- */

static void call_join_non_child(void *shared)
{
    struct joined *j = shared;
    /* First a real child: an error path proves something only in code
     * that joins at all. */
    pid_t real = fork();
    if (real == 0)
        _exit(3);
    j->real_code = -999;
    j->real_ret = join_timeout(real, 2000, &j->real_code);
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0); /* joined already: no longer a child of ours */
    j->child = child;
    j->code = -999;
    double t0 = now_ms();
    j->ret = join_timeout(child, 200, &j->code);
    j->took_ms = now_ms() - t0;
    j->code2 = -999;
    j->ret2 = join_timeout(getppid(), 200, &j->code2); /* never a child of ours */

    /* A signal handled while join_timeout(pid, -1) waits: waitpid() fails
     * with EINTR (no SA_RESTART), which is no error. The child interrupts
     * its parent once the parent sleeps waiting, then ends once the parent
     * sleeps again (or 1 s later). */
    interrupted = j;
    Sigaction(SIGUSR1, on_usr1, 0);
    pid_t c = fork();
    if (c == 0) {
        double give_up = now_ms() + 2000;
        while (process_state(getppid(), NULL) != 'S' && now_ms() < give_up)
            sleep_ms(1);
        kill(getppid(), SIGUSR1);
        give_up = now_ms() + 1000;
        while (now_ms() < give_up && !(__atomic_load_n(&j->handled, __ATOMIC_SEQ_CST) &&
                                       process_state(getppid(), NULL) == 'S'))
            sleep_ms(1);
        _exit(9);
    }
    j->code_intr = -999;
    j->ret_intr = join_timeout(c, -1, &j->code_intr);
}

Test(join, join_timeout_error_for_non_child)
{
    struct joined *j = shared_alloc(sizeof *j);
    struct sandbox r = sandbox_run(call_join_non_child, j, 3000);
    /* Waitpid() prints strerror(ECHILD), in the student's language as here. */
    cr_assert(r.returned || !strstr(r.output, strerror(ECHILD)),
              "join_timeout(pid, 200 ms) on a child that was already joined did not return: "
              "the process %s after printing\n%s\nwaitpid() fails with ECHILD there, and "
              "Waitpid() from proclabs.h ends the program on any error. Call waitpid() itself "
              "and return JOIN_ERROR when it fails (retry only on EINTR)",
              sandbox_describe(&r), r.output);
    sandbox_assert_returned(&r, "join_timeout() on a pid that is not a child");
    cr_assert(j->real_ret == JOIN_DONE && j->real_code == 3,
              "this check needs join_timeout() to join a child first: on a child that exits "
              "with 3 it returned %d with exitcode %d, not JOIN_DONE (0) with 3 (see "
              "join_timeout_returns_in_time and exitcode checks)",
              j->real_ret, j->real_code);
    cr_assert(j->ret != JOIN_RUNNING,
              "join_timeout(pid, 200 ms) on a child that was already joined returned "
              "JOIN_RUNNING after %.0f ms: waitpid() failed there (-1, ECHILD), which is not "
              "\"still running\" (that is waitpid() returning 0). When waitpid() returns -1 "
              "with an errno other than EINTR, return JOIN_ERROR",
              j->took_ms);
    cr_assert(j->ret == JOIN_ERROR,
              "join_timeout(pid, 200 ms) on a child that was already joined returned %d, not "
              "JOIN_ERROR (-1): waitpid() fails there with ECHILD",
              j->ret);
    cr_assert(j->took_ms < 190,
              "join_timeout(pid, 200 ms) on a child that was already joined returned JOIN_ERROR "
              "only after %.0f ms, the whole timeout: waitpid() fails at once there (ECHILD), "
              "so return at once",
              j->took_ms);
    cr_assert(j->ret2 == JOIN_ERROR,
              "join_timeout(getppid(), 200 ms), on a process that is not a child of the caller, "
              "returned %d, not JOIN_ERROR (-1)",
              j->ret2);
    cr_assert(!(j->handled && j->ret_intr == JOIN_ERROR),
              "join_timeout(pid, -1) returned JOIN_ERROR when a signal handler ran while it "
              "waited, but the child was still running: waitpid() returns -1 with errno EINTR "
              "when a signal interrupts it, and that is no error. Call waitpid() again on "
              "EINTR; only another errno is JOIN_ERROR");
    cr_assert(j->ret_intr == JOIN_DONE && j->code_intr == 9,
              "join_timeout(pid, -1) on a child that exits with 9, while a signal handler ran "
              "in the caller, returned %d with exitcode %d, not JOIN_DONE (0) with 9",
              j->ret_intr, j->code_intr);
}

/* ---- run_all --------------------------------------------------------------- */

enum { NRUN = 4 };

struct run {
    double t0;             /* when run_all() was called */
    int started, ended;    /* children that began / finished their job */
    int saw_ended[NRUN];   /* how many had already ended when child i began */
    int saw_started[NRUN]; /* how many had begun when child i stopped waiting */
    pid_t pid[NRUN];       /* the pid that ran job(i) */
    int calls;
    int joined; /* run_all()'s return value */
    int codes[NRUN];
    int not_joined[NRUN]; /* after run_all(): child i was still there to be waited for */
    bool gate;            /* children wait for each other (the at-once check) */
};

static struct run *run;

/* With the gate, each child waits until all NRUN children have started, at
 * most until 3 s after run_all() was called: children started at once all
 * get through at once; children run one by one cannot all start in time. */
static int gate_job(int i)
{
    if (!run->gate && i == 0) {
        /* Without the gate, child 0 ends last: only once another child has
         * ended and its parent sleeps waiting again (at most 3 s), so a
         * parent that joins "any child" gets another child's code first. */
        while (now_ms() < run->t0 + 3000) {
            bool other_ended = false;
            for (int k = 1; k < NRUN; k++) {
                pid_t other = __atomic_load_n(&run->pid[k], __ATOMIC_SEQ_CST);
                char st = other > 0 ? process_state(other, NULL) : 'R';
                other_ended |= other > 0 && (st == 'Z' || st == 0);
            }
            if (other_ended && process_state(getppid(), NULL) == 'S')
                break;
            sleep_ms(1);
        }
    }
    __atomic_fetch_add(&run->calls, 1, __ATOMIC_SEQ_CST);
    if (i < 0 || i >= NRUN)
        return 99;
    run->pid[i] = getpid();
    run->saw_ended[i] = __atomic_load_n(&run->ended, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&run->started, 1, __ATOMIC_SEQ_CST);
    while (run->gate && __atomic_load_n(&run->started, __ATOMIC_SEQ_CST) < NRUN &&
           now_ms() < run->t0 + 3000)
        sleep_ms(1);
    run->saw_started[i] = __atomic_load_n(&run->started, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&run->ended, 1, __ATOMIC_SEQ_CST);
    return 40 + i;
}

static void call_run_all(void *shared)
{
    run = shared;
    run->gate = false;
    for (int i = 0; i < NRUN; i++)
        run->codes[i] = -999;
    run->t0 = now_ms();
    run->joined = run_all(NRUN, gate_job, run->codes);
    /* A child that was never joined may not have run yet on a busy machine:
     * let every child still there reach the job (it records its pid). */
    double until = now_ms() + 2000;
    while (__atomic_load_n(&run->calls, __ATOMIC_SEQ_CST) < NRUN &&
           count_children_of(getpid()) > 0 && now_ms() < until)
        sleep_ms(1);
    for (int i = 0; i < NRUN; i++)
        if (run->pid[i] > 0)
            run->not_joined[i] = waitpid(run->pid[i], NULL, WNOHANG) >= 0;
}

static void call_run_all_gated(void *shared)
{
    run = shared;
    run->gate = true;
    run->t0 = now_ms();
    run->joined = run_all(NRUN, gate_job, run->codes);
}

Test(join, run_all_runs_children_at_once)
{
    struct run *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_run_all_gated, s, 8000);
    sandbox_assert_returned(&r, "run_all(4, job, codes)");
    cr_assert(s->calls > 0, "run_all(4) never ran the job: child i must call job(i)");
    for (int i = 0; i < NRUN; i++)
        cr_assert(s->saw_ended[i] == 0,
                  "run_all(4) ran the children one after another: child %d started only after "
                  "%d other %s had already ended. You joined inside the start loop; start "
                  "every child first, then join them all in a second loop",
                  i, s->saw_ended[i], s->saw_ended[i] == 1 ? _("child") : _("children"));
    for (int i = 0; i < NRUN; i++)
        cr_assert(s->pid[i] == 0 || s->saw_started[i] == NRUN,
                  "child %d waited up to 3 seconds for all 4 children to be running, but only "
                  "%d started: start all of them before joining any",
                  i, s->saw_started[i]);
    cr_assert(s->started == NRUN, "run_all(4) started %d %s, not 4", s->started,
              s->started == 1 ? _("child") : _("children"));
}

Test(join, run_all_joins_every_child)
{
    struct run *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(call_run_all, s, 6000);
    sandbox_assert_returned(&r, "run_all(4, job, codes)");
    cr_assert(s->calls > 0, "run_all(4) never ran the job: child i must call job(i)");
    int missed = 0;
    for (int i = 0; i < NRUN; i++)
        missed += s->not_joined[i];
    cr_assert(!(missed == NRUN - 1 && !s->not_joined[NRUN - 1]),
              "run_all(4) returned with children 0, 1 and 2 never joined: only the last child "
              "was joined. That is the classic bug of a join after the start loop, on the last "
              "pid only: keep every pid in an array and join each of them");
    cr_assert(missed == 0 && r.unreaped == 0,
              "run_all(4) returned with %d %s never joined (still running or zombies): "
              "join every child you started",
              missed ? missed : r.unreaped,
              (missed ? missed : r.unreaped) == 1 ? _("child") : _("children"));
    cr_assert(s->joined == NRUN,
              "run_all(4) returned %d after joining 4 children: return how "
              "many you joined",
              s->joined);
    cr_assert(s->codes[0] < 41 || s->codes[0] > 40 + NRUN - 1,
              "codes[] is {%d, %d, %d, %d}, but child i exited with 40 + i: codes[0] holds child "
              "%d's code. The check made child 0 end last, and the codes were stored in the "
              "order the children ended: wait() and waitpid(-1, ...) return whichever child has "
              "ended. Join child i by its pid, join_timeout(pids[i], -1, &codes[i])",
              s->codes[0], s->codes[1], s->codes[2], s->codes[3], s->codes[0] - 40);
    for (int i = 0; i < NRUN; i++)
        cr_assert(s->codes[i] == 40 + i,
                  "codes[%d] is %d but child %d exited with %d: store the exitcode of child i's "
                  "join in codes[i]",
                  i, s->codes[i], i, 40 + i);
}
