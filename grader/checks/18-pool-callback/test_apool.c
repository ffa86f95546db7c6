/* Lab 18 checks: apply_async, get(timeout), callbacks, error callbacks, join. */
#include "apool.h"
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
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
    int stray_cb, stray_ecb;    /* callbacks of the wrong kind (callback_runs_in_main_process) */
    long stray_cb_value, stray_ecb_value;
    int ncb_before_get, ncb_after_get, get_status;
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

/* Waits (at most arg / 100 ms) until a callback has run in the main
 * process, then ends: value id * id. Results before it are then surely
 * dispatched first, however loaded the machine is. */
static int after_a_callback(long arg, long *value)
{
    double limit = now_ms() + (double)(arg / 100);
    while (__atomic_load_n(&seen->ncb, __ATOMIC_SEQ_CST) < 1 && now_ms() < limit)
        sleep_ms(1);
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
              seen->ms, seen->ready_at_return ? _("yes") : _("no"));
}

/* ---- get returns the value of its own task ---- */

static void call_get(void *shared)
{
    struct apool *p;
    begin(shared, &p, 2);
    if (seen->created) return;
    struct async_result *fast = submit(p, timed, 10 * 100 + 3);
    /* The slow one ends only once the fast one's callback has run. */
    struct async_result *slow = submit(p, after_a_callback, 2000 * 100 + 9);
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
        return _("an unknown status");
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
              "async_get(r, 3000 ms) on a task that ends soon gave %s, not GET_OK",
              status_name(seen->status[0]));
    cr_assert(seen->value[0] == 81,
              "async_get() on the slow task (value 81) gave %ld%s: a result belongs to the "
              "handle whose id it carries. File each result in p->results[res.id] and return "
              "r's own value",
              seen->value[0],
              seen->value[0] == 9 ? _(", the value of the fast task that finished first") : "");
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
              "honour its timeout (it waited without a limit, or with the time left in the "
              "wrong unit). Wait for results with apool_dispatch(p, time left in ms, from one "
              "deadline) and return GET_TIMEOUT once the deadline has passed");
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

/* The ctx given with a task: its own handle, to see what the callback saw. */
struct probe {
    struct async_result *h;
};
static struct probe probe_ok, probe_err;

struct probe_seen {
    const void *ctx; /* what the callback got */
    int ready, ok;   /* the handle, when the callback ran */
    long value;
    bool called;
};
static struct probe_seen *probe_seen; /* [0] callback, [1] error callback */

static void probe_look(struct probe_seen *ps, const struct probe *want, void *ctx)
{
    ps->called = true;
    ps->ctx = ctx;
    const struct async_result *h = want->h; /* NULL in a worker: it was forked before */
    if (h) {
        ps->ready = h->ready;
        ps->ok = h->ok;
        ps->value = h->ok ? h->value : h->error;
    }
}

static void probe_result(long value, void *ctx)
{
    if (probe_seen) probe_look(&probe_seen[0], &probe_ok, ctx);
    on_result(value, ctx);
}

static void probe_error(int error, void *ctx)
{
    if (probe_seen) probe_look(&probe_seen[1], &probe_err, ctx);
    on_error(error, ctx);
}

/* Must never run: given with a task whose outcome is the other kind. */
static void stray_result(long value, void *ctx)
{
    (void)ctx;
    if (seen->stray_cb++ == 0) seen->stray_cb_value = value;
}

static void stray_error(int error, void *ctx)
{
    (void)ctx;
    if (seen->stray_ecb++ == 0) seen->stray_ecb_value = error;
}

