/* Lab 18 checks: apply_async, get(timeout), callbacks, error callbacks, join. */
#include "apool.h"
#include "check.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(apool, .timeout = CHECK_SUITE_TIMEOUT);

enum { MAX_CALLS = 32, UNSET = -777 };

struct call {
    pid_t pid;
    double at; /* ms since the body started */
    long value;
};

/* What the body, the tasks and the callbacks saw. Tasks write from the
 * workers, callbacks from wherever they were called. */
struct seen {
    pid_t body;
    double t0;
    int created, closed, joined, join_running;
    bool got_handle;
    int handles; /* how many apply_async calls returned a handle */
    int status[8];
    long value[8];
    int error[8];
    double ms;
    bool ready_at_return;
    struct async_result *after_close;
    int ncb, necb;
    struct call cb[MAX_CALLS], ecb[MAX_CALLS];
    double task_end[MAX_CALLS]; /* when task arg ended, ms since t0 */
};

static struct seen *seen;

static double since(void)
{
    return now_ms() - seen->t0;
}

static void on_result(long value, void *ctx)
{
    (void)ctx;
    int k = __atomic_fetch_add(&seen->ncb, 1, __ATOMIC_SEQ_CST);
    if (k < MAX_CALLS) seen->cb[k] = (struct call){getpid(), since(), value};
}

static void on_error(int error, void *ctx)
{
    (void)ctx;
    int k = __atomic_fetch_add(&seen->necb, 1, __ATOMIC_SEQ_CST);
    if (k < MAX_CALLS) seen->ecb[k] = (struct call){getpid(), since(), error};
}

/* arg = ms to sleep * 100 + id (id < 100); value = id * id. */
static int timed(long arg, long *value)
{
    sleep_ms((double)(arg / 100));
    long id = arg % 100;
    if (id < MAX_CALLS) seen->task_end[id] = since();
    *value = id * id;
    return 0;
}

/* Fails with error 40 + id. */
static int failing(long arg, long *value)
{
    (void)value;
    return 40 + (int)(arg % 100);
}

static void begin(struct seen *s, struct apool **p, int workers)
{
    seen = s;
    s->body = getpid();
    s->t0 = now_ms();
    static struct apool pool; /* private to the body's process */
    *p = &pool;
    s->created = apool_create(*p, workers);
}

static struct async_result *submit(struct apool *p, task_fn fn, long arg)
{
    struct async_result *r = apply_async(p, fn, arg, on_result, on_error, NULL);
    if (r) seen->handles++;
    return r;
}

#define assert_created()                                                                           \
    cr_assert(seen->created == 0, "apool_create() returned %d: it is given and should work",       \
              seen->created)

#define assert_handles(n, what)                                                                    \
    cr_assert(seen->handles == (n),                                                                \
              "only %d of %d apply_async() calls on an open pool returned a handle (%s): fill "    \
              "p->results[p->submitted], send the task, return the handle",                        \
              seen->handles, (n), (what))

/* ---- apply_async returns at once ---- */

static void call_returns_at_once(void *shared)
{
    struct apool *p;
    begin(shared, &p, 2);
    if (seen->created) return;
    double t = now_ms();
    struct async_result *r = submit(p, timed, 800 * 100 + 1);
    seen->ms = now_ms() - t;
    seen->ready_at_return = r && r->ready;
}

Test(apool, apply_async_returns_at_once)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_returns_at_once, seen, 3000);
    sandbox_assert_returned(&r, "apply_async()");
    assert_created();
    assert_handles(1, "an 800 ms task");
    cr_assert(seen->ms < 400 && !seen->ready_at_return,
              "apply_async() took %.0f ms to return for an 800 ms task (ready: %s): it waited "
              "for the result. Send the task and return the handle at once; results are filed "
              "later by apool_dispatch()",
              seen->ms, seen->ready_at_return ? "yes" : "no");
}

/* ---- get returns the value of its own task ---- */

