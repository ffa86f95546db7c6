/* Lab 17 checks: pool_create, apply, map, close, join, terminate. */
#include "check.h"
#include "pool.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(pool, .timeout = CHECK_SUITE_TIMEOUT);

enum { MAX_RUNS = 256, UNSET = -777 };

/* What the body and the tasks saw; tasks write it from the workers. The
 * bodies do not close their pools: the sandbox kills what they leave, so a
 * broken close or join fails only the check about it. */
struct seen {
    pid_t body;
    int created, applied, mapped, mapped2, mapped0, closed, joined, terminated;
    int apply_after_close, map_after_close, join_running;
    long result;
    long results[64], results2[64];
    pid_t workers[POOL_MAX_WORKERS];
    int nworkers;
    double ms;
    int started;
    int got_term;        /* the busy worker's SIGTERM handler ran */
    int empty_default;   /* wait status of pool_map(n = 0, chunksize = 0) in a child */
    int stranger_reaped; /* the caller's own child was still there for it to wait */
    int runs; /* task calls, in any process */
    pid_t run_pid[MAX_RUNS];
    long run_arg[MAX_RUNS];
};

static struct seen *seen;

static void note_run(long x)
{
    int k = __atomic_fetch_add(&seen->runs, 1, __ATOMIC_SEQ_CST);
    if (k < MAX_RUNS) {
        seen->run_pid[k] = getpid();
        seen->run_arg[k] = x;
    }
}

static long square_plus_one(long x)
{
    note_run(x);
    return x * x + 1;
}

static void keep_workers(const struct pool *p)
{
    seen->nworkers = p->nworkers < POOL_MAX_WORKERS ? p->nworkers : POOL_MAX_WORKERS;
    memcpy(seen->workers, p->pids, sizeof seen->workers);
}

static void fill(long *a, int n)
{
    for (int i = 0; i < n; i++)
        a[i] = UNSET;
}

#define assert_created(what)                                                                       \
    cr_assert(seen->created == 0, "pool_create() returned %d: %s needs a working pool (step 1)",   \
              seen->created, what)

/* ---- apply ---- */

static void call_apply(void *shared)
{
    struct seen *s = shared;
    s->body = getpid();
    struct pool p;
    s->created = pool_create(&p, 2);
    if (s->created != 0) return;
    keep_workers(&p);
    s->result = UNSET;
    s->applied = pool_apply(&p, square_plus_one, 7, &s->result);
}

Test(pool, apply_returns_result)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_apply, seen, 3000);
    sandbox_assert_returned(&r, "pool_create() + pool_apply()");
    assert_created("pool_apply()");
    cr_assert(seen->applied == 0, "pool_apply() on a running pool returned %d, not 0",
              seen->applied);
    cr_assert(seen->runs == 1, "pool_apply(square_plus_one, 7) ran the task %d times, not once",
              seen->runs);
    cr_assert(seen->run_pid[0] != seen->body,
              "pool_apply() ran the task in the calling process %d: send it to a worker",
              (int)seen->body);
    cr_assert(seen->result == 50,
              "pool_apply(square_plus_one, 7) gave %ld, not 50: read the worker's "
              "result_msg and store results[0] in *result",
              seen->result);
}

/* ---- map: input order ---- */

/* Item 0 ends last, whatever the load: it waits (at most 1500 ms) until
 * every other item has ended, so completion order is never input order. */
static long staggered(long x)
{
    if (x == 0) {
        double limit = now_ms() + 1500;
        while (__atomic_load_n(&seen->runs, __ATOMIC_SEQ_CST) < 5 && now_ms() < limit)
            sleep_ms(1);
    }
    note_run(x);
    return 100 + x;
}

static void call_map_order(void *shared)
{
    struct seen *s = shared;
    struct pool p;
    s->created = pool_create(&p, 3);
    if (s->created != 0) return;
    long args[6] = {0, 1, 2, 3, 4, 5};
    fill(s->results, 6);
    s->mapped = pool_map(&p, staggered, args, s->results, 6, 1);
}

