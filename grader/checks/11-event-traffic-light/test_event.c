/* Lab 11 checks: the Event (event.c), the light and the cars (traffic.c). */
#define _GNU_SOURCE
#include "check.h"
#include "event.h"
#include "road.h"
#include "traffic.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TestSuite(event, .timeout = CHECK_SUITE_TIMEOUT);

enum { WAITERS = 5 };

/* One event_wait(timeout_ms) on an event nobody sets, in a child of its own so
 * that a wait that never ends is bounded. */
struct probe {
    int ret;          /* 1 true, 0 false, -1 had not returned within the bound */
    double ms;        /* how long the call took (the bound when it had not returned) */
    double cpu_ms;    /* CPU time the child used */
    bool left_locked; /* it returned, and the event's mutex was still locked */
    int start_ms;     /* the monotonic clock's milliseconds within its second at the call */
};

/* A call that returned with the mutex held blocks every later call: said
 * first, because every later symptom follows from it. */
#define LEFT_LOCKED_MESSAGE                                                                        \
    N_("event_wait(%d ms) on an event nobody sets returned %s after %.0f ms with the event's "     \
       "mutex still locked (pthread_mutex_trylock from another process found it taken): the "      \
       "timeout path returns without pthread_mutex_unlock, so every later call on the event "      \
       "blocks for ever. Every way out of event_wait unlocks the mutex: break out of the loop, "   \
       "unlock, then return")

/* What the bodies saw, in shared memory. */
struct seen {
    struct event ev; /* the event under test: shared by every process */
    int init_rc;
    bool after_init, after_set, after_clear, wait_set, wait_zero, ret;
    double wait_set_ms, wait_zero_ms, elapsed_ms, cpu_ms;
    double share;         /* of looks that found a waiter running or ready to run */
    struct probe control; /* an event_wait(200 ms) that nothing woke */
    int pokes;
    bool slept;   /* every waiter was seen asleep before the set */
    int spinning; /* waiters seen running (SPIN_CPU_MS of CPU) instead of asleep */
    double set_ms;
    bool child_ret[WAITERS];
    double child_woke_ms[WAITERS];
    int child_done;
    bool car_hung;
    int crossings_at_red;
    bool final_flag;
    struct road *road;
};

/* The state letter of /proc/PID/stat ('S' sleeping, 'R' running), or 0;
 * with cpu_ms, the CPU time it has used (user + system). */
static char proc_state_cpu(pid_t pid, double *cpu_ms)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    char state = 0;
    unsigned long utime = 0, stime = 0;
    /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &state, &utime,
                     &stime) < 1)
        return 0;
    if (cpu_ms)
        *cpu_ms = (double)(utime + stime) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
    return state;
}

static char proc_state(pid_t pid)
{
    return proc_state_cpu(pid, NULL);
}

/* A process that has used this much CPU without once going to sleep is
 * spinning: a waiter uses well under 1 ms before it blocks, however busy
 * the machine is (a busy machine delays it, it does not make it work more). */
enum { SPIN_CPU_MS = 40 };

/* Wait until every process in pids is asleep, seen on two looks in a row
 * (then each one is blocked inside event_wait()): true. False as soon as one
 * ended or has been seen spinning (SPIN_CPU_MS of CPU), or after bound_ms.
 * The bound is long: a fresh process may wait for a CPU for a long while
 * on a loaded machine, and that is not a wrong answer. */
static bool wait_asleep(const pid_t *pids, int n, double bound_ms)
{
    double end = now_ms() + bound_ms;
    int in_a_row = 0;
    while (now_ms() < end) {
        int asleep = 0;
        for (int i = 0; i < n; i++) {
            double cpu = 0;
            char st = proc_state_cpu(pids[i], &cpu);
            if (st == 0 || st == 'Z')
                return false; /* it ended: it did not wait */
            if (cpu >= SPIN_CPU_MS)
                return false;
            asleep += st == 'S';
        }
        in_a_row = asleep == n ? in_a_row + 1 : 0;
        if (in_a_row >= 2)
            return true;
        sleep_ms(2);
    }
    return false;
}

/* Reap pid within bound_ms; kill it if it is still there. Its CPU time in
 * *cpu (ms). Returns false when it had to be killed. */
static bool reap_within(pid_t pid, double bound_ms, double *cpu)
{
    double end = now_ms() + bound_ms;
    struct rusage ru = {0};
    int status;
    bool ok = true;
    while (wait4(pid, &status, WNOHANG, &ru) == 0) {
        if (now_ms() > end) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &ru);
            ok = false;
            break;
        }
        sleep_ms(1);
    }
    if (cpu)
        *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    return ok;
}

/* ---- set, clear, is_set ---------------------------------------------------- */

static void set_clear_body(void *shared)
{
    struct seen *s = shared;
    s->init_rc = event_init(&s->ev);
    s->after_init = event_is_set(&s->ev);
    event_set(&s->ev);
    s->after_set = event_is_set(&s->ev);
    double t = now_ms();
    s->wait_set = event_wait(&s->ev, 1000);
    s->wait_set_ms = now_ms() - t;
    event_clear(&s->ev);
    s->after_clear = event_is_set(&s->ev);
    t = now_ms();
    s->wait_zero = event_wait(&s->ev, 0);
    s->wait_zero_ms = now_ms() - t;
    event_destroy(&s->ev);
}

