/* Lab 20 checks: the schedulers against textbook answers and edge cases. */
#include "check.h"
#include "sched.h"

#include <stdio.h>
#include <string.h>

TestSuite(sched, .timeout = CHECK_SUITE_TIMEOUT);

enum policy { FCFS, SJF, RR, PRIO, MLFQ, TIMES };

/* What the body is asked to run, and what it got back. */
struct run {
    enum policy policy;
    int n, quantum;
    struct job jobs[MAX_JOBS];
    struct schedule s;
};

static const char *names[] = {"FCFS", "SJF", "RR", "priority", "MLFQ", "compute_times"};
static const char *calls[] = {"schedule_fcfs()",     "schedule_sjf()",  "schedule_rr()",
                              "schedule_priority()", "schedule_mlfq()", "compute_times()"};

static void body(void *shared)
{
    struct run *r = shared;
    switch (r->policy) {
    case FCFS:
        schedule_fcfs(r->jobs, r->n, &r->s);
        break;
    case SJF:
        schedule_sjf(r->jobs, r->n, &r->s);
        break;
    case RR:
        schedule_rr(r->jobs, r->n, r->quantum, &r->s);
        break;
    case PRIO:
        schedule_priority(r->jobs, r->n, &r->s);
        break;
    case MLFQ:
        schedule_mlfq(r->jobs, r->n, r->quantum, &r->s);
        break;
    case TIMES:
        compute_times(r->jobs, r->n, &r->s);
        break;
    }
}

/* Run one scheduler on a job table in the sandbox; the schedule comes back
 * in shared memory. */
static struct run *simulate(enum policy p, const struct job *jobs, int n, int quantum)
{
    struct run *r = shared_alloc(sizeof *r);
    r->policy = p;
    r->n = n;
    r->quantum = quantum;
    memcpy(r->jobs, jobs, n * sizeof *jobs);
    struct sandbox sb = sandbox_run(body, r, 2000);
    sandbox_assert_returned(&sb, calls[p]);
    return r;
}

/* "A 0-2 | B' 2-3 | idle 3-5": levels shown with ' marks (MLFQ). */
static const char *chart(const struct run *r, const struct slice *g, int count, char *buf,
                         size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    if (count == 0)
        snprintf(buf, size, "(no bars at all)");
    for (int i = 0; i < count && used + 40 < size; i++) {
        const char *name = g[i].job >= 0 && g[i].job < r->n ? r->jobs[g[i].job].name
                           : g[i].job == -1                 ? "idle"
                                                            : "?";
        used += snprintf(buf + used, size - used, "%s%s%s %d-%d", i ? " | " : "", name,
                         g[i].level == 1   ? "'"
                         : g[i].level >= 2 ? "''"
                                           : "",
                         g[i].start, g[i].end);
    }
    return buf;
}

static bool same_chart(const struct run *r, const struct slice *want, int count)
{
    if (r->s.nslices != count)
        return false;
    for (int i = 0; i < count; i++)
        if (r->s.gantt[i].job != want[i].job || r->s.gantt[i].start != want[i].start ||
            r->s.gantt[i].end != want[i].end || r->s.gantt[i].level != want[i].level)
            return false;
    return true;
}

/* The chart must be want; else say what was seen and, when the chart is a
 * known wrong one, name that mistake. */
static void expect_chart(const struct run *r, const char *example, const struct slice *want,
                         int count, const struct slice *wrong, int nwrong, const char *mistake)
{
    static char got[2048], exp[2048];
    chart(r, r->s.gantt, r->s.nslices, got, sizeof got);
    chart(r, want, count, exp, sizeof exp);
    bool known_wrong = wrong && r->s.nslices == nwrong && same_chart(r, wrong, nwrong);
    cr_assert(same_chart(r, want, count),
              "%s, %s: the Gantt chart is\n    %s\nbut should be\n    %s\n%s", names[r->policy],
              example, got, exp,
              known_wrong || !wrong ? mistake
                                    : "(bars of one job that follow each other are merged by "
                                      "gantt_add; idle time is a bar of job -1)");
}

static void expect_waits(const struct run *r, const char *example, const int *want, double avg)
{
    for (int i = 0; i < r->n; i++)
        cr_assert(r->s.waiting[i] == want[i],
                  "%s, %s: %s waited %d, should be %d (waiting = turnaround - burst; check "
                  "compute_times)",
                  names[r->policy], example, r->jobs[i].name, r->s.waiting[i], want[i]);
    cr_assert(r->s.avg_waiting > avg - 0.01 && r->s.avg_waiting < avg + 0.01,
              "%s, %s: average waiting time %.2f, should be %.2f", names[r->policy], example,
              r->s.avg_waiting, avg);
}

