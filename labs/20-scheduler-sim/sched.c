/*
 * sched.c - lab 20: CPU scheduling, simulated. This is the file you edit.
 * Read README.md first; `make grade LAB=20` checks your work.
 *
 * Every scheduler: schedule_init(s); add bars with gantt_add(s, job, level,
 * start, end) (job -1 = idle); then compute_times(jobs, n, s).
 */
#include "sched.h"

void compute_times(const struct job jobs[], int n, struct schedule *s)
{
    /* TODO step 1: for each job i, finish[i] = the end of its last bar;
     * turnaround = finish - arrival; waiting = turnaround - burst; then the
     * two averages over the n jobs. */
    (void)jobs;
    (void)n;
    (void)s;
}

void schedule_fcfs(const struct job jobs[], int n, struct schedule *s)
{
    schedule_init(s);
    /* TODO step 2: run the jobs in arrival order (ties: lower index), each to
     * its end. When the next job has not arrived yet, add an idle bar. */
    (void)jobs;
    (void)n;
}

void schedule_sjf(const struct job jobs[], int n, struct schedule *s)
{
    schedule_init(s);
    /* TODO step 3: when the CPU is free, run the arrived job with the
     * shortest burst to its end (non-preemptive). */
    (void)jobs;
    (void)n;
}

void schedule_rr(const struct job jobs[], int n, int quantum, struct schedule *s)
{
    schedule_init(s);
    /* TODO step 4: a FIFO ready queue; each job runs at most `quantum`, then
     * goes to the tail, AFTER the jobs that arrived up to that instant. */
    (void)jobs;
    (void)n;
    (void)quantum;
}

void schedule_priority(const struct job jobs[], int n, struct schedule *s)
{
    schedule_init(s);
    /* TODO step 5: at every time unit run the ready job with the lowest
     * priority number (preemptive). */
    (void)jobs;
    (void)n;
}

void schedule_mlfq(const struct job jobs[], int n, int quantum, struct schedule *s)
{
    schedule_init(s);
    /* TODO step 6: MLFQ_LEVELS queues, quantum << level; new jobs enter level
     * 0; a whole slice used moves a job down; a job arriving at level 0
     * preempts a lower-level job, which goes back to its queue's tail. */
    (void)jobs;
    (void)n;
    (void)quantum;
}