static void call_get(void *shared)
{
    struct apool *p;
    begin(shared, &p, 2);
    if (seen->created) return;
    struct async_result *fast = submit(p, timed, 10 * 100 + 3);
    struct async_result *slow = submit(p, timed, 150 * 100 + 9);
    if (!fast || !slow) return;
    /* The fast one finishes first, but we ask for the slow one first. */
    seen->status[0] = async_get(slow, 3000, &seen->value[0], &seen->error[0]);
    seen->status[1] = async_get(fast, 3000, &seen->value[1], &seen->error[1]);
    seen->status[2] = async_get(slow, 0, &seen->value[2], &seen->error[2]);
}

static const char *status_name(int st)
{
    switch (st) {
    case GET_OK:
        return "GET_OK";
    case GET_FAILED:
        return "GET_FAILED";
    case GET_TIMEOUT:
        return "GET_TIMEOUT";
    case GET_LOST:
        return "GET_LOST";
    default:
        return "an unknown status";
    }
}

Test(apool, get_returns_its_own_value)
{
    seen = shared_alloc(sizeof *seen);
    for (int i = 0; i < 3; i++)
        seen->value[i] = UNSET;
    struct sandbox r = sandbox_run(call_get, seen, 4000);
    sandbox_assert_returned(&r, "async_get()");
    assert_created();
    assert_handles(2, "two tasks");
    cr_assert(seen->status[0] == GET_OK,
              "async_get(r, 3000 ms) on a 150 ms task gave %s, not "
              "GET_OK",
              status_name(seen->status[0]));
    cr_assert(seen->value[0] == 81,
              "async_get() on the slow task (value 81) gave %ld%s: a result belongs to the "
              "handle whose id it carries. File each result in p->results[res.id] and return "
              "r's own value",
              seen->value[0],
              seen->value[0] == 9 ? ", the value of the fast task that finished first" : "");
    cr_assert(seen->status[1] == GET_OK && seen->value[1] == 9,
              "async_get() on the fast task gave %s, %ld, not GET_OK, 9: its result had arrived "
              "while we waited for the slow one, and must have been filed in its handle",
              status_name(seen->status[1]), seen->value[1]);
    cr_assert(seen->status[2] == GET_OK && seen->value[2] == 81,
              "a second async_get(r, 0) on a ready handle gave %s, %ld, not GET_OK, 81 at once",
              status_name(seen->status[2]), seen->value[2]);
}

/* ---- get honours its timeout ---- */

static void call_timeout(void *shared)
{
    struct apool *p;
    begin(shared, &p, 1);
    if (seen->created) return;
    struct async_result *r = submit(p, timed, 5000 * 100 + 1);
    if (!r) return;
    double t = now_ms();
    seen->status[0] = async_get(r, 100, &seen->value[0], &seen->error[0]);
    seen->ms = now_ms() - t;
    seen->got_handle = true;
}

Test(apool, get_honours_timeout)
{
    seen = shared_alloc(sizeof *seen);
    seen->status[0] = UNSET;
    struct sandbox r = sandbox_run(call_timeout, seen, 2000);
    cr_assert(!r.timed_out || seen->handles != 1,
              "async_get(r, 100 ms) on a 5 s task did not return within 2000 ms: get does not "
              "honour its timeout. Wait for results with apool_dispatch(p, time left) and "
              "return GET_TIMEOUT once the deadline has passed");
    sandbox_assert_returned(&r, "async_get()");
    assert_created();
    assert_handles(1, "a 5 s task");
    cr_assert(seen->status[0] == GET_TIMEOUT,
              "async_get(r, 100 ms) on a 5 s task gave %s after %.0f ms, not GET_TIMEOUT",
              status_name(seen->status[0]), seen->ms);
    cr_assert(seen->ms >= 95 && seen->ms < 1000,
              "async_get(r, 100 ms) on a 5 s task returned GET_TIMEOUT after %.0f ms: it must "
              "wait for the result up to the timeout (about 100 ms), no less, and no more",
              seen->ms);
}

/* ---- callbacks run in the main process ---- */

