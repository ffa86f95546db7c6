/*
 * jobs_main.c - the `jobs` program. (Given: do not edit.)
 *
 *     ./jobs [WORKERS JOBS]   default 3 workers, 12 jobs
 */
#include "jqueue.h"
#include "proclabs.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
    int nw = argc > 2 ? atoi(argv[1]) : 3;
    int nj = argc > 2 ? atoi(argv[2]) : 12;
    if (nw < 1 || nw > 16 || nj < 0 || nj > 1000)
        fatal("usage: %s [WORKERS JOBS]  (1-16 workers, 0-1000 jobs)", argv[0]);
    jobs_verbose = 1;
    jobs_reset();
    int at_join = run_jobs(nw, nj);
    log_line("join returned with %d of %d jobs done", at_join, nj);
    return at_join == nj && jobs_done() == nj ? 0 : 1;
}
