/* Lab 13 checks: a bounded queue shared by processes. */
#include "check.h"
#include "queue.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(queue, .timeout = CHECK_SUITE_TIMEOUT);

/* What a body saw, in shared memory. */
struct seen {
    int created;
    int st[16];      /* statuses returned, in call order */
    size_t len[16];  /* lengths got */
    int same[16];    /* the bytes got equal the bytes put */
    int n[16];       /* qsize/empty/full answers */
    double ms[4];    /* how long calls took */
    int child_st[4]; /* statuses seen in a child */
    int child_ok;    /* a child ran to its end */
    struct queue_watch watch; /* what slot_write/slot_read saw, when watched */
};

static struct seen *seen;

/* ---- put and get in one process ------------------------------------------ */

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

static void fifo_body(void *shared)
{
    struct seen *s = shared;
    s->n[0] = queue_create(0) == NULL;
    s->n[1] = queue_create(-3) == NULL;
    s->n[2] = queue_create(QUEUE_MAXSIZE_MAX + 1) == NULL;
    struct queue *q = queue_create(4);
    s->created = q != NULL;
    if (!q)
        return;
    unsigned char big[QUEUE_ITEM_MAX + 1], buf[QUEUE_ITEM_MAX];
    for (int i = 0; i <= QUEUE_ITEM_MAX; i++)
        big[i] = (unsigned char)(i * 7 + 1);
    const void *items[3] = {"first", "", big};
    size_t lens[3] = {5, 0, QUEUE_ITEM_MAX};
    for (int i = 0; i < 3; i++)
        s->st[i] = queue_put(q, items[i], lens[i], true, QUEUE_FOREVER);
    s->n[3] = queue_full(q); /* 3 of 4: not full */
    s->st[3] = queue_put(q, big, QUEUE_ITEM_MAX + 1, true, QUEUE_FOREVER);
    s->n[4] = queue_full(q); /* a refused put changes nothing */
    s->st[7] = queue_put_nowait(q, "last", 4);
    int before = count_maps();
    struct queue *d = queue_create(64);
    s->n[6] = d != NULL;
    queue_destroy(d);
    s->n[5] = count_maps() - before; /* mappings queue_create/queue_destroy left */
    s->n[7] = before >= 0;
    for (int i = 0; i < 3; i++) {
        s->len[i] = 999;
        s->st[4 + i] = queue_get(q, buf, &s->len[i], true, 1000);
        s->same[i] = s->len[i] == lens[i] && memcmp(buf, items[i], lens[i]) == 0;
    }
}

Test(queue, put_get_fifo_order)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(fifo_body, seen, 2000);
    sandbox_assert_returned(&r, "queue_create/queue_put/queue_get");
    cr_assert(seen->created, "queue_create(4) returned NULL: allocate the queue and return it");
    cr_assert(seen->n[0],
              "queue_create(0) returned a queue, not NULL. In Python Queue(maxsize=0) has no "
              "limit; here every queue has maxsize slots made at once, so there is no unbounded "
              "queue and 0 is refused like any maxsize outside 1 to QUEUE_MAXSIZE_MAX");
    cr_assert(seen->n[0] && seen->n[1] && seen->n[2],
              "queue_create(0), (-3) or (%d) did not return NULL: refuse a maxsize outside 1 to "
              "QUEUE_MAXSIZE_MAX",
              QUEUE_MAXSIZE_MAX + 1);
    const char *what[3] = {"\"first\" (5 bytes)", "an empty item (0 bytes)",
                           "an item of QUEUE_ITEM_MAX bytes"};
    cr_assert(seen->st[2] != Q_TOOBIG,
              "putting an item of exactly QUEUE_ITEM_MAX (%d) bytes gave Q_TOOBIG: it fits a "
              "slot. Only len > QUEUE_ITEM_MAX is too big (an off-by-one: > not >=)",
              QUEUE_ITEM_MAX);
    for (int i = 0; i < 3; i++)
        cr_assert(seen->st[i] == Q_OK, "putting %s into an empty queue of 4 gave %s, not Q_OK",
                  what[i], queue_status_name(seen->st[i]));
    cr_assert(seen->st[3] == Q_TOOBIG,
              "putting QUEUE_ITEM_MAX+1 bytes gave %s: an item that does not fit a slot must be "
              "refused with Q_TOOBIG",
              queue_status_name(seen->st[3]));
    cr_assert(seen->n[3] || !seen->n[4],
              "a queue of 4 holding 3 items was not full; after a put of QUEUE_ITEM_MAX+1 "
              "bytes was refused with Q_TOOBIG it was full (and put_nowait of a 4th item gave "
              "%s): the refused put took a free slot and kept it. The contract: a refused put "
              "changes nothing. Test len before you take a slot (sem_wait/sem_trywait on slots)",
              queue_status_name(seen->st[7]));
    cr_assert(seen->st[7] == Q_OK,
              "put_nowait of a 4th item into a queue of 4 holding 3 gave %s, not Q_OK",
              queue_status_name(seen->st[7]));
    cr_assert(!seen->n[7] || !seen->n[6] || seen->n[5] <= 0,
              "after queue_create(64) and queue_destroy() the process had %d more memory "
              "mapping(s) than before: the queue was not freed. queue_destroy must "
              "shared_free the same size queue_create allocated (header and maxsize slots)",
              seen->n[5]);
    for (int i = 0; i < 3; i++) {
        cr_assert(seen->st[4 + i] == Q_OK, "get number %d gave %s with 3 items queued", i + 1,
                  queue_status_name(seen->st[4 + i]));
        cr_assert(seen->same[i],
                  "get number %d returned %zu bytes that are not %s, the item put number %d: "
                  "items must come out whole and first in, first out (head for get, tail for "
                  "put, both moving forward)",
                  i + 1, seen->len[i], what[i], i + 1);
    }
}

