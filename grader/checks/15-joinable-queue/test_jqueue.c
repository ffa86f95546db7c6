/* Lab 15 checks: a joinable queue (task_done and join). */
#include "check.h"
#include "jqueue.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(jqueue, .timeout = CHECK_SUITE_TIMEOUT);

struct seen {
    int created;
    int count[8]; /* q->unfinished at points of interest */
    int ret[8];   /* what calls returned */
    int item[8];  /* items got */
    double ms[4]; /* how long calls took */
    int child_ok; /* the child ran to its end */
    int stage;    /* how far the body got */
    int zero_ret; /* jq_join(q, 0) with a task unfinished */
    double zero_ms;
    int woke;     /* the joiner woke on the broadcast (join_rechecks_the_count_when_woken) */
    int stuck[2]; /* a child still waiting for q->lock long after it was released */
    int pshared;  /* q->lock made PTHREAD_PROCESS_SHARED (1), not (0), unknown (-1) */
};

static struct seen *seen;

#define assert_created(s)                                                                          \
    cr_assert((s)->created, "jq_create() returned NULL: write jq_create() first (step 1)")

/* ---- counting ---------------------------------------------------------------- */

/* Memory mappings of this process now (lines of /proc/self/maps). */
static int count_maps(void)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC), n = 0;
    char buf[4096];
    ssize_t k;
    if (fd < 0)
        return -1;
    while ((k = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < k; i++)
            n += buf[i] == '\n';
    close(fd);
    return n;
}

static void count_body(void *shared)
{
    struct seen *s = shared;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    for (int i = 1; i <= 3; i++)
        jq_put(q, i);
    s->count[0] = q->unfinished;
    for (int i = 0; i < 3; i++)
        s->item[i] = jq_get(q);
    s->count[1] = q->unfinished;
    for (int i = 0; i < 3; i++)
        s->ret[i] = jq_task_done(q);
    s->count[2] = q->unfinished;
    s->stage = 1;
    double t = now_ms();
    s->ret[3] = jq_join(q, 1000);
    s->ms[0] = now_ms() - t;
    s->stage = 2;
    s->ret[4] = jq_task_done(q); /* one too many */
    s->count[3] = q->unfinished;
    s->ret[5] = jq_join(q, 1000);
    s->stage = 3;
    int before = count_maps();
    struct jqueue *d = jq_create();
    if (d)
        jq_destroy(d);
    s->count[4] = count_maps() - before; /* mappings jq_create/jq_destroy left */
    s->count[5] = before >= 0 && d;
    s->stage = 4;
}

Test(jqueue, put_and_task_done_count)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(count_body, seen, 3000);
    sandbox_assert_returned(&r, "jq_put/jq_get/jq_task_done/jq_join");
    assert_created(seen);
    cr_assert(seen->count[0] == 3,
              "after 3 jq_put() calls, unfinished is %d, not 3: each put "
              "counts one more unfinished task",
              seen->count[0]);
    cr_assert(seen->item[0] == 1 && seen->item[1] == 2 && seen->item[2] == 3,
              "jq_get() gave %d, %d, %d after putting 1, 2, 3: take the items from the pipeq",
              seen->item[0], seen->item[1], seen->item[2]);
    cr_assert(seen->count[1] == 3,
              "after 3 jq_get() calls unfinished is %d, not 3: getting an item does not finish "
              "its task; only jq_task_done() counts down",
              seen->count[1]);
    cr_assert(seen->ret[0] == 0 && seen->ret[1] == 0 && seen->ret[2] == 0 && seen->count[2] == 0,
              "3 jq_task_done() calls for 3 items returned %d, %d, %d and left unfinished at %d: "
              "each counts one down and returns 0",
              seen->ret[0], seen->ret[1], seen->ret[2], seen->count[2]);
    cr_assert(seen->stage < 4 || !seen->count[5] || seen->count[4] <= 0,
              "after jq_create() and jq_destroy() the process had %d more memory mapping(s) "
              "than before: the queue was not freed. jq_destroy must shared_free what "
              "jq_create allocated",
              seen->count[4]);
    cr_assert(seen->ret[3] && seen->ms[0] < 500,
              "with every task done, jq_join(q, 1000) returned %s after %.0f ms: it must return "
              "true at once",
              seen->ret[3] ? "true" : "false", seen->ms[0]);
}