Test(event, event_set_clear_is_set)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(set_clear_body, s, 4000);
    sandbox_assert_returned(&r, "event_init/set/clear/is_set/wait");
    cr_assert(s->init_rc == 0, "event_init() returned %d instead of 0", s->init_rc);
    cr_assert(!s->after_init, "event_is_set() is true right after event_init(): start clear");
    cr_assert(s->after_set, "event_is_set() is false after event_set(): set the flag under the "
                            "mutex and return it from event_is_set()");
    cr_assert(s->wait_set && s->wait_set_ms < 500,
              "event_wait(1000 ms) on a set event returned %s after %.0f ms: when the flag is "
              "already set it must return true at once, without waiting",
              s->wait_set ? "true" : "false", s->wait_set_ms);
    cr_assert(!s->after_clear, "event_is_set() is still true after event_clear()");
    cr_assert(!s->wait_zero && s->wait_zero_ms < 500,
              "event_wait(0) on a clear event returned %s after %.0f ms: a timeout of 0 does "
              "not block and returns false",
              s->wait_zero ? "true" : "false", s->wait_zero_ms);
}

/* ---- every operation holds the mutex ---------------------------------------- */

enum { OP_SET, OP_CLEAR, OP_IS_SET, OP_WAIT0, OPS };
static const char *const op_name[OPS] = {"event_set()", "event_clear()", "event_is_set()",
                                         "event_wait(e, 0)"};

struct mutex_seen {
    struct event ev;
    int init_rc;
    bool done_while_held[OPS]; /* the call returned while the check held the mutex */
    bool flag_while_held[OPS]; /* the flag changed while the check held the mutex */
    bool finished_after[OPS];  /* the call returned once the mutex was free */
};

/* The check holds the event's mutex while another process calls each
 * operation: a call that locks the mutex waits; one that does not returns,
 * or changes the flag, while the mutex is held. */
static void mutex_body(void *shared)
{
    struct mutex_seen *s = shared;
    s->init_rc = event_init(&s->ev);
    for (int op = 0; op < OPS; op++) {
        pthread_mutex_lock(&s->ev.mutex);
        s->ev.flag = op == OP_CLEAR; /* clear for set, set for clear */
        bool before = s->ev.flag;
        pid_t pid = fork();
        if (pid == 0) {
            if (op == OP_SET)
                event_set(&s->ev);
            else if (op == OP_CLEAR)
                event_clear(&s->ev);
            else if (op == OP_IS_SET)
                (void)event_is_set(&s->ev);
            else
                (void)event_wait(&s->ev, 0);
            _exit(0);
        }
        if (pid < 0) {
            pthread_mutex_unlock(&s->ev.mutex);
            return;
        }
        /* Until the child is asleep (blocked on the mutex) or has ended. */
        double end = now_ms() + 2000;
        int in_a_row = 0;
        char st = 0;
        while (in_a_row < 2 && now_ms() < end) {
            st = proc_state(pid);
            if (st == 0 || st == 'Z')
                break;
            in_a_row = st == 'S' ? in_a_row + 1 : 0;
            sleep_ms(2);
        }
        sleep_ms(20);
        st = proc_state(pid);
        s->done_while_held[op] = st == 0 || st == 'Z';
        s->flag_while_held[op] = s->ev.flag != before;
        s->ev.flag = false;
        pthread_mutex_unlock(&s->ev.mutex);
        s->finished_after[op] = reap_within(pid, 2000, NULL);
    }
}

Test(event, every_call_holds_the_mutex)
{
    struct mutex_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(mutex_body, s, 15000);
    sandbox_assert_returned(&r, "event_set/clear/is_set/wait while another process holds the "
                                "event's mutex");
    cr_assert(s->init_rc == 0, "event_init() returned %d instead of 0", s->init_rc);
    for (int op = 0; op < OPS; op++) {
        cr_assert(!s->flag_while_held[op],
                  "%s changed the flag while another process held the event's mutex: it "
                  "writes the flag without locking the mutex (or before locking it), so a "
                  "waiter that has just found the flag clear can miss the wake-up and sleep "
                  "on. Lock e->mutex, then touch the flag, then unlock",
                  op_name[op]);
        cr_assert(!s->done_while_held[op],
                  "%s returned while another process held the event's mutex: it does not lock "
                  "the mutex. The flag is read and written only under the mutex: "
                  "pthread_mutex_lock(&e->mutex) first",
                  op_name[op]);
        cr_assert(s->finished_after[op],
                  "%s had not returned 2 s after the event's mutex was unlocked by the other "
                  "process that held it: the unlock did not reach it (is the mutex "
                  "process-shared? see set_wakes_waiter_in_other_process)",
                  op_name[op]);
    }
}

/* ---- timeouts ----------------------------------------------------------- */

/* Where a waiter that should have timed out is blocked, read from
 * /proc/PID/syscall and its memory: evidence for the message. */
struct blocked {
    bool seen;      /* it was asleep in futex() */
    bool timed;     /* futex() was given a timeout */
    bool realtime;  /* ... measured on CLOCK_REALTIME (FUTEX_CLOCK_REALTIME) */
    bool read;      /* the deadline could be read */
    double ahead_s; /* the deadline minus now, on the clock futex() measures */
};

