/*
 * tickets_main.c - the `tickets` program. (Given: do not edit.)
 *
 *     ./tickets [BUYERS [TICKETS]]    BUYERS buyers (default 10) race for
 *                                     TICKETS tickets (default 1)
 *
 * The summary comes from the office's own log, not from the buyers.
 */
#include "office.h"
#include "proclabs.h"
#include "tickets.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    int tickets = argc > 2 ? atoi(argv[2]) : 1;
    if (n < 1 || n > 64 || tickets < 0 || tickets > 1000)
        fatal("usage: %s [BUYERS [TICKETS]]   (1 to 64 buyers, 0 to 1000 tickets)", argv[0]);

    const char *tmp = getenv("TMPDIR");
    char path[512];
    /* pid and clock: unique even beside a run in another pid namespace */
    snprintf(path, sizeof path, "%s/proclabs-tickets-%d-%ld.json", tmp && *tmp ? tmp : "/tmp",
             (int)getpid(), (long)now_ms());

    struct lock *lock = lock_new();
    if (!lock) fatal("lock_new() returned NULL: step 1 is not done yet");
    if (office_open(path, tickets, lock) < 0) die("cannot create %s", path);
    log_line("office: %d ticket%s for %d buyers", tickets, tickets == 1 ? "" : "s", n);

    int bought = run_buyers(path, n, lock);

    const struct office_log *o = office_log();
    int left = tickets_peek(path);
    log_line("office: sold %d of %d tickets, %d left; run_buyers() says %d bought", o->sales,
             tickets, left, bought);
    int ok = o->sales <= tickets && bought == o->sales && left == tickets - o->sales;
    if (o->sales > tickets)
        log_line("office: OVERSOLD by %d: %s", o->sales - tickets, office_diagnosis());
    office_close(path);
    lock_free(lock);
    return ok ? 0 : 1;
}