/* ---- nowait ----------------------------------------------------------------- */

static void get_nowait_body(void *shared)
{
    struct seen *s = shared;
    struct queue *q = queue_create(2);
    s->created = q != NULL;
    if (!q)
        return;
    char buf[QUEUE_ITEM_MAX];
    size_t len;
    double t = now_ms();
    s->st[0] = queue_get_nowait(q, buf, &len);
    s->st[1] = queue_get(q, buf, &len, false, 5000); /* block false: the timeout is ignored */
    s->ms[0] = now_ms() - t;
}

static void put_nowait_body(void *shared)
{
    struct seen *s = shared;
    struct queue *q = queue_create(2);
    s->created = q != NULL;
    if (!q)
        return;
    char buf[QUEUE_ITEM_MAX];
    size_t len;
    errno = EINTR; /* left over from some earlier call: it must not matter */
    s->st[4] = queue_put_nowait(q, "0", 1);
    errno = EINTR;
    s->st[5] = queue_get_nowait(q, buf, &len);
    s->n[1] = 1; /* the blocking puts begin */
    s->st[0] = queue_put(q, "a", 1, true, QUEUE_FOREVER);
    s->n[2] = 1;
    s->st[1] = queue_put(q, "b", 1, true, QUEUE_FOREVER);
    s->n[0] = 1; /* the queue is full now */
    double t = now_ms();
    s->st[2] = queue_put_nowait(q, "c", 1);
    s->st[3] = queue_put(q, "d", 1, false, 5000);
    s->ms[0] = now_ms() - t;
}

Test(queue, nowait_fails_at_once)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(get_nowait_body, seen, 1500);
    cr_assert(!r.timed_out || !seen->created,
              "get_nowait() on an empty queue did not return (killed after 1500 ms): a nowait "
              "call must never block: use sem_trywait and return Q_EMPTY when it fails");
    sandbox_assert_returned(&r, "queue_get_nowait()");
    cr_assert(seen->created, "queue_create(2) returned NULL: write queue_create() first (step 1)");
    cr_assert(seen->st[0] == Q_EMPTY && seen->st[1] == Q_EMPTY,
              "on an empty queue get_nowait() gave %s and get(block=false, 5000 ms) gave %s, "
              "not Q_EMPTY",
              queue_status_name(seen->st[0]), queue_status_name(seen->st[1]));
    cr_assert(seen->ms[0] < 500,
              "get_nowait() and get(block=false) on an empty queue took %.0f ms: without block "
              "they must fail at once (the timeout only counts when block is true)",
              seen->ms[0]);

    memset(seen, 0, sizeof *seen);
    r = sandbox_run(put_nowait_body, seen, 1500);
    cr_assert(!r.timed_out || !seen->n[0],
              "put_nowait() on a full queue blocked (killed after 1500 ms): a nowait call must "
              "never block: take the slot with sem_trywait and return Q_FULL when it fails");
    cr_assert(!r.timed_out || !seen->n[1],
              "queue_put(block=true) of item %d into an empty queue of 2 never returned "
              "(killed after 1500 ms): the queue of maxsize 2 had room for %d item%s only. Is "
              "the semaphore of free slots started at maxsize?",
              seen->n[2] ? 2 : 1, seen->n[2] ? 1 : 0, seen->n[2] ? "" : "s");
    sandbox_assert_returned(&r, "queue_put_nowait()");
    cr_assert(seen->st[4] == Q_OK && seen->st[5] == Q_OK,
              "with errno set to EINTR before the call (as an earlier interrupted call leaves "
              "it), put_nowait() into an empty queue of 2 gave %s and get_nowait() of that item "
              "gave %s, not Q_OK: look at errno only after sem_trywait returned -1",
              queue_status_name(seen->st[4]), queue_status_name(seen->st[5]));
    cr_assert(seen->st[0] == Q_OK && seen->st[1] == Q_OK,
              "two puts into an empty queue of 2 gave %s and %s", queue_status_name(seen->st[0]),
              queue_status_name(seen->st[1]));
    cr_assert(seen->st[2] == Q_FULL && seen->st[3] == Q_FULL,
              "on a full queue put_nowait() gave %s and put(block=false, 5000 ms) gave %s, not "
              "Q_FULL",
              queue_status_name(seen->st[2]), queue_status_name(seen->st[3]));
    cr_assert(seen->ms[0] < 500,
              "put_nowait() and put(block=false) on a full queue took %.0f ms: without block "
              "they must fail at once",
              seen->ms[0]);
}

/* ---- timeouts ------------------------------------------------------------------ */

