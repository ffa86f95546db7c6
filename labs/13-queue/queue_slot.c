/*
 * queue_slot.c - lab 13: copying items in and out of slots. (Given: do not
 * edit.) A real copy of 256 bytes is far too quick to show a missing lock,
 * so when queue_copy_delay_ms is set the copy is done in two halves with a
 * pause between: two producers in the same slot at once then garble or
 * lose an item on every run, not once in a million.
 */
#include "queue.h"
#include "proclabs.h"

#include <string.h>

double queue_copy_delay_ms = 0;
struct queue_watch *queue_watch = NULL;

/* Count the processes inside a copy; remember the most seen at once. */
static void enter(int *inside, int *max)
{
    int n = __atomic_add_fetch(inside, 1, __ATOMIC_SEQ_CST);
    int m = __atomic_load_n(max, __ATOMIC_SEQ_CST);
    while (n > m &&
           !__atomic_compare_exchange_n(max, &m, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
}

static void leave(int *inside)
{
    __atomic_sub_fetch(inside, 1, __ATOMIC_SEQ_CST);
}

static void pause_copy(void)
{
    if (queue_copy_delay_ms > 0)
        sleep_ms(scaled_ms(queue_copy_delay_ms));
}

void slot_write(struct queue_slot *s, const void *item, size_t len)
{
    size_t half = len / 2;
    if (queue_watch)
        enter(&queue_watch->writers, &queue_watch->max_writers);
    s->len = len;
    memcpy(s->data, item, half);
    pause_copy();
    memcpy(s->data + half, (const unsigned char *)item + half, len - half);
    if (queue_watch)
        leave(&queue_watch->writers);
}

void slot_read(const struct queue_slot *s, void *buf, size_t *len)
{
    size_t n = s->len <= QUEUE_ITEM_MAX ? s->len : QUEUE_ITEM_MAX;
    size_t half = n / 2;
    if (queue_watch)
        enter(&queue_watch->readers, &queue_watch->max_readers);
    memcpy(buf, s->data, half);
    pause_copy();
    memcpy((unsigned char *)buf + half, s->data + half, n - half);
    *len = n;
    if (queue_watch)
        leave(&queue_watch->readers);
}

const char *queue_status_name(int status)
{
    static const char *names[] = {"Q_OK", "Q_FULL", "Q_EMPTY", "Q_CLOSED", "Q_TOOBIG"};
    if (status >= 0 && status < (int)(sizeof names / sizeof names[0]))
        return names[status];
    return "(not a queue status)";
}