static void call_callbacks(void *shared)
{
    struct apool *p;
    begin(shared, &p, 2);
    if (seen->created) return;
    submit(p, timed, 10 * 100 + 5);
    submit(p, failing, 2);
    seen->closed = apool_close(p);
    seen->joined = apool_join(p);
}

Test(apool, callback_runs_in_main_process)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_callbacks, seen, 3000);
    sandbox_assert_returned(&r, "apply_async() + apool_close() + apool_join()");
    assert_created();
    assert_handles(2, "a task and a failing task");
    cr_assert(seen->ncb >= 1 && seen->necb >= 1,
              "after apool_join(), the callback ran %d time(s) and the error callback %d time(s) "
              "(1 each expected)",
              seen->ncb, seen->necb);
    cr_assert(seen->cb[0].pid == seen->body,
              "the callback ran in pid %d, not in the main process %d: the callback ran in the "
              "worker. Workers only compute (run_task); the main process calls the callback "
              "when it files the result (apool_dispatch)",
              (int)seen->cb[0].pid, (int)seen->body);
    cr_assert(seen->ecb[0].pid == seen->body,
              "the error callback ran in pid %d, not in the main process %d: it ran in the "
              "worker. Call it in apool_dispatch, in the main process",
              (int)seen->ecb[0].pid, (int)seen->body);
    cr_assert(seen->ncb == 1 && seen->cb[0].value == 25,
              "the callback ran %d time(s), first with %ld: once, with the task's value 25",
              seen->ncb, seen->cb[0].value);
    cr_assert(seen->necb == 1 && seen->ecb[0].value == 42,
              "the error callback ran %d time(s), first with %ld: once, with the error code 42",
              seen->necb, seen->ecb[0].value);
}

/* ---- callbacks fire as results arrive ---- */

static void call_as_they_come(void *shared)
{
    struct apool *p;
    begin(shared, &p, 2);
    if (seen->created) return;
    submit(p, timed, 20 * 100 + 0);
    submit(p, timed, 400 * 100 + 1); /* the last to end, by far */
    submit(p, timed, 20 * 100 + 2);
    seen->closed = apool_close(p);
    seen->joined = apool_join(p);
}

Test(apool, callbacks_fire_as_results_arrive)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_as_they_come, seen, 3000);
    sandbox_assert_returned(&r, "apply_async() + apool_close() + apool_join()");
    assert_created();
    assert_handles(3, "three tasks");
    cr_assert(seen->ncb == 3,
              "three tasks, but the callback ran %d times by the end of "
              "apool_join()",
              seen->ncb);
    double last_end = seen->task_end[1];
    cr_assert(seen->cb[0].at < last_end,
              "the first callback ran at %.1f ms, after the last task ended (at %.1f ms; the "
              "first ended at %.1f ms): callbacks only after all the work, at the end. Run "
              "each callback in apool_dispatch as soon as its result arrives",
              seen->cb[0].at, last_end, seen->task_end[0]);
}

/* ---- a failing task ---- */

static void call_failing(void *shared)
{
    struct apool *p;
    begin(shared, &p, 2);
    if (seen->created) return;
    struct async_result *a = submit(p, timed, 10 * 100 + 1);
    struct async_result *bad = submit(p, failing, 2);
    struct async_result *c = submit(p, timed, 10 * 100 + 3);
    if (!a || !bad || !c) return;
    seen->status[0] = async_get(bad, 1000, &seen->value[0], &seen->error[0]);
    seen->status[1] = async_get(a, 1000, &seen->value[1], &seen->error[1]);
    seen->status[2] = async_get(c, 1000, &seen->value[2], &seen->error[2]);
    /* The pool still works after a failure. */
    struct async_result *d = submit(p, timed, 10 * 100 + 4);
    if (d) seen->status[3] = async_get(d, 1000, &seen->value[3], &seen->error[3]);
    seen->closed = apool_close(p);
    seen->joined = apool_join(p);
    seen->got_handle = true;
}

