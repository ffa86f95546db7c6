/* gantt.c - lab 20: building and printing a schedule. (Given: do not edit.) */
#include "sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void schedule_init(struct schedule *s)
{
    memset(s, 0, sizeof *s); /* no chart yet: gantt_add allocates it */
}

void schedule_free(struct schedule *s)
{
    free(s->gantt);
    schedule_init(s);
}

void gantt_add(struct schedule *s, int job, int level, int start, int end)
{
    if (end <= start)
        return;
    if (s->nslices > 0) {
        struct slice *last = &s->gantt[s->nslices - 1];
        if (last->job == job && last->level == level && last->end == start) {
            last->end = end; /* the same job runs on: one bar */
            return;
        }
    }
    if (s->nslices == s->capacity) { /* full: twice the room */
        int capacity = s->capacity ? 2 * s->capacity : 64;
        struct slice *bigger = realloc(s->gantt, capacity * sizeof *bigger);
        if (!bigger) {
            fprintf(stderr, "gantt_add: no memory for a chart of %d bars\n", capacity);
            exit(1);
        }
        s->gantt = bigger;
        s->capacity = capacity;
    }
    s->gantt[s->nslices++] = (struct slice){job, level, start, end};
}

static const char *label(const struct job jobs[], int n, int job)
{
    return job >= 0 && job < n ? jobs[job].name : "idle";
}

void schedule_print(const struct job jobs[], int n, const struct schedule *s)
{
    char bars[4096] = "|", times[4096] = "";
    int used = 1, tused = 0, i;
    for (i = 0; i < s->nslices && used < (int)sizeof bars - 64 && tused < (int)sizeof times - 64;
         i++) {
        const struct slice *b = &s->gantt[i];
        char cell[64];
        int w = snprintf(cell, sizeof cell, " %s%s ", label(jobs, n, b->job),
                         b->level ? (b->level == 1 ? "'" : "''") : "");
        used += snprintf(bars + used, sizeof bars - used, "%s|", cell);
        tused += snprintf(times + tused, sizeof times - tused, "%-*d", w + 1, b->start);
    }
    if (i < s->nslices) { /* too long to draw whole: say how much is left out */
        char cell[64];
        int w = snprintf(cell, sizeof cell, " ... %d more bars ", s->nslices - i);
        used += snprintf(bars + used, sizeof bars - used, "%s|", cell);
        tused += snprintf(times + tused, sizeof times - tused, "%-*d", w + 1, s->gantt[i].start);
    }
    if (s->nslices > 0)
        snprintf(times + tused, sizeof times - tused, "%d", s->gantt[s->nslices - 1].end);
    printf("Gantt chart:\n%s\n%s\n\n", bars, times);
    printf("job   arrival  burst  finish  turnaround  waiting\n");
    for (int i = 0; i < n; i++)
        printf("%-5s %7d %6d %7d %11d %8d\n", jobs[i].name, jobs[i].arrival, jobs[i].burst,
               s->finish[i], s->turnaround[i], s->waiting[i]);
    printf("average turnaround %.2f, average waiting %.2f\n", s->avg_turnaround, s->avg_waiting);
}