Test(jqueue, task_done_too_many_is_error)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(count_body, seen, 3000);
    sandbox_assert_returned(&r, "jq_task_done() called too many times");
    assert_created(seen);
    cr_assert(seen->stage >= 3 && seen->ret[4] == -1,
              "a 4th jq_task_done() after 3 items returned %d: more task_done calls than items "
              "is an error (Python raises ValueError): return -1",
              seen->ret[4]);
    cr_assert(seen->count[3] == 0 && seen->ret[5],
              "after a 4th jq_task_done() for 3 items, unfinished is %d and join gave %s: leave "
              "the count at 0 (it must never go below), so that join still sees the work done",
              seen->count[3], seen->ret[5] ? "true" : "false");
}

static void timeout_body(void *shared)
{
    struct seen *s = shared;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    jq_put(q, 1);
    /* 1 ms first: a timeout read as seconds then shows as about a second. */
    double t = now_ms();
    s->ret[2] = jq_join(q, 1);
    s->ms[2] = now_ms() - t;
    s->stage = 1;
    /* 1000 ms: now's nanoseconds plus 10^9 always carry into the seconds. */
    t = now_ms();
    s->ret[3] = jq_join(q, 1000);
    s->ms[3] = now_ms() - t;
    s->stage = 2;
    t = now_ms();
    s->ret[0] = jq_join(q, 100);
    s->ms[0] = now_ms() - t;
    s->stage = 4;
    /* 0 ms: look once and give up; only JQ_FOREVER waits without limit. */
    t = now_ms();
    s->zero_ret = jq_join(q, 0);
    s->zero_ms = now_ms() - t;
    s->stage = 5;
    /* No timeout: woken by a child's task_done once this process sleeps. */
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        for (double end = now_ms() + 1000; now_ms() < end && process_state(parent, NULL) != 'S';)
            sleep_ms(1);
        jq_get(q);
        jq_task_done(q);
        _exit(0);
    }
    t = now_ms();
    s->ret[1] = jq_join(q, JQ_FOREVER);
    s->ms[1] = now_ms() - t;
    if (pid > 0)
        waitpid(pid, NULL, 0);
    s->stage = 3;
}

Test(jqueue, join_timeout_returns_false)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(timeout_body, seen, 4000);
    cr_assert(!r.timed_out || !seen->created || seen->stage >= 1,
              "jq_join(q, 1) with one unfinished task had not returned after 4000 ms (killed). "
              "The contract: give up after timeout_ms milliseconds with false. Either the "
              "timeout is not used (a plain pthread_cond_wait) or the deadline is far off or "
              "invalid (a wrong unit, a deadline on another clock than the condition "
              "variable's, or nanoseconds not carried: a deadline whose nanoseconds reach 10^9 "
              "is invalid). See "
              "it yourself: jq_create(), jq_put(q, 1), jq_join(q, 1)");
    cr_assert(!(seen->stage >= 1 && seen->ms[2] >= 500),
              "jq_join(q, 1) with one unfinished task returned after %.0f ms, about 1000 times "
              "the timeout: timeout_ms was taken as seconds. It is milliseconds: the deadline "
              "is now + timeout_ms * 1000000 ns",
              seen->ms[2]);
    cr_assert(!r.timed_out || !seen->created || seen->stage >= 2,
              "jq_join(q, 1000) with one unfinished task had not returned after 4000 ms, "
              "although jq_join(q, 1) returned after %.0f ms: a deadline whose nanoseconds "
              "reach 10^9 is invalid (pthread_cond_timedwait returns EINVAL, not ETIMEDOUT, "
              "and a loop that waits for ETIMEDOUT never ends). Carry: tv_sec += ns / "
              "1000000000, tv_nsec = ns %% 1000000000",
              seen->ms[2]);
    cr_assert(!r.timed_out || !seen->created || seen->stage >= 4,
              "jq_join(q, 100) with one unfinished task did not return within 4000 ms, although "
              "jq_join(q, 1) and jq_join(q, 1000) did");
    cr_assert(!r.timed_out || !seen->created || seen->stage >= 5,
              "jq_join(q, 0) with one unfinished task did not return within 4000 ms, although "
              "jq_join(q, 100) did: a timeout of 0 ms means give up at once with false (as "
              "poll(..., 0) does); only JQ_FOREVER (a negative timeout) waits without limit");
    cr_assert(!r.timed_out || !seen->created,
              "jq_join(q, JQ_FOREVER) was not woken by another process's jq_task_done() "
              "(killed after 4000 ms)");
    sandbox_assert_returned(&r, "jq_join(q, 100)");
    assert_created(seen);
    cr_assert(!seen->ret[0] && !seen->ret[2],
              "jq_join(q, 100) or jq_join(q, 1) returned true with one task put and never done: "
              "join is true only when unfinished is 0");
    cr_assert(seen->ms[0] >= 80 || !seen->ret[1],
              "jq_join(q, 100) with one unfinished task gave up after %.0f ms, while "
              "jq_join(q, JQ_FOREVER) did wait: the deadline was already past when the wait "
              "began. pthread_cond_timedwait takes an absolute time on the condition "
              "variable's clock (CLOCK_MONOTONIC here): clock_gettime(CLOCK_MONOTONIC) plus "
              "timeout_ms, not the timeout alone",
              seen->ms[0]);
    cr_assert(!seen->zero_ret && seen->zero_ms < 500,
              "jq_join(q, 0) with one unfinished task returned %s after %.0f ms, not false at "
              "once: 0 ms means look once and give up",
              seen->zero_ret ? "true" : "false", seen->zero_ms);
    cr_assert(seen->ms[0] >= 80 && seen->ms[0] < 1500,
              "jq_join(q, 100) with one unfinished task returned false after %.0f ms, not after "
              "about 100 ms",
              seen->ms[0]);
    cr_assert(!seen->ret[3] && seen->ms[3] >= 900 && seen->ms[3] < 2500,
              "jq_join(q, 1000) with one unfinished task returned %s after %.0f ms, not false "
              "after about 1000 ms (jq_join(q, 100) took %.0f ms)%s",
              seen->ret[3] ? "true" : "false", seen->ms[3], seen->ms[0],
              seen->ms[3] < 900 ? _(": a deadline whose nanoseconds reach 10^9 is invalid "
                                    "(EINVAL). Carry: tv_sec += ns / 1000000000, tv_nsec = ns "
                                    "% 1000000000")
                                : "");
    cr_assert(seen->ret[1], "jq_join(q, JQ_FOREVER) returned false although the only task was "
                            "done by another process");
}

