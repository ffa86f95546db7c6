/* tray.c - lab 14: the tray, a pipe and a semaphore. (Given: do not edit.) */
#include "bakery.h"
#include "proclabs.h"

#include <errno.h>
#include <unistd.h>

struct tray *tray_create(int capacity)
{
    struct tray *t = shared_alloc(sizeof *t);
    int fds[2];
    Pipe(fds);
    t->rfd = fds[0];
    t->wfd = fds[1];
    if (sem_init(&t->room, 1, (unsigned)capacity) < 0)
        die("sem_init");
    return t;
}

/* The ledger is made by ledger_reset() (bakery_given.c); without it, a tray
 * still works and nothing is counted. */
#define note(field, delta)                                                                         \
    do {                                                                                           \
        if (ledger)                                                                                \
            __atomic_add_fetch(&ledger->field, (delta), __ATOMIC_SEQ_CST);                         \
    } while (0)

/* The bakers that have baked: those that are children of this process and
 * still exist (running, or zombies nobody has waited for), and those gone
 * (waited for). A STOP put while one still exists comes before its end. */
static void count_bakers(int *unjoined, int *joined)
{
    for (int b = 0; b < ledger->bakers && b < MAX_BAKERS; b++) {
        pid_t parent = 0, pid = ledger->baker_pid[b];
        if (pid <= 0)
            continue;
        if (process_state(pid, &parent) && parent == getpid())
            ++*unjoined;
        else
            ++*joined;
    }
}

void tray_put(struct tray *t, int item)
{
    note(putters_waiting, 1);
    while (sem_wait(&t->room) < 0)
        if (errno != EINTR)
            die("tray_put: sem_wait");
    if (item == STOP && ledger) {
        int none = -1;
        if (__atomic_compare_exchange_n(&ledger->baked_at_first_stop, &none, ledger->baked, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            count_bakers(&ledger->unjoined_at_first_stop, &ledger->joined_at_first_stop);
        note(stops_put, 1);
    } else if (ledger && __atomic_load_n(&ledger->stops_put, __ATOMIC_SEQ_CST) > 0) {
        note(loaves_after_stop, 1);
    }
    if (write_all(t->wfd, &item, sizeof item) < 0) /* 4 bytes: one atomic write */
        die("tray_put: write");
    note(puts, 1);
    note(putters_waiting, -1);
}

int tray_get(struct tray *t)
{
    int item;
    note(getters_waiting, 1);
    ssize_t n;
    while ((n = read(t->rfd, &item, sizeof item)) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof item)
        die("tray_get: read gave %zd bytes", n);
    sem_post(&t->room);
    note(getters_waiting, -1);
    note(gets, 1);
    if (item == STOP)
        note(stops_got, 1);
    return item;
}

void tray_destroy(struct tray *t)
{
    close(t->rfd);
    close(t->wfd);
    sem_destroy(&t->room);
    shared_free(t, sizeof *t);
}