struct timeout_seen {
    struct event ev;
    struct probe a, b, c, d;
    struct blocked why_a;
};

/* pid is asleep in futex(): with which timeout? */
static void look_blocked(pid_t pid, struct blocked *w)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    long nr;
    unsigned long a[6];
    if (sscanf(buf, "%ld %lx %lx %lx %lx %lx %lx", &nr, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5]) !=
            7 ||
        nr != SYS_futex)
        return;
    w->seen = true;
    w->timed = a[3] != 0;
    w->realtime = (a[1] & FUTEX_CLOCK_REALTIME) != 0;
    if (!w->timed)
        return;
    struct timespec deadline, now;
    struct iovec local = {&deadline, sizeof deadline}, remote = {(void *)a[3], sizeof deadline};
    if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof deadline) {
        /* process_vm_readv may be filtered: /proc/PID/mem is the same memory */
        snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return;
        n = pread(fd, &deadline, sizeof deadline, (off_t)a[3]);
        close(fd);
        if (n != (ssize_t)sizeof deadline)
            return;
    }
    clock_gettime(w->realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
    w->read = true;
    w->ahead_s = (double)(deadline.tv_sec - now.tv_sec) + (deadline.tv_nsec - now.tv_nsec) / 1e9;
}

/* Sleep until the CLOCK_MONOTONIC nanoseconds are in [from_ms, from_ms + 50)
 * ms of the second: then whether now + timeout needs a carry into tv_sec is
 * known in advance. */
static void align_monotonic(int from_ms)
{
    for (int i = 0; i < 2000; i++) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long ms = t.tv_nsec / 1000000;
        if (ms >= from_ms && ms < from_ms + 50)
            return;
        sleep_ms(1);
    }
}

static void probe_wait(struct event *e, struct probe *p, double timeout_ms, double bound_ms,
                       int align_ms, struct blocked *why)
{
    p->ret = -1;
    p->ms = bound_ms;
    if (align_ms >= 0)
        align_monotonic(align_ms);
    pid_t pid = fork();
    if (pid < 0)
        return;
    if (pid == 0) {
        /* A process that changed user is not dumpable: let its parent (the
         * same user) read /proc/PID/syscall and its memory. */
        prctl(PR_SET_DUMPABLE, 1);
        struct timespec at;
        clock_gettime(CLOCK_MONOTONIC, &at);
        p->start_ms = (int)(at.tv_nsec / 1000000);
        double t0 = now_ms();
        int got = event_wait(e, timeout_ms);
        p->ms = now_ms() - t0;
        p->ret = got;
        _exit(0);
    }
    double start = now_ms();
    if (why) { /* still waiting well after its timeout: where is it blocked? */
        char st;
        while (now_ms() < start + bound_ms / 2 && !why->seen && (st = proc_state(pid)) != 0 &&
               st != 'Z') {
            sleep_ms(20);
            if (now_ms() > start + 4 * timeout_ms + 200 && st == 'S')
                look_blocked(pid, why);
        }
    }
    reap_within(pid, start + bound_ms - now_ms(), &p->cpu_ms);
    if (p->ret >= 0) {
        int busy = pthread_mutex_trylock(&e->mutex);
        if (busy == 0)
            pthread_mutex_unlock(&e->mutex);
        p->left_locked = busy == EBUSY;
    }
}

static void timeout_body(void *shared)
{
    struct timeout_seen *s = shared;
    event_init(&s->ev);
    /* a: 100 ms, started where now + 100 ms needs no carry into tv_sec */
    probe_wait(&s->ev, &s->a, 100, 2000, 100, &s->why_a);
    /* b: 600 ms, started where now + 600 ms needs a carry into tv_sec. On
     * a busy machine the child may start late, past the next second, where
     * no carry is needed: such a call proves nothing, so try again. */
    for (int try = 0; try < 3; try++) {
        probe_wait(&s->ev, &s->b, 600, 2000, 500, NULL);
        if (s->b.ret < 0 || (s->b.start_ms >= 410 && s->b.start_ms <= 990))
            break;
    }
    if (s->a.ret == -1) /* a held on: is 1 ms read as 1 s, or is the timeout lost? */
        probe_wait(&s->ev, &s->d, 1, 2000, -1, NULL);
    if (s->a.ret >= 0 && s->a.ms < 50 && s->b.ret >= 0 && s->b.ms < 50)
        probe_wait(&s->ev, &s->c, 300000, 2000, -1,
                   NULL); /* gave up at once twice: in proportion? */
}

static const char *said(const struct probe *p)
{
    return p->ret < 0 ? _("had not returned") : p->ret ? _("returned true") : _("returned false");
}

