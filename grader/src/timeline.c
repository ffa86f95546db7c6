/*
 * timeline.c - the model in the terminal: one row per process, time left to
 * right, then what each process did, who held which descriptor end, and the
 * signals. Plain ASCII so it survives any terminal and a golden test;
 * colour only when asked (a TTY).
 */
#define _GNU_SOURCE
#include "trace_model.h"

#include <stdlib.h>
#include <string.h>

enum { LABEL_W = 18, MAX_ROWS = 40 }; /* more processes: the --html page has them all */

struct cell {
    char c;
    int colour; /* 0 none, 1 red, 2 yellow, 3 magenta, 4 green, 5 dim */
};

static const char *const ansi[] = {"", "\033[31m", "\033[33m", "\033[35m", "\033[32m", "\033[2m"};

static int col_of(const struct trace_model *m, double t, int w)
{
    if (m->t_end <= 0 || t <= 0)
        return 0;
    int c = (int)(t / m->t_end * (w - 1) + 0.5);
    return c < 0 ? 0 : c >= w ? w - 1 : c;
}

static void put(struct cell *row, int col, char c, int colour)
{
    row[col].c = c;
    row[col].colour = colour;
}

static void span(struct cell *row, int from, int to, char c, int colour)
{
    for (int i = from; i <= to; i++)
        put(row, i, c, colour);
}

static void draw_row(const struct trace_model *m, int p, struct cell *row, int w)
{
    const struct tr_proc *q = &m->procs[p];
    for (int i = 0; i < w; i++)
        row[i] = (struct cell){' ', 0};
    int born = col_of(m, q->born, w);
    int end = q->ended >= 0 ? col_of(m, q->ended, w) : w - 1;
    span(row, born, end, '-', 0);
    if (q->ended >= 0 && !q->returned) {
        /* A zombie from its end until reaped (or the run's end). */
        int until = q->reaped >= 0 ? col_of(m, q->reaped, w) : w - 1;
        if (q->reaped < 0 && q->parent >= 0 && m->procs[q->parent].ended >= 0)
            until = col_of(m, m->procs[q->parent].ended, w);
        if (q->parent >= 0 && until > end)
            span(row, end + 1, until, 'z', 2);
    }
    if (q->blocked[0] && q->blocked_since >= 0)
        span(row, col_of(m, q->blocked_since, w), end, '=', 1);
    for (int i = 0; i < m->nwaits; i++) {
        const struct tr_wait *b = &m->waits[i];
        /* One column at least: a shorter wait would blot out a '-'. */
        if (b->proc == p && (b->to - b->from) * (w - 1) >= m->t_end)
            span(row, col_of(m, b->from, w), col_of(m, b->to, w), '=', 1);
    }
    for (int i = 0; i < m->nevents; i++) {
        const struct tr_event *e = &m->events[i];
        int c = col_of(m, e->t, w);
        if (e->proc != p)
            continue;
        switch (e->kind) {
        case TR_FORK:
            put(row, c, 'f', 4);
            break;
        case TR_EXEC:
            put(row, c, 'e', 4);
            break;
        case TR_EXECFAIL:
            put(row, c, '?', 1);
            break;
        case TR_REAP:
            put(row, c, 'w', 4);
            break;
        case TR_SENT:
            put(row, c, 's', 3);
            break;
        case TR_RECV:
            if (strncmp(e->text, "SIGCHLD", 7))
                put(row, c, '!', 3);
            break;
        case TR_CLOSE:
            if (row[c].c == '-')
                put(row, c, 'c', 5);
            break;
        case TR_ORPHAN:
            put(row, c, 'o', 2);
            break;
        }
    }
    put(row, born, '+', 4);
    if (q->ended >= 0)
        put(row, end,
            q->returned ? 'r'
            : q->killed ? 'K'
            : q->code   ? 'X'
                        : 'x',
            q->killed || q->code ? 1 : 0);
}