#define COUNT(a) ((int)(sizeof(a) / sizeof(a)[0]))

/* The classic table: P1 24, P2 3, P3 3, all at time 0. */
static const struct job textbook[] = {{"P1", 0, 24, 0}, {"P2", 0, 3, 0}, {"P3", 0, 3, 0}};

Test(sched, compute_times_from_chart)
{
    struct run *r = shared_alloc(sizeof *r);
    r->policy = TIMES;
    r->n = 3;
    struct job jobs[] = {{"A", 0, 3, 0}, {"B", 5, 2, 0}, {"C", 6, 2, 0}};
    memcpy(r->jobs, jobs, sizeof jobs);
    struct slice g[] = {{0, 0, 0, 3}, {-1, 0, 3, 5}, {1, 0, 5, 7}, {2, 0, 7, 9}};
    memcpy(r->s.gantt, g, sizeof g);
    r->s.nslices = 4;
    struct sandbox sb = sandbox_run(body, r, 2000);
    sandbox_assert_returned(&sb, "compute_times()");
    int finish[] = {3, 7, 9}, turn[] = {3, 2, 3}, wait[] = {0, 0, 1};
    for (int i = 0; i < 3; i++) {
        cr_assert(r->s.finish[i] == finish[i],
                  "chart A 0-3 | idle 3-5 | B 5-7 | C 7-9: finish of %s is %d, should be %d "
                  "(the end of its last bar)",
                  jobs[i].name, r->s.finish[i], finish[i]);
        cr_assert(r->s.turnaround[i] == turn[i],
                  "%s arrived at %d and finished at %d: turnaround %d, should be %d (finish - "
                  "arrival)",
                  jobs[i].name, jobs[i].arrival, finish[i], r->s.turnaround[i], turn[i]);
        cr_assert(r->s.waiting[i] == wait[i],
                  "%s: waiting %d, should be %d: waiting time is turnaround - burst (time ready "
                  "but not running), not the turnaround itself",
                  jobs[i].name, r->s.waiting[i], wait[i]);
    }
    cr_assert(r->s.avg_turnaround > 2.66 && r->s.avg_turnaround < 2.67 && r->s.avg_waiting > 0.33 &&
                  r->s.avg_waiting < 0.34,
              "averages %.4f (turnaround) and %.4f (waiting), should be 2.6667 and 0.3333: divide "
              "the sums by n as doubles",
              r->s.avg_turnaround, r->s.avg_waiting);
}

Test(sched, fcfs_textbook)
{
    struct run *r = simulate(FCFS, textbook, 3, 0);
    struct slice want[] = {{0, 0, 0, 24}, {1, 0, 24, 27}, {2, 0, 27, 30}};
    expect_chart(r, "P1 24, P2 3, P3 3 at time 0", want, 3, NULL, 0,
                 "First come, first served: run the jobs in arrival order, each to its end.");
    expect_waits(r, "P1 24, P2 3, P3 3", (int[]){0, 24, 27}, 17.0);
}

Test(sched, fcfs_idle_gap)
{
    struct job jobs[] = {{"A", 0, 3, 0}, {"B", 5, 2, 0}, {"C", 6, 2, 0}};
    struct run *r = simulate(FCFS, jobs, 3, 0);
    struct slice want[] = {{0, 0, 0, 3}, {-1, 0, 3, 5}, {1, 0, 5, 7}, {2, 0, 7, 9}};
    struct slice wrong[] = {{0, 0, 0, 3}, {1, 0, 3, 5}, {2, 0, 5, 7}};
    expect_chart(r, "A 0/3, B 5/2, C 6/2 (arrival/burst)", want, 4, wrong, 3,
                 "B ran before it arrived: when the next job arrives later than the CPU gets "
                 "free, the CPU is idle until then (an idle bar, job -1).");
}