Test(event, wait_times_out_with_false)
{
    struct timeout_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(timeout_body, s, 15000);
    sandbox_assert_returned(&r, "event_wait() on an event nobody sets");
    const struct probe *a = &s->a, *b = &s->b, *c = &s->c, *d = &s->d;
    cr_assert(a->ret != 1 && b->ret != 1,
              "event_wait(%d ms) returned true although the event was never set: return the "
              "flag, which is false on a timeout",
              a->ret == 1 ? 100 : 600);
    cr_assert(!a->left_locked, LEFT_LOCKED_MESSAGE, 100, a->ret ? _("true") : _("false"), a->ms);
    cr_assert(!b->left_locked, LEFT_LOCKED_MESSAGE, 600, b->ret ? _("true") : _("false"), b->ms);
    const struct blocked *w = &s->why_a;
    if (a->ret < 0 && w->seen) {
        cr_assert(w->timed,
                  "event_wait(100 ms) on an event nobody sets had not returned after %.0f ms: "
                  "it was asleep in futex() with no timeout at all, so the timeout is not "
                  "used (pthread_cond_wait() where pthread_cond_timedwait() is needed). The "
                  "clause: wait at most timeout_ms milliseconds",
                  a->ms);
        cr_assert(!w->read || w->realtime || w->ahead_s < 1e8,
                  "event_wait(100 ms) on an event nobody sets had not returned after %.0f ms: "
                  "it was asleep in pthread_cond_timedwait() with a deadline %.3g s ahead on "
                  "CLOCK_MONOTONIC, the clock event_init() gives the condition. That deadline "
                  "is a CLOCK_REALTIME time (seconds since 1970): take now from "
                  "clock_gettime(CLOCK_MONOTONIC), the condition's clock",
                  a->ms, w->ahead_s);
        cr_assert(!w->read || w->ahead_s < 50 || w->ahead_s > 1e8,
                  "event_wait(100 ms) on an event nobody sets had not returned after %.0f ms: "
                  "it was asleep in pthread_cond_timedwait() with a deadline %.0f s ahead: the "
                  "timeout is read as seconds. timeout_ms is in milliseconds: add "
                  "timeout_ms * 1000000 nanoseconds to now",
                  a->ms, w->ahead_s);
    }
    if (a->ret < 0) {
        cr_assert(d->ret >= 0,
                  "event_wait(100 ms) on an event nobody sets had not returned after %.0f ms, "
                  "nor event_wait(1 ms) after %.0f ms (%.0f ms of CPU time: %s). The clause: "
                  "wait at most timeout_ms milliseconds. Either the timeout is not used "
                  "(pthread_cond_wait() instead of pthread_cond_timedwait()), or the deadline "
                  "is far ahead on the condition's clock: event_init() sets the condition to "
                  "CLOCK_MONOTONIC, so the deadline must be clock_gettime(CLOCK_MONOTONIC) + "
                  "the timeout (a CLOCK_REALTIME time is decades ahead of it)",
                  a->ms, d->ms, d->cpu_ms, d->cpu_ms > 100 ? _("it spins") : _("it sleeps"));
        cr_assert(!(d->ms >= 700 && d->ms < 1900),
                  "event_wait(1 ms) on an event nobody sets gave up after %.0f ms, and "
                  "event_wait(100 ms) had not returned after %.0f ms: the timeout is read as "
                  "seconds (1 ms waited about 1 s). timeout_ms is in milliseconds: add "
                  "timeout_ms * 1000000 nanoseconds to now",
                  d->ms, a->ms);
        cr_assert(false,
                  "event_wait(100 ms) on an event nobody sets had not returned after %.0f ms, "
                  "and event_wait(1 ms) gave up after %.0f ms: the wait does not end at its "
                  "timeout (clause: wait at most timeout_ms milliseconds)",
                  a->ms, d->ms);
    }
    if (a->ms < 50 && b->ms < 50 && b->ret >= 0) {
        cr_assert(!(c->ret == 0 && c->ms >= 100 && c->ms < 1900),
                  "event_wait(T) on an event nobody sets gave up after %.1f ms for T = 100, "
                  "%.1f ms for T = 600 and %.0f ms for T = 300000: always 1000 times too soon, "
                  "so the timeout is read as microseconds. timeout_ms is in milliseconds: add "
                  "timeout_ms * 1000000 nanoseconds to now",
                  a->ms, b->ms, c->ms);
        cr_assert(false,
                  "event_wait(T) on an event nobody sets returned too early: after %.1f ms for "
                  "T = 100, %.1f ms for T = 600 and %.1f ms for T = 300000 (it %s), so it gives "
                  "up at once whatever the timeout: the deadline is already past. "
                  "pthread_cond_timedwait() takes an absolute time on the condition's clock "
                  "(now + the timeout, from clock_gettime(CLOCK_MONOTONIC), with the condition "
                  "set to CLOCK_MONOTONIC by pthread_condattr_setclock()), not the timeout "
                  "itself. To see it: time an event_wait(e, 500) that nobody sets",
                  a->ms, b->ms, c->ms, said(c));
    }
    cr_assert(a->ms >= 95 && a->ms < 1600,
              "event_wait(100 ms) on an event nobody sets %s after %.0f ms (and event_wait(600 "
              "ms) after %.0f ms): it must give up at the timeout, not before and not much "
              "later",
              said(a), a->ms, b->ms);
    cr_assert(b->ms >= 50 || b->ret < 0,
              "event_wait(600 ms) on an event nobody sets gave up after %.1f ms, but "
              "event_wait(100 ms) waited its %.0f ms. The 600 ms call started when now + 600 "
              "ms crossed into the next second: the deadline's tv_nsec went past 999999999 "
              "and pthread_cond_timedwait() refused it (EINVAL). Carry whole seconds from "
              "tv_nsec into tv_sec",
              b->ms, a->ms);
    cr_assert(b->ret >= 0 || b->cpu_ms <= 100,
              "event_wait(600 ms) on an event nobody sets had not returned after %.0f ms "
              "(%.0f ms of CPU time: %s), but event_wait(100 ms) gave up after %.0f ms. The "
              "600 ms call started when now + 600 ms crossed into the next second: the "
              "deadline's tv_nsec went past 999999999, pthread_cond_timedwait() returns "
              "EINVAL at once for it, and a loop that only stops on ETIMEDOUT calls it again "
              "for ever. Carry whole seconds from tv_nsec into tv_sec",
              b->ms, b->cpu_ms, _("it spins"), a->ms);
    cr_assert(b->ret >= 0,
              "event_wait(600 ms) on an event nobody sets had not returned after %.0f ms (%.0f "
              "ms of CPU time: it sleeps), but event_wait(100 ms) gave up after %.0f ms. The "
              "600 ms call started when now + 600 ms crossed into the next second: a deadline "
              "whose tv_nsec is not carried into tv_sec makes pthread_cond_timedwait() fail "
              "with EINVAL, and a wait that then blocks with no timeout never ends. Carry whole "
              "seconds from tv_nsec into tv_sec, and stop the loop on any error, not only on "
              "ETIMEDOUT",
              b->ms, b->cpu_ms, a->ms);
    cr_assert(b->ms >= 570 && b->ms < 1900,
              "event_wait(600 ms) on an event nobody sets %s after %.0f ms, not about 600 ms",
              said(b), b->ms);
}

