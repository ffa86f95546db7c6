/*
 * office.c - lab 09: the ticket office and its log. (Given: do not edit.)
 */
#include "office.h"
#include "proclabs.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct office_log *log_; /* shared memory, made once per process tree */
static struct lock *watched;    /* the buyers' lock, looked at on every access */

/* What this process read last, for telling a sale from another write. The
 * pid tells a forked child that the values are its parent's. */
static pid_t reader = -1;
static int last_read = INT_MIN;
static int last_read_locked;

static void add(int *counter)
{
    __atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
}

static int lock_held(void)
{
    int v;
    return watched && sem_getvalue(&watched->sem, &v) == 0 && v <= 0;
}

static int read_count(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int n;
    int ok = fscanf(f, " {\"count\": %d}", &n) == 1;
    fclose(f);
    return ok ? n : -1;
}

int office_open(const char *path, int tickets, struct lock *lock)
{
    if (!log_) log_ = shared_alloc(sizeof *log_);
    memset(log_, 0, sizeof *log_);
    log_->tickets = tickets;
    watched = lock;
    reader = -1;
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "{\"count\": %d}\n", tickets);
    return fclose(f) == 0 ? 0 : -1;
}

int tickets_read(const char *path)
{
    int n = read_count(path);
    int locked = lock_held();
    if (log_) {
        add(&log_->reads);
        if (n == 0) add(&log_->sold_out_reads);
    }
    reader = getpid();
    last_read = n;
    last_read_locked = locked;
    sleep_ms(scaled_ms(OFFICE_READ_MS)); /* the answer takes a while to arrive */
    return n;
}

int tickets_write(const char *path, int count)
{
    sleep_ms(scaled_ms(OFFICE_WRITE_MS)); /* the order takes a while to go through */
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "{\"count\": %d}\n", count);
    if (fclose(f) != 0 || rename(tmp, path) != 0) { /* rename: all or nothing */
        unlink(tmp);
        return -1;
    }
    if (log_) {
        add(&log_->writes);
        if (reader == getpid() && last_read != INT_MIN && count == last_read - 1) {
            add(&log_->sales);
            if (!last_read_locked) add(&log_->sales_read_unlocked);
            if (!lock_held()) add(&log_->sales_write_unlocked);
        } else {
            add(&log_->other_writes);
        }
    }
    last_read = INT_MIN; /* one read, one sale */
    return 0;
}

int tickets_peek(const char *path)
{
    return read_count(path);
}

void office_close(const char *path)
{
    unlink(path);
}

const struct office_log *office_log(void)
{
    static const struct office_log none;
    return log_ ? log_ : &none;
}

const char *office_diagnosis(void)
{
    const struct office_log *o = office_log();
    if (o->sales <= o->tickets) return "no ticket was sold twice";
    if (o->sales_read_unlocked == o->sales && o->sales_write_unlocked == o->sales)
        return "no buyer held the lock while it read and wrote the count, so several read "
               "the same count before anyone wrote it: take the lock in buy() before reading "
               "the count and release it after writing";
    if (o->sales_write_unlocked == 0 && o->sales_read_unlocked > 0)
        return "the lock was held around the write but not around the check: buyers read the "
               "count before taking the lock, so several saw the same last ticket. Take the "
               "lock before reading the count, not just before writing it";
    if (o->sales_write_unlocked == 0 && o->sales_read_unlocked == 0)
        return "every buyer held its lock while it read and wrote, yet they overlapped: each "
               "buyer locked its own copy. The lock lives in private memory (malloc, a global, "
               "the stack) that fork() copied; allocate it with shared_alloc()";
    return "buyers read and wrote the count without holding the lock from the check to the "
           "write: hold it across both";
}
