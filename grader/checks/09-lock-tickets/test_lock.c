/* Lab 09 checks: the Lock, buy(), and buyers that race for tickets. */
#define _GNU_SOURCE
#include "check.h"
#include "lock.h"
#include "office.h"
#include "tickets.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TestSuite(lock, .timeout = CHECK_SUITE_TIMEOUT);
TestSuite(tickets, .timeout = CHECK_SUITE_TIMEOUT);

/* ---- the Lock on its own ------------------------------------------------ */

/* One timed acquire of a held lock, in a child of its own so that a wait that
 * never ends is bounded: what it returned and how long it took. */
struct probe {
    int ret;        /* 1 true, 0 false, -1 did not return within the bound */
    double ms;      /* how long the call took (the bound when it did not return) */
    double end_at;  /* now_ms() when it returned */
    double timeout; /* the timeout_ms it was given */
};

/* Where a waiter that should have timed out is blocked, read from
 * /proc/PID/syscall and its memory: evidence for the message. */
struct blocked {
    bool seen;      /* it was asleep in futex() */
    bool timed;     /* futex() was given a timeout */
    bool read;      /* the deadline could be read */
    double ahead_s; /* the deadline minus now, on the clock futex() measures */
};

struct timed_seen {
    int made;
    struct blocked why_a;
    struct probe a, b, c, d, e, z;
    double e_after_post_ms; /* probe e: from the release to the return */
};

/* Sleep until the CLOCK_REALTIME nanoseconds are in [from_ms, from_ms + 50) ms
 * of the second: then whether now + timeout needs a carry into tv_sec is
 * known in advance. */
static void align_realtime(int from_ms)
{
    for (int i = 0; i < 2000; i++) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        long ms = t.tv_nsec / 1000000;
        if (ms >= from_ms && ms < from_ms + 50)
            return;
        sleep_ms(1);
    }
}