/* ---- spurious wake-ups ------------------------------------------------------ */

static struct seen *poked;
static volatile int stop_poking;

/* Wake every waiter without setting the flag: what a spurious wake-up, or a
 * set that was cleared again before the waiter ran, looks like to it. */
static void *poke(void *arg)
{
    (void)arg;
    pid_t waiter = getpid(); /* the main thread, asleep in event_wait() */
    while (!stop_poking) {
        if (proc_state(waiter) != 'S') { /* not asleep yet: a wake-up would miss it */
            sleep_ms(1);
            continue;
        }
        pthread_mutex_lock(&poked->ev.mutex);
        /* Counted before the wake-up, under the mutex: a waiter it wakes
         * sees the count when it takes the mutex back. */
        __atomic_add_fetch(&poked->pokes, 1, __ATOMIC_SEQ_CST);
        pthread_cond_broadcast(&poked->ev.cond);
        pthread_mutex_unlock(&poked->ev.mutex);
        sleep_ms(1);
    }
    return NULL;
}

static void spurious_body(void *shared)
{
    struct seen *s = poked = shared;
    event_init(&s->ev);
    probe_wait(&s->ev, &s->control, 200, 1500, -1, NULL); /* nothing wakes this one */
    if (s->control.ret != 0 || s->control.ms < 195)
        return; /* the timeout itself is wrong */
    /* On a busy machine the poking thread may not run at all while the
     * waiter sleeps: a wait that then times out proves nothing either way.
     * Try again (5 times at most) until a wake-up has landed during a wait;
     * a poke after the wait returned (the waiter asleep in pthread_join) is
     * not counted. */
    for (int try = 0; try < 5; try++) {
        pthread_t t;
        s->pokes = 0;
        stop_poking = 0;
        pthread_create(&t, NULL, poke, NULL);
        double start = now_ms();
        s->ret = event_wait(&s->ev, 200);
        s->elapsed_ms = now_ms() - start;
        int pokes = __atomic_load_n(&s->pokes, __ATOMIC_SEQ_CST);
        stop_poking = 1;
        pthread_join(t, NULL);
        s->pokes = pokes;
        if (pokes > 0 || s->ret || s->elapsed_ms < 195)
            break;
    }
}

Test(event, wait_ignores_spurious_wakeups)
{
    struct seen *s = shared_alloc(sizeof *s);
    s->control.ret = -2; /* not run */
    struct sandbox r = sandbox_run(spurious_body, s, 5000);
    cr_assert(s->control.ret == -2 || (s->control.ret == 0 && s->control.ms >= 195),
              "event_wait(200 ms) on an event that nothing woke %s after %.0f ms: it does not "
              "end at its timeout even without wake-ups. Fix wait_times_out_with_false first: "
              "it explains this check too",
              s->control.ret < 0 ? _("had not returned")
              : s->control.ret   ? _("returned true")
                                 : _("returned false"),
              s->control.ms);
    cr_assert(!s->control.left_locked, LEFT_LOCKED_MESSAGE, 200,
              s->control.ret ? _("true") : _("false"), s->control.ms);
    cr_assert(!r.timed_out,
              "event_wait(200 ms) did not return within 5 s while another thread kept waking "
              "the condition (without setting the flag): compute the deadline once, before the "
              "loop, and pass the same absolute deadline to every pthread_cond_timedwait()");
    sandbox_assert_returned(&r, "event_wait(200 ms) with wake-ups but no set");
    cr_assert(s->elapsed_ms >= 195 || s->pokes > 0,
              "event_wait(200 ms) returned after %.0f ms, before anything woke it: it does not "
              "wait yet",
              s->elapsed_ms);
    cr_assert(s->elapsed_ms >= 195,
              "event_wait(200 ms) returned %s after %.0f ms although the flag was never set: it "
              "returned on a spurious or stale wake-up (another thread broadcast the condition "
              "without setting the flag). Wait in a loop that checks the flag again "
              "after every wake-up: while (!e->flag) pthread_cond_timedwait(...)",
              s->ret ? "true" : "false", s->elapsed_ms);
    cr_assert(!s->ret, "event_wait(200 ms) returned true although the flag was never set: "
                       "return the flag itself, not whether you were woken");
}