static const char *list(const long *a, int n)
{
    static char text[512];
    text[0] = '\0';
    for (int i = 0; i < n; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s%ld", i ? ", " : "", a[i]);
    return text;
}

Test(pool, map_keeps_input_order)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_map_order, seen, 4000);
    sandbox_assert_returned(&r, "pool_map()");
    assert_created("pool_map()");
    cr_assert(seen->mapped == 0, "pool_map() on a running pool returned %d, not 0", seen->mapped);
    long sorted[6];
    memcpy(sorted, seen->results, sizeof sorted);
    bool same_set = true;
    for (int v = 100; v < 106; v++) {
        int k = 0;
        for (int i = 0; i < 6; i++)
            k += sorted[i] == v;
        same_set &= k == 1;
    }
    bool ordered = true;
    for (int i = 0; i < 6; i++)
        ordered &= seen->results[i] == 100 + i;
    cr_assert(ordered || !same_set,
              "pool_map(f, [0..5], chunksize 1) gave [%s], expected [100, 101, 102, 103, 104, "
              "105]: every result is there but in completion order (item 0 was the slowest). "
              "Store each result_msg at results[index + i], its place in the input",
              list(seen->results, 6));
    cr_assert(ordered,
              "pool_map(f, [0..5], chunksize 1) gave [%s], expected [100, 101, 102, "
              "103, 104, 105]",
              list(seen->results, 6));
}

/* ---- map: chunks ---- */

static void call_map_chunks(void *shared)
{
    struct seen *s = shared;
    struct pool p;
    s->created = pool_create(&p, 2);
    if (s->created != 0) return;
    long args[10];
    for (int i = 0; i < 10; i++)
        args[i] = i;
    fill(s->results, 10);
    s->mapped = pool_map(&p, square_plus_one, args, s->results, 10, 4);
    fill(s->results2, 7);
    s->mapped2 = pool_map(&p, square_plus_one, args, s->results2, 7, 0);
    s->mapped0 = pool_map(&p, square_plus_one, args, s->results2 + 20, 0, 3);
    /* n = 0 with the default chunksize, in a child: a division by zero there
     * must not hide what the other maps did. */
    fflush(NULL);
    pid_t c = fork();
    if (c == 0)
        _exit(pool_map(&p, square_plus_one, args, s->results2 + 20, 0, 0) == 0 ? 0 : 1);
    s->empty_default = -1;
    if (c > 0)
        waitpid(c, &s->empty_default, 0);
}

Test(pool, map_chunks_cover_every_item)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_map_chunks, seen, 4000);
    sandbox_assert_returned(&r, "pool_map()");
    assert_created("pool_map()");
    cr_assert(seen->mapped == 0, "pool_map(n = 10, chunksize = 4) returned %d, not 0",
              seen->mapped);
    int missing = 0;
    char which[128] = "";
    for (int i = 0; i < 10; i++)
        if (seen->results[i] == UNSET) {
            missing++;
            snprintf(which + strlen(which), sizeof which - strlen(which), " %d", i);
        }
    bool last_chunk_only = missing == 2 && seen->results[8] == UNSET && seen->results[9] == UNSET;
    cr_assert(!last_chunk_only,
              "pool_map(n = 10, chunksize = 4) never computed items 8 and 9: the last, shorter "
              "chunk was dropped. There are ceil(n / chunksize) = 3 chunks, the last with 2 items");
    cr_assert(missing == 0,
              "pool_map(n = 10, chunksize = 4) never computed item(s)%s (chunks of 4: items "
              "0-3, 4-7, 8-9)",
              which);
    for (int i = 0; i < 10; i++)
        cr_assert(seen->results[i] == i * i + 1,
                  "pool_map(square_plus_one, 0..9, chunksize 4) gave results[%d] = %ld, not %d", i,
                  seen->results[i], i * i + 1);
    int count[10] = {0};
    pid_t pid_of[10] = {0};
    for (int k = 0; k < seen->runs && k < 10 + 7; k++) {
        long a = seen->run_arg[k];
        if (k < 10 && a >= 0 && a < 10) {
            count[a]++;
            pid_of[a] = seen->run_pid[k];
        }
    }
    for (int i = 0; i < 10; i++)
        cr_assert(count[i] == 1, "item %d was computed %d times by pool_map(n = 10): once each", i,
                  count[i]);
    for (int i = 0; i < 10; i++)
        cr_assert(pid_of[i] == pid_of[i / 4 * 4],
                  "items %d and %d ran in different processes (%d, %d) with chunksize 4: one "
                  "chunk (items 4k..4k+3) goes to one worker in one task_msg",
                  i / 4 * 4, i, (int)pid_of[i / 4 * 4], (int)pid_of[i]);
    cr_assert(seen->mapped2 == 0,
              "pool_map(n = 7, chunksize = 0) returned %d: chunksize <= 0 "
              "means the default ceil(n / (4 * nworkers))",
              seen->mapped2);
    for (int i = 0; i < 7; i++)
        cr_assert(seen->results2[i] == i * i + 1,
                  "pool_map(n = 7, chunksize = 0) gave results[%d] = %ld, not %d", i,
                  seen->results2[i], i * i + 1);
    cr_assert(seen->mapped0 == 0, "pool_map(n = 0) returned %d: an empty map succeeds with 0",
              seen->mapped0);
    int st = seen->empty_default;
    cr_assert(!(WIFSIGNALED(st) && WTERMSIG(st) == SIGFPE),
              "pool_map(n = 0, chunksize = 0) died of SIGFPE, a division by zero: the default "
              "chunksize ceil(0 / (4 * nworkers)) is 0, and the chunks were counted by dividing "
              "by it. Make the chunksize at least 1 before using it (Python's map of an empty "
              "list gives [])");
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "pool_map(n = 0, chunksize = 0) %s: an empty map succeeds with 0, whatever the "
              "chunksize",
              WIFSIGNALED(st) ? _("was killed by a signal") : _("did not return 0"));
}

