/* Lab 11 checks: the Event (event.c), the light and the cars (traffic.c). */
#define _GNU_SOURCE
#include "check.h"
#include "event.h"
#include "road.h"
#include "traffic.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TestSuite(event, .timeout = CHECK_SUITE_TIMEOUT);

enum { WAITERS = 5 };

/* What the bodies saw, in shared memory. */
struct seen {
    struct event ev; /* the event under test: shared by every process */
    int init_rc;
    bool after_init, after_set, after_clear, wait_set, wait_zero, ret;
    double wait_set_ms, wait_zero_ms, elapsed_ms, cpu_ms;
    double share; /* of looks that found a waiter running or ready to run */
    int pokes;
    bool slept; /* every waiter was seen asleep before the set */
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
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    char state = 0;
    unsigned long utime = 0, stime = 0;
    /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &state,
                     &utime, &stime) < 1)
        return 0;
    if (cpu_ms) *cpu_ms = (double)(utime + stime) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
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
            if (st == 0 || st == 'Z') return false; /* it ended: it did not wait */
            if (cpu >= SPIN_CPU_MS) return false;
            asleep += st == 'S';
        }
        in_a_row = asleep == n ? in_a_row + 1 : 0;
        if (in_a_row >= 2) return true;
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

/* ---- timeouts ----------------------------------------------------------- */

static void timeout_body(void *shared)
{
    struct seen *s = shared;
    event_init(&s->ev);
    double t = now_ms();
    s->ret = event_wait(&s->ev, 100);
    s->elapsed_ms = now_ms() - t;
}

Test(event, wait_times_out_with_false)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(timeout_body, s, 4000);
    sandbox_assert_returned(&r, "event_wait(100 ms) on an event nobody sets");
    cr_assert(s->elapsed_ms >= 95,
              "event_wait(100 ms) on an event nobody sets returned after %.0f ms, too early: "
              "pthread_cond_timedwait() takes an absolute time on the condition's clock (now + "
              "the timeout, from clock_gettime(CLOCK_MONOTONIC)), not the timeout itself",
              s->elapsed_ms);
    cr_assert(s->elapsed_ms < 1600,
              "event_wait(100 ms) returned only after %.0f ms: it must give up at the timeout",
              s->elapsed_ms);
    cr_assert(!s->ret, "event_wait(100 ms) returned true although the event was never set: "
                       "return the flag, which is false on a timeout");
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
        pthread_cond_broadcast(&poked->ev.cond);
        pthread_mutex_unlock(&poked->ev.mutex);
        __atomic_add_fetch(&poked->pokes, 1, __ATOMIC_SEQ_CST);
        sleep_ms(1);
    }
    return NULL;
}

static void spurious_body(void *shared)
{
    struct seen *s = poked = shared;
    event_init(&s->ev);
    pthread_t t;
    pthread_create(&t, NULL, poke, NULL);
    double start = now_ms();
    s->ret = event_wait(&s->ev, 200);
    s->elapsed_ms = now_ms() - start;
    stop_poking = 1;
    pthread_join(t, NULL);
}

Test(event, wait_ignores_spurious_wakeups)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(spurious_body, s, 3000);
    cr_assert(!r.timed_out,
              "event_wait(200 ms) did not return within 3 s while another thread kept waking "
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
    s->set_ms = now_ms();
    event_set(&s->ev);
    for (int i = 0; i < n; i++)
        if (reap_within(pids[i], 4000, NULL)) s->child_done++;
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
    cr_assert(s->child_done == 1, "the waiting process did not finish within 4 s");
    cr_assert(s->child_woke_ms[0] >= s->set_ms,
              "event_wait(3000 ms) in the waiting process returned %s before the event was set: "
              "it does not wait yet",
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
    int woke = 0, early = 0;
    for (int i = 0; i < WAITERS; i++) {
        early += s->child_woke_ms[i] < s->set_ms;
        woke += s->child_ret[i] && s->child_woke_ms[i] >= s->set_ms &&
                s->child_woke_ms[i] - s->set_ms < 1500;
    }
    cr_assert(early == 0,
              "%d of %d processes returned from event_wait(3000 ms) before the event was set: "
              "it does not wait yet",
              early, WAITERS);
    cr_assert(woke == WAITERS,
              "%d of %d processes waiting in event_wait(3000 ms) woke when event_set() was "
              "called; the other %d slept on until their timeout. %s",
              woke, WAITERS, WAITERS - woke,
              woke == 0 ? "None woke: is the condition variable process-shared, and does "
                          "event_set() wake the waiters at all?"
                        : "event_set() must wake every waiter: pthread_cond_broadcast(), not "
                          "pthread_cond_signal() (which wakes only one)");
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
        if (st == 0 || st == 'Z') return -1;
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
    event_set(&s->ev); /* done looking: let it go */
    reap_within(waiter, 2000, &s->cpu_ms);
    if (s->share < 0) s->elapsed_ms = s->child_woke_ms[0] - start;
}

Test(event, wait_does_not_busy_wait)
{
    struct seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(busy_body, s, 8000);
    sandbox_assert_returned(&r, "event_wait(5000 ms) in a process while nobody sets the event");
    cr_assert(s->share >= 0,
              "event_wait(5000 ms) on an event nobody sets returned after %.0f ms: it does not "
              "wait yet",
              s->elapsed_ms);
    cr_assert(s->share < 0.5,
              "the process in event_wait() was running or ready to run in %.0f%% of the looks "
              "at it over 150 ms (and used %.0f ms of CPU time in all): it is busy waiting "
              "(checking the flag in a loop) instead of sleeping. Sleep on the condition "
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
    s->share = running_share(car, 100); /* asleep at red, or spinning? */
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
    double t = now_ms();
    run_light(&s->ev, 2, 30, 20);
    s->elapsed_ms = now_ms() - t;
    s->final_flag = s->ev.flag;
}

Test(event, light_switches_red_and_green)
{
    struct seen *s = shared_alloc(sizeof *s);
    s->road = road_watch(&s->ev);
    struct sandbox r = sandbox_run(light_body, s, 4000);
    sandbox_assert_returned(&r, "run_light(green, 2, 30, 20)");
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
                  i + 1, road->show_green[i] ? "green" : "red", want ? "green" : "red");
        cr_assert(!road->flag_at_show[i], "%s",
                  want ? "the event was already set when the light showed green: show green "
                         "first, then event_set(), so no car drives off at a red light"
                       : "the light showed red while the event was still set: call "
                         "event_clear() before light_show(false), or cars keep driving at red");
    }
    for (int i = 1; i < 4; i++) {
        double lasted = road->show_ms[i] - road->show_ms[i - 1];
        double want = i % 2 == 1 ? 30 : 20;
        cr_assert(lasted >= want * 0.9,
                  "the light changed after %.0f ms instead of %.0f: sleep_ms(red_ms) after "
                  "showing red, sleep_ms(green_ms) after showing green",
                  lasted, want);
    }
    cr_assert(s->final_flag, "run_light() returned with the event clear: end the last cycle green "
                             "(event_set()), or cars that arrive later wait forever");
}