/* ---- set wakes waiters in other processes ------------------------------------- */

static void wakeup_body(struct seen *s, int n)
{
    event_init(&s->ev);
    pid_t pids[WAITERS] = {0};
    for (int i = 0; i < n; i++) {
        pids[i] = Fork();
        if (pids[i] == 0) {
            s->child_ret[i] = event_wait(&s->ev, 3000);
            s->child_woke_ms[i] = now_ms();
            _exit(0);
        }
    }
    s->slept = wait_asleep(pids, n, 3000);
    if (!s->slept) { /* a waiter that spins may hold the mutex: event_set() would hang */
        for (int i = 0; i < n; i++) {
            double cpu = 0;
            char st = proc_state_cpu(pids[i], &cpu);
            if (st && st != 'Z' && cpu >= SPIN_CPU_MS)
                s->spinning++;
        }
        if (s->spinning) {
            for (int i = 0; i < n; i++) {
                kill(pids[i], SIGKILL);
                reap_within(pids[i], 1000, NULL);
            }
            return;
        }
    }
    s->set_ms = now_ms();
    event_set(&s->ev);
    for (int i = 0; i < n; i++)
        if (reap_within(pids[i], 4000, NULL))
            s->child_done++;
}

/* The message for waiters that ran instead of sleeping before any set. */
static void assert_not_spinning(const struct seen *s, int n)
{
    cr_assert(!s->spinning,
              "%s in event_wait(3000 ms) kept running on the CPU (%d ms or more) instead of "
              "falling asleep before the event was set: the wait spins. "
              "If wait_times_out_with_false or wait_does_not_busy_wait fails too, fix that "
              "first: it explains this one (a loop around pthread_cond_timedwait() that gets "
              "an error other than ETIMEDOUT, such as EINVAL for a deadline whose tv_nsec is "
              "past 999999999, calls it again for ever)",
              n == 1             ? _("the waiting process")
              : s->spinning == 1 ? _("at least 1 of the waiting processes")
                                 : _("several waiting processes"),
              SPIN_CPU_MS);
}

static void one_waiter_body(void *shared)
{
    wakeup_body(shared, 1);
}

Test(event, set_wakes_waiter_in_other_process)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(one_waiter_body, s, 10000);
    sandbox_assert_returned(&r, "a waiter in one process, event_set() in another");
    assert_not_spinning(s, 1);
    cr_assert(s->child_done == 1, "the waiting process did not finish within 4 s");
    cr_assert(s->child_woke_ms[0] >= s->set_ms,
              "event_wait(3000 ms) in the waiting process returned %s before the event was set: "
              "it does not wait yet (if wait_times_out_with_false fails too, fix that first: it "
              "explains this)",
              s->child_ret[0] ? "true" : "false");
    double late = s->child_woke_ms[0] - s->set_ms;
    cr_assert(late < 1500,
              "the process waiting in event_wait(3000 ms) woke %.0f ms after event_set() ran in "
              "another process: only when its own timeout ran out, so the wake-up never reached "
              "it. A mutex and condition variable used by several processes need the "
              "process-shared attribute: pthread_mutexattr_setpshared() and "
              "pthread_condattr_setpshared() with PTHREAD_PROCESS_SHARED, in event_init()",
              late);
    cr_assert(s->child_ret[0], "event_wait() in the waiting process returned false although "
                               "event_set() had been called: return the flag");
}

static void many_waiters_body(void *shared)
{
    wakeup_body(shared, WAITERS);
}

Test(event, set_wakes_every_waiter)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(many_waiters_body, s, 10000);
    sandbox_assert_returned(&r, "five waiting processes and one event_set()");
    assert_not_spinning(s, WAITERS);
    int woke = 0, early = 0;
    for (int i = 0; i < WAITERS; i++) {
        early += s->child_woke_ms[i] < s->set_ms;
        woke += s->child_ret[i] && s->child_woke_ms[i] >= s->set_ms &&
                s->child_woke_ms[i] - s->set_ms < 1500;
    }
    cr_assert(early == 0,
              "%d of %d processes returned from event_wait(3000 ms) before the event was set: "
              "it does not wait yet (if wait_times_out_with_false fails too, fix that first: "
              "it explains this)",
              early, WAITERS);
    cr_assert(woke == WAITERS,
              "%d of %d processes waiting in event_wait(3000 ms) woke when event_set() was "
              "called; the other %d slept on until their timeout. %s",
              woke, WAITERS, WAITERS - woke,
              woke == 0 ? _("None woke: is the condition variable process-shared, and does "
                            "event_set() wake the waiters at all?")
                        : _("event_set() must wake every waiter: pthread_cond_broadcast(), not "
                            "pthread_cond_signal() (which wakes only one)"));
}