static void timeout_body(void *shared)
{
    struct seen *s = shared;
    struct queue *q = queue_create(1);
    s->created = q != NULL;
    if (!q)
        return;
    char buf[QUEUE_ITEM_MAX];
    size_t len;
    /* Timeout 0 with block true (Python's get(True, 0)): give up at once. In
     * a child, so that a call that blocks for ever is bounded. */
    pid_t zero = fork();
    if (zero == 0) {
        double t0 = now_ms();
        s->st[7] = queue_get(q, buf, &len, true, 0);
        s->n[4] = (int)(now_ms() - t0);
        s->n[6] = 1; /* the get returned */
        queue_put(q, "z", 1, false, 0);
        t0 = now_ms();
        s->st[8] = queue_put(q, "z", 1, true, 0);
        s->n[5] = (int)(now_ms() - t0);
        s->n[3] = 1; /* both returned */
        _exit(0);
    }
    for (double end = now_ms() + 700; zero > 0 && waitpid(zero, NULL, WNOHANG) == 0;) {
        if (now_ms() > end) {
            kill(zero, SIGKILL);
            waitpid(zero, NULL, 0);
            break;
        }
        sleep_ms(1);
    }
    while (queue_get_nowait(q, buf, &len) == Q_OK)
        ;
    /* 1 ms first: a timeout read as seconds then shows as about a second. */
    double t = now_ms();
    s->st[4] = queue_get(q, buf, &len, true, 1);
    s->ms[2] = now_ms() - t;
    s->n[1] = 1;
    /* No timeout: woken by a child's put once this process sleeps. */
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        for (double end = now_ms() + 1000; now_ms() < end && process_state(parent, NULL) != 'S';)
            sleep_ms(1);
        queue_put(q, "w", 1, true, 1000);
        _exit(0);
    }
    s->st[5] = queue_get(q, buf, &len, true, QUEUE_FOREVER);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    s->n[2] = 1;
    /* 1000 ms, woken by a put: now's nanoseconds plus 10^9 always carry into
     * the seconds, so a deadline that is not carried is always invalid. */
    pid = fork();
    if (pid == 0) {
        for (double end = now_ms() + 1000; now_ms() < end && process_state(parent, NULL) != 'S';)
            sleep_ms(1);
        sleep_ms(20);
        queue_put(q, "v", 1, true, 1000);
        _exit(0);
    }
    t = now_ms();
    s->st[6] = queue_get(q, buf, &len, true, 1000);
    s->ms[3] = now_ms() - t;
    if (pid > 0)
        waitpid(pid, NULL, 0);
    /* An item left by a 1000 ms get that gave up too soon is not the
     * 100 ms get's business. */
    while (queue_get_nowait(q, buf, &len) == Q_OK)
        ;
    /* 100 ms, started early in a second of the monotonic clock: now's
     * nanoseconds plus 10^8 never carry, so a deadline that is not carried
     * is still right here, and an early return is another mistake. */
    for (double end = now_ms() + 1100; now_ms() < end;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_nsec >= 100000000 && now.tv_nsec < 500000000)
            break;
        sleep_ms(now.tv_nsec < 100000000 ? 1 + (100000000 - now.tv_nsec) / 1000000
                                         : 1 + (1100000000 - now.tv_nsec) / 1000000);
    }
    t = now_ms();
    s->st[0] = queue_get(q, buf, &len, true, 100);
    s->ms[0] = now_ms() - t;
    s->n[0] = 1; /* the get returned */
    s->st[1] = queue_put(q, "x", 1, true, 100);
    t = now_ms();
    s->st[2] = queue_put(q, "y", 1, true, 100);
    s->ms[1] = now_ms() - t;
}

Test(queue, timeout_is_honoured)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(timeout_body, seen, 3000);
    cr_assert(!r.timed_out || !seen->created || seen->n[1],
              "get(block=true, timeout 1 ms) on an empty queue had not returned after 3000 ms "
              "(killed). The contract: wait at most timeout_ms milliseconds, then Q_EMPTY. "
              "Either the timeout is not used (a plain sem_wait) or the deadline is far off "
              "(a wrong unit, or a deadline on another clock than the one sem_clockwait is "
              "given). See it yourself: queue_create(1), then queue_get(q, buf, &len, true, 1)");
    cr_assert(!(seen->n[1] && seen->ms[2] >= 500),
              "get(block=true, timeout 1 ms) on an empty queue returned after %.0f ms, about "
              "1000 times the timeout: timeout_ms was taken as seconds. It is milliseconds: "
              "the deadline is now + timeout_ms * 1000000 ns",
              seen->ms[2]);
    cr_assert(!r.timed_out || !seen->created || seen->n[2],
              "get(block=true, QUEUE_FOREVER) on an empty queue was not woken by another "
              "process's put (killed after 3000 ms)");
    cr_assert(!r.timed_out || !seen->created,
              "%s did not return within 3000 ms, although a 1 ms timeout worked: a deadline "
              "that grows with timeout_ms far too fast (check the unit: milliseconds)",
              seen->n[0] ? _("put(block=true, timeout 100 ms) on a full queue")
                         : _("get(block=true, timeout 100 ms) on an empty queue"));
    sandbox_assert_returned(&r, "queue_get/queue_put with a timeout");
    cr_assert(seen->created, "queue_create(1) returned NULL: write queue_create() first (step 1)");
    cr_assert(seen->n[3] && seen->n[4] < 300 && seen->n[5] < 300,
              "%s had not returned after %d ms: a timeout of 0 with block true means do not "
              "wait (Python: get(True, 0) raises Empty at once); only QUEUE_FOREVER (a "
              "negative timeout) waits without limit. Test timeout_ms < 0 for the plain "
              "sem_wait, not timeout_ms <= 0",
              seen->n[6] ? _("put(block=true, timeout 0 ms) on a full queue")
                         : _("get(block=true, timeout 0 ms) on an empty queue"),
              seen->n[3] ? (seen->n[4] > seen->n[5] ? seen->n[4] : seen->n[5]) : 700);
    cr_assert(seen->st[7] == Q_EMPTY && seen->st[8] == Q_FULL,
              "get(block=true, timeout 0 ms) on an empty queue gave %s and put(block=true, "
              "timeout 0 ms) on a full one gave %s: expected Q_EMPTY and Q_FULL",
              queue_status_name(seen->st[7]), queue_status_name(seen->st[8]));
    cr_assert(seen->st[4] == Q_EMPTY && seen->st[0] == Q_EMPTY,
              "get(block=true, timeout 1 ms) and (timeout 100 ms) on an empty queue gave %s and "
              "%s, not Q_EMPTY",
              queue_status_name(seen->st[4]), queue_status_name(seen->st[0]));
    cr_assert(seen->st[6] == Q_OK || seen->ms[3] >= 900 || seen->ms[0] < 80,
              "get(block=true, timeout 1000 ms) on an empty queue gave %s after %.0f ms, "
              "although another process put an item during the wait, while a 100 ms timeout "
              "worked: a deadline whose nanoseconds reach 10^9 is invalid (sem_clockwait fails "
              "at once with EINVAL). Carry: tv_sec += ns / 1000000000, tv_nsec = ns %% "
              "1000000000",
              queue_status_name(seen->st[6]), seen->ms[3]);
    cr_assert(seen->ms[0] >= 80 || seen->st[5] != Q_OK,
              "get(block=true, timeout 100 ms) on an empty queue gave up after %.0f ms, while "
              "get(block=true, QUEUE_FOREVER) did wait: the deadline was already past when the "
              "wait began. sem_clockwait takes an absolute time: now on the same clock "
              "(clock_gettime(CLOCK_MONOTONIC)) plus timeout_ms, not the timeout alone",
              seen->ms[0]);
    cr_assert(seen->ms[0] >= 80,
              "get(block=true, timeout 100 ms) on an empty queue gave up after %.0f ms and "
              "get(block=true, QUEUE_FOREVER) gave %s: with block true the call must wait "
              "(for the timeout, or without limit)",
              seen->ms[0], queue_status_name(seen->st[5]));
    cr_assert(seen->ms[0] < 1500,
              "get(block=true, timeout 100 ms) on an empty queue returned after %.0f ms, not "
              "after about 100 ms: the deadline is too far (check the unit: milliseconds)",
              seen->ms[0]);
    cr_assert(seen->st[6] == Q_OK,
              "get(block=true, timeout 1000 ms) on an empty queue gave %s after %.0f ms, "
              "although another process put an item during the wait",
              queue_status_name(seen->st[6]), seen->ms[3]);
    cr_assert(seen->st[1] == Q_OK && seen->st[2] == Q_FULL,
              "on a queue of 1, put(timeout 100 ms) gave %s then %s: expected Q_OK then Q_FULL",
              queue_status_name(seen->st[1]), queue_status_name(seen->st[2]));
    cr_assert(seen->ms[1] >= 80 && seen->ms[1] < 1500,
              "put(block=true, timeout 100 ms) on a full queue returned after %.0f ms, not after "
              "about 100 ms",
              seen->ms[1]);
}

