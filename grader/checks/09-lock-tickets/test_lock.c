/* Lab 09 checks: the Lock, buy(), and buyers that race for tickets. */
#include "check.h"
#include "lock.h"
#include "office.h"
#include "tickets.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(lock, .timeout = CHECK_SUITE_TIMEOUT);
TestSuite(tickets, .timeout = CHECK_SUITE_TIMEOUT);

/* ---- the Lock on its own ------------------------------------------------ */

struct lock_seen {
    int made;                    /* lock_new() gave a lock */
    int first, again, timed;     /* acquire results on a free, then held lock */
    double timed_ms;             /* how long acquire(true, 0.1) waited */
    int released, after_release; /* release, then acquire(false) */
    int free_timed;              /* acquire(true, 1.0) on a free lock */
    double free_timed_ms;
    int bad_release, one, two, good_release, bad_again; /* release-too-many */
};

static void use_lock(void *shared)
{
    struct lock_seen *s = shared;
    struct lock *l = lock_new();
    if (!l) return;
    s->made = 1;
    s->first = lock_acquire(l, true, -1);
    s->again = lock_acquire(l, false, 0);
    double t0 = now_ms();
    s->timed = lock_acquire(l, true, 0.1);
    s->timed_ms = now_ms() - t0;
    s->released = lock_release(l);
    s->after_release = lock_acquire(l, false, 0);
    if (s->after_release) lock_release(l);
    t0 = now_ms();
    s->free_timed = lock_acquire(l, true, 1.0);
    s->free_timed_ms = now_ms() - t0;
    if (s->free_timed) lock_release(l);
    lock_free(l);
}

Test(lock, lock_acquire_and_release)
{
    struct lock_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(use_lock, s, 3000);
    sandbox_assert_returned(&r, "lock_new/lock_acquire/lock_release");
    cr_assert(s->made, "lock_new() returned NULL: make the struct with shared_alloc() and "
                       "sem_init(&l->sem, 1, 1)");
    cr_assert(s->first, "lock_acquire(l, true, -1) on a new lock returned false: a new lock is "
                        "free (semaphore value 1), and sem_wait takes it");
    cr_assert(!s->again, "lock_acquire(l, false, 0) returned true while the lock was already "
                         "held: a held lock cannot be taken again; use sem_trywait, which "
                         "fails at value 0");
    cr_assert(!s->timed, "lock_acquire(l, true, 0.1) got a lock that was already held");
    cr_assert(s->timed_ms >= 70,
              "lock_acquire(l, true, 0.1) on a held lock gave up after %.0f ms, not about 100 ms: "
              "sem_timedwait takes an absolute CLOCK_REALTIME time (now + timeout), not a "
              "duration",
              s->timed_ms);
    cr_assert(s->timed_ms < 1500,
              "lock_acquire(l, true, 0.1) on a held lock took %.0f ms to give up, not about 100 ms",
              s->timed_ms);
    cr_assert(s->released == 0, "lock_release() of a held lock returned %d, not 0", s->released);
    cr_assert(s->after_release, "after lock_release() the lock could not be taken again: "
                                "release must sem_post");
    cr_assert(s->free_timed && s->free_timed_ms < 500,
              "lock_acquire(l, true, 1.0) on a free lock returned %s after %.0f ms: it must take "
              "a free lock at once",
              s->free_timed ? "true" : "false", s->free_timed_ms);
}

static void release_too_many(void *shared)
{
    struct lock_seen *s = shared;
    struct lock *l = lock_new();
    if (!l) return;
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
              s->two ? ", and it raised the semaphore to 2: two holders got the lock at once" : "");
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
    int made, parent_got, child_try, child_timed, child_after, child_ran;
};

static void lock_across_fork(void *shared)
{
    struct fork_seen *s = shared;
    struct lock *l = lock_new();
    if (!l) return;
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
            s->child_timed = lock_acquire(l, true, 0.1);
            (void)!write(done[1], &c, 1);
            if (read(go[0], &c, 1) == 1) /* the parent released it */
                s->child_after = lock_acquire(l, true, 1.0);
        }
        _exit(0);
    }
    close(go[0]);
    close(done[1]);
    s->parent_got = lock_acquire(l, true, 1.0);
    (void)!write(go[1], &c, 1);
    (void)!read(done[0], &c, 1);
    if (s->parent_got) lock_release(l);
    (void)!write(go[1], &c, 1);
    waitpid(pid, NULL, 0);
    close(go[1]);
    close(done[0]);
}

Test(lock, lock_shared_across_fork)
{
    struct fork_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(lock_across_fork, s, 4000);
    sandbox_assert_returned(&r, "the lock used by a parent and its child");
    cr_assert(s->made, "lock_new() returned NULL: step 1 first");
    cr_assert(s->parent_got, "the parent could not take a new lock");
    cr_assert(s->child_ran, "the test's child did not run");
    cr_assert(!s->child_try && !s->child_timed,
              "while the parent held the lock, its child took it too (acquire gave %s): each "
              "process has its own copy of the lock. It lives in private memory (malloc, a "
              "global or the stack), which fork() copies; allocate it with shared_alloc() and "
              "sem_init it with pshared 1",
              s->child_try ? "true at once" : "true after waiting");
    cr_assert(s->child_after, "after the parent released the lock, its child could not take it "
                              "within 1 s: the release did not reach the child's lock");
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

/* A file per check, in the build folder. */
static const char *office_path(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "office-%s.json", name);
    return path;
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
    if (s->value_first == 0) sem_post(&s->lock->sem); /* free it, so the second buy() cannot hang */
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
    office_close(s->path);
    sandbox_assert_returned(&r, "buy()");
    cr_assert(s->first && s->left_first == 0,
              "with 1 ticket left, buy() returned %s and left the count at %d: it must read "
              "the count (tickets_read), write count - 1 (tickets_write) and return true",
              s->first ? "true" : "false", s->left_first);
    cr_assert(s->value_first == 1,
              "buy() bought a ticket and returned with the lock still held (value %d): release "
              "it after writing",
              s->value_first);
    cr_assert(!s->second && s->left_second == 0,
              "with no ticket left, buy() returned %s and left the count at %d: it must write "
              "nothing and return false",
              s->second ? "true" : "false", s->left_second);
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
              n, tickets, tickets == 1 ? "" : "s", r->timeout_ms, held ? "still held" : "free",
              o->reads, o->sold_out_reads,
              held ? "buy() returned on the sold-out path without releasing the lock, so every "
                     "later buyer waits for it forever. Call lock_release() before every return"
                   : "A buyer waits for something that never happens");
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
    office_close(s->path);
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
              "%d buyers returned from run_buyers() instead of exiting: end each buyer with "
              "exit()",
              r.stray_returns);
    cr_assert(r.unreaped == 0, "%d buyers were not waited for: waitpid() every buyer", r.unreaped);
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
              lock_value(s->lock) == 0 ? "still held" : "raised above 1");
}