static char state_of(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

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
    clock_gettime((a[1] & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
    w->read = true;
    w->ahead_s = (double)(deadline.tv_sec - now.tv_sec) + (deadline.tv_nsec - now.tv_nsec) / 1e9;
}

/* Run lock_acquire(l, block, timeout_ms) on the held lock l in a child; wait
 * for it at most bound_ms. With s (probe e), release l (sem_post) once the
 * child is asleep in the call, and note how long it took after that. */
static void probe(struct lock *l, struct probe *p, bool block, double timeout_ms, double bound_ms,
                  int align_ms, struct timed_seen *s, struct blocked *why)
{
    p->timeout = timeout_ms;
    p->ret = -1;
    p->ms = bound_ms;
    if (align_ms >= 0)
        align_realtime(align_ms);
    pid_t pid = fork();
    if (pid < 0)
        return;
    if (pid == 0) {
        /* A process that changed user is not dumpable: let its parent (the
         * same user) read /proc/PID/syscall and its memory. */
        prctl(PR_SET_DUMPABLE, 1);
        double t0 = now_ms();
        int got = lock_acquire(l, block, timeout_ms);
        p->end_at = now_ms();
        p->ms = p->end_at - t0;
        p->ret = got;
        _exit(0);
    }
    double start = now_ms(), posted = 0;
    if (s) {
        int in_a_row = 0; /* asleep on two looks in a row: blocked in the call */
        while (in_a_row < 2 && now_ms() - start < 1500) {
            char st = state_of(pid);
            if (st == 0 || st == 'Z')
                break;
            in_a_row = st == 'S' ? in_a_row + 1 : 0;
            sleep_ms(2);
        }
        posted = now_ms();
        sem_post(&l->sem); /* the holder releases the lock */
    }
    while (waitpid(pid, NULL, WNOHANG) == 0) {
        if (why && !why->seen && now_ms() - start > 4 * timeout_ms + 200 && state_of(pid) == 'S')
            look_blocked(pid, why); /* still waiting well after its timeout: how? */
        if (now_ms() - start > bound_ms) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            break;
        }
        sleep_ms(1);
    }
    if (s)
        s->e_after_post_ms = p->ret >= 0 ? p->end_at - posted : now_ms() - posted;
}

struct lock_seen {
    int made;                    /* lock_new() gave a lock */
    int first;                   /* acquire(true, -1) on a free lock */
    struct probe again;          /* acquire(false, 0) on the held lock, in a child */
    struct probe again_timed;    /* acquire(false, 1000) on the held lock, in a child */
    int released, after_release; /* release, then acquire(false) */
    int free_timed;              /* acquire(true, 1000 ms) on a free lock */
    double free_timed_ms;
    int bad_release, one, two, good_release, bad_again; /* release-too-many */
    int maps_left; /* shared mappings lock_new() made that lock_free() left */
};

/* How many MAP_SHARED anonymous mappings (shared_alloc) this process has. */
static int shared_mappings(void)
{
    char line[512];
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    int n = 0;
    while (fgets(line, sizeof line, f))
        n += strstr(line, "/dev/zero") != NULL;
    fclose(f);
    return n;
}

static void use_lock(void *shared)
{
    struct lock_seen *s = shared;
    int maps = shared_mappings();
    struct lock *l = lock_new();
    if (!l)
        return;
    s->made = 1;
    s->first = lock_acquire(l, true, -1);
    probe(l, &s->again, false, 0, 1500, -1, NULL, NULL);
    probe(l, &s->again_timed, false, 1000, 1500, -1, NULL, NULL);
    s->released = lock_release(l);
    s->after_release = lock_acquire(l, false, 0);
    if (s->after_release)
        lock_release(l);
    double t0 = now_ms();
    s->free_timed = lock_acquire(l, true, 1000);
    s->free_timed_ms = now_ms() - t0;
    if (s->free_timed)
        lock_release(l);
    lock_free(l);
    s->maps_left = shared_mappings() - maps;
}

Test(lock, lock_acquire_and_release)
{
    struct lock_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(use_lock, s, 6000);
    sandbox_assert_returned(&r, "lock_new/lock_acquire/lock_release");
    cr_assert(s->made, "lock_new() returned NULL: make the struct with shared_alloc() and "
                       "sem_init(&l->sem, 1, 1)");
    cr_assert(s->first, "lock_acquire(l, true, -1) on a new lock returned false: a new lock is "
                        "free (semaphore value 1), and sem_wait takes it");
    cr_assert(s->again.ret >= 0,
              "lock_acquire(l, false, 0) on a lock another process held had not returned "
              "after %.0f ms: with block false it must try once and never wait (sem_trywait, "
              "which fails with EAGAIN at value 0)",
              s->again.ms);
    cr_assert(s->again.ret == 0,
              "lock_acquire(l, false, 0) returned true while another process held the lock: "
              "a held lock cannot be taken again; use sem_trywait, which fails at value 0");
    cr_assert(s->again_timed.ret != 1,
              "lock_acquire(l, false, 1000) returned true while another process held the lock: "
              "a held lock cannot be taken again");
    cr_assert(s->again_timed.ret == 0 && s->again_timed.ms < 300,
              "lock_acquire(l, false, 1000) on a lock another process held %s after %.0f ms: "
              "with block false the timeout is ignored (Python: acquire(False, 1.0) tries once), "
              "so it must try once and give up at once. Test block first: if (!block) return "
              "sem_trywait(...) == 0;",
              s->again_timed.ret < 0 ? _("had not returned") : _("returned false"),
              s->again_timed.ms);
    cr_assert(s->released == 0, "lock_release() of a held lock returned %d, not 0", s->released);
    cr_assert(s->after_release, "after lock_release() the lock could not be taken again: "
                                "release must sem_post");
    cr_assert(s->free_timed && s->free_timed_ms < 500,
              "lock_acquire(l, true, 1000) on a free lock returned %s after %.0f ms: it must "
              "take a free lock at once",
              s->free_timed ? "true" : "false", s->free_timed_ms);
    cr_assert(s->maps_left <= 0,
              "after lock_free() the process still had the shared memory lock_new() mapped "
              "(%d more MAP_SHARED mapping%s in /proc/self/maps than before lock_new()): "
              "lock_free() must give the memory back with shared_free(l, sizeof *l)",
              s->maps_left, s->maps_left == 1 ? "" : "s");
}

/* ---- timed acquires: milliseconds, an absolute deadline ----------------------- */

static void timed_body(void *shared)
{
    struct timed_seen *s = shared;
    struct lock *l = lock_new();
    if (!l)
        return;
    s->made = 1;
    while (sem_trywait(&l->sem) < 0 && errno == EINTR) /* the body holds it from now on */
        ;
    /* z: timeout 0 on a held lock: try once, at once */
    probe(l, &s->z, true, 0, 2000, -1, NULL, NULL);
    /* a: 100 ms, started where now + 100 ms needs no carry into tv_sec */
    probe(l, &s->a, true, 100, 2500, 100, NULL, &s->why_a);
    /* b: 600 ms, started where now + 600 ms needs a carry into tv_sec */
    probe(l, &s->b, true, 600, 2500, 500, NULL, NULL);
    if (s->a.ret == -1) /* a held on: is 1 ms read as 1 s, or is the timeout ignored? */
        probe(l, &s->d, true, 1, 2500, -1, NULL, NULL);
    if (s->a.ret >= 0 && s->a.ms < 50 && s->b.ret >= 0 && s->b.ms < 50)
        probe(l, &s->c, true, 300000, 2500, -1, NULL,
              NULL); /* gave up at once twice: in proportion? */
    /* e: a lock released while the timed acquire waits is taken */
    if (s->a.ret != 1 && s->b.ret != 1)
        probe(l, &s->e, true, 3000, 5000, -1, s, NULL);
    lock_free(l);
}

static const char *said(const struct probe *p)
{
    return p->ret < 0 ? _("had not returned") : p->ret ? _("returned true") : _("returned false");
}

Test(lock, lock_timeout_in_milliseconds)
{
    struct timed_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(timed_body, s, 20000);
    sandbox_assert_returned(&r, "timed lock_acquire() calls on a held lock");
    cr_assert(s->made, "lock_new() returned NULL: step 1 first");
    const struct probe *a = &s->a, *b = &s->b, *c = &s->c, *d = &s->d, *e = &s->e, *z = &s->z;
    cr_assert(a->ret != 1 && b->ret != 1,
              "lock_acquire(l, true, %.0f) returned true on a lock that another process held: "
              "a held lock is taken only once it is released",
              a->ret == 1 ? a->timeout : b->timeout);
    const struct blocked *w = &s->why_a;
    if (a->ret < 0 && w->seen) {
        cr_assert(w->timed,
                  "lock_acquire(l, true, 100) on a held lock had not returned after %.0f ms: "
                  "it was asleep in futex() with no timeout at all, so the timeout is not "
                  "used (sem_wait() where sem_timedwait() is needed). The clause: with "
                  "timeout_ms >= 0, wait at most timeout_ms milliseconds",
                  a->ms);
        cr_assert(!w->read || w->ahead_s < 50,
                  "lock_acquire(l, true, 100) on a held lock had not returned after %.0f ms: "
                  "it was asleep in sem_timedwait() with a deadline %.3g s ahead, not 0.1 s: %s",
                  a->ms, w->ahead_s,
                  w->ahead_s < 1e6
                      ? _("the timeout is read as seconds. timeout_ms is in "
                          "milliseconds, as in every lab of the kit: add timeout_ms "
                          "* 1000000 nanoseconds to now")
                      : _("the deadline is far in the future. It is now "
                          "(clock_gettime(CLOCK_REALTIME)) + timeout_ms * 1000000 ns"));
    }
    if (a->ret < 0) {
        cr_assert(d->ret >= 0,
                  "lock_acquire(l, true, 100) on a held lock had not returned after %.0f ms, "
                  "and lock_acquire(l, true, 1) not after %.0f ms either: the wait ignores its "
                  "timeout (clause: with timeout_ms >= 0, wait at most timeout_ms "
                  "milliseconds). With block true and timeout_ms >= 0, wait with "
                  "sem_timedwait up to a deadline, not with sem_wait",
                  a->ms, d->ms);
        cr_assert(!(d->ms >= 700 && d->ms < 2500),
                  "lock_acquire(l, true, 1) on a held lock gave up after %.0f ms, and "
                  "lock_acquire(l, true, 100) had not returned after %.0f ms: the timeout is "
                  "read as seconds (1 ms waited about 1 s). timeout_ms is in milliseconds, "
                  "as in every lab of the kit: add timeout_ms * 1000000 nanoseconds to now",
                  d->ms, a->ms);
        cr_assert(false,
                  "lock_acquire(l, true, 100) on a held lock had not returned after %.0f ms, "
                  "and lock_acquire(l, true, 1) gave up after %.0f ms: the wait does not "
                  "end at its timeout (clause: wait at most timeout_ms milliseconds)",
                  a->ms, d->ms);
    }
    cr_assert(z->ret == 0 && z->ms < 500,
              "lock_acquire(l, true, 0) on a held lock %s after %.0f ms: a timeout of 0 ms "
              "means try once and give up at once (timeout_ms >= 0: wait at most timeout_ms); "
              "only timeout_ms < 0 waits for ever",
              z->ret < 0 ? _("had not returned")
              : z->ret   ? _("returned true")
                         : _("returned false"),
              z->ms);
    if (a->ms < 50 && b->ms < 50 && b->ret >= 0) {
        cr_assert(!(c->ret == 0 && c->ms >= 100 && c->ms < 2500),
                  "on a held lock, lock_acquire(l, true, T) gave up after %.1f ms for T = 100, "
                  "%.1f ms for T = 600 and %.0f ms for T = 300000: always 1000 times too "
                  "soon, so the timeout is read as microseconds. timeout_ms is in "
                  "milliseconds: add timeout_ms * 1000000 nanoseconds to now",
                  a->ms, b->ms, c->ms);
        cr_assert(false,
                  "on a held lock, lock_acquire(l, true, T) gave up after %.1f ms for T = 100, "
                  "%.1f ms for T = 600 and %.1f ms for T = 300000 (it %s): it gives up at "
                  "once whatever the timeout. sem_timedwait() takes an absolute "
                  "CLOCK_REALTIME time (clock_gettime(CLOCK_REALTIME) + the timeout), not the "
                  "timeout itself and not a CLOCK_MONOTONIC time, or that moment is long "
                  "past. To see it: time a lock_acquire(l, true, 500) on a held lock",
                  a->ms, b->ms, c->ms, said(c));
    }
    cr_assert(a->ms >= 90 && a->ms < 1500,
              "lock_acquire(l, true, 100) on a held lock %s after %.0f ms, not about 100 ms "
              "(and lock_acquire(l, true, 600) after %.0f ms): wait up to now + timeout_ms "
              "milliseconds",
              said(a), a->ms, b->ms);
    cr_assert(!(b->ms < 50),
              "lock_acquire(l, true, 600) on a held lock gave up after %.1f ms, but "
              "lock_acquire(l, true, 100) waited its %.0f ms. The 600 ms call started when "
              "now + 600 ms crossed into the next second: the deadline's tv_nsec went past "
              "999999999 and sem_timedwait() refused it (EINVAL). Carry whole seconds from "
              "tv_nsec into tv_sec",
              b->ms, a->ms);
    cr_assert(b->ms >= 550 && b->ms < 2000,
              "lock_acquire(l, true, 600) on a held lock %s after %.0f ms, not about 600 ms",
              said(b), b->ms);
    cr_assert(!(e->ret == 0 && e->ms < 50 && a->ms >= 90 && b->ms >= 550),
              "lock_acquire(l, true, 3000) on a held lock gave up after %.1f ms, before the lock "
              "was released, while lock_acquire(l, true, 100) and (l, true, 600) waited their "
              "%.0f and %.0f ms: with a timeout of a second or more the deadline's tv_nsec is "
              "still past 999999999 after carrying one second, and sem_timedwait() refuses it "
              "(EINVAL). Carry every whole second: tv_sec += ns / 1000000000; tv_nsec = ns %% "
              "1000000000",
              e->ms, a->ms, b->ms);
    cr_assert(e->ret == 1 && e->end_at > 0 && s->e_after_post_ms < 1500,
              "lock_acquire(l, true, 3000) on a held lock that was released while it waited "
              "%s %.0f ms after the release: a timed acquire takes the lock as soon as it is "
              "free (sem_timedwait returns then), it does not wait for the timeout first",
              said(e), s->e_after_post_ms);
}

/* ---- a very long timeout waits, as Python's lock.acquire(timeout=1e10) does ---- */

/* lock_acquire(l, true, 1e13), 317 years, on a held lock released once the
 * caller sleeps in it. 1e13 ms in nanoseconds, 1e19, is past what a long long
 * holds. */
static void long_timeout_body(void *shared)
{
    struct timed_seen *s = shared;
    s->e.ret = -1;
    struct lock *l = lock_new();
    if (!l)
        return;
    s->made = 1;
    while (sem_trywait(&l->sem) < 0 && errno == EINTR) /* the body holds it */
        ;
    probe(l, &s->e, true, 1e13, 2500, -1, s, NULL);
    lock_free(l);
}

Test(lock, lock_long_timeout_waits)
{
    struct timed_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(long_timeout_body, s, 5000);
    sandbox_assert_returned(&r, "lock_acquire(l, true, 1e13) on a held lock");
    cr_assert(s->made, "lock_new() returned NULL: step 1 first");
    const struct probe *e = &s->e;
    cr_assert(e->ret == 1 && s->e_after_post_ms < 1500,
              "lock_acquire(l, true, 1e13) (317 years, Python's lock.acquire(timeout=1e10)) "
              "on a held lock that was released while it waited %s after %.0f ms, %.0f ms "
              "after the release: it must wait for the release and return true. 1e13 ms "
              "is 1e19 ns, more than a long long holds: timeout_ms * 1e6 overflows, the "
              "deadline's tv_nsec comes out negative and sem_timedwait() refuses it at "
              "once (EINVAL). Bound the timeout before converting it: 1e12 ms (31 years) "
              "is as good as for ever",
              said(e), e->ms, s->e_after_post_ms);
}

static void release_too_many(void *shared)
{
    struct lock_seen *s = shared;
    struct lock *l = lock_new();
    if (!l)
        return;
    s->made = 1;
    s->bad_release = lock_release(l); /* nobody holds it */
    s->one = lock_acquire(l, false, 0);
    s->two = lock_acquire(l, false, 0);
    s->good_release = lock_release(l);
    s->bad_again = lock_release(l);
    lock_free(l);
}

Test(lock, lock_release_unlocked_is_error)
{
    struct lock_seen *s = shared_alloc(sizeof *s);
    s->bad_release = s->bad_again = 99;
    struct sandbox r = sandbox_run(release_too_many, s, 3000);
    sandbox_assert_returned(&r, "lock_release()");
    cr_assert(s->made, "lock_new() returned NULL: step 1 first");
    cr_assert(s->bad_release == -1,
              "lock_release() of a lock nobody held returned %d, not -1%s: releasing a free "
              "lock is an error (Python: released too many times). Look at sem_getvalue() "
              "first and return -1 when the value is already 1",
              s->bad_release,
              s->two ? _(", and it raised the semaphore to 2: two holders got the lock at once")
                     : "");
    cr_assert(s->one && !s->two,
              "after a wrong release, acquire(false) twice gave %d and %d: the lock must still "
              "admit one holder only (1 and 0)",
              s->one, s->two);
    cr_assert(s->good_release == 0, "lock_release() of a held lock returned %d, not 0",
              s->good_release);
    cr_assert(s->bad_again == -1,
              "a second lock_release() after a good one returned %d, not -1 (released too many "
              "times)",
              s->bad_again);
}

struct fork_seen {
    int made, parent_got, child_try, child_stuck, child_after, child_ran;
    int waiter_asleep; /* a child asleep in lock_acquire(l, true, -1) on the held lock */
    int waiter_got;    /* 1 it got the lock after the release, 0 it gave up, -1 no return */
    int value_after;   /* the semaphore's value once the waiter ended */
};

static void lock_across_fork(void *shared)
{
    struct fork_seen *s = shared;
    struct lock *l = lock_new();
    if (!l)
        return;
    s->made = 1;
    int go[2], done[2];
    Pipe(go);
    Pipe(done);
    char c = 'x';
    pid_t pid = Fork(); /* the lock is free when the child is made */
    if (pid == 0) {
        close(go[1]);
        close(done[0]);
        if (read(go[0], &c, 1) == 1) { /* the parent holds the lock now */
            s->child_ran = 1;
            s->child_try = lock_acquire(l, false, 0);
            (void)!write(done[1], &c, 1);
            if (read(go[0], &c, 1) == 1) /* the parent released it */
                s->child_after = lock_acquire(l, true, 1000);
        }
        _exit(0);
    }
    close(go[0]);
    close(done[1]);
    s->parent_got = lock_acquire(l, true, 1000);
    (void)!write(go[1], &c, 1);
    struct pollfd pfd = {.fd = done[0], .events = POLLIN};
    if (poll(&pfd, 1, 2000) == 1)
        (void)!read(done[0], &c, 1);
    else
        s->child_stuck = 1; /* its try never returned: kill it rather than wait */
    if (s->child_stuck) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(go[1]);
        close(done[0]);
        return;
    }
    if (s->parent_got)
        lock_release(l);
    (void)!write(go[1], &c, 1);
    waitpid(pid, NULL, 0);
    close(go[1]);
    close(done[0]);

    /* A child asleep in the lock is woken by a release in the parent: the
     * wake-up must cross processes, not only the value. */
    while (sem_trywait(&l->sem) < 0 && errno == EINTR) /* the body holds it */
        ;
    s->waiter_got = -1;
    pid = Fork();
    if (pid == 0) {
        s->waiter_got = lock_acquire(l, true, -1) ? 1 : 0;
        _exit(0);
    }
    int in_a_row = 0; /* asleep on two looks in a row: blocked in the call */
    for (double end = now_ms() + 1500; in_a_row < 2 && now_ms() < end;) {
        char st = state_of(pid);
        if (st == 0 || st == 'Z')
            break;
        in_a_row = st == 'S' ? in_a_row + 1 : 0;
        sleep_ms(2);
    }
    s->waiter_asleep = in_a_row >= 2;
    sem_post(&l->sem); /* the release, done right */
    for (double end = now_ms() + 1500; waitpid(pid, NULL, WNOHANG) == 0;) {
        if (now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            break;
        }
        sleep_ms(1);
    }
    sem_getvalue(&l->sem, &s->value_after);
}