/* ---- only the pool's workers run tasks ---- */

static long nap_square(long x)
{
    sleep_ms(3);
    note_run(x);
    return x * x;
}

static void call_many(void *shared)
{
    struct seen *s = shared;
    s->body = getpid();
    struct pool p;
    s->created = pool_create(&p, 3);
    if (s->created != 0) return;
    keep_workers(&p);
    s->applied = 0;
    for (int i = 0; i < 12; i++) {
        long v;
        if (pool_apply(&p, square_plus_one, i, &v) != 0 || v != i * i + 1) s->applied = -1;
    }
    long args[24];
    for (int i = 0; i < 24; i++)
        args[i] = 100 + i;
    s->mapped = pool_map(&p, nap_square, args, s->results, 24, 1);
}

Test(pool, only_n_workers_run_tasks)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_many, seen, 5000);
    sandbox_assert_returned(&r, "pool_apply() and pool_map()");
    assert_created("this check");
    int n = seen->runs < MAX_RUNS ? seen->runs : MAX_RUNS;
    int distinct = 0, strangers = 0, in_caller = 0;
    for (int k = 0; k < n; k++) {
        bool before = false, worker = false;
        for (int j = 0; j < k; j++)
            before |= seen->run_pid[j] == seen->run_pid[k];
        for (int w = 0; w < seen->nworkers; w++)
            worker |= seen->workers[w] == seen->run_pid[k];
        in_caller += seen->run_pid[k] == seen->body;
        distinct += !before;
        strangers += !before && !worker && seen->run_pid[k] != seen->body;
    }
    cr_assert(in_caller == 0,
              "%d of %d tasks ran in the calling process itself (pid %d), not in a worker: "
              "apply and map must send every task to the workers over the task pipe",
              in_caller, n, (int)seen->body);
    cr_assert(strangers == 0 && distinct <= 3,
              "%d tasks ran in %d process(es), %d of them not among the pool's 3 "
              "workers (p->pids): a fork per task. Fork the workers once in pool_create() and "
              "send every task to them over the task pipe",
              n, distinct, strangers);
    cr_assert(seen->applied == 0, "12 pool_apply() calls on a pool of 3 did not all return 0 "
                                  "with the right result");
    cr_assert(seen->mapped == 0 && n == 36,
              "pool_map of 24 items after 12 applies: returned %d, %d task calls seen (36 "
              "expected)",
              seen->mapped, n);
}

/* ---- join before close ---- */

static void call_join_running(void *shared)
{
    struct seen *s = shared;
    struct pool p;
    s->created = pool_create(&p, 2);
    if (s->created != 0) return;
    long v;
    pool_apply(&p, square_plus_one, 3, &v);
    s->join_running = UNSET;
    double t0 = now_ms();
    s->join_running = pool_join(&p);
    s->ms = now_ms() - t0;
    s->started = 1; /* the first join came back */
    s->closed = pool_close(&p);
    s->joined = pool_join(&p);
}

