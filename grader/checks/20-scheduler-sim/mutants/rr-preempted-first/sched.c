/* sched.c - lab 20, reference solution. */
#include "sched.h"

void compute_times(const struct job jobs[], int n, struct schedule *s)
{
    double sum_t = 0, sum_w = 0;
    for (int i = 0; i < n; i++) {
        s->finish[i] = 0;
        for (int k = 0; k < s->nslices; k++)
            if (s->gantt[k].job == i && s->gantt[k].end > s->finish[i])
                s->finish[i] = s->gantt[k].end;
        s->turnaround[i] = s->finish[i] - jobs[i].arrival;
        s->waiting[i] = s->turnaround[i] - jobs[i].burst; /* ready but not running */
        sum_t += s->turnaround[i];
        sum_w += s->waiting[i];
    }
    s->avg_turnaround = n > 0 ? sum_t / n : 0;
    s->avg_waiting = n > 0 ? sum_w / n : 0;
}

/* Does job a come before job b in a tie? Earlier arrival, then lower index. */
static int earlier(const struct job jobs[], int a, int b)
{
    return jobs[a].arrival != jobs[b].arrival ? jobs[a].arrival < jobs[b].arrival : a < b;
}

/* The not-yet-admitted job that arrives first, or -1. */
static int next_arrival(const struct job jobs[], int n, const int admitted[])
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if (!admitted[i] && (best < 0 || earlier(jobs, i, best)))
            best = i;
    return best;
}

void schedule_fcfs(const struct job jobs[], int n, struct schedule *s)
{
    int done[MAX_JOBS] = {0}, t = 0, j;
    schedule_init(s);
    while ((j = next_arrival(jobs, n, done)) >= 0) {
        if (t < jobs[j].arrival) { /* nobody is ready: the CPU idles */
            gantt_add(s, -1, 0, t, jobs[j].arrival);
            t = jobs[j].arrival;
        }
        gantt_add(s, j, 0, t, t + jobs[j].burst);
        t += jobs[j].burst;
        done[j] = 1;
    }
    compute_times(jobs, n, s);
}

void schedule_sjf(const struct job jobs[], int n, struct schedule *s)
{
    int done[MAX_JOBS] = {0}, t = 0;
    schedule_init(s);
    for (int left = n; left > 0;) {
        int best = -1;
        for (int i = 0; i < n; i++)
            if (!done[i] && jobs[i].arrival <= t &&
                (best < 0 || jobs[i].burst < jobs[best].burst ||
                 (jobs[i].burst == jobs[best].burst && earlier(jobs, i, best))))
                best = i;
        if (best < 0) { /* idle until the next job arrives */
            int j = next_arrival(jobs, n, done);
            gantt_add(s, -1, 0, t, jobs[j].arrival);
            t = jobs[j].arrival;
            continue;
        }
        /* Non-preemptive: it runs to its end, whatever arrives meanwhile. */
        gantt_add(s, best, 0, t, t + jobs[best].burst);
        t += jobs[best].burst;
        done[best] = 1;
        left--;
    }
    compute_times(jobs, n, s);
}

/* A FIFO of job indices; a job is in at most one queue at a time. */
struct fifo {
    int item[MAX_JOBS + 1], head, tail;
};

static void push(struct fifo *q, int j)
{
    q->item[q->tail] = j;
    q->tail = (q->tail + 1) % (MAX_JOBS + 1);
}

static int pop(struct fifo *q)
{
    int j = q->item[q->head];
    q->head = (q->head + 1) % (MAX_JOBS + 1);
    return j;
}

static int empty(const struct fifo *q)
{
    return q->head == q->tail;
}

/* Put every job that has arrived by time t on q, in arrival order. */
static void admit(const struct job jobs[], int n, int admitted[], int t, struct fifo *q)
{
    int j;
    while ((j = next_arrival(jobs, n, admitted)) >= 0 && jobs[j].arrival <= t) {
        admitted[j] = 1;
        push(q, j);
    }
}