/* ---- every joiner woken ----------------------------------------------------------- */

static void joiners_body(void *shared)
{
    struct seen *s = shared;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    jq_put(q, 1);
    (void)jq_get(q);
    pid_t pids[2];
    for (int i = 0; i < 2; i++)
        if ((pids[i] = fork()) == 0) {
            double t = now_ms();
            s->ret[i] = jq_join(q, 2000);
            s->ms[i] = now_ms() - t;
            s->item[i] = 1;
            _exit(0);
        }
    /* Both joiners really wait (asleep) before the task is done. */
    for (double end = now_ms() + 1500; now_ms() < end;) {
        if (process_state(pids[0], NULL) == 'S' && process_state(pids[1], NULL) == 'S')
            break;
        sleep_ms(1);
    }
    sleep_ms(5);
    s->stage = (process_state(pids[0], NULL) == 'S') + (process_state(pids[1], NULL) == 'S');
    s->ret[2] = jq_task_done(q);
    for (int i = 0; i < 2; i++)
        waitpid(pids[i], NULL, 0);
}

Test(jqueue, join_wakes_every_joiner)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(joiners_body, seen, 5000);
    sandbox_assert_returned(&r, "two processes in jq_join() and one jq_task_done()");
    assert_created(seen);
    cr_assert(seen->ret[2] == 0, "jq_task_done() for the one task put and got returned %d",
              seen->ret[2]);
    double fast = seen->ms[0] < seen->ms[1] ? seen->ms[0] : seen->ms[1];
    double slow = seen->ms[0] < seen->ms[1] ? seen->ms[1] : seen->ms[0];
    cr_assert(slow < 1000 || fast >= 1000,
              "two processes slept in jq_join(q, 2000) when the only task was done: one returned "
              "after %.0f ms, the other only after %.0f ms, at its timeout. The wake-up reached "
              "one joiner only: the contract is to wake every joiner when the count reaches 0. "
              "Use pthread_cond_broadcast, not pthread_cond_signal",
              fast, slow);
    cr_assert(slow < 1000,
              "two processes slept in jq_join(q, 2000) when the only task was done, and both "
              "returned only after %.0f and %.0f ms: the wake-up did not reach them (see "
              "join_wakes_across_processes)",
              seen->ms[0], seen->ms[1]);
    cr_assert(seen->ret[0] && seen->ret[1],
              "after the only task was done, the two joiners' jq_join(q, 2000) returned %s and "
              "%s (after %.0f and %.0f ms), not true%s",
              seen->ret[0] ? "true" : "false", seen->ret[1] ? "true" : "false", seen->ms[0],
              seen->ms[1],
              seen->stage < 2 ? _(": a joiner did not even wait (asleep) for the task; see "
                                  "join_timeout_returns_false first, it also explains this check")
                              : "");
}

/* ---- the count changes only under the lock --------------------------------------- */

/* Was the mutex made PTHREAD_PROCESS_SHARED? glibc keeps it in __kind
 * (PTHREAD_MUTEX_PSHARED_BIT, 128); -1 elsewhere. */
