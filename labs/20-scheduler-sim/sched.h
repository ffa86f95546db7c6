/*
 * sched.h - lab 20: CPU scheduling, simulated. (Given: do not edit.)
 *
 * Python: none; this is the OS theory under Process.start(): which ready
 * process gets the CPU next. Each scheduler is a pure function: a job table
 * in, a Gantt chart and each job's times out. Nothing forks.
 *
 * Time is in whole units. Rules every scheduler follows (README.md):
 *  - a tie is broken by earlier arrival, then by lower index in the table;
 *  - when no job is ready the CPU is idle until the next arrival (an idle
 *    bar, job -1, in the chart);
 *  - in round robin (and in each queue of the feedback queue) a job that
 *    arrives at the instant a slice ends joins the queue BEFORE the job
 *    whose slice just ended.
 *
 * The one limit: a schedule ends by MAX_TIME. Since the CPU idles only when
 * nothing is ready, every policy ends a job table at the same time; the
 * `sched` program refuses a table that ends after MAX_TIME (it names the
 * limit and exits 1) and computes any other one right. The chart has no
 * limit of its own: gantt_add grows it as needed (at most one bar per time
 * unit, so at most MAX_TIME bars).
 */
#ifndef SCHED_H
#define SCHED_H

enum { MAX_JOBS = 32, MAX_TIME = 1000000, MLFQ_LEVELS = 3 };

struct job {
    const char *name; /* "P1" */
    int arrival;      /* time it becomes ready */
    int burst;        /* CPU time it needs */
    int priority;     /* lower number = more important (preemptive priority only) */
};

/* One bar of the Gantt chart: job index (or -1: idle) ran from start to end. */
struct slice {
    int job;
    int level; /* the feedback queue it ran from (MLFQ only; 0 otherwise) */
    int start, end;
};

struct schedule {
    int nslices;         /* bars in gantt[0 .. nslices-1] */
    int capacity;        /* room in gantt (gantt_add's business) */
    struct slice *gantt; /* allocated and grown by gantt_add */
    int finish[MAX_JOBS];     /* when job i ended */
    int turnaround[MAX_JOBS]; /* finish - arrival */
    int waiting[MAX_JOBS];    /* turnaround - burst: time spent ready, not running */
    double avg_turnaround, avg_waiting;
};

/* ---- given (gantt.c) ------------------------------------------------------ */

/* Start an empty schedule (no chart yet: it forgets, and does not free, the
 * chart s held before; schedule_free does). */
void schedule_init(struct schedule *s);
/* Free the chart and start an empty schedule again. */
void schedule_free(struct schedule *s);
/* Append a bar: job (or -1 for idle) at level ran from start to end. A bar
 * that continues the previous one (same job, same level, start == its end)
 * is merged into it, so a job that runs on alone shows as one bar. Empty
 * bars (end <= start) are ignored. The chart grows as needed; if memory
 * runs out, the program ends with a message (exit 1). */
void gantt_add(struct schedule *s, int job, int level, int start, int end);
/* Print the chart and the table of times (used by the `sched` program). */
void schedule_print(const struct job jobs[], int n, const struct schedule *s);

/* ---- yours (sched.c) -------------------------------------------------------- */

/* Step 1. From s->gantt, fill finish (end of the job's last bar),
 * turnaround, waiting and both averages for jobs 0..n-1. */
void compute_times(const struct job jobs[], int n, struct schedule *s);

/* Steps 2-6. Each one starts with schedule_init(s), builds the chart with
 * gantt_add(), and ends with compute_times(jobs, n, s). */
void schedule_fcfs(const struct job jobs[], int n, struct schedule *s);
/* Non-preemptive: a job, once started, runs to its end. */
void schedule_sjf(const struct job jobs[], int n, struct schedule *s);
void schedule_rr(const struct job jobs[], int n, int quantum, struct schedule *s);
/* Preemptive: at every instant the ready job with the lowest priority
 * number runs (ties: earlier arrival, then lower index). */
void schedule_priority(const struct job jobs[], int n, struct schedule *s);
/* MLFQ_LEVELS round-robin queues; level k has quantum << k. A new job enters
 * level 0; a job that uses its whole slice moves one level down (the bottom
 * level keeps it); a job at a lower level is preempted as soon as a job
 * arrives at level 0, and goes back to the tail of its own queue. */
void schedule_mlfq(const struct job jobs[], int n, int quantum, struct schedule *s);

#endif