static void call_callbacks(void *shared)
{
    struct apool *p;
    begin(shared, &p, 2);
    if (seen->created) return;
    struct async_result *a = apply_async(p, timed, 10 * 100 + 5, probe_result, probe_error, &probe_ok);
    if (a) seen->handles++;
    probe_ok.h = a;
    struct async_result *b = apply_async(p, failing, 2, probe_result, probe_error, &probe_err);
    if (b) seen->handles++;
    probe_err.h = b;
    /* A success with only an error callback, a failure with only a callback. */
    if (apply_async(p, timed, 3, NULL, stray_error, NULL)) seen->handles++;
    if (apply_async(p, failing, 4, stray_result, NULL, NULL)) seen->handles++;
    seen->closed = apool_close(p);
    seen->joined = apool_join(p);
    /* get on a handle already dispatched: it only reads the handle. */
    seen->ncb_before_get = seen->ncb;
    seen->get_status = a ? async_get(a, 0, NULL, NULL) : UNSET;
    seen->ncb_after_get = seen->ncb;
    seen->value[0] = (long)(intptr_t)&probe_ok;
    seen->value[1] = (long)(intptr_t)&probe_err;
}

Test(apool, callback_runs_in_main_process)
{
    seen = shared_alloc(sizeof *seen);
    probe_seen = shared_alloc(2 * sizeof *probe_seen);
    struct sandbox r = sandbox_run(call_callbacks, seen, 3000);
    sandbox_assert_returned(&r, "apply_async() + apool_close() + apool_join()");
    assert_created();
    assert_handles(4, "two tasks and two failing tasks");
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
    cr_assert(seen->ncb_after_get == seen->ncb_before_get,
              "async_get() on a handle whose result was already dispatched ran its callback "
              "again (%d callback(s) before the get, %d after): each callback runs once, in "
              "apool_dispatch when the result is filed. async_get only reads a ready handle",
              seen->ncb_before_get, seen->ncb_after_get);
    cr_assert(seen->ncb == 1 && seen->cb[0].value == 25,
              "the callback ran %d time(s), first with %ld: once, with the task's value 25",
              seen->ncb, seen->cb[0].value);
    cr_assert(seen->necb == 1 && seen->ecb[0].value == 42,
              "the error callback ran %d time(s), first with %ld: once, with the error code 42",
              seen->necb, seen->ecb[0].value);
    for (int i = 0; i < 2; i++) {
        const struct probe_seen *ps = &probe_seen[i];
        const char *which = i ? _("error callback") : _("callback");
        cr_assert(ps->ctx == (const void *)(intptr_t)seen->value[i],
                  "the %s got ctx %p, not the pointer %p given to apply_async(): hand "
                  "r->task.ctx back to it untouched (the progress program keeps its bar there)",
                  which, ps->ctx, (void *)(intptr_t)seen->value[i]);
        cr_assert(ps->ready && ps->ok == !i && ps->value == (i ? 42 : 25),
                  "when the %s ran, its own handle said ready = %d, ok = %d, %s = %ld: it was "
                  "called before the result was filed. File the result in its handle (ready, "
                  "ok, value or error) first, then call the %s, as apool.h says",
                  which, ps->ready, ps->ok, i ? "error" : "value", ps->value, which);
    }
    cr_assert(seen->stray_ecb == 0,
              "a task that succeeded (value 9), given an error callback and no callback (NULL), "
              "had its error callback run (%d time(s), first with %ld): the error callback is "
              "for a failed task only. A success with no callback calls nothing: test ok "
              "first, then whether that kind of callback was given (not `if (ok && callback) "
              "... else error_callback(...)`)",
              seen->stray_ecb, seen->stray_ecb_value);
    cr_assert(seen->stray_cb == 0,
              "a task that failed (error 44), given a callback and no error callback (NULL), "
              "had its callback run (%d time(s), first with %ld): the callback is for a "
              "success only. A failure with no error callback calls nothing",
              seen->stray_cb, seen->stray_cb_value);
    cr_assert(seen->get_status == GET_OK,
              "async_get(r, 0) on a task whose result was dispatched before apool_join() "
              "returned %d, not GET_OK: a ready handle answers from what was filed in it",
              seen->get_status);
}

/* ---- callbacks fire as results arrive ---- */