static int mutex_is_shared(const pthread_mutex_t *m)
{
#ifdef __GLIBC__
    return (m->__data.__kind & 128) != 0;
#else
    (void)m;
    return -1;
#endif
}

static void locked_body(void *shared)
{
    struct seen *s = shared;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    jq_put(q, 1);
    (void)jq_get(q);
    /* This process holds the lock; a child then calls task_done (k = 0)
     * and put (k = 1): each must wait for the lock before it counts. */
    for (int k = 0; k < 2; k++) {
        pthread_mutex_lock(&q->lock);
        int before = q->unfinished;
        s->item[4 + k] = 0; /* entered */
        s->ret[4 + k] = 0;  /* done */
        pid_t pid = fork();
        if (pid == 0) {
            __atomic_store_n(&s->item[4 + k], 1, __ATOMIC_SEQ_CST);
            if (k == 0)
                jq_task_done(q);
            else
                jq_put(q, 2);
            __atomic_store_n(&s->ret[4 + k], 1, __ATOMIC_SEQ_CST);
            _exit(0);
        }
        for (double end = now_ms() + 2000; now_ms() < end; sleep_ms(1)) {
            if (__atomic_load_n(&s->ret[4 + k], __ATOMIC_SEQ_CST))
                break; /* done while we hold the lock */
            if (__atomic_load_n(&s->item[4 + k], __ATOMIC_SEQ_CST) &&
                process_state(pid, NULL) == 'S')
                break; /* asleep: waiting for the lock */
        }
        sleep_ms(5);
        s->count[4 + k] = before;
        s->count[6 + k] = q->unfinished; /* changed while we held the lock? */
        s->item[6 + k] = __atomic_load_n(&s->ret[4 + k], __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&q->lock);
        /* Released: the child gets the lock now, counts and ends. */
        if (pid > 0) {
            bool ended = false;
            for (double end = now_ms() + 1500; !ended && now_ms() < end; sleep_ms(1))
                ended = waitpid(pid, NULL, WNOHANG) == pid;
            if (!ended) {
                s->stuck[k] = 1;
                s->pshared = mutex_is_shared(&q->lock);
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
            }
        }
    }
    s->stage = 1;
}

Test(jqueue, count_changed_only_under_the_lock)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(locked_body, seen, 5000);
    sandbox_assert_returned(&r, "jq_task_done()/jq_put() while another process holds q->lock");
    assert_created(seen);
    const char *what[2] = {"jq_task_done()", "jq_put()"};
    for (int k = 0; k < 2; k++)
        cr_assert(seen->count[6 + k] == seen->count[4 + k] && !seen->item[6 + k],
                  "%s in one process %s and changed unfinished from %d to %d while another "
                  "process held q->lock: the count is changed without the lock. Two such "
                  "changes at once (read, change, write back) can lose one, and then join "
                  "returns too early or never. Lock q->lock around every change of "
                  "unfinished",
                  what[k], seen->item[6 + k] ? _("ran to its end") : _("did not wait"),
                  seen->count[4 + k], seen->count[6 + k]);
    for (int k = 0; k < 2; k++) {
        cr_assert(!seen->stuck[k] || seen->pshared != 0,
                  "%s in another process waited for q->lock and was still asleep 1500 ms "
                  "after this process released it: the unlock never woke it, because the "
                  "mutex is not process-shared. Without PTHREAD_PROCESS_SHARED an unlock wakes "
                  "only waiters of its own process: pthread_mutexattr_setpshared(&ma, "
                  "PTHREAD_PROCESS_SHARED) before pthread_mutex_init, as for the condition "
                  "variable",
                  what[k]);
        cr_assert(!seen->stuck[k],
                  "%s in another process waited for q->lock and was still asleep 1500 ms "
                  "after this process released it: it never got the lock (does it lock twice, "
                  "or wait for something else under the lock?)",
                  what[k]);
    }
}

/* ---- put counts before the item is out --------------------------------------------- */

static struct seen *hook_seen;
static struct jqueue *hook_q;

/* Right after the item is in the pipe: wait until the worker has got it and
 * called jq_task_done(), so that a put that counts only now is too late on
 * every run. */
static void wait_for_worker(void)
{
    hook_seen->count[1] = hook_q->unfinished; /* the item is out: is it counted? */
    hook_seen->stage = 3;
    for (double end = now_ms() + 1500; now_ms() < end;) {
        if (__atomic_load_n(&hook_seen->child_ok, __ATOMIC_SEQ_CST))
            break;
        sleep_ms(1);
    }
}