/* ---- a signal during a wait ------------------------------------------------------ */

static struct seen *sig_seen;

static void on_usr1(int sig)
{
    (void)sig;
    __atomic_add_fetch(&sig_seen->n[8], 1, __ATOMIC_SEQ_CST);
}

static void signal_body(void *shared)
{
    struct seen *s = shared;
    sig_seen = s;
    struct queue *q = queue_create(1);
    s->created = q != NULL;
    if (!q)
        return;
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1; /* a handler, no SA_RESTART: sem_*wait return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    char buf[QUEUE_ITEM_MAX];
    size_t len;
    double t = now_ms();
    s->st[0] = queue_get(q, buf, &len, true, 100); /* no signal yet */
    s->ms[0] = now_ms() - t;
    s->n[9] = 1;
    pid_t parent = getpid();
    pid_t pest = fork();
    if (pest == 0) { /* a signal every 2 ms, until told to stop */
        for (double end = now_ms() + 6000;
             now_ms() < end && !__atomic_load_n(&s->n[10], __ATOMIC_SEQ_CST);) {
            kill(parent, SIGUSR1);
            sleep_ms(2);
        }
        _exit(0);
    }
    pid_t putter = fork();
    if (putter == 0) { /* the item comes only after 5 signals hit the wait */
        for (double end = now_ms() + 2000;
             now_ms() < end && __atomic_load_n(&s->n[8], __ATOMIC_SEQ_CST) < 5;)
            sleep_ms(1);
        queue_put(q, "s", 1, true, 1000);
        _exit(0);
    }
    s->st[1] = queue_get(q, buf, &len, true, QUEUE_FOREVER);
    s->n[11] = __atomic_load_n(&s->n[8], __ATOMIC_SEQ_CST);
    s->n[9] = 2;
    if (putter > 0)
        waitpid(putter, NULL, 0);
    int before = __atomic_load_n(&s->n[8], __ATOMIC_SEQ_CST);
    t = now_ms();
    s->st[2] = queue_get(q, buf, &len, true, 200);
    s->ms[1] = now_ms() - t;
    s->n[12] = __atomic_load_n(&s->n[8], __ATOMIC_SEQ_CST) - before;
    s->n[9] = 3;
    /* A timed wait that an item ends, after signals hit it. */
    int base = __atomic_load_n(&s->n[8], __ATOMIC_SEQ_CST);
    putter = fork();
    if (putter == 0) {
        for (double end = now_ms() + 2000;
             now_ms() < end && __atomic_load_n(&s->n[8], __ATOMIC_SEQ_CST) < base + 5;)
            sleep_ms(1);
        queue_put(q, "t", 1, true, 1000);
        _exit(0);
    }
    s->st[3] = queue_get(q, buf, &len, true, 1500);
    s->n[13] = __atomic_load_n(&s->n[8], __ATOMIC_SEQ_CST) - base;
    if (putter > 0)
        waitpid(putter, NULL, 0);
    s->n[9] = 4;
    __atomic_store_n(&s->n[10], 1, __ATOMIC_SEQ_CST);
    if (pest > 0)
        waitpid(pest, NULL, 0);
}