Test(pool, join_before_close_is_an_error)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_join_running, seen, 2000);
    cr_assert(!r.timed_out || seen->created != 0 || seen->started,
              "pool_join() on a running pool (never closed) did not return within 2000 ms: it "
              "waits for workers that were never told to stop. Join before close must be an "
              "error: return -1 at once while state is POOL_RUNNING");
    cr_assert(!r.timed_out, "after the refused pool_join(), pool_close() + pool_join() did not "
                            "return within 2000 ms: the workers never stopped (see "
                            "close_then_join_reaps_workers)");
    sandbox_assert_returned(&r, "pool_join() on a running pool, then pool_close() + pool_join()");
    assert_created("pool_join()");
    cr_assert(seen->join_running == -1,
              "pool_join() on a running pool returned %d: join before close was accepted. "
              "Return -1 while state is POOL_RUNNING (Python raises ValueError)",
              seen->join_running);
    cr_assert(seen->closed == 0 && seen->joined == 0,
              "after the refused join, pool_close() gave %d and pool_join() %d: both must "
              "still work (0)",
              seen->closed, seen->joined);
}

/* ---- close, then join: every worker reaped ---- */

static void call_close_join(void *shared)
{
    struct seen *s = shared;
    struct pool p;
    /* A child of the caller's own, ended before the pool is made: join must
     * leave it to the caller. */
    fflush(NULL);
    pid_t stranger = fork();
    if (stranger == 0)
        _exit(0);
    for (double end = now_ms() + 1000; now_ms() < end && process_state(stranger, NULL) != 'Z';)
        sleep_ms(1);
    s->created = pool_create(&p, 3);
    if (s->created != 0) return;
    keep_workers(&p);
    long v = UNSET, args[2] = {1, 2};
    s->applied = pool_apply(&p, square_plus_one, 4, &v);
    s->closed = pool_close(&p);
    s->apply_after_close = pool_apply(&p, square_plus_one, 5, &v);
    s->map_after_close = pool_map(&p, square_plus_one, args, s->results, 2, 1);
    s->joined = pool_join(&p);
    s->stranger_reaped = stranger > 0 && waitpid(stranger, NULL, WNOHANG) == stranger;
}

Test(pool, close_then_join_reaps_workers)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_close_join, seen, 2000);
    cr_assert(!r.timed_out || seen->created != 0 || seen->closed != 0,
              "pool_close() then pool_join() did not return within 2000 ms: the workers never "
              "stopped. pool_close() must send each worker a stop sentinel (fn == NULL) so "
              "that it leaves its loop and exits");
    sandbox_assert_returned(&r, "pool_close() + pool_join()");
    assert_created("this check");
    cr_assert(seen->closed == 0, "pool_close() on a running pool returned %d, not 0", seen->closed);
    cr_assert(seen->apply_after_close == -1 && seen->map_after_close == -1,
              "after pool_close(), pool_apply() gave %d and pool_map() %d: a closed pool takes "
              "no new tasks (-1)",
              seen->apply_after_close, seen->map_after_close);
    cr_assert(seen->joined == 0, "pool_join() after pool_close() returned %d, not 0", seen->joined);
    cr_assert(seen->stranger_reaped,
              "pool_join() reaped a child that is not one of the pool's workers: the caller had "
              "a child of its own, ended before pool_create(), and after pool_join() it was gone "
              "(waitpid() on it failed). waitpid(-1, ...) or wait() take any child; wait for "
              "each pid in p->pids");
    cr_assert(r.unreaped == 0,
              "unreaped workers (zombies or still running) after pool_join() returned: %d of "
              "%d: workers never reaped. waitpid() every pid in p->pids",
              r.unreaped, seen->nworkers);
}

/* ---- terminate ---- */

static void on_term(int sig)
{
    (void)sig;
    __atomic_store_n(&seen->got_term, 1, __ATOMIC_SEQ_CST);
    _exit(0);
}

static long sleepy(long x)
{
    /* The worker can clean up on SIGTERM (Python's terminate()); SIGKILL is never caught. */
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    __atomic_store_n(&seen->started, 1, __ATOMIC_SEQ_CST);
    sleep_ms(10000);
    return x;
}

static void call_terminate(void *shared)
{
    struct seen *s = shared;
    struct pool p;
    s->created = pool_create(&p, 2);
    if (s->created != 0) return;
    keep_workers(&p);
    /* A helper submits a 10 s task, so that a worker is busy when we terminate. */
    fflush(NULL);
    pid_t helper = fork();
    if (helper == 0) {
        long v;
        pool_apply(&p, sleepy, 1, &v);
        _exit(0);
    }
    double limit = now_ms() + 1500;
    while (!__atomic_load_n(&s->started, __ATOMIC_SEQ_CST) && now_ms() < limit)
        sleep_ms(1);
    double t0 = now_ms();
    s->terminated = pool_terminate(&p);
    s->joined = pool_join(&p);
    s->ms = now_ms() - t0;
    if (helper > 0) {
        kill(helper, SIGKILL);
        waitpid(helper, NULL, 0);
    }
}