/* ---- no busy waiting -------------------------------------------------------- */

/* Look at pid's state every millisecond for window_ms: the share of looks
 * that found it running or ready to run ('R'). A process asleep in a wait
 * is 'S' however busy the machine is; a spinning one is 'R' (running, or
 * queued for a CPU) however busy the machine is. -1 if it ended. */
static double running_share(pid_t pid, double window_ms)
{
    double end = now_ms() + window_ms;
    int looks = 0, running = 0;
    while (now_ms() < end || looks < 10) {
        char st = proc_state(pid);
        if (st == 0 || st == 'Z')
            return -1;
        looks++;
        running += st == 'R';
        sleep_ms(1);
    }
    return (double)running / looks;
}

static void busy_body(void *shared)
{
    struct seen *s = shared;
    event_init(&s->ev);
    double start = now_ms();
    pid_t waiter = Fork();
    if (waiter == 0) {
        s->child_ret[0] = event_wait(&s->ev, 5000);
        s->child_woke_ms[0] = now_ms();
        _exit(0);
    }
    s->slept = wait_asleep(&waiter, 1, 3000); /* until asleep, or seen spinning */
    s->share = running_share(waiter, 150);
    s->elapsed_ms = now_ms() - start;
    if (s->slept)
        event_set(&s->ev); /* done looking: let it go */
    else
        kill(waiter, SIGKILL); /* it may spin holding the mutex: event_set() could hang */
    reap_within(waiter, 2000, &s->cpu_ms);
    if (s->share < 0)
        s->elapsed_ms = s->child_woke_ms[0] - start;
}

Test(event, wait_does_not_busy_wait)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(busy_body, s, 8000);
    sandbox_assert_returned(&r, "event_wait(5000 ms) in a process while nobody sets the event");
    cr_assert(s->share >= 0,
              "event_wait(5000 ms) on an event nobody sets returned after %.0f ms: it does not "
              "wait yet (if wait_times_out_with_false fails too, fix that first: it explains "
              "this)",
              s->elapsed_ms);
    cr_assert(s->share < 0.5,
              "the process in event_wait() was running or ready to run in %.0f%% of the looks "
              "at it over 150 ms (and used %.0f ms of CPU time in all): it is busy waiting "
              "instead of sleeping: a loop that checks the flag without sleeping, or a loop "
              "around a pthread_cond_timedwait() that fails at once (if "
              "wait_times_out_with_false fails too, fix that first). Sleep on the condition "
              "variable with pthread_cond_timedwait(), which uses no CPU until it is woken",
              s->share * 100, s->cpu_ms);
}

/* ---- the car ----------------------------------------------------------------- */

static void car_body(void *shared)
{
    struct seen *s = shared;
    event_init(&s->ev);
    light_show(false); /* the check is the light: red */
    pid_t car = Fork();
    if (car == 0) {
        run_car(&s->ev, 7);
        _exit(0);
    }
    s->slept = wait_asleep(&car, 1, 3000); /* asleep at red, or crossed and gone */
    s->share = running_share(car, 100);    /* asleep at red, or spinning? */
    s->crossings_at_red = s->road->crossings;
    light_show(true);
    event_set(&s->ev);
    s->car_hung = !reap_within(car, 2000, &s->cpu_ms);
}

Test(event, car_waits_for_green)
{
    struct seen *s = shared_alloc(sizeof *s);
    s->road = road_watch(&s->ev); /* before the fork: the test reads it */
    struct sandbox r = sandbox_run(car_body, s, 8000);
    sandbox_assert_returned(&r, "run_car() at a red light");
    cr_assert(s->crossings_at_red == 0,
              "car 7 crossed while the light was red (the event clear): when "
              "event_is_set() is false the car must wait for the event before car_cross()");
    cr_assert(!s->car_hung,
              "car 7 was still waiting 2 s after the light turned green (event_set()): wait "
              "with event_wait(green, -1) and cross when it returns true");
    cr_assert(s->road->crossings == 1 && s->road->cross_car[0] == 7,
              "run_car(green, 7) called car_cross() %d times (car %d first): it must cross "
              "once, as car 7",
              s->road->crossings, s->road->crossings ? s->road->cross_car[0] : -1);
    cr_assert(s->share < 0.5,
              "car 7 was running or ready to run in %.0f%% of the looks at it while it waited "
              "at red (and used %.0f ms of CPU time): it spins on the flag. Sleep in "
              "event_wait() instead of looping on event_is_set()",
              s->share * 100, s->cpu_ms);
    cr_assert(strstr(r.output, "car 7: waits at red"),
              "car 7 did not print \"car 7: waits at red\" before waiting. %s", sandbox_tail(&r));
}

/* ---- the light ----------------------------------------------------------------- */

static void light_body(void *shared)
{
    struct seen *s = shared;
    event_init(&s->ev);
    event_set(&s->ev); /* it was green before the light took over */
    pid_t car = fork();
    if (car == 0) { /* a car that arrives once the light has turned red */
        double end = now_ms() + 3000;
        while (s->road->shows < 1 && now_ms() < end)
            sleep_ms(1);
        run_car(&s->ev, 5);
        _exit(0);
    }
    double t = now_ms();
    run_light(&s->ev, 2, 30, 600);
    s->elapsed_ms = now_ms() - t;
    s->final_flag = s->ev.flag;
    if (car > 0)
        reap_within(car, 2000, NULL);
}