Test(queue, signal_does_not_cut_a_wait)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(signal_body, seen, 3000);
    cr_assert(!r.timed_out || !seen->created || seen->n[9] >= 1,
              "get(block=true, timeout 100 ms) on an empty queue did not return (see "
              "timeout_is_honoured)");
    cr_assert(!r.timed_out || !seen->created || seen->n[9] >= 2,
              "get(block=true, QUEUE_FOREVER) on an empty queue, hit by a signal every 2 ms, "
              "was not woken by another process's put (killed after 3000 ms)");
    cr_assert(!r.timed_out || !seen->created,
              "get(block=true, timeout 200 ms) on an empty queue, hit by a signal every 2 ms, "
              "had not returned after 3000 ms, although without signals a 100 ms timeout "
              "returned after %.0f ms: every signal started the timeout again. Make the "
              "deadline once, before the wait, and retry sem_clockwait on EINTR with that same "
              "deadline",
              seen->ms[0]);
    sandbox_assert_returned(&r, "queue_get() while signals arrive");
    cr_assert(seen->created, "queue_create(1) returned NULL: write queue_create() first (step 1)");
    cr_assert(seen->ms[0] >= 80 && seen->ms[0] < 1500,
              "before any signal was sent, get(block=true, timeout 100 ms) on an empty queue "
              "returned after %.0f ms: the timeout itself is wrong (see timeout_is_honoured). "
              "Fix that first: it also explains this check",
              seen->ms[0]);
    cr_assert(seen->st[1] == Q_OK,
              "get(block=true, QUEUE_FOREVER) on an empty queue gave %s after %d signal(s) hit "
              "the wait, before any item came: a signal ended the wait. When a signal handler "
              "runs, sem_wait and sem_clockwait return -1 with errno EINTR, which is neither an "
              "item nor a timeout: retry them while errno is EINTR",
              queue_status_name(seen->st[1]), seen->n[11]);
    cr_assert(seen->st[2] == Q_EMPTY && seen->ms[1] >= 180,
              "get(block=true, timeout 200 ms) on an empty queue gave %s after %.0f ms, with %d "
              "signal(s) during the wait: a signal ended the wait before its deadline. Retry "
              "sem_clockwait while errno is EINTR (with the same deadline)",
              queue_status_name(seen->st[2]), seen->ms[1], seen->n[12]);
    cr_assert(seen->ms[1] < 1500,
              "get(block=true, timeout 200 ms) on an empty queue returned after %.0f ms, with %d "
              "signal(s) during the wait: every signal started the timeout again, and the wait "
              "ended only when the signals left a 200 ms gap (a busy machine). Make the deadline "
              "once, before the wait, and retry sem_clockwait on EINTR with that same deadline",
              seen->ms[1], seen->n[12]);
    cr_assert(seen->st[3] == Q_OK,
              "get(block=true, timeout 1500 ms) on an empty queue gave %s, although another "
              "process put an item during the wait, after %d signal(s) had hit it: once "
              "sem_clockwait returns 0 the unit is taken, whatever errno still says; retry only "
              "when it returned -1 with EINTR",
              queue_status_name(seen->st[3]), seen->n[13]);
}

/* ---- qsize, empty, full ------------------------------------------------------------ */

static void sizes_body(void *shared)
{
    struct seen *s = shared;
    struct queue *q = queue_create(2);
    s->created = q != NULL;
    if (!q)
        return;
    char buf[QUEUE_ITEM_MAX];
    size_t len;
    int k = 0;
#define LOOK()                                                                                     \
    do {                                                                                           \
        s->n[k++] = queue_qsize(q);                                                                \
        s->n[k++] = queue_empty(q);                                                                \
        s->n[k++] = queue_full(q);                                                                 \
    } while (0)
    LOOK();
    queue_put(q, "a", 1, true, QUEUE_FOREVER);
    LOOK();
    queue_put(q, "b", 1, true, QUEUE_FOREVER);
    LOOK();
    queue_get(q, buf, &len, true, 1000);
    LOOK();
    queue_get(q, buf, &len, true, 1000);
    LOOK();
#undef LOOK
}

Test(queue, qsize_empty_full)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(sizes_body, seen, 2000);
    sandbox_assert_returned(&r, "queue_qsize/queue_empty/queue_full");
    cr_assert(seen->created, "queue_create(2) returned NULL: write queue_create() first (step 1)");
    static const int want[5][3] = {{0, 1, 0}, {1, 0, 0}, {2, 0, 1}, {1, 0, 0}, {0, 1, 0}};
    static const char *when[5] = {"new", "after one put", "after two puts", "after a get",
                                  "after two gets"};
    for (int i = 0; i < 5; i++) {
        const int *got = &seen->n[3 * i];
        cr_assert(got[0] == want[i][0],
                  "queue_qsize() of a queue of 2 %s is %d, not %d: count the items in the "
                  "queue (the items semaphore), not the free slots",
                  when[i], got[0], want[i][0]);
        cr_assert(got[1] == want[i][1] && got[2] == want[i][2],
                  "a queue of 2 %s (qsize %d): empty() is %s and full() is %s; expected %s and "
                  "%s",
                  when[i], want[i][0], got[1] ? "true" : "false", got[2] ? "true" : "false",
                  want[i][1] ? "true" : "false", want[i][2] ? "true" : "false");
    }
}

/* ---- close ------------------------------------------------------------------------ */

