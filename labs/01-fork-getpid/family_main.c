/*
 * family_main.c - the `family` program. (Given: do not edit.)
 *
 *     ./family [N]     start N children (default 3) and report who is who
 */
#include "family.h"
#include "proclabs.h"

#include <stdlib.h>

static int introduce(int i)
{
    struct who me = who_am_i();
    log_line("child %d: I am %d, my parent is %d", i, (int)me.pid, (int)me.ppid);
    return 10 + i; /* an exit code the parent can recognise */
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    if (n < 1 || n > 64)
        fatal("usage: %s [N]   (N children, 1 to 64)", argv[0]);

    struct who me = who_am_i();
    log_line("parent: I am %d, my parent is %d", (int)me.pid, (int)me.ppid);

    pid_t pids[64];
    int codes[64];
    int reaped = run_children(n, introduce, pids, codes);
    for (int i = 0; i < n && i < reaped; i++)
        log_line("parent: child %d had pid %d and exited with %d", i, (int)pids[i], codes[i]);
    log_line("parent: reaped %d of %d children", reaped, n);
    return reaped == n ? 0 : 1;
}
