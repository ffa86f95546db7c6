/*
 * trace_findings.c - from the model, the few sentences that name a culprit
 * (trace_model.h): who holds the end that keeps a reader from EOF, which
 * child was never reaped, who was left blocked where, who was orphaned.
 */
#define _GNU_SOURCE
#include "trace_model.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct buf {
    char *s;
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void add(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *more = NULL;
    int n = vasprintf(&more, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *s = realloc(b->s, b->len + (size_t)n + 1);
    if (!s) {
        free(more);
        return;
    }
    memcpy(s + b->len, more, (size_t)n + 1);
    b->s = s;
    b->len += (size_t)n;
    free(more);
}

static bool reads(const char *call)
{
    return !strncmp(call, "read", 4) || !strncmp(call, "recv", 4);
}

static bool writes(const char *call)
{
    return !strncmp(call, "write", 5) || !strncmp(call, "send", 4);
}

/* Who held end `end` of obj at time t: "p1 (fd 4), p2 (fd 4)". */
static void holders(const struct trace_model *m, int obj, int end, double t, struct buf *b, bool zh)
{
    const double eps = 1e-6;
    int n = 0;
    for (int k = 0; k < m->nholds; k++) {
        const struct tr_hold *h = &m->holds[k];
        if (h->obj != obj || h->end != end || h->from > t + eps || (h->to >= 0 && h->to < t - eps))
            continue;
        add(b, "%s%s %s (fd %d)", n ? ", " : "", m->procs[h->proc].label, m->procs[h->proc].name,
            h->fd);
        n++;
    }
    if (!n)
        add(b, "%s", zh ? "（无人）" : "(no one)");
}

static void eof_finding(const struct trace_model *m, const struct tr_proc *q, struct buf *b,
                        bool zh)
{
    int o = q->blocked_obj;
    const struct tr_obj *ob = &m->objs[o];
    int other = 1 - q->blocked_end; /* a pipe's or a socket pair's other end */
    double t = q->ended >= 0 ? q->ended : m->t_end;
    /* What was last written there: a reader that waited for a message and
     * not for EOF was left without one. */
    char last[96] = "";
    if (reads(q->blocked) && ob->wrote[other])
        snprintf(last, sizeof last,
                 zh ? "%.3f s 之后再没有人写入 %s。"
                    : " Nothing was written into %2$s after %1$.3f s.",
                 ob->written[other], ob->name);
    else if (reads(q->blocked))
        snprintf(last, sizeof last, zh ? "从没有人写入 %s。" : " Nothing was ever written into %s.",
                 ob->name);
    if (reads(q->blocked)) {
        if (zh) {
            add(b,
                "  %1$s %2$s 从 %4$.3f s 起阻塞在 %3$s 上，直到 %5$.3f s 被结束：它一直等不到 EOF，"
                "因为 %6$s 的%7$s仍然打开在：",
                q->label, q->name, q->blocked, q->blocked_since, t, ob->name,
                trace_end_name(m, o, other, true));

            holders(m, o, other, t, b, true);
            add(b,
                "。%s\n     只有当另一端的每一个副本都关闭时，读者才会看到 EOF：fork() 之后"
                "立刻关闭每个进程不用的那一端。若它等的是一条消息而不是 EOF：那条消息从未发出"
                "（把发送的和读取的数一数）。\n",
                last);
        } else {
            add(b,
                "  %s %s was blocked in %s from %.3f s until it was ended at %.3f s: it never "
                "saw EOF, because %s%s of %s was still open in: ",
                q->label, q->name, q->blocked, q->blocked_since, t,
                ob->kind == TR_PIPE ? "the " : "", trace_end_name(m, o, other, false), ob->name);
            holders(m, o, other, t, b, false);
            add(b,
                ".%s\n     A reader sees EOF only when every copy of the other end is closed: "
                "right after fork(), close the ends each process does not use. If it waited "
                "for a message, not EOF: that message was never sent (count what is sent "
                "against what is read).\n",
                last);
        }
    } else if (writes(q->blocked)) {
        add(b,
            zh ? "  %1$s %2$s 从 %4$.3f s 起阻塞在 %3$s 上：缓冲区满了，没有人读。持有另一端的："
               : "  %s %s was blocked in %s from %.3f s: the buffer was full and no one read "
                 "it. Holding the other end: ",
            q->label, q->name, q->blocked, q->blocked_since);
        holders(m, o, other, t, b, zh);
        add(b, "%s", zh ? "。\n" : ".\n");
    } else {
        add(b,
            zh ? "  %s %s 运行结束时仍阻塞在 %s（自 %.3f s 起）。\n"
               : "  %s %s was still blocked in %s when the run ended (since %.3f s).\n",
            q->label, q->name, q->blocked, q->blocked_since);
    }
}

static void zombie_finding(const struct trace_model *m, const struct tr_proc *q, struct buf *b,
                           bool zh)
{
    if (q->ended < 0 || q->returned || q->parent < 0 ||
        (q->orphaned >= 0 && q->orphaned <= q->ended))
        return; /* an orphan is the run's reaper's to reap */
    const struct tr_proc *p = &m->procs[q->parent];
    char how[48];
    if (q->killed)
        snprintf(how, sizeof how, zh ? "被 %s 杀死" : "killed by %s", q->signame);
    else
        snprintf(how, sizeof how, zh ? "退出码 %d" : "exit %d", q->code);
    if (q->reaped < 0) {
        bool parent_ended = p->ended >= 0 && p->ended >= q->ended;
        double until = parent_ended ? p->ended : m->t_end;
        /* A parent that exited at once took its zombie with it: no harm.
         * One back in the check left it for the check to see. */
        if (parent_ended && !p->returned && until - q->ended < 0.05)
            return;
        if (zh)
            add(b,
                "  %s %s 在 %.3f s 结束（%s），但它的父进程 %s %s 从未等待（wait）它：它做了 "
                "%.3f s 的僵尸进程，直到%s。\n     用 waitpid() 回收每一个子进程。\n",
                q->label, q->name, q->ended, how, p->label, p->name, until - q->ended,
                parent_ended ? "父进程结束" : "运行结束");
        else
            add(b,
                "  %s %s ended at %.3f s (%s) but its parent %s %s never waited for it: it was "
                "a zombie for %.3f s, until %s.\n     Reap every child with waitpid().\n",
                q->label, q->name, q->ended, how, p->label, p->name, until - q->ended,
                parent_ended ? "its parent ended" : "the run ended");
    } else if (q->reaped - q->ended >= 0.1) {
        add(b,
            zh ? "  %1$s %2$s 在被 %4$s 回收之前做了 %3$.3f s 的僵尸进程。\n"
               : "  %s %s was a zombie for %.3f s before %s reaped it.\n",
            q->label, q->name, q->reaped - q->ended,
            m->procs[q->reaped_by >= 0 ? q->reaped_by : q->parent].label);
    }
}

/* A program started with pipe descriptors besides its stdin, stdout and
 * stderr: copies the parent forgot to close before exec (its EOF-keepers). */
static void exec_finding(const struct trace_model *m, const struct tr_event *e, struct buf *b,
                         bool zh)
{
    const double eps = 1e-6;
    int n = 0;
    for (int k = 0; k < m->nholds; k++) {
        const struct tr_hold *h = &m->holds[k];
        if (h->proc != e->proc || h->fd <= 2 || h->from > e->t + eps ||
            (h->to >= 0 && h->to <= e->t + eps))
            continue;
        if (!n++)
            add(b,
                zh ? "  %1$s 在 %3$.3f s exec 了 %2$s，带着标准输入输出之外的描述符："
                   : "  %s started %s at %.3f s holding descriptors besides stdin, stdout and "
                     "stderr: ",
                m->procs[e->proc].label, e->text, e->t);
        add(b, "%sfd %d (%s, %s)", n > 1 ? ", " : "", h->fd, m->objs[h->obj].name,
            trace_end_name(m, h->obj, h->end, zh));
    }
    if (n)
        add(b, "%s",
            zh ? "。\n     dup2() 之后关闭原来的两个管道描述符，它们会让读者等不到 EOF。\n"
               : ".\n     After dup2(), close both original pipe descriptors: a copy left open "
                 "keeps the reader from EOF.\n");
}

/* When child c was reaped by its parent, or -1. */
static double reap_time(const struct trace_model *m, int c)
{
    return m->procs[c].reaped_by == m->procs[c].parent ? m->procs[c].reaped : -1;
}

/* A parent that forked three children or more, each only after it had
 * reaped the one before, and waited a good while for one of them: its
 * children never ran together (a join inside the start loop). */
static void serial_finding(const struct trace_model *m, int p, struct buf *b, bool zh)
{
    int kids[64], n = 0;
    for (int i = 0; i < m->nevents && n < 64; i++)
        if (m->events[i].kind == TR_FORK && m->events[i].proc == p)
            kids[n++] = m->events[i].other;
    if (n < 3)
        return;
    for (int k = 0; k + 1 < n; k++) {
        double reaped = reap_time(m, kids[k]);
        if (reaped < 0 || m->procs[kids[k + 1]].born < reaped)
            return;
    }
    const struct tr_wait *longest = NULL;
    for (int i = 0; i < m->nwaits; i++) {
        const struct tr_wait *w = &m->waits[i];
        if (w->proc == p && !strncmp(w->what, "wait", 4) &&
            (!longest || w->to - w->from > longest->to - longest->from))
            longest = w;
    }
    double took = longest ? longest->to - longest->from : 0;
    if (took < 0.05 || took < m->t_end / 10)
        return;
    const struct tr_proc *q = &m->procs[p];
    add(b,
        zh ? "  %1$s %2$s 一个接一个地运行了它的 %3$d 个子进程：每个子进程都是在回收了前一个之后才 "
             "fork 的（它在 %5$s 中等待了 %4$.3f s）。这些子进程从未同时运行。\n"
             "     如果它们应当同时运行：先 fork 所有子进程，再逐个等待它们。\n"
           : "  %s %s ran its %d children one after another: it forked each one only after it had "
             "reaped the one before (it waited %.3f s in %s). They never ran at the same time.\n"
             "     If they are meant to run at once: fork them all first, then wait for each.\n",
        q->label, q->name, n, took, longest->what);
}

char *trace_findings(const struct trace_model *m, bool zh)
{
    struct buf b = {calloc(1, 1), 0};
    for (int i = 0; i < m->nevents; i++) {
        const struct tr_event *e = &m->events[i];
        bool first = true;
        for (int k = 0; k < i && first; k++)
            first = !(m->events[k].kind == TR_EXEC && m->events[k].proc == e->proc);
        if (e->kind == TR_EXEC && first)
            exec_finding(m, e, &b, zh);
    }
    for (int i = 0; i < m->nprocs; i++)
        if (m->procs[i].blocked[0] && m->procs[i].blocked_obj >= 0)
            eof_finding(m, &m->procs[i], &b, zh);
    for (int i = 0; i < m->nprocs; i++)
        serial_finding(m, i, &b, zh);
    for (int i = 0; i < m->nprocs; i++)
        zombie_finding(m, &m->procs[i], &b, zh);
    for (int i = 0; i < m->nprocs; i++) {
        const struct tr_proc *q = &m->procs[i];
        if (q->blocked[0] && q->blocked_obj < 0)
            add(&b,
                zh ? "  %s %s 运行结束时仍阻塞在 %s（自 %.3f s 起）。\n"
                   : "  %s %s was still blocked in %s when the run ended (since %.3f s).\n",
                q->label, q->name, q->blocked, q->blocked_since);
    }
    for (int i = 0; i < m->nprocs; i++) {
        const struct tr_proc *q = &m->procs[i];
        const struct tr_proc *parent = q->parent >= 0 ? &m->procs[q->parent] : NULL;
        /* Killed with its parent when the run was ended: which of the two
         * died first is the order of the kills, not the student's doing. */
        bool killed_together =
            parent && parent->killed && q->killed && q->ended >= 0 && q->ended - q->orphaned < 0.1;
        if (q->orphaned >= 0 && parent && !killed_together)
            add(&b,
                zh ? "  %s %s 在 %.3f s 成了孤儿：它的父进程 %s "
                     "先结束了，由本次运行的收养进程接管。\n"
                   : "  %s %s was orphaned at %.3f s: its parent %s ended first, and the run's "
                     "reaper adopted it.\n",
                q->label, q->name, q->orphaned, m->procs[q->parent].label);
    }
    /* The first screen is for the first culprits: keep 24 lines. */
    int lines = 0;
    for (char *p = b.s; *p; p++)
        if (*p == '\n' && ++lines == 24 && p[1]) {
            int more = 0;
            for (char *q = p + 1; *q; q++)
                more += *q == '\n';
            p[1] = '\0';
            b.len = (size_t)(p + 1 - b.s);
            add(&b,
                zh ? "  （还有 %d 行：同样的错误重复出现）\n"
                   : "  (%d more lines: the same mistakes again)\n",
                more);
            break;
        }
    return b.s;
}