static void call_as_they_come(void *shared)
{
    struct apool *p;
    begin(shared, &p, 2);
    if (seen->created) return;
    submit(p, timed, 20 * 100 + 0);
    /* The last to end: it waits (at most 1500 ms) for a first callback. */
    submit(p, after_a_callback, 1500 * 100 + 1);
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
    cr_assert(r.returned || r.timed_out || seen->handles < 2 || !WIFEXITED(r.status),
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
    seen->status[0] = apool_close(p); /* a second close */
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
    cr_assert(seen->closed == 0, "apool_close() on an open pool returned %d, not 0",
              seen->closed);
    cr_assert(seen->status[0] == -1,
              "a second apool_close() returned %d, not -1 (a deliberate difference: Python's "
              "second close() is accepted)",
              seen->status[0]);
    cr_assert(seen->after_close == NULL, "apply_async() after apool_close() returned a handle: "
                                         "a closed pool takes no new tasks (NULL)");
    cr_assert(seen->joined == 0, "apool_join() after apool_close() returned %d, not 0",
              seen->joined);
    cr_assert(seen->ncb == 6,
              "after apool_join() only %d of 6 callbacks had run: join returned before every "
              "result arrived. Dispatch until p->finished == p->submitted, then stop the workers",
              seen->ncb);
    cr_assert(r.unreaped == 0,
              "unreaped workers after apool_join(): %d. End the pool with workers_stop()",
              r.unreaped);
}

/* ---- get(r, 0) looks once: a result that has arrived is returned ---- */

enum { ZERO_FAST_DONE = 1, ZERO_IN_SLOW_GET = 2, ZERO_SLOW_DONE = 3 };

static void call_get_zero(void *shared)
{
    struct apool *p;
    begin(shared, &p, 1);
    if (seen->created) return;
    struct async_result *fast = submit(p, timed, 0 * 100 + 6);
    if (!fast) return;
    /* Wait (bounded) until its result really is in the result pipe. */
    struct pollfd pfd = {p->w.result_fd, POLLIN, 0};
    seen->error[4] = poll(&pfd, 1, 2000);
    seen->status[0] = async_get(fast, 0, &seen->value[0], &seen->error[0]);
    seen->closed = ZERO_FAST_DONE;
    /* A polling loop: get(r, 0) until it is ready, as Python's get(0). */
    struct async_result *next = submit(p, timed, 30 * 100 + 7);
    if (!next) return;
    int polls = 0;
    double limit = now_ms() + 1500;
    do {
        seen->status[1] = async_get(next, 0, &seen->value[1], &seen->error[1]);
        polls++;
    } while (seen->status[1] == GET_TIMEOUT && now_ms() < limit);
    seen->error[5] = polls;
    /* And get(r, 0) on a task still running comes back at once. */
    struct async_result *slow = submit(p, timed, 5000 * 100 + 8);
    if (!slow) return;
    seen->closed = ZERO_IN_SLOW_GET;
    double t = now_ms();
    seen->status[2] = async_get(slow, 0, &seen->value[2], &seen->error[2]);
    seen->ms = now_ms() - t;
    seen->closed = ZERO_SLOW_DONE;
}

Test(apool, get_zero_looks_once)
{
    seen = shared_alloc(sizeof *seen);
    for (int i = 0; i < 3; i++) {
        seen->status[i] = UNSET;
        seen->value[i] = UNSET;
    }
    struct sandbox r = sandbox_run(call_get_zero, seen, 3000);
    cr_assert(!r.timed_out || seen->closed != ZERO_IN_SLOW_GET,
              "async_get(r, 0) on a 5 s task did not return within 3000 ms: it waited for the "
              "task. Timeout 0 means look once and return GET_TIMEOUT if nothing is there "
              "(Python's get(0)); only -1 means no limit");
    sandbox_assert_returned(&r, "async_get(r, 0)");
    assert_created();
    cr_assert(seen->handles >= 1, "apply_async() on an open pool returned NULL");
    cr_assert(seen->error[4] == 1,
              "the result of a 0 ms task never reached the result pipe within 2000 ms "
              "(run_task or the worker did not send it)");
    cr_assert(seen->status[0] != GET_TIMEOUT,
              "async_get(r, 0) gave GET_TIMEOUT although r's result was already waiting in the "
              "result pipe (poll() said it was readable): with timeout 0 it returned before it "
              "looked. Dispatch once with the time left, 0 included (apool_dispatch(p, 0) just "
              "looks), and say GET_TIMEOUT only when that found nothing. Python's get(0) "
              "returns a result that has arrived; a loop polling with get(r, 0) here would "
              "never see one");
    cr_assert(seen->status[0] == GET_OK && seen->value[0] == 36,
              "async_get(r, 0) on a task whose result had arrived (value 36) gave %s, %ld",
              status_name(seen->status[0]), seen->value[0]);
    cr_assert(seen->status[1] == GET_OK && seen->value[1] == 49,
              "a loop of async_get(r, 0) on a 30 ms task gave %s, %ld after %d calls in "
              "1500 ms, not GET_OK, 49",
              status_name(seen->status[1]), seen->value[1], seen->error[5]);
    cr_assert(seen->status[2] == GET_TIMEOUT && seen->ms < 500,
              "async_get(r, 0) on a 5 s task gave %s after %.0f ms, not GET_TIMEOUT at once",
              status_name(seen->status[2]), seen->ms);
}

/* ---- an ended pool reads no pipe it closed ---- */

/* Put an unrelated pipe on fd number fd (the number the pool's closed
 * result pipe had) holding a forged result for task id with value 777.
 * Its write end goes to *wr. 1 when done, 0 when fd was still open. */
static int stranger_pipe_on(int fd, int id, int *wr)
{
    int fds[2];
    *wr = -1;
    if (fd < 0 || fcntl(fd, F_GETFD) != -1) return 0;
    if (pipe(fds) < 0) return 0;
    if (fds[0] != fd) {
        dup2(fds[0], fd);
        close(fds[0]);
    }
    struct task_result forged = {id, getpid(), 1, 777, 0};
    if (write(fds[1], &forged, sizeof forged) != (ssize_t)sizeof forged) return 0;
    *wr = fds[1];
    return 1;
}

static void call_ended_pool(void *shared)
{
    struct apool *p;
    begin(shared, &p, 1);
    if (seen->created) return;
    /* 1. terminate with a task still running, then get on it */
    struct async_result *r = submit(p, timed, 5000 * 100 + 1);
    if (!r) return;
    int old = p->w.result_fd, wr;
    apool_terminate(p);
    seen->error[4] = old;
    seen->error[5] = stranger_pipe_on(old, r->task.id, &wr);
    seen->status[0] = async_get(r, 300, &seen->value[0], &seen->error[0]);
    if (wr >= 0) {
        close(wr);
        close(old);
    }
    /* 2. close and join a finished pool, then dispatch on it */
    static struct apool pool2;
    seen->status[3] = apool_create(&pool2, 1);
    if (seen->status[3]) return;
    struct async_result *a = apply_async(&pool2, timed, 0 * 100 + 2, on_result, on_error, NULL);
    if (!a) return;
    seen->closed = apool_close(&pool2);
    old = pool2.w.result_fd; /* the number its result pipe has now */
    seen->joined = apool_join(&pool2);
    int before = seen->ncb;
    seen->error[2] = old;
    seen->error[7] = stranger_pipe_on(old, a->task.id, &wr);
    seen->status[1] = apool_dispatch(&pool2, 300);
    seen->value[1] = a->value;
    seen->error[1] = seen->ncb - before;
    seen->got_handle = true;
}

Test(apool, ended_pool_reads_no_stray_pipe)
{
    seen = shared_alloc(sizeof *seen);
    for (int i = 0; i < 4; i++)
        seen->status[i] = UNSET;
    struct sandbox r = sandbox_run(call_ended_pool, seen, 3000);
    sandbox_assert_returned(&r, "apool_terminate() + async_get(), apool_join() + apool_dispatch()");
    assert_created();
    cr_assert(seen->handles >= 1 && seen->status[3] == 0 && seen->got_handle,
              "apply_async() on an open pool returned NULL");
    cr_assert(seen->error[5] == 1,
              "after apool_terminate() the pool's result pipe (fd %d) was still open: "
              "terminate must close the pool's pipes (workers_kill() does)",
              seen->error[4]);
    cr_assert(seen->status[0] != GET_OK || seen->value[0] != 777,
              "after apool_terminate(), async_get() on a task that never finished gave GET_OK, "
              "777: it read fd %d, which the pool had closed and an unrelated pipe (holding "
              "that forged result) now uses. Closed pipe ends must be forgotten (set to -1), as "
              "workers_kill() does, so that nothing reads a number reused for another file",
              seen->error[4]);
    cr_assert(seen->status[0] == GET_LOST,
              "after apool_terminate(), async_get(r, 300) on a task that never finished gave "
              "%s, not GET_LOST: its result can never come (Python's get would wait forever)",
              status_name(seen->status[0]));
    cr_assert(seen->closed == 0 && seen->joined == 0,
              "apool_close() gave %d and apool_join() %d, not 0 and 0", seen->closed,
              seen->joined);
    cr_assert(seen->error[7] == 1,
              "after apool_join() the pool's result pipe (fd %d) was still open: join must end "
              "the workers and close the pool's pipes (workers_stop())",
              seen->error[2]);
    cr_assert(seen->status[1] != 1,
              "after apool_join(), apool_dispatch(p, 300) returned 1 and filed a result (value "
              "%ld, %d callback(s) run again) read from fd %d, which the pool had closed and an "
              "unrelated pipe now uses: the pool kept the numbers of the pipe ends it closed. "
              "End the pool with workers_stop(), which closes both ends and sets them to -1",
              seen->value[1], seen->error[1], seen->error[2]);
    cr_assert(seen->status[1] == -1,
              "after apool_join(), apool_dispatch(p, 300) returned %d, not -1: no result can "
              "ever come from an ended pool",
              seen->status[1]);
}

/* ---- a full pool takes no more tasks ---- */

static void call_full(void *shared)
{
    seen = shared;
    seen->body = getpid();
    seen->t0 = now_ms();
    /* Room after the pool: a handle written past results[] lands here,
     * not on the check's own variables. */
    static union {
        struct apool pool;
        char room[sizeof(struct apool) + 64 * sizeof(struct async_result)];
    } big;
    struct apool *p = &big.pool;
    seen->created = apool_create(p, 2);
    if (seen->created) return;
    for (int i = 0; i < APOOL_MAX_TASKS; i++)
        submit(p, timed, i % 100);
    seen->after_close = apply_async(p, timed, 1, on_result, on_error, NULL); /* one too many */
    seen->closed = apool_close(p);
    seen->joined = apool_join(p);
    seen->got_handle = true;
}

Test(apool, apply_async_refuses_a_full_pool)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_full, seen, 5000);
    sandbox_assert_returned(&r, "256 apply_async() calls, a 257th, apool_close(), apool_join()");
    assert_created();
    assert_handles(APOOL_MAX_TASKS, "256 tasks, as many as the pool holds");
    cr_assert(seen->after_close == NULL,
              "apply_async() number %d returned a handle, but the pool holds only "
              "APOOL_MAX_TASKS = %d handles (p->results): it wrote past the array. Return NULL "
              "once p->submitted == APOOL_MAX_TASKS",
              APOOL_MAX_TASKS + 1, APOOL_MAX_TASKS);
    cr_assert(seen->closed == 0 && seen->joined == 0 && seen->ncb == APOOL_MAX_TASKS,
              "after 256 tasks, apool_close() gave %d, apool_join() %d and %d callback(s) ran, not "
              "0, 0 and 256",
              seen->closed, seen->joined, seen->ncb);
}