Test(lock, lock_shared_across_fork)
{
    struct fork_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(lock_across_fork, s, 9000);
    sandbox_assert_returned(&r, "the lock used by a parent and its child");
    cr_assert(s->made, "lock_new() returned NULL: step 1 first");
    cr_assert(s->parent_got, "the parent could not take a new lock");
    cr_assert(s->child_ran, "the test's child did not run");
    cr_assert(!s->child_stuck,
              "while the parent held the lock, its child's lock_acquire(l, false, 0) had not "
              "returned after 2 s: with block false it must try once and never wait (fix "
              "lock_acquire_and_release first: it shows the same mistake)");
    cr_assert(!s->child_try,
              "while the parent held the lock, its child took it too (lock_acquire(l, false, 0) "
              "returned true): each process has its own copy of the lock. It lives in private "
              "memory (malloc, a global or the stack), which fork() copies; allocate it with "
              "shared_alloc() and sem_init it with pshared 1");
    cr_assert(s->child_after, "after the parent released the lock, its child could not take it "
                              "within 1 s: the release did not reach the child's lock");
    cr_assert(!s->waiter_asleep || s->waiter_got != -1 || s->value_after != 1,
              "a child asleep in lock_acquire(l, true, -1) on the lock the parent held was "
              "still asleep 1.5 s after the parent released it (sem_post), although the lock's "
              "value was 1 then: the release reached the value the two share, not the sleeper. "
              "The semaphore was made with pshared 0 (sem_init(&l->sem, 0, 1)), whose wake-ups "
              "stay inside one process. Use sem_init(&l->sem, 1, 1)");
    cr_assert(s->waiter_got == 1,
              "a child asleep in lock_acquire(l, true, -1) on the lock the parent held %s "
              "after the parent released it: a release must wake a waiter in another process",
              s->waiter_got < 0 ? _("had not returned 1.5 s") : _("did not get it"));
}

