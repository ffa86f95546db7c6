/* Lab 20 checks: the schedulers against textbook answers and edge cases. */
#include "check.h"
#include "sched.h"

#include <stdio.h>
#include <string.h>

TestSuite(sched, .timeout = CHECK_SUITE_TIMEOUT);

enum policy { FCFS, SJF, RR, PRIO, MLFQ, TIMES };

enum { CHART_MAX = 1024 }; /* bars brought back to the test (a chart may hold more) */

/* What the body is asked to run, and what it got back: the schedule, and
 * the chart's first bars copied out of the body's heap. */
struct run {
    enum policy policy;
    int n, quantum;
    struct job jobs[MAX_JOBS];
    struct schedule s;
    struct slice chart[CHART_MAX];
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
    int bars = r->s.nslices < CHART_MAX ? r->s.nslices : CHART_MAX;
    if (bars > 0 && r->s.gantt != r->chart)
        memcpy(r->chart, r->s.gantt, bars * sizeof *r->chart);
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
    r->s.gantt = r->chart; /* the body's heap is gone: read its copy */
    return r;
}

/* Bars the test can read: the chart's first CHART_MAX. */
static int bars(const struct run *r)
{
    return r->s.nslices < CHART_MAX ? r->s.nslices : CHART_MAX;
}