Test(sched, sjf_textbook)
{
    struct job jobs[] = {{"P1", 0, 6, 0}, {"P2", 0, 8, 0}, {"P3", 0, 7, 0}, {"P4", 0, 3, 0}};
    struct run *r = simulate(SJF, jobs, 4, 0);
    struct slice want[] = {{3, 0, 0, 3}, {0, 0, 3, 9}, {2, 0, 9, 16}, {1, 0, 16, 24}};
    expect_chart(r, "P1 6, P2 8, P3 7, P4 3 at time 0", want, 4, NULL, 0,
                 "Shortest job first: of the jobs that have arrived, the shortest burst runs.");
    expect_waits(r, "P1 6, P2 8, P3 7, P4 3", (int[]){3, 16, 9, 0}, 7.0);
}

Test(sched, sjf_is_non_preemptive)
{
    struct job jobs[] = {{"P1", 0, 8, 0}, {"P2", 1, 4, 0}, {"P3", 2, 9, 0}, {"P4", 3, 5, 0}};
    struct run *r = simulate(SJF, jobs, 4, 0);
    struct slice want[] = {{0, 0, 0, 8}, {1, 0, 8, 12}, {3, 0, 12, 17}, {2, 0, 17, 26}};
    struct slice srtf[] = {
        {0, 0, 0, 1}, {1, 0, 1, 5}, {3, 0, 5, 10}, {0, 0, 10, 17}, {2, 0, 17, 26}};
    expect_chart(r, "P1 0/8, P2 1/4, P3 2/9, P4 3/5 (arrival/burst)", want, 4, srtf, 5,
                 "P1 was preempted when the shorter P2 arrived: that is shortest-remaining-time "
                 "(preemptive SJF). This SJF is non-preemptive: choose only when the CPU is "
                 "free, then run that job to its end.");
    expect_waits(r, "P1 0/8, P2 1/4, P3 2/9, P4 3/5", (int[]){0, 7, 15, 9}, 7.75);
}

Test(sched, sjf_tie_goes_to_earlier_arrival)
{
    struct job jobs[] = {{"A", 0, 3, 0}, {"B", 2, 4, 0}, {"C", 1, 4, 0}, {"D", 0, 4, 0}};
    struct run *r = simulate(SJF, jobs, 4, 0);
    struct slice want[] = {{0, 0, 0, 3}, {3, 0, 3, 7}, {2, 0, 7, 11}, {1, 0, 11, 15}};
    expect_chart(r, "A 0/3, B 2/4, C 1/4, D 0/4: B, C and D tie on burst", want, 4, NULL, 0,
                 "A tie on burst goes to the job that arrived first (D at 0, then C at 1, then "
                 "B at 2), and only then to the lower index.");
}

Test(sched, rr_textbook)
{
    struct run *r = simulate(RR, textbook, 3, 4);
    struct slice want[] = {{0, 0, 0, 4}, {1, 0, 4, 7}, {2, 0, 7, 10}, {0, 0, 10, 30}};
    expect_chart(r, "quantum 4, P1 24, P2 3, P3 3 at time 0", want, 4, NULL, 0,
                 "Round robin: each job runs at most one quantum, then goes to the tail of the "
                 "ready queue; a job that finishes early leaves at once.");
    expect_waits(r, "quantum 4, P1 24, P2 3, P3 3", (int[]){6, 4, 7}, 17.0 / 3);
}

Test(sched, rr_arrival_joins_before_preempted)
{
    struct job jobs[] = {{"A", 0, 5, 0}, {"B", 2, 3, 0}};
    struct run *r = simulate(RR, jobs, 2, 2);
    struct slice want[] = {{0, 0, 0, 2}, {1, 0, 2, 4}, {0, 0, 4, 6}, {1, 0, 6, 7}, {0, 0, 7, 8}};
    struct slice wrong[] = {{0, 0, 0, 4}, {1, 0, 4, 6}, {0, 0, 6, 7}, {1, 0, 7, 8}};
    expect_chart(r, "quantum 2, A 0/5, B 2/3: B arrives exactly when A's slice ends", want, 5,
                 wrong, 4,
                 "A ran again first: the preempted job was put back before B, which arrived at "
                 "that same instant. Add the jobs that arrived (up to and at that instant) to "
                 "the queue first, then put the preempted job at the tail.");
}