/* ---- a signal during a wait ---------------------------------------------------- */

struct eintr_seen {
    int made;
    struct {
        int asleep;          /* the waiter was asleep in lock_acquire() */
        int handled;         /* its SIGUSR1 handler ran */
        int ret;             /* 1 true, 0 false, -1 no return */
        int before_release;  /* it returned before the lock was released */
        int before_signal;   /* it returned before the signal was sent */
    } forever, timed;
};

static volatile sig_atomic_t *usr1_count;

static void on_usr1(int sig)
{
    (void)sig;
    if (usr1_count)
        (*usr1_count)++;
}

/* Wait (bounded) until pid is asleep on two looks in a row, or has ended. */
static bool asleep_within(pid_t pid, double ms)
{
    int in_a_row = 0;
    for (double end = now_ms() + ms; in_a_row < 2 && now_ms() < end;) {
        char st = state_of(pid);
        if (st == 0 || st == 'Z')
            return false;
        in_a_row = st == 'S' ? in_a_row + 1 : 0;
        sleep_ms(2);
    }
    return in_a_row >= 2;
}

/* A child waits for the held lock l (timeout_ms), a signal with a handler
 * interrupts it, then the lock is released: the child must get it. */
static void interrupted_wait(struct lock *l, double timeout_ms, int *asleep, int *handled,
                             int *ret, int *before_release, int *before_signal)
{
    static volatile sig_atomic_t *count; /* shared: the child's handler counts */
    if (!count)
        count = shared_alloc(sizeof *count);
    *count = 0;
    *ret = -1;
    volatile int *released = shared_alloc(2 * sizeof *released), *signalled = released + 1;
    *released = *signalled = 0;
    pid_t pid = Fork();
    if (pid == 0) {
        usr1_count = count;
        Sigaction(SIGUSR1, on_usr1, 0); /* no SA_RESTART, as a caller may have */
        int got = lock_acquire(l, true, timeout_ms);
        *before_release = !*released;
        *before_signal = !*signalled;
        *ret = got;
        _exit(0);
    }
    *asleep = asleep_within(pid, 1500);
    *signalled = 1;
    kill(pid, SIGUSR1);
    for (double end = now_ms() + 1500; !*count && now_ms() < end;)
        sleep_ms(1);
    *handled = *count > 0;
    asleep_within(pid, 300); /* asleep again (right), or gone (wrong) */
    *released = 1;
    sem_post(&l->sem); /* the holder releases the lock */
    for (double end = now_ms() + 1500; waitpid(pid, NULL, WNOHANG) == 0;) {
        if (now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            break;
        }
        sleep_ms(1);
    }
    while (sem_trywait(&l->sem) < 0 && errno == EINTR) /* held again, for the next one */
        ;
    shared_free((void *)released, 2 * sizeof *released);
}