/* ---- the deadline holds when another task's callback runs past it ---- */

enum { SLOW_CB_MS = 60 };

static void slow_callback(long value, void *ctx)
{
    on_result(value, ctx);
    sleep_ms(SLOW_CB_MS); /* a callback that takes its time, in the main process */
    seen->task_end[31] = since();
}

enum { LATE_IN_GET0 = 1, LATE_IN_GET50 = 2, LATE_DONE = 3 };

static void call_late_deadline(void *shared)
{
    struct apool *p;
    begin(shared, &p, 2);
    if (seen->created) return;
    struct async_result *slow = submit(p, timed, 5000 * 100 + 2);
    struct async_result *fast = apply_async(p, timed, 0 * 100 + 1, slow_callback, on_error, NULL);
    if (!slow || !fast) return;
    seen->handles++;
    struct pollfd pfd = {p->w.result_fd, POLLIN, 0};
    seen->error[4] = poll(&pfd, 1, 2000); /* the fast result is waiting */
    /* get(slow, 0) dispatches the fast result; its callback ends past the deadline */
    seen->closed = LATE_IN_GET0;
    double t = now_ms();
    seen->status[0] = async_get(slow, 0, &seen->value[0], &seen->error[0]);
    seen->ms = now_ms() - t;
    /* get(slow, 50): a result arrives at about 20 ms, its callback runs to about 80 ms */
    struct async_result *f2 = apply_async(p, timed, 20 * 100 + 3, slow_callback, on_error, NULL);
    if (!f2) return;
    seen->handles++;
    seen->closed = LATE_IN_GET50;
    t = now_ms();
    seen->status[1] = async_get(slow, 50, &seen->value[1], &seen->error[1]);
    seen->value[2] = (long)(now_ms() - t);
    seen->closed = LATE_DONE;
}