static void close_body(void *shared)
{
    struct seen *s = shared;
    struct queue *q = queue_create(4);
    s->created = q != NULL;
    if (!q)
        return;
    char buf[QUEUE_ITEM_MAX];
    size_t len;
    s->st[0] = queue_put(q, "a", 1, true, QUEUE_FOREVER);
    s->st[1] = queue_put(q, "b", 1, true, QUEUE_FOREVER);
    pid_t pid = fork();
    if (pid == 0) {
        /* A process forked before the close: it must see the close too. */
        while (!__atomic_load_n(&s->n[0], __ATOMIC_SEQ_CST))
            sleep_ms(1);
        s->child_st[0] = queue_put(q, "c", 1, false, 0);
        s->child_st[1] = queue_get(q, buf, &len, false, 0);
        s->child_ok = 1;
        _exit(0);
    }
    queue_close(q);
    __atomic_store_n(&s->n[0], 1, __ATOMIC_SEQ_CST);
    s->st[2] = queue_put(q, "d", 1, true, QUEUE_FOREVER);
    s->st[3] = queue_get(q, buf, &len, true, 1000);
    s->st[4] = queue_put_nowait(q, "e", 1);
    s->st[5] = queue_get_nowait(q, buf, &len);
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

Test(queue, close_rejects_put_and_get)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(close_body, seen, 2000);
    sandbox_assert_returned(&r, "queue_close() then put/get");
    cr_assert(seen->created, "queue_create(4) returned NULL: write queue_create() first (step 1)");
    cr_assert(seen->st[2] == Q_CLOSED && seen->st[4] == Q_CLOSED,
              "after queue_close(), put gave %s and put_nowait gave %s, not Q_CLOSED: check the "
              "closed flag first thing in put",
              queue_status_name(seen->st[2]), queue_status_name(seen->st[4]));
    cr_assert(seen->st[3] == Q_CLOSED && seen->st[5] == Q_CLOSED,
              "after queue_close(), get gave %s and get_nowait gave %s, not Q_CLOSED, although "
              "2 items were still queued: a closed queue refuses gets too, so check the closed "
              "flag in get as well",
              queue_status_name(seen->st[3]), queue_status_name(seen->st[5]));
    cr_assert(seen->child_ok, "the child forked before queue_close() did not finish");
    cr_assert(seen->child_st[0] == Q_CLOSED && seen->child_st[1] == Q_CLOSED,
              "after the parent's queue_close(), a child forked before it got %s from put and "
              "%s from get, while the parent's own calls gave Q_CLOSED: the close was seen only "
              "in the process that called it. The contract: every later put and get, in every "
              "process, is refused. Keep the flag in the shared queue (q->closed), not in a "
              "variable of your own",
              queue_status_name(seen->child_st[0]), queue_status_name(seen->child_st[1]));
}

/* ---- processes ------------------------------------------------------------------------ */

static void shared_body(void *shared)
{
    struct seen *s = shared;
    struct queue *q = queue_create(4);
    s->created = q != NULL;
    if (!q)
        return;
    /* A child puts three items and exits; the parent takes them. */
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 3; i++)
            s->child_st[i] = queue_put(q, "abc" + i, 1, true, 1000);
        s->child_ok = 1;
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    char buf[QUEUE_ITEM_MAX];
    for (int i = 0; i < 3; i++) {
        s->st[i] = queue_get(q, buf, &s->len[i], true, 500);
        s->same[i] = s->st[i] == Q_OK && s->len[i] == 1 && buf[0] == "abc"[i];
    }
    /* A child blocked in get is woken by the parent's put. */
    pid = fork();
    if (pid == 0) {
        size_t len;
        s->child_st[3] = queue_get(q, buf, &len, true, 1000);
        s->same[3] = s->child_st[3] == Q_OK && len == 1 && buf[0] == 'z';
        _exit(0);
    }
    s->st[3] = queue_put(q, "z", 1, true, 1000);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    /* A getter asleep in get is told of an item only once its copy is done:
     * the watched slot_write() notes a getter woken before or during it. */
    static const char item[] = "0123456789abcdef";
    queue_watch = &s->watch;
    pid = fork();
    if (pid == 0) {
        size_t len;
        s->child_st[2] = queue_get(q, buf, &len, true, QUEUE_FOREVER);
        s->same[4] = s->child_st[2] == Q_OK && len == 16 && !memcmp(buf, item, 16);
        _exit(0);
    }
    int in_a_row = 0; /* asleep on two looks in a row: blocked in get */
    for (double end = now_ms() + 1500; pid > 0 && in_a_row < 2 && now_ms() < end;) {
        char st = process_state(pid, NULL);
        if (st == 0 || st == 'Z')
            break;
        in_a_row = st == 'S' ? in_a_row + 1 : 0;
        sleep_ms(2);
    }
    s->n[7] = in_a_row >= 2;
    if (s->n[7])
        __atomic_store_n(&s->watch.hold_for, pid, __ATOMIC_SEQ_CST);
    s->st[4] = queue_put(q, item, 16, true, 1000);
    __atomic_store_n(&s->watch.hold_for, 0, __ATOMIC_SEQ_CST);
    for (double end = now_ms() + 1500; pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;) {
        if (now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            break;
        }
        sleep_ms(1);
    }
    queue_watch = NULL;
}