static void eintr_body(void *shared)
{
    struct eintr_seen *s = shared;
    struct lock *l = lock_new();
    if (!l)
        return;
    s->made = 1;
    while (sem_trywait(&l->sem) < 0 && errno == EINTR) /* the body holds it */
        ;
    interrupted_wait(l, -1, &s->forever.asleep, &s->forever.handled, &s->forever.ret,
                     &s->forever.before_release, &s->forever.before_signal);
    interrupted_wait(l, 2000, &s->timed.asleep, &s->timed.handled, &s->timed.ret,
                     &s->timed.before_release, &s->timed.before_signal);
    lock_free(l);
}

Test(lock, lock_acquire_waits_on_after_signal)
{
    struct eintr_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(eintr_body, s, 12000);
    sandbox_assert_returned(&r, "lock_acquire() interrupted by a signal");
    cr_assert(s->made, "lock_new() returned NULL: step 1 first");
    cr_assert(!(s->forever.ret >= 0 && s->forever.before_signal),
              "lock_acquire(l, true, -1) on a lock another process held %s at once, before any "
              "signal: it does not wait yet (see lock_acquire_and_release)",
              s->forever.ret ? _("returned true") : _("returned false"));
    cr_assert(!(s->timed.ret >= 0 && s->timed.before_signal),
              "lock_acquire(l, true, 2000) on a lock another process held %s at once, before "
              "any signal: its timed wait does not wait yet (see lock_timeout_in_milliseconds)",
              s->timed.ret ? _("returned true") : _("returned false"));
    cr_assert(s->forever.handled && s->timed.handled,
              "the waiting child's SIGUSR1 handler never ran (a kit problem, not yours)");
    cr_assert(!(s->forever.ret == 0 && s->forever.before_release),
              "lock_acquire(l, true, -1) on a held lock returned false as soon as a signal "
              "(SIGUSR1, whose handler the process had installed) interrupted its wait, before "
              "the lock was released: sem_wait() fails with errno EINTR when a handler runs, "
              "and that was taken for a failure. EINTR is no error: wait again, "
              "while (sem_wait(&l->sem) < 0) if (errno != EINTR) return false;");
    cr_assert(s->forever.ret == 1,
              "lock_acquire(l, true, -1) on a held lock, interrupted by a signal with a handler, "
              "%s after the lock was released: it must wait on and take the lock",
              s->forever.ret < 0 ? _("had not returned 1.5 s") : _("returned false"));
    cr_assert(!(s->timed.ret == 0 && s->timed.before_release),
              "lock_acquire(l, true, 2000) on a held lock returned false as soon as a signal "
              "(SIGUSR1, whose handler the process had installed) interrupted its wait, long "
              "before its 2000 ms and before the lock was released: sem_timedwait() fails with "
              "errno EINTR when a handler runs, and that was taken for the timeout. On EINTR "
              "wait again, for the same absolute deadline; only ETIMEDOUT means the time is up");
    cr_assert(s->timed.ret == 1,
              "lock_acquire(l, true, 2000) on a held lock, interrupted by a signal with a "
              "handler, %s after the lock was released: it must wait on and take the lock",
              s->timed.ret < 0 ? _("had not returned 1.5 s") : _("returned false"));
}