Test(pool, terminate_stops_busy_workers)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_terminate, seen, 3000);
    cr_assert(!r.timed_out || seen->created != 0 || !seen->started,
              "pool_terminate() then pool_join(), with a worker busy in a 10 s task, did not "
              "return within 3000 ms: terminate let the task finish. It must kill every worker "
              "now (kill(pid, SIGTERM)), not stop them gently like pool_close()");
    sandbox_assert_returned(&r, "pool_terminate() + pool_join()");
    assert_created("this check");
    cr_assert(seen->started, "the helper's pool_apply() never started its task in a worker");
    cr_assert(seen->terminated == 0 && seen->joined == 0,
              "pool_terminate() gave %d and pool_join() after it %d: both must return 0",
              seen->terminated, seen->joined);
    cr_assert(seen->ms < 1500,
              "pool_terminate() + pool_join() took %.0f ms with a worker busy in a 10 s task: "
              "kill the workers (SIGTERM) instead of waiting for their tasks",
              seen->ms);
    cr_assert(seen->got_term,
              "pool_terminate() ended the busy worker without a SIGTERM: its task had a SIGTERM "
              "handler, which never ran. terminate sends SIGTERM (as Python's terminate() "
              "does), which a worker may catch to clean up; SIGKILL cannot be caught");
    cr_assert(r.unreaped == 0, "unreaped workers after terminate + join: %d", r.unreaped);
}

/* ---- a big map must not deadlock on full pipes ---- */

enum { BIG = 3000 };

static long plus_one(long x)
{
    return x + 1;
}

static void call_big_map(void *shared)
{
    struct seen *s = shared;
    struct pool p;
    s->created = pool_create(&p, 2);
    if (s->created != 0) return;
    static long args[BIG], results[BIG];
    for (int i = 0; i < BIG; i++) {
        args[i] = i;
        results[i] = UNSET;
    }
    s->mapped = UNSET;
    s->mapped = pool_map(&p, plus_one, args, results, BIG, 1);
    s->runs = 0;
    for (int i = 0; i < BIG; i++)
        s->runs += results[i] == i + 1;
}

Test(pool, map_many_items_no_deadlock)
{
    seen = shared_alloc(sizeof *seen);
    seen->mapped = UNSET;
    struct sandbox r = sandbox_run(call_big_map, seen, 5000);
    cr_assert(!r.timed_out || seen->created != 0,
              "pool_map of %d items (chunksize 1, about 12 MB of tasks) did not return within "
              "5000 ms (%s). When the main process and the workers are all asleep in write, "
              "that is a deadlock on full pipes: sending every chunk before reading any result "
              "fills the task pipe (64 KiB) while the workers block on a full result pipe. Keep "
              "only a few chunks in flight: read a result before sending more",
              BIG, sandbox_describe(&r));
    sandbox_assert_returned(&r, "pool_map()");
    assert_created("pool_map()");
    cr_assert(seen->mapped == 0 && seen->runs == BIG,
              "pool_map of %d items returned %d with %d right results", BIG, seen->mapped,
              seen->runs);
}

/* ---- pool_create refuses a size outside 1..POOL_MAX_WORKERS ---- */

static void call_sizes(void *shared)
{
    struct seen *s = shared;
    struct pool p;
    s->results[0] = pool_create(&p, 0);
    s->results[1] = pool_create(&p, -1);
    s->results[2] = pool_create(&p, POOL_MAX_WORKERS + 1);
    s->results2[0] = count_children_of(getpid()); /* refused sizes fork nothing */
    struct pool one;
    s->results[3] = pool_create(&one, 1);
    if (s->results[3] == 0) {
        long v = UNSET;
        s->results[4] = pool_apply(&one, square_plus_one, 2, &v);
        s->results[5] = v;
    }
    s->created = UNSET;
    s->created = pool_create(&p, POOL_MAX_WORKERS);
    if (s->created != 0) return;
    keep_workers(&p);
    long v = UNSET;
    s->applied = pool_apply(&p, square_plus_one, 6, &v);
    s->result = v;
}

