/* bench_queue.c - lab 13's Queue(maxsize=1000): 64-byte items from one
 * producer process to one consumer, beside its floor: a single-producer
 * single-consumer ring of 1000 64-byte slots in shared memory, with futex
 * wake-ups only when a side has to sleep (empty or full). On both sides
 * the producer is a process that waits for a step's count on a pipe, and
 * the consumer checks every item (its length and its sequence number).
 * argv[1] places the two processes alike on every side, as bench_conn
 * does: "same" (both on CPU 0) or "cross" (the consumer on CPU 0, the
 * producer on CPU 1). Left to the scheduler, a side's pair may share a CPU
 * in one round and not in the next, and the ring runs four times faster
 * on two CPUs than on one. */
#include "bench.h"
#include "queue.h"

enum { MAXSIZE = 1000, ITEM = 64 };
static int producer_cpu;

/* The producer's item i: the sequence number, then filler. */
static void make_item(unsigned char *it, long i)
{
    memset(it, 'x', ITEM);
    memcpy(it, &i, sizeof i);
}

static void check_item(const unsigned char *it, size_t len, long i)
{
    long seq;
    memcpy(&seq, it, sizeof seq);
    if (len != ITEM || seq != i)
        fatal("item %ld: %zu bytes, sequence %ld", i, len, seq);
}

static double lab(long k)
{
    static struct queue *q;
    static int ctl[2];
    static long next;
    if (!q) {
        if (!(q = queue_create(MAXSIZE)))
            fatal("queue_create(%d) returned NULL", MAXSIZE);
        Pipe(ctl);
        if (Fork() == 0) {
            bench_child();
            bench_pin(producer_cpu);
            unsigned char it[ITEM];
            for (long i = 0;;)
                for (long n = recv_long(ctl[0]); n > 0; n--, i++) {
                    make_item(it, i);
                    if (queue_put(q, it, ITEM, true, QUEUE_FOREVER) != Q_OK)
                        _exit(1);
                }
        }
    }
    unsigned char buf[QUEUE_ITEM_MAX];
    size_t len;
    double t = bench_now();
    send_long(ctl[1], k);
    for (long i = 0; i < k; i++, next++) {
        if (queue_get(q, buf, &len, true, QUEUE_FOREVER) != Q_OK)
            fatal("queue get %ld failed", next);
        check_item(buf, len, next);
    }
    return bench_now() - t;
}

/* The floor. head and tail count items for ever (a step never wraps 2^32). */
struct ring {                           /* each side's words on a cache line of their own */
    _Alignas(64) _Atomic uint32_t head; /* next to get */
    _Atomic uint32_t producer_sleeps;
    _Alignas(64) _Atomic uint32_t tail; /* next to put */
    _Atomic uint32_t consumer_sleeps;
    _Alignas(64) unsigned char slot[MAXSIZE][ITEM];
};

static double ring_floor(long k)
{
    static struct ring *r;
    static int ctl[2];
    static long next;
    if (!r) {
        r = shared_alloc(sizeof *r);
        Pipe(ctl);
        if (Fork() == 0) {
            bench_child();
            bench_pin(producer_cpu);
            for (long i = 0;;)
                for (long n = recv_long(ctl[0]); n > 0; n--, i++) {
                    uint32_t tail = atomic_load(&r->tail), head;
                    while (tail - (head = atomic_load(&r->head)) == MAXSIZE) /* full */
                        wait_change(&r->head, head, &r->producer_sleeps);
                    make_item(r->slot[tail % MAXSIZE], i);
                    atomic_store(&r->tail, tail + 1);
                    wake_if_sleeping(&r->tail, &r->consumer_sleeps);
                }
        }
    }
    unsigned char buf[ITEM];
    double t = bench_now();
    send_long(ctl[1], k);
    for (long i = 0; i < k; i++, next++) {
        uint32_t head = atomic_load(&r->head);
        while (atomic_load(&r->tail) == head) /* empty */
            wait_change(&r->tail, head, &r->consumer_sleeps);
        memcpy(buf, r->slot[head % MAXSIZE], ITEM);
        atomic_store(&r->head, head + 1);
        wake_if_sleeping(&r->head, &r->producer_sleeps);
        check_item(buf, ITEM, next);
    }
    return bench_now() - t;
}

int main(int argc, char **argv)
{
    bench_no_latency();
    if (argc < 2 || (strcmp(argv[1], "same") && strcmp(argv[1], "cross")))
        fatal("usage: bench_queue same|cross");
    producer_cpu = strcmp(argv[1], "same") == 0 ? 0 : 1;
    bench_pin(0);
    queue_copy_delay_ms = 0; /* the checks' slow copy is off (it is by default) */
    queue_watch = NULL;
    static const struct bench_side sides[] = {{"lab", lab}, {"ring", ring_floor}};
    return bench_serve(sides, 2);
}