/* "A 0-2 | B' 2-3 | idle 3-5": levels shown with ' marks (MLFQ). */
static const char *chart(const struct run *r, const struct slice *g, int count, char *buf,
                         size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    if (count == 0)
        snprintf(buf, size, _("(no bars at all)"));
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
    if (r->s.nslices != count || count > CHART_MAX)
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
    chart(r, r->s.gantt, bars(r), got, sizeof got);
    chart(r, want, count, exp, sizeof exp);
    bool known_wrong = wrong && r->s.nslices == nwrong && same_chart(r, wrong, nwrong);
    const char *why = known_wrong || !wrong ? mistake
                                            : _("(bars of one job that follow each other are "
                                              "merged by gantt_add; idle time is a bar of job -1)");
    static char ran[512];
    bool levels = false, want_levels = false;
    for (int i = 0; i < bars(r); i++)
        levels |= r->s.gantt[i].level != 0;
    for (int i = 0; i < count; i++)
        want_levels |= want[i].level != 0;
    if (want_levels && !levels && r->s.nslices > 0 && !known_wrong)
        why = _("Every bar is at level 0: pass the level a job runs from to gantt_add (a job "
              "that used a whole slice runs from a lower level).");
    for (int j = 0; j < r->n && !known_wrong && r->s.nslices <= CHART_MAX; j++) {
        int units = 0; /* what the chart shows: a job runs its burst, in total */
        for (int i = 0; i < r->s.nslices; i++)
            units += r->s.gantt[i].job == j ? r->s.gantt[i].end - r->s.gantt[i].start : 0;
        if (units != r->jobs[j].burst && !same_chart(r, want, count)) {
            snprintf(ran, sizeof ran,
                     _("%s is in this chart for %d units, but its burst is %d: every job runs "
                       "exactly its burst in total%s."),
                     r->jobs[j].name, units, r->jobs[j].burst,
                     r->policy == RR || r->policy == MLFQ ? _(" (a slice is the quantum, or the "
                                                              "work left when that is less)")
                                                          : "");
            why = ran;
            break;
        }
    }
    cr_assert(same_chart(r, want, count),
              "%s, %s: the Gantt chart is\n    %s\nbut should be\n    %s\n%s", names[r->policy],
              example, got, exp, why);
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
    memcpy(r->chart, g, sizeof g);
    r->s.gantt = r->chart;
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

Test(sched, fcfs_arrival_order)
{
    struct job jobs[] = {{"A", 4, 2, 0}, {"B", 0, 3, 0}, {"C", 1, 1, 0}};
    struct run *r = simulate(FCFS, jobs, 3, 0);
    struct slice want[] = {{1, 0, 0, 3}, {2, 0, 3, 4}, {0, 0, 4, 6}};
    struct slice table[] = {{-1, 0, 0, 4}, {0, 0, 4, 6}, {1, 0, 6, 9}, {2, 0, 9, 10}};
    expect_chart(r, "A 4/2, B 0/3, C 1/1 (a table not sorted by arrival)", want, 3, table, 4,
                 "The jobs ran in the order of the table: FCFS runs them in arrival order "
                 "(ties: lower index), and the table need not be sorted.");
    expect_waits(r, "A 4/2, B 0/3, C 1/1", (int[]){0, 0, 2}, 2.0 / 3);
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
    struct slice index[] = {{0, 0, 0, 3}, {1, 0, 3, 7}, {2, 0, 7, 11}, {3, 0, 11, 15}};
    expect_chart(r, "A 0/3, B 2/4, C 1/4, D 0/4: B, C and D tie on burst", want, 4, index, 4,
                 "B, C and D ran in the order of the table: a tie on burst goes to the job that "
                 "arrived first (D at 0, then C at 1, then B at 2), and only then to the lower "
                 "index.");
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

Test(sched, priority_tie_goes_to_earlier_arrival)
{
    struct job jobs[] = {{"A", 1, 2, 1}, {"B", 0, 3, 1}, {"C", 1, 2, 1}};
    struct run *r = simulate(PRIO, jobs, 3, 0);
    struct slice want[] = {{1, 0, 0, 3}, {0, 0, 3, 5}, {2, 0, 5, 7}};
    struct slice index[] = {{1, 0, 0, 1}, {0, 0, 1, 3}, {1, 0, 3, 5}, {2, 0, 5, 7}};
    expect_chart(r, "A 1/2, B 0/3, C 1/2, all priority 1", want, 3, index, 4,
                 "A took the CPU from B at 1 with the same priority, being first in the table: "
                 "a tie on priority goes to the earlier arrival (B at 0), and only then to the "
                 "lower index (A before C).");
}

Test(sched, mlfq_demotes_after_full_slice)
{
    struct job jobs[] = {{"A", 0, 20, 0}};
    struct run *r = simulate(MLFQ, jobs, 1, 2);
    struct slice want[] = {{0, 0, 0, 2}, {0, 1, 2, 6}, {0, 2, 6, 20}};
    struct slice same[] = {{0, 0, 0, 2}, {0, 1, 2, 4}, {0, 2, 4, 20}};
    expect_chart(r, "quantum 2, A 0/20 alone (' = level 1, '' = level 2)", want, 3, same, 3,
                 "A's level-1 slice was 2 units, the level-0 quantum: level k has the quantum "
                 "doubled k times (quantum << k: 2, 4, 8); the bottom level keeps the job.");

    /* The bottom queue is round robin too: a whole bottom slice sends the
     * job to the tail of the bottom queue, behind the others there. */
    struct job two[] = {{"A", 0, 8, 0}, {"B", 0, 8, 0}};
    r = simulate(MLFQ, two, 2, 1);
    struct slice rr[] = {{0, 0, 0, 1}, {1, 0, 1, 2}, {0, 1, 2, 4},   {1, 1, 4, 6},
                         {0, 2, 6, 10}, {1, 2, 10, 14}, {0, 2, 14, 15}, {1, 2, 15, 16}};
    struct slice fcfs[] = {{0, 0, 0, 1}, {1, 0, 1, 2},  {0, 1, 2, 4},
                           {1, 1, 4, 6}, {0, 2, 6, 11}, {1, 2, 11, 16}};
    expect_chart(r, "quantum 1, A 0/8, B 0/8 (quanta 1, 2, 4)", rr, 8, fcfs, 6,
                 "A used its whole bottom-level slice (6 to 10) and ran on, while B waited at "
                 "the bottom level too: the bottom queue is round robin like the others. A job "
                 "that uses its whole slice there goes to the tail of the bottom queue (it "
                 "stays at that level, it does not keep the CPU).");
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

    /* The preempted job goes to the TAIL of its level, behind a job waiting there. */
    struct job three[] = {{"A", 0, 10, 0}, {"C", 0, 10, 0}, {"B", 5, 1, 0}};
    r = simulate(MLFQ, three, 3, 2);
    struct slice tail[] = {{0, 0, 0, 2},  {1, 0, 2, 4},   {0, 1, 4, 5},   {2, 0, 5, 6},
                           {1, 1, 6, 10}, {0, 1, 10, 14}, {1, 2, 14, 18}, {0, 2, 18, 21}};
    struct slice head[] = {{0, 0, 0, 2},  {1, 0, 2, 4},   {0, 1, 4, 5},   {2, 0, 5, 6},
                           {0, 1, 6, 10}, {1, 1, 10, 14}, {0, 2, 14, 17}, {1, 2, 17, 21}};
    expect_chart(r, "quantum 2, A 0/10, C 0/10, B 5/1", tail, 8, head, 8,
                 "B preempted A at 5, and after B A ran again at level 1 before C, which had "
                 "waited at level 1 since 4: the preempted job went back to the head of its "
                 "queue. It goes to the tail of its own level, behind the jobs waiting there.");
}

Test(sched, mlfq_slice_ends_as_job_arrives)
{
    struct job jobs[] = {{"A", 0, 10, 0}, {"B", 6, 1, 0}};
    struct run *r = simulate(MLFQ, jobs, 2, 2);
    struct slice want[] = {{0, 0, 0, 2}, {0, 1, 2, 6}, {1, 0, 6, 7}, {0, 2, 7, 11}};
    struct slice kept[] = {{0, 0, 0, 2}, {0, 1, 2, 6}, {1, 0, 6, 7}, {0, 1, 7, 11}};
    expect_chart(r, "quantum 2, A 0/10, B 6/1: B arrives exactly when A's level-1 slice ends", want,
                 4, kept, 4,
                 "A went back to level 1, as if B had preempted it: A used its whole level-1 "
                 "slice (2 to 6), so it moves down to level 2, even though B arrived at that "
                 "instant; B (level 0) runs next.");
}

Test(sched, idle_gaps_in_every_policy)
{
    struct job jobs[] = {{"A", 2, 3, 1}, {"B", 9, 2, 1}};
    struct slice want[] = {{-1, 0, 0, 2}, {0, 0, 2, 5}, {-1, 0, 5, 9}, {1, 0, 9, 11}};
    struct slice mlfq[] = {{-1, 0, 0, 2}, {0, 0, 2, 4}, {0, 1, 4, 5}, {-1, 0, 5, 9}, {1, 0, 9, 11}};
    const char *fix = _("Nothing is ready before A arrives at 2, nor between 5 and 9: the CPU is "
                      "idle (an idle bar, job -1), and time jumps to the next arrival.");
    for (enum policy p = FCFS; p <= MLFQ; p++) {
        struct run *r = simulate(p, jobs, 2, 2);
        if (p == MLFQ)
            expect_chart(r, "quantum 2, A 2/3, B 9/2", mlfq, 5, NULL, 0, fix);
        else
            expect_chart(r, "A 2/3, B 9/2", want, 4, NULL, 0, fix);
        expect_waits(r, "A 2/3, B 9/2", (int[]){0, 0}, 0.0);
    }
}

/* A long schedule, run whole: every time up to MAX_TIME is computed right,
 * whatever the chart's length. how says how to see it with ./sched. */
static void expect_long(enum policy p, const struct job *jobs, int n, int quantum,
                        const char *example, const char *how, int nslices, const int *finish)
{
    struct run *r = shared_alloc(sizeof *r);
    r->policy = p;
    r->n = n;
    r->quantum = quantum;
    memcpy(r->jobs, jobs, n * sizeof *jobs);
    const char *look = _("A schedule of any length up to MAX_TIME must be computed whole: if the "
                       "short examples pass, look for what outgrows a fixed size on a long "
                       "schedule, such as an array (a queue?) whose index only grows; a job is "
                       "in at most one queue at a time, so a ring whose indices wrap is enough");
    struct sandbox sb = sandbox_run(body, r, 8000);
    cr_assert(sb.returned, "%s, %s (a chart of %d bars): %s %s.\n%s. To see it: %s\n%s",
              names[p], example, nslices, calls[p], sandbox_describe(&sb), look, how,
              sandbox_tail(&sb));
    for (int i = 0; i < n; i++) {
        int turnaround = finish[i] - jobs[i].arrival, waiting = turnaround - jobs[i].burst;
        cr_assert(r->s.finish[i] == finish[i] && r->s.turnaround[i] == turnaround &&
                      r->s.waiting[i] == waiting,
                  "%s, %s: %s finished at %d (turnaround %d, waiting %d), should be %d (%d, %d); "
                  "the chart has %d bar%s, should be %d.\n%s. To see it: %s",
                  names[p], example, jobs[i].name, r->s.finish[i], r->s.turnaround[i],
                  r->s.waiting[i], finish[i], turnaround, waiting, r->s.nslices,
                  r->s.nslices == 1 ? "" : "s", nslices, look, how);
    }
    cr_assert(r->s.nslices == nslices,
              "%s, %s: the times are right but the chart has %d bar%s, should be %d (bars of "
              "one job that follow each other are merged by gantt_add). To see it: %s",
              names[p], example, r->s.nslices, r->s.nslices == 1 ? "" : "s", nslices, how);
}

Test(sched, long_schedule_computed_right)
{
    struct job two[] = {{"A", 0, 257, 0}, {"B", 0, 256, 0}};
    expect_long(RR, two, 2, 1, "quantum 1, A 0/257, B 0/256",
                "./sched rr 1 FILE, FILE holding the lines A 0 257 and B 0 256", 513,
                (int[]){513, 512});
    struct job three[] = {{"A", 0, 100000, 0}, {"B", 0, 100000, 0}, {"C", 0, 100000, 0}};
    expect_long(RR, three, 3, 1, "quantum 1, A, B and C 0/100000",
                "./sched rr 1 FILE, FILE holding A 0 100000, B 0 100000 and C 0 100000", 300000,
                (int[]){299998, 299999, 300000});
    struct job sinking[] = {{"A", 0, 200000, 0}, {"B", 0, 200000, 0}};
    expect_long(MLFQ, sinking, 2, 1, "quantum 1, A and B 0/200000",
                "./sched mlfq 1 FILE, FILE holding A 0 200000 and B 0 200000", 100004,
                (int[]){399999, 400000});
}

/* n jobs J0..J(n-1), all 0/3, ready at once: RR quantum 2 ends Ji at
 * 2n + i + 1, MLFQ quantum 1 at n + 2i + 2. Says what was seen when wrong. */
static bool full_table_wrong(enum policy p, int n, char *seen, size_t size)
{
    static char label[MAX_JOBS][8];
    struct run *r = shared_alloc(sizeof *r);
    r->policy = p;
    r->n = n;
    r->quantum = p == RR ? 2 : 1;
    for (int i = 0; i < n; i++) {
        snprintf(label[i], sizeof label[i], "J%d", i);
        r->jobs[i] = (struct job){label[i], 0, 3, 0};
    }
    struct sandbox sb = sandbox_run(body, r, 4000);
    if (!sb.returned) {
        snprintf(seen, size, "%s %s", calls[p], sandbox_describe(&sb));
        return true;
    }
    for (int i = 0; i < n; i++) {
        int want = p == RR ? 2 * n + i + 1 : n + 2 * i + 2;
        if (r->s.finish[i] != want) {
            snprintf(seen, size, _("J%d finished at %d, should be %d"), i, r->s.finish[i], want);
            return true;
        }
    }
    return false;
}

Test(sched, full_job_table)
{
    for (enum policy p = RR; p <= MLFQ; p += MLFQ - RR) {
        char fewer[256], full[256];
        bool bad_fewer = full_table_wrong(p, MAX_JOBS - 1, fewer, sizeof fewer);
        bool bad_full = full_table_wrong(p, MAX_JOBS, full, sizeof full);
        cr_assert(!bad_full || bad_fewer,
                  "%s, quantum %d, all MAX_JOBS (%d) jobs J0..J%d 0/3, ready at once: %s. With "
                  "one job fewer it is right, so the ready queue holds one job too few: a ring "
                  "of N slots tells full from empty only up to N - 1 jobs, and MAX_JOBS jobs "
                  "can be ready at once. To see it: ./sched %s %d FILE, FILE holding the %d "
                  "lines J0 0 3 ... J%d 0 3",
                  names[p], p == RR ? 2 : 1, MAX_JOBS, MAX_JOBS - 1, full,
                  p == RR ? "rr" : "mlfq", p == RR ? 2 : 1, MAX_JOBS, MAX_JOBS - 1);
        cr_assert(!bad_fewer,
                  "%s, quantum %d, %d jobs J0..J%d 0/3, ready at once: %s. To see it: ./sched "
                  "%s %d FILE, FILE holding the lines J0 0 3 ... J%d 0 3",
                  names[p], p == RR ? 2 : 1, MAX_JOBS - 1, MAX_JOBS - 2, fewer,
                  p == RR ? "rr" : "mlfq", p == RR ? 2 : 1, MAX_JOBS - 2);
    }
}