Test(pool, create_refuses_bad_sizes)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_sizes, seen, 3000);
    sandbox_assert_returned(&r, "pool_create(&p, 0), (&p, -1), (&p, 17), (&p, 16)");
    cr_assert(seen->results[0] == -1 && seen->results[1] == -1,
              "pool_create(&p, 0) returned %ld and pool_create(&p, -1) %ld: a pool needs at "
              "least one worker, so both must return -1 (Python's Pool(0) raises ValueError); "
              "a pool of 0 workers would wait for ever in its first map",
              seen->results[0], seen->results[1]);
    cr_assert(seen->results[2] == -1,
              "pool_create(&p, %d) returned %ld: p->pids holds only POOL_MAX_WORKERS = %d "
              "pids, so more workers must be refused (-1)",
              POOL_MAX_WORKERS + 1, seen->results[2], POOL_MAX_WORKERS);
    cr_assert(seen->results2[0] == 0,
              "after three refused pool_create() calls, the caller had %ld child process(es): "
              "check nworkers before you make pipes or fork",
              seen->results2[0]);
    cr_assert(seen->results[3] == 0,
              "pool_create(&p, 1) returned %ld: a pool of one worker is a valid size (1 to "
              "POOL_MAX_WORKERS, both included); refuse only nworkers < 1",
              seen->results[3]);
    cr_assert(seen->results[4] == 0 && seen->results[5] == 5,
              "on a pool of 1 worker, pool_apply(square_plus_one, 2) gave %ld, %ld, not 0, 5",
              seen->results[4], seen->results[5]);
    cr_assert(seen->created == 0,
              "pool_create(&p, %d) returned %d: POOL_MAX_WORKERS itself is a valid size (1 to "
              "POOL_MAX_WORKERS, both included); refuse only nworkers < 1 or > POOL_MAX_WORKERS",
              POOL_MAX_WORKERS, seen->created);
    cr_assert(seen->applied == 0 && seen->result == 37,
              "on a pool of %d workers, pool_apply(square_plus_one, 6) gave %d, %ld, not 0, 37",
              POOL_MAX_WORKERS, seen->applied, seen->result);
}

/* ---- each side keeps only the pipe ends it uses ---- */

/* Which ends of the two pool pipes a process holds: [0] task read,
 * [1] task write, [2] result read, [3] result write. */
struct ends {
    int n[4];
};

/* Shared: the body sets the pipes' inodes after pool_create, a worker
 * fills in what it holds. */
struct ends_seen {
    ino_t task_ino, result_ino;
    struct ends worker;
};
static struct ends_seen *ends_seen;

static struct ends census(void)
{
    struct ends e = {{0, 0, 0, 0}};
    for (int fd = 0; fd < 1024; fd++) {
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) continue;
        int mode = fcntl(fd, F_GETFL) & O_ACCMODE;
        int base = st.st_ino == ends_seen->task_ino     ? 0
                   : st.st_ino == ends_seen->result_ino ? 2
                                                        : -1;
        if (base >= 0) e.n[base + (mode == O_WRONLY)]++;
    }
    return e;
}

static long count_ends(long x)
{
    ends_seen->worker = census();
    return x;
}

static void call_ends(void *shared)
{
    struct seen *s = shared;
    struct pool p;
    s->created = pool_create(&p, 2);
    if (s->created != 0) return;
    struct stat st;
    if (fstat(p.task_fd, &st) == 0) ends_seen->task_ino = st.st_ino;
    if (fstat(p.result_fd, &st) == 0) ends_seen->result_ino = st.st_ino;
    struct ends *mine = (struct ends *)s->results;
    *mine = census();
    for (int i = 0; i < 4; i++)
        ends_seen->worker.n[i] = UNSET;
    long v;
    s->applied = pool_apply(&p, count_ends, 1, &v);
    s->closed = pool_close(&p);
    s->joined = pool_join(&p);
    *(struct ends *)s->results2 = census(); /* after join: none left */
}

