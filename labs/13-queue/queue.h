/*
 * queue.h - lab 13: a bounded queue shared by processes. (Given: do not edit.)
 *
 * Python: q = multiprocessing.Queue(maxsize); q.put(obj, block, timeout),
 *         q.get(block, timeout), put_nowait, get_nowait, qsize, empty, full,
 *         close; queue.Full and queue.Empty.
 *
 * The queue is a ring of fixed-size slots in shared memory (MAP_SHARED),
 * guarded by four process-shared POSIX semaphores (sem_init(..., 1, ...)):
 *
 *   slots     counts free slots: put waits on it (Python's BoundedSemaphore)
 *   items     counts filled slots: get waits on it
 *   put_lock  1 = free: one producer at a time writes slot[tail], moves tail
 *   get_lock  1 = free: one consumer at a time reads slot[head], moves head
 *
 * Producers and consumers have a lock each, so a put and a get never wait
 * for each other; only two producers (or two consumers) do.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    QUEUE_ITEM_MAX = 256,     /* the largest item, in bytes (0-byte items are fine) */
    QUEUE_MAXSIZE_MAX = 4096, /* the largest maxsize queue_create accepts */
};

/* timeout_ms for "no timeout" (Python's timeout=None). */
#define QUEUE_FOREVER (-1.0)

/* What put and get return. Python raises where these are returned. */
enum queue_status {
    Q_OK = 0, /* done */
    Q_FULL,   /* put: no free slot (nowait, or the timeout passed): queue.Full */
    Q_EMPTY,  /* get: no item (nowait, or the timeout passed): queue.Empty */
    Q_CLOSED, /* put or get after queue_close(): ValueError "Queue is closed" */
    Q_TOOBIG, /* put: the item is longer than QUEUE_ITEM_MAX bytes */
};

/* One slot of the ring: an item and its length. */
struct queue_slot {
    size_t len;
    unsigned char data[QUEUE_ITEM_MAX];
};

/* Each part on a cache line (64 bytes) of its own, grouped by who writes
 * it: a producer and a consumer on two CPUs then never pass a line back and
 * forth for a word the other does not use ("false sharing"). */
struct queue {
    _Alignas(64) sem_t slots;              /* free slots, starts at maxsize */
    _Alignas(64) sem_t items;              /* filled slots, starts at 0 */
    _Alignas(64) sem_t put_lock;           /* mutex for tail and slot[tail], starts at 1 */
    unsigned tail;                         /* the next slot to write */
    _Alignas(64) sem_t get_lock;           /* mutex for head and slot[head], starts at 1 */
    unsigned head;                         /* the next slot to read */
    _Alignas(64) unsigned maxsize;         /* the number of slots */
    int closed;                            /* set by queue_close(): later puts and gets fail */
    _Alignas(64) struct queue_slot slot[]; /* maxsize slots follow the header */
};

/* Step 1. A new, empty queue of maxsize slots (1 to QUEUE_MAXSIZE_MAX) that
 * every process forked afterwards shares. NULL for a bad maxsize. */
struct queue *queue_create(int maxsize);

/* Step 2. Put len bytes (0 to QUEUE_ITEM_MAX) at the tail.
 * block false: Q_FULL at once when no slot is free (timeout ignored).
 * block true:  wait for a free slot, at most timeout_ms milliseconds
 *              (QUEUE_FOREVER: no limit), then Q_FULL.
 * Q_CLOSED after queue_close(), Q_TOOBIG for len > QUEUE_ITEM_MAX. */
int queue_put(struct queue *q, const void *item, size_t len, bool block, double timeout_ms);

/* Step 3. Take the item at the head into buf (room for QUEUE_ITEM_MAX bytes)
 * and its length into *len. Blocking as for put, with Q_EMPTY. */
int queue_get(struct queue *q, void *buf, size_t *len, bool block, double timeout_ms);

/* Step 4. queue_put(..., false, 0) and queue_get(..., false, 0). */
int queue_put_nowait(struct queue *q, const void *item, size_t len);
int queue_get_nowait(struct queue *q, void *buf, size_t *len);

/* Step 5. Items in the queue now; no items; no free slot. Only a snapshot:
 * another process may change it the moment after. */
int queue_qsize(struct queue *q);
bool queue_empty(struct queue *q);
bool queue_full(struct queue *q);

/* Step 6. Refuse every later put and get (in any process) with Q_CLOSED.
 * It does not wake processes already blocked in put or get. */
void queue_close(struct queue *q);

/* Free the queue (once, when no process uses it any more). */
void queue_destroy(struct queue *q);

/* ---- given (queue_slot.c): use these to fill and read a slot --------------- */

/* Copy an item into a slot / out of a slot. They simulate a slow copy when
 * queue_copy_delay_ms > 0 (the checks set it to expose missing locks). */
void slot_write(struct queue_slot *s, const void *item, size_t len);
void slot_read(const struct queue_slot *s, void *buf, size_t *len);
extern double queue_copy_delay_ms; /* scaled by PROCLABS_TIME_SCALE; 0 by default */

/* What the checks watch: how many processes were inside slot_write (and
 * slot_read) at once. With the locks held, never more than one. */
struct queue_watch {
    int writers, readers;         /* inside now */
    int max_writers, max_readers; /* the most ever seen at once */
    int torn;     /* gets let in while a slot_write() was still filling their slot */
    int hold_for; /* set by a check to the pid of a getter it saw asleep in get: slot_write()
                     notes whether that getter was woken before the copy, and pauses halfway
                     until it is inside slot_read() or asleep (at most 2 s) */
};
extern struct queue_watch *queue_watch; /* NULL: not watched (set by the checks) */

/* "Q_OK", "Q_FULL", ... for messages. */
const char *queue_status_name(int status);

#endif