Test(apool, failing_task_reaches_error_callback)
{
    seen = shared_alloc(sizeof *seen);
    for (int i = 0; i < 4; i++)
        seen->status[i] = UNSET;
    struct sandbox r = sandbox_run(call_failing, seen, 5000);
    cr_assert(r.returned || r.timed_out || seen->handles < 2,
              "the main process %s when a task failed: a failing task killed the pool. A "
              "task's error is a result like any other: file it (ok = false, error) and call "
              "the error callback; never exit",
              sandbox_describe(&r));
    sandbox_assert_returned(&r, "a pool with a failing task");
    assert_created();
    assert_handles(4, "three tasks, one failing, then one more");
    cr_assert(seen->status[0] != GET_TIMEOUT || seen->necb != 0,
              "the error callback was called 0 times and async_get() on the failing task gave "
              "GET_TIMEOUT after 1000 ms: the failure was silently dropped. A failed result "
              "must be filed (ready, ok = false, error) and its error_callback called");
    cr_assert(seen->status[0] == GET_FAILED && seen->error[0] == 42,
              "async_get() on a task that failed with error 42 gave %s, error %d: it must give "
              "GET_FAILED and the task's error code",
              status_name(seen->status[0]), seen->error[0]);
    cr_assert(seen->necb == 1 && seen->ecb[0].value == 42 && seen->ecb[0].pid == seen->body,
              "the error callback ran %d time(s) (first with %ld, in pid %d; main is %d): once, "
              "with 42, in the main process",
              seen->necb, seen->ecb[0].value, (int)seen->ecb[0].pid, (int)seen->body);
    cr_assert(seen->status[1] == GET_OK && seen->value[1] == 1 && seen->status[2] == GET_OK &&
                  seen->value[2] == 9,
              "the tasks beside the failing one gave %s %ld and %s %ld, not GET_OK 1 and 9",
              status_name(seen->status[1]), seen->value[1], status_name(seen->status[2]),
              seen->value[2]);
    cr_assert(seen->status[3] == GET_OK && seen->value[3] == 16,
              "after a task failed, a new task gave %s %ld, not GET_OK 16: the pool must go on "
              "working",
              status_name(seen->status[3]), seen->value[3]);
    cr_assert(seen->closed == 0 && seen->joined == 0,
              "apool_close() gave %d and apool_join() %d after a failure, not 0 and 0",
              seen->closed, seen->joined);
}

/* ---- join ---- */

static void call_join(void *shared)
{
    struct apool *p;
    begin(shared, &p, 2);
    if (seen->created) return;
    for (int i = 0; i < 6; i++)
        submit(p, timed, (10 + 15 * (i % 3)) * 100 + i);
    seen->join_running = apool_join(p);
    seen->closed = apool_close(p);
    seen->after_close = apply_async(p, timed, 1, on_result, on_error, NULL);
    seen->joined = apool_join(p);
}

Test(apool, join_waits_for_every_callback)
{
    seen = shared_alloc(sizeof *seen);
    seen->join_running = UNSET;
    struct sandbox r = sandbox_run(call_join, seen, 3000);
    cr_assert(!r.timed_out || seen->join_running != UNSET,
              "apool_join() on a pool that was not closed did not return within 3000 ms: "
              "return -1 at once unless p->closed");
    sandbox_assert_returned(&r, "apool_join()");
    assert_created();
    assert_handles(6, "six tasks");
    cr_assert(seen->join_running == -1,
              "apool_join() before apool_close() returned %d: it must refuse (-1), as "
              "Python's join raises ValueError on a running pool",
              seen->join_running);
    cr_assert(seen->after_close == NULL, "apply_async() after apool_close() returned a handle: "
                                         "a closed pool takes no new tasks (NULL)");
    cr_assert(seen->joined == 0, "apool_join() after apool_close() returned %d, not 0",
              seen->joined);
    cr_assert(seen->ncb == 6,
              "after apool_join() only %d of 6 callbacks had run: join returned before every "
              "result arrived. Dispatch until p->finished == p->submitted, then stop the workers",
              seen->ncb);
    cr_assert(r.unreaped == 0,
              "%d workers were left unreaped after apool_join(): end it with workers_stop()",
              r.unreaped);
}