Test(pool, each_side_keeps_only_its_pipe_ends)
{
    seen = shared_alloc(sizeof *seen);
    ends_seen = shared_alloc(sizeof *ends_seen);
    struct sandbox r = sandbox_run(call_ends, seen, 3000);
    sandbox_assert_returned(&r, "pool_create() + pool_apply()");
    assert_created("this check");
    cr_assert(seen->applied == 0, "pool_apply() on a running pool returned %d, not 0",
              seen->applied);
    const struct ends *mine = (const struct ends *)seen->results, *w = &ends_seen->worker;
    cr_assert(mine->n[1] == 1 && mine->n[2] == 1,
              "after pool_create() the main process held %d write end(s) of the task pipe and "
              "%d read end(s) of the result pipe: p->task_fd and p->result_fd must be those "
              "ends, one each",
              mine->n[1], mine->n[2]);
    cr_assert(mine->n[3] == 0,
              "after pool_create() the main process still held the result pipe's write end "
              "(%d copy): it never sees EOF there, so if every worker died pool_map would wait "
              "for ever instead of returning -1. close(result[1]) in the parent after the "
              "forks",
              mine->n[3]);
    cr_assert(mine->n[0] == 0,
              "after pool_create() the main process still held the task pipe's read end (%d "
              "copy): it only writes tasks. close(task[0]) in the parent after the forks",
              mine->n[0]);
    cr_assert(w->n[0] != UNSET, "the task never ran in a worker (pool_apply)");
    cr_assert(w->n[1] == 0,
              "a worker held the task pipe's write end (%d copy) while it ran a task: the "
              "workers then never see EOF on the task pipe, so if the main process dies "
              "without pool_close() they wait for tasks for ever. close(task[1]) in each worker "
              "before its loop",
              w->n[1]);
    cr_assert(w->n[2] == 0,
              "a worker held the result pipe's read end (%d copy) while it ran a task: it only "
              "writes results. close(result[0]) in each worker before its loop",
              w->n[2]);
    cr_assert(w->n[0] == 1 && w->n[3] == 1,
              "a worker held %d read end(s) of the task pipe and %d write end(s) of the result "
              "pipe, not one each",
              w->n[0], w->n[3]);
    const struct ends *after = (const struct ends *)seen->results2;
    int left = after->n[0] + after->n[1] + after->n[2] + after->n[3];
    cr_assert(seen->closed != 0 || seen->joined != 0 || left == 0,
              "after pool_close() + pool_join() the main process still held %d end(s) of the "
              "pool's pipes (task write end: %d, result read end: %d): join must close "
              "p->task_fd and p->result_fd, or a program that makes pools in a loop runs out "
              "of descriptors",
              left, after->n[1], after->n[2]);
}

/* ---- close twice, terminate after join: refused ---- */

static void call_refusals(void *shared)
{
    struct seen *s = shared;
    /* A second round of sentinels may meet a pipe whose workers are gone:
     * make that an EPIPE for every run, not a SIGPIPE for some. */
    signal(SIGPIPE, SIG_IGN);
    struct pool p;
    s->created = pool_create(&p, 2);
    if (s->created != 0) return;
    long v;
    s->applied = pool_apply(&p, square_plus_one, 2, &v);
    s->closed = pool_close(&p);
    s->results[0] = pool_close(&p); /* a second close */
    /* terminate on a closed pool that is not joined yet is allowed (and
     * makes the join below return even if close did not stop the workers) */
    s->results[4] = pool_terminate(&p);
    s->joined = pool_join(&p);
    s->results[1] = pool_terminate(&p); /* terminate after join */
    s->started = 1;
}

Test(pool, second_close_and_late_terminate_refused)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(call_refusals, seen, 2000);
    sandbox_assert_returned(&r, "pool_close() twice, pool_terminate(), pool_join(), "
                                "pool_terminate()");
    assert_created("this check");
    cr_assert(seen->closed == 0 && seen->results[4] == 0 && seen->joined == 0,
              "pool_close(), pool_terminate() on the closed pool, then pool_join() gave %d, "
              "%ld, %d, not 0, 0, 0: terminate is refused only after join",
              seen->closed, seen->results[4], seen->joined);
    cr_assert(seen->results[0] == -1,
              "a second pool_close() returned %ld: close works only on a running pool, "
              "else -1 (it must not send a second round of sentinels). Python's second "
              "close() is silently accepted; this contract says -1",
              seen->results[0]);
    cr_assert(seen->results[1] == -1,
              "pool_terminate() after pool_join() returned %ld, not -1: the workers were reaped, "
              "and their pids may already belong to other processes, which kill() would hit. "
              "Refuse terminate once the state is POOL_JOINED",
              seen->results[1]);
}

/* ---- chunk sizes: the default, an explicit one, the POOL_MAX_CHUNK cap ----
 * Pool of 2. Item 0 (first of chunk 0) is held until item c, the first of
 * the next chunk if chunks have c items, has started in another worker.
 * So right code runs items 0..c-1 in one worker and item c in the other,
 * on every run; a chunk of another size shows as a different split. */

enum { PROBE_N = 600, PROBE_HOLD_MS = 1000 };

struct chunk_probe {
    int c;                /* expected size of the first chunk */
    pid_t pid[PROBE_N];   /* who ran item i (0: not run) */
    int started_in_hold;  /* the first item, other than 0, that started while 0 was held */
    bool held_in_vain;    /* item c never started while 0 was held */
};
static struct chunk_probe *probe;