Test(sched, priority_preempts_on_arrival)
{
    struct job jobs[] = {
        {"P1", 0, 10, 3}, {"P2", 1, 1, 1}, {"P3", 2, 2, 4}, {"P4", 3, 1, 5}, {"P5", 4, 5, 2}};
    struct run *r = simulate(PRIO, jobs, 5, 0);
    struct slice want[] = {{0, 0, 0, 1},  {1, 0, 1, 2},   {0, 0, 2, 4},  {4, 0, 4, 9},
                           {0, 0, 9, 16}, {2, 0, 16, 18}, {3, 0, 18, 19}};
    struct slice nonpre[] = {
        {0, 0, 0, 10}, {1, 0, 10, 11}, {4, 0, 11, 16}, {2, 0, 16, 18}, {3, 0, 18, 19}};
    expect_chart(r, "P1 0/10 pri 3, P2 1/1 pri 1, P3 2/2 pri 4, P4 3/1 pri 5, P5 4/5 pri 2", want,
                 7, nonpre, 5,
                 "P1 ran to its end although P2, more important, arrived at time 1: preemptive "
                 "priority decides again at every instant (or at every arrival), not only when "
                 "a job ends.");
    expect_waits(r, "the priority example", (int[]){6, 0, 14, 15, 0}, 7.0);
}

Test(sched, mlfq_demotes_after_full_slice)
{
    struct job jobs[] = {{"A", 0, 20, 0}};
    struct run *r = simulate(MLFQ, jobs, 1, 2);
    struct slice want[] = {{0, 0, 0, 2}, {0, 1, 2, 6}, {0, 2, 6, 20}};
    expect_chart(r, "quantum 2, A 0/20 alone (' = level 1, '' = level 2)", want, 3, NULL, 0,
                 "A job that uses its whole slice moves one level down; level k has the quantum "
                 "doubled k times (2, 4, 8); the bottom level keeps the job. Pass the level to "
                 "gantt_add.");
}

Test(sched, mlfq_higher_queue_preempts)
{
    struct job jobs[] = {{"A", 0, 10, 0}, {"B", 3, 2, 0}};
    struct run *r = simulate(MLFQ, jobs, 2, 2);
    struct slice want[] = {{0, 0, 0, 2}, {0, 1, 2, 3}, {1, 0, 3, 5}, {0, 1, 5, 9}, {0, 2, 9, 12}};
    struct slice never[] = {{0, 0, 0, 2}, {0, 1, 2, 6}, {1, 0, 6, 8}, {0, 2, 8, 12}};
    expect_chart(r, "quantum 2, A 0/10, B 3/2", want, 5, never, 4,
                 "B arrived in the top queue at 3 while A ran from level 1, yet A kept the CPU "
                 "to the end of its slice: the feedback queue never preempts. A higher queue "
                 "preempts at once; A goes back to the tail of its own level.");
}

Test(sched, mlfq_slice_ends_as_job_arrives)
{
    struct job jobs[] = {{"A", 0, 10, 0}, {"B", 6, 1, 0}};
    struct run *r = simulate(MLFQ, jobs, 2, 2);
    struct slice want[] = {{0, 0, 0, 2}, {0, 1, 2, 6}, {1, 0, 6, 7}, {0, 2, 7, 11}};
    expect_chart(r, "quantum 2, A 0/10, B 6/1: B arrives exactly when A's level-1 slice ends", want,
                 4, NULL, 0,
                 "A used its whole level-1 slice (2 to 6), so it moves down to level 2, even "
                 "though B arrived at that instant; B (level 0) runs next.");
}

Test(sched, idle_gaps_in_every_policy)
{
    struct job jobs[] = {{"A", 2, 3, 1}, {"B", 9, 2, 1}};
    struct slice want[] = {{-1, 0, 0, 2}, {0, 0, 2, 5}, {-1, 0, 5, 9}, {1, 0, 9, 11}};
    struct slice mlfq[] = {{-1, 0, 0, 2}, {0, 0, 2, 4}, {0, 1, 4, 5}, {-1, 0, 5, 9}, {1, 0, 9, 11}};
    const char *fix = "Nothing is ready before A arrives at 2, nor between 5 and 9: the CPU is "
                      "idle (an idle bar, job -1), and time jumps to the next arrival.";
    for (enum policy p = FCFS; p <= MLFQ; p++) {
        struct run *r = simulate(p, jobs, 2, 2);
        if (p == MLFQ)
            expect_chart(r, "quantum 2, A 2/3, B 9/2", mlfq, 5, NULL, 0, fix);
        else
            expect_chart(r, "A 2/3, B 9/2", want, 4, NULL, 0, fix);
        expect_waits(r, "A 2/3, B 9/2", (int[]){0, 0}, 0.0);
    }
}