Test(event, light_switches_red_and_green)
{
    struct seen *s = shared_alloc(sizeof *s);
    s->road = road_watch(&s->ev);
    struct sandbox r = sandbox_run(light_body, s, 8000);
    sandbox_assert_returned(&r, "run_light(green, 2, 30, 600)");
    struct road *road = s->road;
    cr_assert(road->shows == 4,
              "run_light(green, 2 cycles, ...) showed the light %d times, not 4 (red, green, "
              "red, green): call light_show() at every change",
              road->shows);
    for (int i = 0; i < 4; i++) {
        bool want = i % 2 == 1;
        cr_assert(road->show_green[i] == want,
                  "change %d of the light showed %s, expected %s: each cycle is red first, "
                  "then green",
                  i + 1, road->show_green[i] ? _("green") : _("red"), want ? _("green") : _("red"));
        cr_assert(!road->flag_at_show[i], "%s",
                  want ? _("the event was already set when the light showed green: show green "
                           "first, then event_set(), so no car drives off at a red light")
                       : _("the light showed red while the event was still set: call "
                           "event_clear() before light_show(false), or cars keep driving at red"));
    }
    for (int i = 1; i < 4; i++) {
        double lasted = road->show_ms[i] - road->show_ms[i - 1];
        double want = i % 2 == 1 ? 30 : 600;
        cr_assert(lasted >= want * 0.9,
                  "the light changed after %.0f ms instead of %.0f: sleep_ms(red_ms) after "
                  "showing red, sleep_ms(green_ms) after showing green",
                  lasted, want);
    }
    cr_assert(s->final_flag, "run_light() returned with the event clear: end the last cycle green "
                             "(event_set()), or cars that arrive later wait forever");
    /* Seen directly when the light sleeps with sleep_ms(): was the event set
     * when its green sleep began? Else by time: a car that crossed sooner
     * than the green's 600 ms could have ended proves a set before it. */
    if (road->slept[1])
        cr_assert(road->flag_at_sleep[1],
                  "the light began its green sleep_ms() with the event still clear: the event "
                  "was set only at the end of the green phase, and cars wait while the light "
                  "shows green. Turning green is light_show(true), then event_set(), then "
                  "sleep_ms(green_ms)");
    double late = road->crossings > 0 && road->shows >= 2 && !road->slept[1]
                      ? road->cross_ms[0] - road->show_ms[1]
                      : 0;
    cr_assert(late < 590,
              "a car waiting at red crossed %.0f ms after the light showed green, and green "
              "lasts 600 ms: the event was set only at the end of the green phase. Turning "
              "green is light_show(true), then event_set(), then sleep_ms(green_ms)",
              late);
}

/* ---- a very long timeout waits, as Python's e.wait(1e10) does ------------------ */

struct long_seen {
    int made;
    int ret;   /* 1 true, 0 false, -1 did not return */
    double ms; /* how long event_wait() took */
};

/* event_wait(e, 1e13), 317 years, on an event that a child of the body sets
 * 200 ms later. 1e13 ms in nanoseconds, 1e19, is past what a long long holds. */
static void long_timeout_body(void *shared)
{
    struct long_seen *s = shared;
    s->ret = -1;
    struct event *e = shared_alloc(sizeof *e);
    if (event_init(e) < 0)
        return;
    s->made = 1;
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(200);
        event_set(e);
        _exit(0);
    }
    double t0 = now_ms();
    bool got = event_wait(e, 1e13);
    s->ms = now_ms() - t0;
    s->ret = got;
    if (pid > 0)
        waitpid(pid, NULL, 0);
    event_destroy(e);
    shared_free(e, sizeof *e);
}

Test(event, wait_long_timeout_waits)
{
    struct long_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(long_timeout_body, s, 2500);
    cr_assert(!(r.timed_out && s->made && s->ret < 0),
              "event_wait(e, 1e13) (317 years, Python's e.wait(1e10)) on an event another "
              "process set 200 ms later had not returned: %s. 1e13 ms is 1e19 ns, more "
              "than a long long holds: timeout_ms * 1e6 overflows, the deadline's tv_nsec "
              "comes out negative, pthread_cond_timedwait() refuses it at once (EINVAL) "
              "with the mutex still held, and the loop goes round again, so event_set() "
              "can never take the mutex. Bound the timeout before converting it: 1e12 ms "
              "(31 years) is as good as for ever",
              sandbox_describe(&r));
    sandbox_assert_returned(&r, "event_wait(e, 1e13)");
    cr_assert(s->made, "event_init() returned -1: the first checks say why");
    cr_assert(s->ret == 1 && s->ms < 1500,
              "event_wait(e, 1e13) (317 years, Python's e.wait(1e10)) on an event another "
              "process set 200 ms later returned %s after %.0f ms: it must wait for the "
              "set and return true. 1e13 ms is 1e19 ns, more than a long long holds: "
              "timeout_ms * 1e6 overflows and the deadline is no deadline. Bound the "
              "timeout before converting it: 1e12 ms (31 years) is as good as for ever",
              s->ret ? "true" : "false", s->ms);
}