static void put_order_body(void *shared)
{
    struct seen *s = shared;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        s->item[0] = jq_get(q);
        s->ret[0] = jq_task_done(q);
        __atomic_store_n(&s->child_ok, 1, __ATOMIC_SEQ_CST);
        _exit(0);
    }
    hook_seen = s;
    hook_q = q;
    pipeq_after_put = wait_for_worker;
    jq_put(q, 9);
    pipeq_after_put = NULL;
    s->ret[2] = s->stage == 3; /* the hook ran: jq_put used pipeq_put */
    s->stage = 1;
    if (pid > 0)
        waitpid(pid, NULL, 0);
    s->count[0] = q->unfinished;
    double t = now_ms();
    s->ret[1] = jq_join(q, 300);
    s->ms[0] = now_ms() - t;
    s->stage = 2;
}

Test(jqueue, put_counts_before_the_item_is_out)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(put_order_body, seen, 4000);
    sandbox_assert_returned(&r, "jq_put() while a worker waits in jq_get()");
    assert_created(seen);
    cr_assert(seen->child_ok && seen->item[0] == 9,
              "a worker waiting in jq_get() got %d, not the 9 put", seen->item[0]);
    cr_assert(seen->ret[0] == 0 || !seen->ret[2] || seen->count[1] != 0,
              "a worker got the job from jq_put(q, 9) and called jq_task_done(), which returned "
              "%d: the count was still 0, because the item was in the pipe before jq_put "
              "counted it (unfinished was 0 right after the write). Afterwards unfinished is "
              "%d with no work left, so a join waits forever. Count first (unfinished++ under "
              "the lock), then pipeq_put",
              seen->ret[0], seen->count[0]);
    cr_assert(seen->ret[0] == 0,
              "a worker got the job from jq_put(q, 9) and its jq_task_done() returned %d, "
              "although unfinished was %d when the item went into the pipe: something counted "
              "it down in between (see put_and_task_done_count: does jq_get count down?)",
              seen->ret[0], seen->count[1]);
    cr_assert(seen->count[0] == 0 && seen->ret[1],
              "after the only job was got and marked done, unfinished is %d and jq_join(q, 300) "
              "gave %s",
              seen->count[0], seen->ret[1] ? "true" : "false");
}

/* ---- join against a worker ----------------------------------------------------- */

/* Wait up to ms for one byte on fd; true if it came. */
static bool byte_within(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    char b;
    return poll(&p, 1, ms) == 1 && read(fd, &b, 1) == 1;
}

static void busy_worker_body(void *shared)
{
    struct seen *s = shared;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    int got[2], release[2];
    Pipe(got);
    Pipe(release);
    pid_t pid = fork();
    if (pid == 0) {
        close(got[0]);
        close(release[1]);
        s->item[0] = jq_get(q);
        (void)!write(got[1], "g", 1);
        char b;
        (void)!read(release[0], &b, 1); /* the job is in hand until the test says so */
        s->ret[0] = jq_task_done(q);
        s->child_ok = 1;
        _exit(0);
    }
    close(got[1]);
    close(release[0]);
    jq_put(q, 7);
    if (!byte_within(got[0], 2000))
        return;
    s->stage = 1; /* the worker holds the job; the queue itself is empty */
    s->count[0] = pipeq_empty(&q->items);
    s->count[1] = q->unfinished;
    double t = now_ms();
    s->ret[1] = jq_join(q, 200);
    s->ms[0] = now_ms() - t;
    s->stage = 2;
    close(release[1]); /* the worker finishes its job */
    t = now_ms();
    s->ret[2] = jq_join(q, 2000);
    s->ms[1] = now_ms() - t;
    s->stage = 3;
    waitpid(pid, NULL, 0);
}

Test(jqueue, join_waits_for_task_done_not_empty_queue)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(busy_worker_body, seen, 4000);
    assert_created(seen);
    cr_assert(seen->stage >= 1,
              "a worker process never got the item put (jq_get gave %d): put it on the pipeq "
              "and take it from there",
              seen->item[0]);
    cr_assert(seen->stage >= 2,
              "jq_join(q, 200) did not return within its timeout while a worker held a job (see "
              "join_timeout_returns_false: fix that first, it also explains this check)");
    cr_assert(!seen->ret[1] || seen->count[1] != 0,
              "jq_join(q, 200) returned true while a worker still worked on the only job, and "
              "unfinished was already 0 then: the job was counted down when it was taken, not "
              "when it was done (see put_and_task_done_count first)");
    cr_assert(!seen->ret[1],
              "jq_join(q, 200) returned true after %.0f ms while a worker still worked on the "
              "only job: the queue was empty, but the task was not done. Join must wait for the "
              "unfinished count to reach 0 (task_done), not for an empty queue",
              seen->ms[0]);
    sandbox_assert_returned(&r, "jq_join() against a busy worker");
    cr_assert(seen->child_ok && seen->ret[0] == 0,
              "the worker's jq_task_done() returned %d for the one job it got", seen->ret[0]);
    cr_assert(seen->ret[2] || seen->ms[1] >= 1500,
              "jq_join(q, 2000), called as the worker was let go to finish its job, returned "
              "false after %.0f ms, long before its timeout and before the job was done: a "
              "timed join gives up too early (see join_timeout_returns_false: fix that first, it "
              "also explains this check)",
              seen->ms[1]);
    cr_assert(seen->ret[2] && seen->ms[1] < 1500,
              "after the worker's jq_task_done(), jq_join(q, 2000) returned %s after %.0f ms: "
              "it must return true as soon as the count is 0",
              seen->ret[2] ? "true" : "false", seen->ms[1]);
}

