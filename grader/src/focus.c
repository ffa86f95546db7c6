/*
 * The learner's report of a whole grade: a line per lab as soon as it is
 * graded (under a live "grading 7/20" line on a terminal), then the details
 * of one lab only, the first not at full marks, and what to do next.
 */
#define _GNU_SOURCE
#include "selfstudy.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct live {
    FILE *out;
    bool tty, color;
    bool *in;    /* in[i]: lab i is graded */
    int printed; /* labs 0..printed-1 have their line out, in order */
};

/* Lines in the labs' order: each one as soon as it and those before are in. */
static void on_graded(const struct lab_result *results, int index, int done, int total, void *ctx)
{
    struct live *l = ctx;
    l->in[index] = true;
    if (l->tty)
        fputs("\r\033[K", l->out);
    while (l->printed < total && l->in[l->printed])
        report_lab_line(l->out, &results[l->printed++], false, l->color);
    if (l->tty && done < total)
        fprintf(l->out, _("grading %d/%d..."), done, total);
    fflush(l->out);
}

struct lab_result *grade_live(const struct kit *kit, const struct lab_spec **labs, int n, int jobs,
                              FILE *out, bool color)
{
    struct live l = {.out = out, .tty = isatty(fileno(out)), .color = color};
    l.in = xcalloc((size_t)n, sizeof *l.in);
    if (l.tty)
        fprintf(out, _("grading %d/%d..."), 0, n);
    else
        fprintf(out,
                ngettext("grading %d lab, %d at a time:\n", "grading %d labs, %d at a time:\n",
                         (unsigned long)n),
                n, jobs < n ? jobs : n);
    fflush(out);
    struct grade_task *tasks = xcalloc((size_t)n, sizeof *tasks);
    for (int i = 0; i < n; i++)
        tasks[i].lab = labs[i];
    struct lab_result *res = grade_tasks_in_order(kit, tasks, n, jobs, on_graded, &l);
    free(tasks);
    free(l.in);
    return res;
}

void report_focus(FILE *out, const struct lab_result *res, int n, bool color)
{
    const struct lab_result *current = NULL;
    for (int i = 0; i < n && !current; i++)
        if (res[i].score < res[i].max_score)
            current = &res[i];
    if (n > 1)
        report_total(out, res, n, color);
    if (!current)
        return;
    char dir[64];
    lab_dirname(current->lab, dir, sizeof dir);
    if (n > 1)
        fprintf(out, _("\nYour current lab, %s (the first not at full marks):\n"), dir);
    report_lab_details(out, current, false, color);
}

void report_next_step(FILE *out, const struct lab_result *res, int n)
{
    for (int i = 0; i < n; i++)
        if (res[i].score < res[i].max_score) {
            fprintf(out,
                    _("Next: grader/grade next (what lab %s asks and its first failing check); "
                      "stuck? grader/grade hint %s\n"),
                    res[i].lab->id, res[i].lab->id);
            return;
        }
    fputs(n > 1 ? _("Every lab graded here is at full marks. Next: grader/grade next\n")
                : _("Full marks. Next: grader/grade next\n"),
          out);
}
