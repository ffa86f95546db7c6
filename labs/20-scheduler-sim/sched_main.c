/*
 * sched_main.c - the `sched` program. (Given: do not edit.)
 *
 *     ./sched POLICY [QUANTUM] [FILE]
 *
 * POLICY is fcfs, sjf, rr, priority or mlfq; QUANTUM (default 4) is for rr
 * and mlfq. FILE holds one job per line, "NAME ARRIVAL BURST [PRIORITY]"
 * ('#' starts a comment); without it, the textbook table P1 24, P2 3, P3 3.
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
        struct job *j = &jobs[n];
        j->priority = 0;
        if (sscanf(line, "%15s %d %d %d", names[n], &j->arrival, &j->burst, &j->priority) < 3 ||
            j->arrival < 0 || j->burst < 1)
            fatal("%s: bad line '%s' (want: NAME ARRIVAL BURST [PRIORITY])", path, line);
        j->name = names[n++];
    }
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        fatal("usage: %s fcfs|sjf|rr|priority|mlfq [QUANTUM] [FILE]", argv[0]);
    const char *policy = argv[1];
    int quantum = 4, arg = 2;
    if (argc > arg && atoi(argv[arg]) > 0)
        quantum = atoi(argv[arg++]);
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
    return 0;
}