static void private_body(void *shared)
{
    struct seen *s = shared;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    for (int i = 1; i <= 4; i++)
        jq_put(q, i);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 4; i++) {
            s->item[i] = jq_get(q);
            s->ret[i] = jq_task_done(q);
        }
        s->child_ok = 1;
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    s->ret[4] = jq_join(q, 500);
    s->count[0] = q->unfinished;
}

Test(jqueue, count_shared_across_processes)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(private_body, seen, 3000);
    sandbox_assert_returned(&r, "a child's task_done seen by the parent's join");
    assert_created(seen);
    cr_assert(seen->child_ok, "the child that takes 4 items did not finish");
    cr_assert(seen->ret[4] || seen->count[0] != 4 || seen->ret[0] || seen->ret[1] ||
                  seen->ret[2] || seen->ret[3],
              "a child got the 4 items and called jq_task_done() 4 times (each returned 0), yet "
              "the parent's jq_join(q, 500) still saw 4 unfinished: the count the child changed "
              "is not the parent's. The jqueue must be in shared memory (shared_alloc), not "
              "malloc: after fork each process has its own private copy");
    cr_assert(seen->ret[4],
              "a child got the 4 items put and called jq_task_done() 4 times (it returned %d, "
              "%d, %d, %d); then the parent's jq_join(q, 500) gave false with %d unfinished, "
              "not 0 (see put_and_task_done_count first: the count must go up by one per put "
              "and down by one per task_done only)",
              seen->ret[0], seen->ret[1], seen->ret[2], seen->ret[3], seen->count[0]);
}

static void wake_body(void *shared)
{
    struct seen *s = shared;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        s->item[0] = jq_get(q);
        /* Finish the job only once the parent sleeps in jq_join. */
        for (double end = now_ms() + 1000; now_ms() < end && process_state(parent, NULL) != 'S';)
            sleep_ms(1);
        sleep_ms(5);
        s->ms[1] = now_ms();
        s->ret[0] = jq_task_done(q);
        s->child_ok = 1;
        _exit(0);
    }
    jq_put(q, 5);
    double t = now_ms();
    s->ret[1] = jq_join(q, 3000);
    s->ms[0] = now_ms() - t;
    s->ms[1] -= t;
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

Test(jqueue, join_wakes_across_processes)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(wake_body, seen, 5000);
    sandbox_assert_returned(&r, "jq_join() woken by another process");
    assert_created(seen);
    cr_assert(seen->child_ok && seen->ret[0] == 0,
              "the worker's jq_task_done() for the one job returned %d", seen->ret[0]);
    cr_assert(seen->ret[1] || seen->ms[0] >= 2500,
              "jq_join(q, 3000) returned false after %.0f ms, long before its timeout (see "
              "join_timeout_returns_false: fix that first, it also explains this check)",
              seen->ms[0]);
    cr_assert(seen->ret[1], "jq_join(q, 3000) returned false though the worker finished the only "
                            "task");
    cr_assert(seen->ms[0] < seen->ms[1] + 1000,
              "the worker called jq_task_done() %.0f ms into the parent's jq_join(q, 3000), but "
              "join returned only after %.0f ms, when its timeout ran out: the broadcast never "
              "reached the other process. Make the condition variable (and the mutex) "
              "PTHREAD_PROCESS_SHARED",
              seen->ms[1], seen->ms[0]);
}

/* ---- a wake-up is no proof ---------------------------------------------------- */

/* voluntary_ctxt_switches of pid: it grows each time the process goes to sleep. */
static long sleeps_of(pid_t pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t k = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (k <= 0)
        return -1;
    buf[k] = '\0';
    const char *v = strstr(buf, "voluntary_ctxt_switches:");
    return v ? atol(v + strlen("voluntary_ctxt_switches:")) : -1;
}