Test(apool, get_deadline_holds_after_a_slow_callback)
{
    seen = shared_alloc(sizeof *seen);
    for (int i = 0; i < 2; i++)
        seen->status[i] = UNSET;
    struct sandbox r = sandbox_run(call_late_deadline, seen, 2500);
    cr_assert(!r.timed_out || (seen->closed != LATE_IN_GET0 && seen->closed != LATE_IN_GET50) ||
                  seen->ncb == 0,
              "async_get(r, %d) on a 5 s task did not return within 2500 ms, after another "
              "task's callback (%d ms long), run inside that get, had ended past its deadline: "
              "the time left went below 0, and a negative timeout means no limit to "
              "apool_dispatch() and poll(). Once the deadline has passed, dispatch with 0 "
              "(look once), never with a negative time",
              seen->closed == LATE_IN_GET0 ? 0 : 50, SLOW_CB_MS);
    sandbox_assert_returned(&r, "async_get() while other results and a slow callback come");
    assert_created();
    assert_handles(3, "a 5 s task and two short ones");
    cr_assert(seen->error[4] == 1, "the result of a 0 ms task never reached the result pipe "
                                   "within 2000 ms (run_task or the worker did not send it)");
    cr_assert(seen->status[0] == GET_TIMEOUT && seen->ms < SLOW_CB_MS + 400,
              "async_get(r, 0) on a 5 s task, with another result waiting (its callback takes "
              "%d ms), gave %s after %.0f ms, not GET_TIMEOUT just after that callback",
              SLOW_CB_MS, status_name(seen->status[0]), seen->ms);
    cr_assert(seen->status[1] == GET_TIMEOUT && seen->value[2] >= 50 &&
                  seen->value[2] < 20 + SLOW_CB_MS + 400,
              "async_get(r, 50) on a 5 s task, while a 20 ms task's result came (its callback "
              "takes %d ms), gave %s after %ld ms, not GET_TIMEOUT just after that callback",
              SLOW_CB_MS, status_name(seen->status[1]), seen->value[2]);
}