Test(queue, queue_shared_across_processes)
{
    seen = shared_alloc(sizeof *seen);
    struct sandbox r = sandbox_run(shared_body, seen, 3000);
    sandbox_assert_returned(&r, "the queue used by two processes");
    cr_assert(seen->created, "queue_create(4) returned NULL: write queue_create() first (step 1)");
    cr_assert(seen->child_ok, "the child that puts 3 items did not finish");
    cr_assert(seen->child_st[0] == Q_OK && seen->child_st[2] == Q_OK,
              "a child's put into an empty queue of 4 gave %s",
              queue_status_name(seen->child_st[0]));
    int got = seen->same[0] + seen->same[1] + seen->same[2];
    cr_assert(got == 3,
              "a child put 3 items and exited, but the parent got only %d of them (get gave %s): "
              "the queue is in private memory, so after fork each process has its own copy. "
              "Allocate it with shared_alloc() (MAP_SHARED), not malloc",
              got, queue_status_name(seen->st[got < 3 ? got : 0]));
    cr_assert(seen->st[3] == Q_OK && seen->same[3],
              "a child blocked in get(timeout 1000 ms) got %s instead of the item the parent put: "
              "the semaphores must be shared across processes (sem_init with pshared = 1, in "
              "shared memory)",
              queue_status_name(seen->child_st[3]));
    cr_assert(!seen->n[7] || seen->st[4] != Q_OK || seen->watch.torn == 0,
              "a child asleep in get() on an empty queue was woken before the parent's put had "
              "finished copying the item into its slot (slot_write() was still running): the "
              "put announced the item (sem_post(&q->items)) before writing it, so a get can "
              "read a slot that is half filled. Post items only after slot_write() and the "
              "move of tail");
    cr_assert(!seen->n[7] || seen->st[4] != Q_OK || seen->same[4],
              "a child asleep in get() on an empty queue got %s instead of the 16-byte item the "
              "parent put",
              queue_status_name(seen->child_st[2]));
}

/* ---- many producers, many consumers --------------------------------------------------- */

enum { NPROD = 4, NCONS = 3, PER = 15, TOTAL = NPROD * PER };

struct mpmc {
    struct queue_watch watch;
    int created;
    int tally[TOTAL]; /* how many times each item was got */
    int garbled;      /* items that were not any item put */
    int put_fail, get_fail;
    int fast_fail; /* failed puts/gets that gave up long before their 1000 ms */
    int put_done;  /* successful puts so far */
};

/* Item i = p*PER+k: "p k " then a pad of a letter, to a length that varies. */
static size_t make_item(int i, char *buf)
{
    int n = snprintf(buf, 16, "%d %d ", i / PER, i % PER);
    size_t len = 24 + (size_t)(i * 37) % (QUEUE_ITEM_MAX - 24);
    memset(buf + n, 'a' + i % 26, len - (size_t)n);
    return len;
}

static int parse_item(const char *buf, size_t len)
{
    char copy[QUEUE_ITEM_MAX], want[QUEUE_ITEM_MAX];
    int p, k;
    memcpy(copy, buf, len < 15 ? len : 15);
    copy[len < 15 ? len : 15] = '\0';
    if (sscanf(copy, "%d %d", &p, &k) != 2 || p < 0 || p >= NPROD || k < 0 || k >= PER)
        return -1;
    int i = p * PER + k;
    if (make_item(i, want) != len || memcmp(want, buf, len) != 0)
        return -1;
    return i;
}

static void mpmc_body(void *shared)
{
    struct mpmc *m = shared;
    queue_watch = &m->watch;
    queue_copy_delay_ms = 20; /* scaled: a slow copy, so that overlaps show */
    struct queue *q = queue_create(8);
    m->created = q != NULL;
    if (!q)
        return;
    int pgate[2], cgate[2];
    Pipe(pgate);
    Pipe(cgate);
    pid_t pids[NPROD + NCONS];
    for (int c = 0; c < NCONS; c++) {
        if ((pids[c] = fork()) == 0) {
            char b;
            close(pgate[1]); /* only the body may hold the write ends */
            close(cgate[1]);
            (void)!read(cgate[0], &b, 1); /* all consumers start together */
            int quota = TOTAL / NCONS;
            for (int k = 0; k < quota; k++) {
                char buf[QUEUE_ITEM_MAX];
                size_t len = 0;
                double t0 = now_ms();
                if (queue_get(q, buf, &len, true, 1000) != Q_OK) {
                    __atomic_add_fetch(&m->get_fail, 1, __ATOMIC_SEQ_CST);
                    if (now_ms() - t0 < 500)
                        __atomic_add_fetch(&m->fast_fail, 1, __ATOMIC_SEQ_CST);
                    break;
                }
                int i = len <= QUEUE_ITEM_MAX ? parse_item(buf, len) : -1;
                if (i < 0)
                    __atomic_add_fetch(&m->garbled, 1, __ATOMIC_SEQ_CST);
                else
                    __atomic_add_fetch(&m->tally[i], 1, __ATOMIC_SEQ_CST);
            }
            _exit(0);
        }
    }
    for (int p = 0; p < NPROD; p++) {
        if ((pids[NCONS + p] = fork()) == 0) {
            char b;
            close(pgate[1]);
            close(cgate[1]);
            (void)!read(pgate[0], &b, 1); /* all producers start together */
            for (int k = 0; k < PER; k++) {
                char buf[QUEUE_ITEM_MAX];
                size_t len = make_item(p * PER + k, buf);
                double t0 = now_ms();
                if (queue_put(q, buf, len, true, 1000) != Q_OK) {
                    __atomic_add_fetch(&m->put_fail, 1, __ATOMIC_SEQ_CST);
                    if (now_ms() - t0 < 500)
                        __atomic_add_fetch(&m->fast_fail, 1, __ATOMIC_SEQ_CST);
                    break;
                }
                __atomic_add_fetch(&m->put_done, 1, __ATOMIC_SEQ_CST);
            }
            _exit(0);
        }
    }
    close(pgate[0]);
    close(cgate[0]);
    close(pgate[1]); /* EOF: the producers go */
    /* Let the queue fill, so that the consumers find several items at once. */
    for (double end = now_ms() + 1000; now_ms() < end && m->put_done < 8 && !m->put_fail;)
        sleep_ms(1);
    close(cgate[1]); /* the consumers go */
    for (int i = 0; i < NPROD + NCONS; i++)
        if (pids[i] > 0)
            waitpid(pids[i], NULL, 0);
}