/* ---- buy() and the buyers --------------------------------------------------- */

/* The check's own lock, made right, in memory the test process also sees. */
static struct lock *check_lock(void)
{
    struct lock *l = shared_alloc(sizeof *l);
    sem_init(&l->sem, 1, 1);
    return l;
}

static int lock_value(struct lock *l)
{
    int v = -1;
    sem_getvalue(&l->sem, &v);
    return v;
}

/* A file per check, in a folder the check makes for it under $STUDENT_TMP
 * (the temporary folder the student's processes see; $TMPDIR, then /tmp,
 * when unset). The buyers replace the file (a new file, then rename), so the
 * folder must be writable by them: 0777, no sticky bit. */
static const char *office_path(const char *name)
{
    static char dir[256], path[320];
    const char *base = getenv("STUDENT_TMP");
    if (!base || !*base)
        base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(dir, sizeof dir, "%s/lab09-%s-XXXXXX", base, name);
    cr_assert(mkdtemp(dir), "the check could not make a folder in %s: %s", base, strerror(errno));
    chmod(dir, 0777);
    snprintf(path, sizeof path, "%s/office.json", dir);
    return path;
}

/* Remove the office file, what a killed buyer left beside it, and the folder. */
static void office_remove(const char *path)
{
    office_close(path);
    char dir[320];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    *slash = '\0';
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char f[640];
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                snprintf(f, sizeof f, "%s/%s", dir, e->d_name);
                unlink(f);
            }
        closedir(d);
    }
    rmdir(dir);
}