static void proc_line(FILE *out, const struct trace_model *m, const struct tr_proc *q, bool zh)
{
    fprintf(out, "  %-4s %-14.14s", q->label, q->name);
    if (q->parent >= 0)
        fprintf(out, zh ? " %2$.3f s 由 %1$s fork" : " forked by %s at %.3f s",
                m->procs[q->parent].label, q->born);
    else
        fputs(zh ? " 由检查启动" : " started by the check", out);
    if (q->returned)
        fprintf(out, zh ? "，%.3f s 回到检查" : ", back in the check at %.3f s", q->ended);
    else if (q->killed)
        fprintf(out, zh ? "，%2$.3f s 被 %1$s 杀死" : ", killed by %s at %.3f s", q->signame,
                q->ended);
    else if (q->exited)
        fprintf(out, zh ? "，%2$.3f s 退出（%1$d）" : ", exited %d at %.3f s", q->code, q->ended);
    else
        fputs(zh ? "，运行结束时仍在" : ", still there when the run ended", out);
    if (q->reaped >= 0 && q->reaped_by >= 0)
        fprintf(out,
                zh ? "，%2$.3f s 被 %1$s 回收（僵尸 %3$.3f s）"
                   : ", reaped by %s at %.3f s (zombie %.3f s)",
                m->procs[q->reaped_by].label, q->reaped, q->reaped - q->ended);
    else if (q->ended >= 0 && !q->returned && q->parent >= 0)
        fputs(zh ? "，从未被父进程回收" : ", never reaped by its parent", out);
    fputc('\n', out);
}

/* The waits that took a good part of the run (a tenth, and 50 ms), at most
 * three a process: where its time went. */
static void long_waits(FILE *out, const struct trace_model *m, int p, bool zh)
{
    int n = 0;
    for (int i = 0; i < m->nwaits; i++) {
        const struct tr_wait *b = &m->waits[i];
        double took = b->to - b->from;
        if (b->proc != p || took < 0.05 || took < m->t_end / 10)
            continue;
        if (++n > 3) {
            fputs(zh ? "       （还有更长的等待：见 --html FILE 的网页）\n"
                     : "       (more long waits: see the --html FILE page)\n",
                  out);
            return;
        }
        fprintf(out,
                zh ? "       在 %s 中等待了 %.3f s（%.3f-%.3f s）\n"
                   : "       waited %2$.3f s in %1$s (%3$.3f-%4$.3f s)\n",
                b->what, took, b->from, b->to);
    }
}