static void recheck_body(void *shared)
{
    struct seen *s = shared;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    jq_put(q, 1);
    (void)jq_get(q); /* one task in hand, not done */
    s->ret[0] = -1;
    pid_t pid = fork();
    if (pid == 0) {
        s->ret[0] = jq_join(q, JQ_FOREVER);
        _exit(0);
    }
    if (pid < 0)
        return;
    for (double end = now_ms() + 1000; now_ms() < end && process_state(pid, NULL) != 'S';)
        sleep_ms(1);
    s->stage = process_state(pid, NULL) == 'S';
    /* A wake-up with the count still 1, as a spurious one (or a broadcast
     * for a count that went up again before the joiner ran) would be. */
    long before = sleeps_of(pid);
    pthread_mutex_lock(&q->lock);
    pthread_cond_broadcast(&q->all_done);
    pthread_mutex_unlock(&q->lock);
    /* Until the joiner has taken that wake-up: it ended, or it slept again. */
    for (double end = now_ms() + 1000; now_ms() < end; sleep_ms(1)) {
        char st = process_state(pid, NULL);
        if (st == 'Z' || st == 0 || (st == 'S' && sleeps_of(pid) > before)) {
            s->woke = 1;
            break;
        }
    }
    s->item[0] = process_state(pid, NULL) == 'Z'; /* returned on the wake-up */
    s->ret[1] = jq_task_done(q);                  /* now the work is done */
    int status;
    for (double end = now_ms() + 2500; now_ms() < end && waitpid(pid, &status, WNOHANG) == 0;)
        sleep_ms(1);
    s->child_ok = waitpid(pid, &status, WNOHANG) == pid || errno == ECHILD;
    s->stage += 2;
}

Test(jqueue, join_rechecks_the_count_when_woken)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(recheck_body, seen, 5000);
    sandbox_assert_returned(&r, "jq_join(q, JQ_FOREVER) woken with a task unfinished");
    assert_created(seen);
    cr_assert(seen->ret[1] == 0, "jq_task_done() for the one task put and got returned %d",
              seen->ret[1]);
    cr_assert(seen->ret[0] != 0,
              "jq_join(q, JQ_FOREVER) returned false after a wake-up that left the one task "
              "unfinished (another process broadcast all_done while unfinished was still 1): "
              "join took the wake-up for the end of the work. pthread_cond_wait may return "
              "with the count not at 0 (a spurious wake-up, or a put between the broadcast and "
              "the joiner's turn): wait in a loop, while (q->unfinished > 0) "
              "pthread_cond_wait(...), and return only once the count is 0");
    cr_assert(seen->ret[0] == 1,
              "jq_join(q, JQ_FOREVER) with one task unfinished did not return true within 2500 "
              "ms of that task's jq_task_done() (see join_wakes_across_processes first)");
}

/* ---- the worker and the main process ---------------------------------------- */

static void worker_body(void *shared)
{
    struct seen *s = shared;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    jobs_reset();
    /* Two tasks still in other workers' hands: got, not yet done. */
    for (int i = 100; i <= 101; i++) {
        jq_put(q, i);
        (void)jq_get(q);
    }
    for (int i = 1; i <= 3; i++)
        jq_put(q, i);
    pipeq_put(&q->items, STOP); /* not counted: as run_jobs does */
    worker(q, 0);
    s->stage = 1;
    s->ret[0] = jobs_done();
    s->count[0] = q->unfinished;
}

Test(jqueue, worker_marks_each_job_done)
{
    jobs_reset(); /* made here, so that the test sees the count */
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(worker_body, seen, 2000);
    cr_assert(!r.timed_out || !seen->created,
              "worker() did not return after jobs 1, 2, 3 and a STOP (killed after 2000 ms; "
              "%d jobs done): leave the loop when jq_get() gives STOP",
              jobs_done());
    sandbox_assert_returned(&r, "worker() on jobs 1, 2, 3 and STOP");
    assert_created(seen);
    cr_assert(seen->ret[0] == 3, "worker() processed %d of the 3 jobs before the STOP",
              seen->ret[0]);
    cr_assert(seen->count[0] >= 0,
              "worker() processed the 3 jobs of 3 puts and the count is %d, below 0: more "
              "count-downs than puts (see put_and_task_done_count first)",
              seen->count[0]);
    cr_assert(seen->count[0] != 1,
              "worker() was given jobs 1, 2, 3 and a STOP while 2 other tasks were unfinished "
              "(5 in all); it processed the 3 jobs and left 1 unfinished, not 2: it also marked "
              "the STOP done, and so finished a task another worker still holds. A join would "
              "then return before that work is done. The STOP is not a task (it is put with "
              "pipeq_put, uncounted): leave the loop on STOP without jq_task_done");
    cr_assert(seen->count[0] <= 2,
              "worker() processed the 3 jobs but the queue still counts %d unfinished of the 5 "
              "(2 of them held elsewhere, so 2 expected): it never marked its jobs done, so a "
              "join would wait forever. Call jq_task_done(q) after each job",
              seen->count[0]);
    cr_assert(seen->count[0] == 2,
              "worker() processed the 3 jobs while 2 other tasks were unfinished, and left %d "
              "unfinished, not 2: more task_done calls than jobs processed. Mark each job done "
              "once, after process()",
              seen->count[0]);
}