struct buy_seen {
    const char *path;
    struct lock *lock;
    int first, second;             /* buy() results */
    int value_first, value_second; /* the lock's value after each buy() */
    int left_first, left_second;   /* the count after each buy() */
    int bought;                    /* run_buyers() */
};

static void buy_twice(void *shared)
{
    struct buy_seen *s = shared;
    s->first = buy(s->path, s->lock, 1);
    s->value_first = lock_value(s->lock);
    s->left_first = tickets_peek(s->path);
    if (s->value_first == 0)
        sem_post(&s->lock->sem); /* free it, so the second buy() cannot hang */
    s->second = buy(s->path, s->lock, 2);
    s->value_second = lock_value(s->lock);
    s->left_second = tickets_peek(s->path);
}

Test(tickets, buy_releases_lock_on_every_path)
{
    struct buy_seen *s = shared_alloc(sizeof *s);
    s->path = office_path("buy");
    s->lock = check_lock();
    office_open(s->path, 1, s->lock);
    struct sandbox r = sandbox_run(buy_twice, s, 4000);
    office_remove(s->path);
    sandbox_assert_returned(&r, "buy()");
    cr_assert(s->first && s->left_first == 0,
              "with 1 ticket left, buy() returned %s and left the count at %d: it must read "
              "the count (tickets_read), write count - 1 (tickets_write) and return true",
              s->first ? "true" : "false", s->left_first);
    cr_assert(s->value_first == 1,
              "buy() bought a ticket and returned with the lock's semaphore at %d, not 1: %s",
              s->value_first,
              s->value_first == 0 ? _("the lock is still held. Release it after writing")
                                  : _("it released more often than it acquired (a release "
                                      "without an acquire, or two releases)"));
    cr_assert(!s->second && s->left_second == 0,
              "with no ticket left, buy() returned %s and left the count at %d: it must write "
              "nothing and return false",
              s->second ? "true" : "false", s->left_second);
    cr_assert(s->value_second <= 1,
              "buy() found the tickets sold out and left the lock's semaphore at %d, not 1: it "
              "released more often than it acquired (a release without an acquire, or two "
              "releases)",
              s->value_second);
    cr_assert(s->value_second == 1,
              "buy() found the tickets sold out and returned with the lock still held: every "
              "later buyer would wait for it forever. Release the lock on the sold-out path "
              "too, before every return");
}

