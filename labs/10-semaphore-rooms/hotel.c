/*
 * hotel.c - lab 10: the rooms and the register. (Given: do not edit.)
 */
#include "hotel.h"
#include "proclabs.h"

#include <string.h>

static struct hotel_log *log_; /* shared memory, made once per process tree */

void hotel_open(int picky_every)
{
    if (!log_) log_ = shared_alloc(sizeof *log_);
    memset(log_, 0, sizeof *log_);
    log_->picky_every = picky_every;
}

bool room_check_in(int id)
{
    if (!log_) hotel_open(0);
    int now = __atomic_add_fetch(&log_->inside, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&log_->check_ins, 1, __ATOMIC_SEQ_CST);
    int max = __atomic_load_n(&log_->max_inside, __ATOMIC_SEQ_CST);
    while (now > max && !__atomic_compare_exchange_n(&log_->max_inside, &max, now, false,
                                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    int p = log_->picky_every;
    if (p > 0 && id % p == p - 1) {
        __atomic_sub_fetch(&log_->inside, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&log_->left, 1, __ATOMIC_SEQ_CST);
        log_line("guest %d does not like the room and leaves at once", id);
        return false;
    }
    log_line("guest %d is in a room (%d inside)", id, now);
    return true;
}

void room_stay(int id)
{
    (void)id;
    sleep_ms(scaled_ms(HOTEL_STAY_MS));
}

void room_check_out(int id)
{
    if (!log_) hotel_open(0);
    int now = __atomic_sub_fetch(&log_->inside, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&log_->served, 1, __ATOMIC_SEQ_CST);
    log_line("guest %d leaves its room (%d inside)", id, now);
}

const struct hotel_log *hotel_log(void)
{
    static const struct hotel_log none;
    return log_ ? log_ : &none;
}