static void run_body(void *shared)
{
    struct seen *s = shared;
    s->created = 1;
    jobs_reset();
    s->ret[0] = run_jobs(3, 12);
    s->stage = 1;
}

Test(jqueue, run_jobs_joins_after_all_work)
{
    jobs_reset(); /* made here, so that the test sees the count */
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(run_body, seen, 3000);
    int done = jobs_done();
    cr_assert(!(r.timed_out && done == 12),
              "run_jobs(3, 12) hung: all 12 jobs were processed, yet it never finished. If "
              "jq_join() waits: the unfinished count never came back to 0 (is jq_task_done() "
              "called after every job, in shared memory, with a process-shared wake-up?). If "
              "not: are the STOPs put and the workers waited for?");
    sandbox_assert_returned(&r, "run_jobs(3, 12)");
    cr_assert(done > 0, "run_jobs(3, 12) processed no job at all: no worker ran (step 6 not "
                        "written yet?)");
    cr_assert(r.stray_returns == 0,
              "%d worker processes came back from run_jobs(): a worker child must exit(0) after "
              "worker() returns",
              r.stray_returns);
    cr_assert(seen->ret[0] == 12,
              "run_jobs(3, 12) returned %d: when jq_join() returned only %d of the 12 jobs were "
              "done. Join must wait until every job was processed (task_done after the work, "
              "not when the job is taken), then read jobs_done()",
              seen->ret[0], seen->ret[0]);
    cr_assert(r.unreaped == 0,
              "%d workers were not waited for when run_jobs() returned: put one STOP per "
              "worker, then waitpid each",
              r.unreaped);
}

/* ---- a very long timeout waits for the work ------------------------------------ */

struct long_seen {
    int created;
    int ret;   /* 1 true, 0 false, -1 did not return */
    double ms; /* how long jq_join() took */
};

/* jq_join(q, 1e13), 317 years, with one task unfinished that a child marks
 * done 200 ms later. 1e13 ms in nanoseconds, 1e19, is past what a long long
 * holds. */
static void long_timeout_body(void *shared)
{
    struct long_seen *s = shared;
    s->ret = -1;
    struct jqueue *q = jq_create();
    s->created = q != NULL;
    if (!q)
        return;
    jq_put(q, 1);
    jq_get(q);
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(200);
        jq_task_done(q);
        _exit(0);
    }
    double t0 = now_ms();
    bool done = jq_join(q, 1e13);
    s->ms = now_ms() - t0;
    s->ret = done;
    if (pid > 0)
        waitpid(pid, NULL, 0);
    jq_destroy(q);
}

Test(jqueue, join_long_timeout_waits)
{
    struct long_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(long_timeout_body, s, 2500);
    cr_assert(!(r.timed_out && s->created && s->ret < 0),
              "jq_join(q, 1e13) (317 years) with one task that another process marked done "
              "200 ms later had not returned: %s. 1e13 ms is 1e19 ns, more than a long "
              "long holds: timeout_ms * 1e6 overflows, the deadline's tv_nsec comes out "
              "negative, pthread_cond_timedwait() refuses it at once (EINVAL) with the "
              "mutex still held, and the loop goes round again, so jq_task_done() can "
              "never take the mutex. Bound the timeout before converting it: 1e12 ms (31 "
              "years) is as good as for ever",
              sandbox_describe(&r));
    sandbox_assert_returned(&r, "jq_join(q, 1e13)");
    cr_assert(s->created, "jq_create() returned NULL: step 1 first");
    cr_assert(s->ret == 1 && s->ms < 1500,
              "jq_join(q, 1e13) (317 years) with one task that another process marked done "
              "200 ms later returned %s after %.0f ms: it must wait for the task_done and "
              "return true. 1e13 ms is 1e19 ns, more than a long long holds: timeout_ms * "
              "1e6 overflows and the deadline is no deadline. Bound the timeout before "
              "converting it: 1e12 ms (31 years) is as good as for ever",
              s->ret ? "true" : "false", s->ms);
}