static void buyers(void *shared)
{
    struct buy_seen *s = shared;
    s->bought = run_buyers(s->path, s->first, s->lock); /* s->first: how many buyers */
}

/* The message for a run that did not finish: most likely the lock was kept. */
static void assert_finished(const struct sandbox *r, struct lock *l, int n, int tickets)
{
    const struct office_log *o = office_log();
    int held = lock_value(l) == 0;
    cr_assert(!r->timed_out,
              "run_buyers() with %d buyers and %d ticket%s did not finish within %.0f ms: a "
              "deadlock. At the end the lock was %s; the count had been read %d times, %d of "
              "them finding no ticket left. %s",
              n, tickets, tickets == 1 ? "" : "s", r->timeout_ms,
              held ? _("still held") : _("free"), o->reads, o->sold_out_reads,
              !held ? _("A buyer waits for something that never happens")
              : o->sold_out_reads > 0
                  ? _("A buyer read the count, found no ticket left and kept the lock: buy() "
                      "returned on the sold-out path without releasing it, so every later buyer "
                      "waits for it forever. Call lock_release() before every return")
              : o->sales > 0 ? _("No buyer ever found the tickets sold out, but one bought and "
                                 "kept the lock: release it after writing, on every path")
                             : _("The lock was held before any ticket was sold"));
    sandbox_assert_returned(r, "run_buyers()");
}

static struct buy_seen *race(const char *name, int buyers_n, int tickets, struct sandbox *r,
                             double bound_ms)
{
    struct buy_seen *s = shared_alloc(sizeof *s);
    s->path = office_path(name);
    s->lock = check_lock();
    s->first = buyers_n;
    office_open(s->path, tickets, s->lock);
    *r = sandbox_run(buyers, s, bound_ms);
    s->left_first = tickets_peek(s->path);
    office_remove(s->path);
    return s;
}

Test(tickets, never_oversold)
{
    struct sandbox r;
    struct buy_seen *s = race("oversold", 8, 1, &r, 3000);
    assert_finished(&r, s->lock, 8, 1);
    const struct office_log *o = office_log();
    cr_assert(o->sales <= 1,
              "8 buyers bought %d tickets, but there was only 1: oversold. The office log "
              "shows that %s",
              o->sales, office_diagnosis());
    cr_assert(o->sales == 1 && s->left_first == 0,
              "8 buyers and 1 ticket: %d tickets were sold and the file says %d left: one buyer "
              "must buy it",
              o->sales, s->left_first);
}

Test(tickets, sells_every_ticket)
{
    struct sandbox r;
    struct buy_seen *s = race("every", 5, 2, &r, 3000);
    assert_finished(&r, s->lock, 5, 2);
    const struct office_log *o = office_log();
    cr_assert(o->sales <= 2,
              "5 buyers bought %d of 2 tickets: oversold. The office log shows that %s", o->sales,
              office_diagnosis());
    cr_assert(o->sales == 2 && s->left_first == 0,
              "5 buyers and 2 tickets: %d were sold and the file says %d left: buyers must buy "
              "until none is left",
              o->sales, s->left_first);
    cr_assert(r.stray_returns == 0,
              "%d buyer%s returned from run_buyers() instead of exiting: end each buyer with "
              "exit()",
              r.stray_returns, r.stray_returns == 1 ? "" : "s");
    cr_assert(r.unreaped == 0, "%d buyer%s not waited for: waitpid() every buyer", r.unreaped,
              r.unreaped == 1 ? " was" : "s were");
    cr_assert(s->bought == 2,
              "run_buyers() returned %d, but 2 buyers bought a ticket: count the buyers whose "
              "exit code is 0 (WIFEXITED and WEXITSTATUS)",
              s->bought);
}

Test(tickets, buyers_finish_when_sold_out)
{
    struct sandbox r;
    struct buy_seen *s = race("soldout", 4, 0, &r, 2000);
    assert_finished(&r, s->lock, 4, 0);
    const struct office_log *o = office_log();
    cr_assert(o->sales == 0 && s->left_first == 0,
              "with no tickets, %d were sold and the file says %d", o->sales, s->left_first);
    cr_assert(o->sold_out_reads >= 4,
              "with no tickets and 4 buyers, the count was read only %d times: every buyer "
              "must fork, search and read the count in buy()",
              o->sold_out_reads);
    cr_assert(s->bought == 0, "with no tickets, run_buyers() says %d buyers bought", s->bought);
    cr_assert(lock_value(s->lock) == 1,
              "after every buyer found the tickets sold out, the lock was %s: release it on the "
              "sold-out path",
              lock_value(s->lock) == 0 ? _("still held") : _("raised above 1"));
}
