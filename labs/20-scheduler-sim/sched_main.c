/*
 * sched_main.c - the `sched` program. (Given: do not edit.)
 *
 *     ./sched POLICY [QUANTUM] [FILE]
 *
 * POLICY is fcfs, sjf, rr, priority or mlfq; QUANTUM (default 4) is for rr
 * and mlfq. FILE holds one job per line, "NAME ARRIVAL BURST [PRIORITY]"
 * ('#' starts a comment); without it, the textbook table P1 24, P2 3, P3 3.
 * A table whose schedule ends after MAX_TIME is refused: exit 1, with a
 * message naming the limit.
 */
#include "proclabs.h"
#include "sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char names[MAX_JOBS][16];

static int read_jobs(const char *path, struct job jobs[])
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open %s", path);
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        if (n == MAX_JOBS)
            fatal("%s: more than %d jobs", path, MAX_JOBS);
        long arrival, burst;
        int priority = 0;
        if (sscanf(line, "%15s %ld %ld %d", names[n], &arrival, &burst, &priority) < 3 ||
            arrival < 0 || burst < 1)
            fatal("%s: bad line '%s' (want: NAME ARRIVAL BURST [PRIORITY])", path, line);
        if (arrival > MAX_TIME || burst > MAX_TIME)
            fatal("%s: job %s: times are at most MAX_TIME (%d)", path, names[n], MAX_TIME);
        jobs[n] = (struct job){names[n], arrival, burst, priority};
        n++;
    }
    fclose(f);
    /* Every policy idles only when nothing is ready, so every schedule ends
     * at the same time: the latest arrival plus the work that comes from it on. */
    long end = 0;
    for (int i = 0; i < n; i++) {
        long from = jobs[i].arrival;
        for (int k = 0; k < n; k++)
            from += jobs[k].arrival >= jobs[i].arrival ? jobs[k].burst : 0;
        end = from > end ? from : end;
    }
    if (end > MAX_TIME)
        fatal("%s: these jobs keep the CPU busy until time %ld, past MAX_TIME (%d), the "
              "longest schedule sched computes",
              path, end, MAX_TIME);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        fatal("usage: %s fcfs|sjf|rr|priority|mlfq [QUANTUM] [FILE]", argv[0]);
    const char *policy = argv[1];
    int quantum = 4, arg = 2;
    if (argc > arg && atol(argv[arg]) > 0) {
        if (atol(argv[arg]) > MAX_TIME)
            fatal("quantum %s: at most MAX_TIME (%d)", argv[arg], MAX_TIME);
        quantum = atoi(argv[arg++]);
    }
    struct job jobs[MAX_JOBS] = {{"P1", 0, 24, 0}, {"P2", 0, 3, 0}, {"P3", 0, 3, 0}};
    int n = argc > arg ? read_jobs(argv[arg], jobs) : 3;

    static struct schedule s;
    schedule_init(&s);
    if (!strcmp(policy, "fcfs"))
        schedule_fcfs(jobs, n, &s);
    else if (!strcmp(policy, "sjf"))
        schedule_sjf(jobs, n, &s);
    else if (!strcmp(policy, "rr"))
        schedule_rr(jobs, n, quantum, &s);
    else if (!strcmp(policy, "priority"))
        schedule_priority(jobs, n, &s);
    else if (!strcmp(policy, "mlfq"))
        schedule_mlfq(jobs, n, quantum, &s);
    else
        fatal("unknown policy '%s': fcfs, sjf, rr, priority or mlfq", policy);

    if (!strcmp(policy, "rr") || !strcmp(policy, "mlfq"))
        printf("%s, quantum %d, %d jobs\n", policy, quantum, n);
    else
        printf("%s, %d jobs\n", policy, n);
    schedule_print(jobs, n, &s);
    schedule_free(&s);
    return 0;
}