Test(queue, many_producers_many_consumers_exact)
{
    struct mpmc *m = shared_alloc(sizeof *m);
    struct sandbox r = sandbox_run(mpmc_body, m, 6000);
    sandbox_assert_returned(&r, "4 producers and 3 consumers on one queue");
    cr_assert(m->created, "queue_create(8) returned NULL: write queue_create() first (step 1)");
    int got = m->garbled;
    for (int i = 0; i < TOTAL; i++)
        got += m->tally[i];
    cr_assert(got > 0 || m->put_done == 0,
              "the producers put %d items but the consumers got none of them (%d gets failed "
              "with a 1000 ms timeout): the queue is not shared between processes (see "
              "queue_shared_across_processes)",
              m->put_done, m->get_fail);
    cr_assert(m->watch.max_writers <= 1,
              "%d producers were inside slot_write() at the same time: two producers filled a "
              "slot at once, so items are overwritten and lost. Hold put_lock from reading tail "
              "until tail has moved on (slot_write included)",
              m->watch.max_writers);
    cr_assert(m->watch.max_readers <= 1,
              "%d consumers were inside slot_read() at the same time: two consumers took the "
              "same slot, so items are doubled or skipped. Hold get_lock from reading head "
              "until head has moved on (slot_read included)",
              m->watch.max_readers);
    cr_assert(m->fast_fail == 0,
              "%d of the puts and gets with a 1000 ms timeout gave up long before it (in under "
              "500 ms): the timeout is wrong (see timeout_is_honoured). Fix that first: it "
              "also explains the items this run lost",
              m->fast_fail);
    int lost = 0, doubled = 0;
    for (int i = 0; i < TOTAL; i++) {
        lost += m->tally[i] == 0;
        doubled += m->tally[i] > 1;
    }
    cr_assert(!lost && !doubled && !m->garbled && !m->put_fail && !m->get_fail,
              "4 producers put %d items through a queue of 8 to 3 consumers: %d lost, %d "
              "doubled, %d garbled; %d puts and %d gets failed with a 1000 ms timeout. Every "
              "item must come out exactly once: slots counted by the semaphores, slot and index "
              "changed only under the lock",
              TOTAL, lost, doubled, m->garbled, m->put_fail, m->get_fail);
}

/* ---- a very long timeout waits, as Python's q.put(x, True, 1e10) does ------------ */

struct long_seen {
    int created;
    int get_st, put_st;     /* -1: did not return */
    double get_ms, put_ms;  /* how long each call took */
};

/* queue_get(..., true, 1e13) on an empty queue that a child fills 200 ms
 * later, then queue_put(..., true, 1e13) on a full one that a child empties
 * 200 ms later. 1e13 ms (317 years) in nanoseconds, 1e19, is past what a
 * long long holds. */
static void long_timeout_body(void *shared)
{
    struct long_seen *s = shared;
    s->get_st = s->put_st = -1;
    struct queue *q = queue_create(1);
    s->created = q != NULL;
    if (!q)
        return;
    unsigned char buf[QUEUE_ITEM_MAX];
    size_t len;
    pid_t pid = fork();
    if (pid == 0) {
        sleep_ms(200);
        queue_put(q, "x", 1, true, QUEUE_FOREVER);
        _exit(0);
    }
    double t0 = now_ms();
    s->get_st = queue_get(q, buf, &len, true, 1e13);
    s->get_ms = now_ms() - t0;
    if (pid > 0)
        waitpid(pid, NULL, 0);
    if (s->get_st != Q_OK)
        return;
    queue_put(q, "y", 1, true, QUEUE_FOREVER); /* full now */
    pid = fork();
    if (pid == 0) {
        sleep_ms(200);
        queue_get(q, buf, &len, true, QUEUE_FOREVER);
        _exit(0);
    }
    t0 = now_ms();
    s->put_st = queue_put(q, "z", 1, true, 1e13);
    s->put_ms = now_ms() - t0;
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

Test(queue, long_timeout_waits)
{
    struct long_seen *s = shared_alloc(sizeof *s);
    struct sandbox r = sandbox_run(long_timeout_body, s, 4000);
    sandbox_assert_returned(&r, "queue_get/queue_put with a timeout of 1e13 ms");
    cr_assert(s->created, "queue_create(1) returned NULL: step 1 first");
    cr_assert(s->get_st == Q_OK && s->get_ms < 1500,
              "queue_get(q, buf, &len, true, 1e13) (317 years, Python's q.get(True, 1e10)) "
              "on an empty queue that another process filled 200 ms later gave %s after "
              "%.0f ms: it must wait for the item and return Q_OK. 1e13 ms is 1e19 ns, "
              "more than a long long holds: timeout_ms * 1e6 overflows, the deadline's "
              "tv_nsec comes out negative and sem_clockwait() refuses it at once "
              "(EINVAL). Bound the timeout before converting it: 1e12 ms (31 years) is as "
              "good as for ever",
              queue_status_name(s->get_st), s->get_ms);
    cr_assert(s->put_st == Q_OK && s->put_ms < 1500,
              "queue_put(q, item, 1, true, 1e13) (317 years, Python's q.put(x, True, "
              "1e10)) on a full queue that another process emptied 200 ms later gave %s "
              "after %.0f ms: it must wait for the free slot and return Q_OK. 1e13 ms is "
              "1e19 ns, more than a long long holds: bound the timeout before converting "
              "it (1e12 ms, 31 years, is as good as for ever)",
              queue_status_name(s->put_st), s->put_ms);
}