static long probe_item(long x)
{
    if (x < 0 || x >= PROBE_N) return -1;
    __atomic_store_n(&probe->pid[x], getpid(), __ATOMIC_SEQ_CST);
    if (x == 0) {
        double limit = now_ms() + PROBE_HOLD_MS;
        while (!__atomic_load_n(&probe->pid[probe->c], __ATOMIC_SEQ_CST) && now_ms() < limit)
            sleep_ms(1);
        probe->held_in_vain = !__atomic_load_n(&probe->pid[probe->c], __ATOMIC_SEQ_CST);
        for (int i = 1; i < PROBE_N && !probe->started_in_hold; i++)
            if (__atomic_load_n(&probe->pid[i], __ATOMIC_SEQ_CST) &&
                __atomic_load_n(&probe->pid[i], __ATOMIC_SEQ_CST) != getpid())
                probe->started_in_hold = i;
    }
    return 1000 + x;
}

struct probe_case {
    int n, chunksize, c;
    const char *why;
};
static const struct probe_case probe_cases[3] = {
    {20, 0, 3, "chunksize 0 means the default ceil(n / (4 * nworkers)) = ceil(20 / 8) = 3"},
    {10, 4, 4, "the chunksize given"},
    {600, 1000, POOL_MAX_CHUNK, "chunksize 1000 is capped at POOL_MAX_CHUNK = 510"},
};

struct probe_result {
    int mapped, missing;
    struct chunk_probe seen;
};
static struct probe_result *probe_results;

static void call_chunk_probe(void *shared)
{
    struct seen *s = shared;
    struct pool p;
    s->created = pool_create(&p, 2);
    if (s->created != 0) return;
    static long args[PROBE_N], results[PROBE_N];
    for (int i = 0; i < PROBE_N; i++)
        args[i] = i;
    for (int k = 0; k < 3; k++) {
        const struct probe_case *pc = &probe_cases[k];
        memset(probe, 0, sizeof *probe);
        probe->c = pc->c;
        fill(results, PROBE_N);
        probe_results[k].mapped = pool_map(&p, probe_item, args, results, pc->n, pc->chunksize);
        for (int i = 0; i < pc->n; i++)
            probe_results[k].missing += results[i] != 1000 + i;
        probe_results[k].seen = *probe;
        s->started = k + 1;
    }
}

Test(pool, map_chunk_sizes_as_promised)
{
    seen = shared_alloc(sizeof *seen);
    probe = shared_alloc(sizeof *probe);
    probe_results = shared_alloc(3 * sizeof *probe_results);
    struct sandbox r = sandbox_run(call_chunk_probe, seen, 6000);
    sandbox_assert_returned(&r, "pool_map() with chunksize 0, 4 and 100");
    assert_created("this check");
    for (int k = 0; k < 3; k++) {
        const struct probe_case *pc = &probe_cases[k];
        const struct probe_result *pr = &probe_results[k];
        const struct chunk_probe *cp = &pr->seen;
        cr_assert(pr->mapped == 0 && pr->missing == 0,
                  "pool_map(n = %d, chunksize = %d) on 2 workers returned %d with %d of %d "
                  "results wrong or missing (%s: count the chunks after fixing chunksize)",
                  pc->n, pc->chunksize, pr->mapped, pr->missing, pc->n, pc->why);
        int split = 0;
        for (int i = 1; i < pc->c && !split; i++)
            if (cp->pid[i] != cp->pid[0]) split = i;
        cr_assert(split == 0,
                  "pool_map(n = %d, chunksize = %d) ran items 0 and %d in different workers "
                  "although item 0 was held until item %d started: the first chunk ended "
                  "before item %d, so it had fewer than %d items (%s)",
                  pc->n, pc->chunksize, split, pc->c, split, pc->c, pc->why);
        cr_assert(!cp->held_in_vain || cp->started_in_hold != 0,
                  "pool_map(n = %d, chunksize = %d): while item 0 was held for %d ms, no other "
                  "item started in the second worker: the workers never ran two chunks at "
                  "once. Keep several chunks in flight (send up to 2 * nworkers before "
                  "reading a result)",
                  pc->n, pc->chunksize, PROBE_HOLD_MS);
        cr_assert(!cp->held_in_vain,
                  "pool_map(n = %d, chunksize = %d): the second worker's first item was item "
                  "%d, not %d: the first chunk had more than %d items (%s)",
                  pc->n, pc->chunksize, cp->started_in_hold, pc->c, pc->c, pc->why);
    }
}