void timeline_print(FILE *out, const struct trace_model *m, int width, bool color, bool zh)
{
    int w = width - LABEL_W - 2;
    if (w < 10)
        w = 10;
    fprintf(out, zh ? "%d 个进程，%d 个事件，%.3f s\n" : "%d processes, %d events, %.3f s\n",
            m->nprocs, m->nevents, m->t_end);
    if (m->nprocs == 0) {
        fputs(zh ? "（跟踪里没有学生进程：该检查没有运行学生代码？）\n"
                 : "(no student process in the trace: did the check run student code?)\n",
              out);
        return;
    }
    struct cell *row = calloc((size_t)w, sizeof *row);
    fprintf(out, "%-*s|0 s%*.*s%.3f s|\n", LABEL_W - 1, "", w - 10, w - 10, "", m->t_end);
    for (int p = 0; p < m->nprocs && p < MAX_ROWS; p++) {
        const struct tr_proc *q = &m->procs[p];
        draw_row(m, p, row, w);
        char label[40];
        snprintf(label, sizeof label, "%-4s %-12.12s", q->label, q->name);
        fprintf(out, "%-*.*s|", LABEL_W - 1, LABEL_W - 1, label);
        for (int i = 0; i < w; i++) {
            if (color && row[i].colour)
                fprintf(out, "%s%c\033[0m", ansi[row[i].colour], row[i].c);
            else
                fputc(row[i].c, out);
        }
        fputs("|\n", out);
    }
    free(row);
    if (m->nprocs > MAX_ROWS)
        fprintf(out,
                zh ? "（还有 %d 个进程：--html FILE 的网页里有全部）\n"
                   : "(and %d more processes: the --html FILE page has them all)\n",
                m->nprocs - MAX_ROWS);
    fputs(
        zh ? "  + 出生  f fork  e exec  c 关闭描述符  w 回收子进程  s 发信号  ! 收到信号\n"
             "  x 退出  X 非零退出  K 被信号杀死  r 回到检查  z 僵尸  = 阻塞  o 成为孤儿\n"
           : "  + born  f fork  e exec  c closes a descriptor  w reaps a child  s sends a signal\n"
             "  ! gets a signal  x exits  X exits non-zero  K killed  r back in the check\n"
             "  z zombie  = blocked  o orphaned\n",
        out);

    fputs(zh ? "\n进程：\n" : "\nProcesses:\n", out);
    for (int p = 0; p < m->nprocs && p < MAX_ROWS; p++) {
        proc_line(out, m, &m->procs[p], zh);
        long_waits(out, m, p, zh);
        if (m->procs[p].blocked[0])
            fprintf(out, zh ? "       结束时阻塞在 %s\n" : "       blocked at the end in %s\n",
                    m->procs[p].blocked);
    }
    int shown = 0;
    for (int o = 0; o < m->nobjs; o++) {
        const struct tr_obj *ob = &m->objs[o];
        if (!ob->shown)
            continue;
        if (shown == MAX_ROWS) {
            fputs(zh ? "  （更多：见 --html FILE 的网页）\n"
                     : "  (more: see the --html FILE page)\n",
                  out);
            break;
        }
        if (!shown++)
            fputs(zh ? "\n管道和套接字（谁持有哪一端，从何时到何时）：\n"
                     : "\nPipes and sockets (who held which end, from when to when):\n",
                  out);
        fprintf(out, zh ? "  %s，%.3f s 创建\n" : "  %s, made at %.3f s\n", ob->name, ob->made);
        for (int end = 0; end < 2; end++) {
            bool any = false;
            for (int k = 0; k < m->nholds; k++) {
                const struct tr_hold *h = &m->holds[k];
                if (h->obj != o || h->end != end)
                    continue;
                if (!any)
                    fprintf(out, "    %-10s", trace_end_name(m, o, end, zh));
                fprintf(out, "%s%s fd %d %.3f-", any ? "; " : "", m->procs[h->proc].label, h->fd,
                        h->from);
                if (h->to >= 0)
                    fprintf(out, "%.3f", h->to);
                else
                    fputs(zh ? "结束" : "end", out);
                any = true;
            }
            if (any)
                fputc('\n', out);
        }
    }
    shown = 0;
    for (int i = 0; i < m->nevents; i++) {
        const struct tr_event *e = &m->events[i];
        if (e->kind != TR_SENT && !(e->kind == TR_RECV && strncmp(e->text, "SIGCHLD", 7)))
            continue;
        if (shown == MAX_ROWS) {
            fputs(zh ? "  （更多：见 --html FILE 的网页）\n"
                     : "  (more: see the --html FILE page)\n",
                  out);
            break;
        }
        if (!shown++)
            fputs(zh ? "\n信号：\n" : "\nSignals:\n", out);
        const char *who = zh ? "检查" : "the check";
        for (int p = 0; p < m->nprocs; p++)
            if (m->procs[p].pid == (e->other < 0 ? -e->other : e->other))
                who = m->procs[p].label;
        if (e->kind == TR_SENT)
            fprintf(out, zh ? "  %.3f s  %s 发送 %s 给%s %s\n" : "  %.3f s  %s sends %s to%s %s\n",
                    e->t, m->procs[e->proc].label, e->text,
                    e->other < 0 ? (zh ? "进程组" : " the group of") : "",
                    e->other == 0 ? (zh ? "自己的进程组" : "its own process group") : who);
        else
            fprintf(out,
                    zh ? "  %.3f s  %s 收到 %s（来自 %s）\n" : "  %.3f s  %s gets %s (from %s)\n",
                    e->t, m->procs[e->proc].label, e->text,
                    e->other > 0 ? who : (zh ? "内核" : "the kernel"));
    }
}