void schedule_rr(const struct job jobs[], int n, int quantum, struct schedule *s)
{
    int admitted[MAX_JOBS] = {0}, left[MAX_JOBS], t = 0;
    struct fifo q = {.head = 0};
    schedule_init(s);
    for (int i = 0; i < n; i++)
        left[i] = jobs[i].burst;
    for (;;) {
        admit(jobs, n, admitted, t, &q);
        if (empty(&q)) {
            int j = next_arrival(jobs, n, admitted);
            if (j < 0)
                break; /* all admitted and the queue is empty: all done */
            gantt_add(s, -1, 0, t, jobs[j].arrival);
            t = jobs[j].arrival;
            continue;
        }
        int j = pop(&q), run = left[j] < quantum ? left[j] : quantum;
        gantt_add(s, j, 0, t, t + run);
        t += run;
        left[j] -= run;
        /* Jobs that arrived up to now, even at this very instant, queue
         * before the job whose slice just ended. */
        if (left[j] > 0)
            push(&q, j); /* MUTANT: requeued before the jobs that arrived at this instant */
        admit(jobs, n, admitted, t, &q);
    }
    compute_times(jobs, n, s);
}

void schedule_priority(const struct job jobs[], int n, struct schedule *s)
{
    int left[MAX_JOBS], remaining = n, t = 0;
    schedule_init(s);
    for (int i = 0; i < n; i++)
        left[i] = jobs[i].burst;
    while (remaining > 0) {
        /* Decide again at every time unit: an arrival may preempt. */
        int best = -1, soonest = -1;
        for (int i = 0; i < n; i++) {
            if (left[i] == 0)
                continue;
            if (jobs[i].arrival > t) {
                if (soonest < 0 || jobs[i].arrival < soonest)
                    soonest = jobs[i].arrival;
                continue;
            }
            if (best < 0 || jobs[i].priority < jobs[best].priority ||
                (jobs[i].priority == jobs[best].priority && earlier(jobs, i, best)))
                best = i;
        }
        if (best < 0) {
            gantt_add(s, -1, 0, t, soonest);
            t = soonest;
            continue;
        }
        gantt_add(s, best, 0, t, t + 1); /* merged with the bar before it */
        t++;
        if (--left[best] == 0)
            remaining--;
    }
    compute_times(jobs, n, s);
}

void schedule_mlfq(const struct job jobs[], int n, int quantum, struct schedule *s)
{
    int admitted[MAX_JOBS] = {0}, left[MAX_JOBS], t = 0;
    int cur = -1, level = 0, used = 0;
    struct fifo q[MLFQ_LEVELS] = {{.head = 0}};
    schedule_init(s);
    for (int i = 0; i < n; i++)
        left[i] = jobs[i].burst;
    admit(jobs, n, admitted, t, &q[0]); /* new jobs enter the top queue */
    for (;;) {
        if (cur < 0) {
            for (level = 0; level < MLFQ_LEVELS && empty(&q[level]); level++)
                ;
            if (level == MLFQ_LEVELS) {
                int j = next_arrival(jobs, n, admitted);
                if (j < 0)
                    break;
                gantt_add(s, -1, 0, t, jobs[j].arrival);
                t = jobs[j].arrival;
                admit(jobs, n, admitted, t, &q[0]);
                continue;
            }
            cur = pop(&q[level]);
            used = 0;
        }
        gantt_add(s, cur, level, t, t + 1);
        t++;
        left[cur]--;
        used++;
        admit(jobs, n, admitted, t, &q[0]);
        if (left[cur] == 0) {
            cur = -1;
        } else if (used == quantum << level) { /* used its whole slice: one level down */
            push(&q[level + 1 < MLFQ_LEVELS ? level + 1 : level], cur);
            cur = -1;
        } else {
            for (int k = 0; k < level; k++)
                if (!empty(&q[k])) { /* a higher queue has work: preempt */
                    push(&q[level], cur);
                    cur = -1;
                    break;
                }
        }
    }
    compute_times(jobs, n, s);
}
