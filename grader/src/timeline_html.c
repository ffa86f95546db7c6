/*
 * timeline_html.c - the model as one static page: the timeline as inline
 * SVG, one <g class="proc"> per process and one mark with class "ev" per
 * event, each with a <title> (the browser shows it on hover: no script, no
 * server). The kit's test counts those against the terminal's summary.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "trace_model.h"

#include <string.h>

enum { LEFT = 170, WIDTH = 760, ROW = 30, TOP = 40 };

static double x_of(const struct trace_model *m, double t)
{
    if (m->t_end <= 0 || t < 0)
        return LEFT;
    return LEFT + t / m->t_end * WIDTH;
}

static const char *ev_word(const struct tr_event *e)
{
    static const char *const words[] = {"fork",  "exec",  "exec failed", "exit",   "killed",
                                        "reaps", "sends", "gets",        "closes", "orphaned"};
    return e->kind >= 0 && e->kind <= TR_ORPHAN ? words[e->kind] : "?";
}

static void event_mark(FILE *f, const struct trace_model *m, const struct tr_event *e, int y)
{
    static const char *const cls[] = {"fork", "exec", "execfail", "exit",  "killed",
                                      "reap", "sent", "recv",     "close", "orphan"};
    double x = x_of(m, e->t);
    fprintf(f, "<g class=\"ev ev-%s\">", cls[e->kind]);
    if (e->kind == TR_CLOSE)
        fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"3\" height=\"14\"/>", x - 1.5, y + 3);
    else if (e->kind == TR_SENT || e->kind == TR_RECV)
        fprintf(f, "<path d=\"M%.1f %d l6 10 h-12 z\"/>", x, y + 5);
    else
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"5\"/>", x, y + 10);
    fprintf(f, "<title>%.3f s  %s %s", e->t, m->procs[e->proc].label, ev_word(e));
    if (e->kind == TR_FORK || e->kind == TR_REAP || e->kind == TR_ORPHAN)
        fprintf(f, " %s", m->procs[e->other].label);
    else if (e->kind == TR_CLOSE)
        fprintf(f, " fd %d (%s, %s)", e->sig, m->objs[e->other].name,
                trace_end_name(m, e->other, e->code, false));
    else if (e->kind == TR_EXIT)
        fprintf(f, " %d", e->code);
    else {
        fputc(' ', f);
        xml_text(f, e->text);
    }
    fputs("</title></g>\n", f);
}

static void proc_group(FILE *f, const struct trace_model *m, int p)
{
    const struct tr_proc *q = &m->procs[p];
    int y = TOP + p * ROW;
    double x0 = x_of(m, q->born), x1 = x_of(m, q->ended >= 0 ? q->ended : m->t_end);
    fprintf(f, "<g class=\"proc\" data-label=\"%s\" data-pid=\"%d\">\n<title>%s ", q->label, q->pid,
            q->label);
    xml_text(f, q->name);
    fprintf(f, " (pid %d)", q->pid);
    if (q->parent >= 0)
        fprintf(f, ", child of %s", m->procs[q->parent].label);
    if (q->blocked[0]) {
        fputs(", blocked at the end in ", f);
        xml_text(f, q->blocked);
    }
    fputs("</title>\n", f);
    fprintf(f, "<text x=\"8\" y=\"%d\">%s ", y + 15, q->label);
    xml_text(f, q->name);
    fputs("</text>\n", f);
    fprintf(f, "<rect class=\"life\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\"/>\n", x0, y,
            x1 - x0 < 1 ? 1 : x1 - x0);
    for (int i = 0; i < m->nwaits; i++) {
        const struct tr_wait *w = &m->waits[i];
        if (w->proc != p)
            continue;
        double xa = x_of(m, w->from), xb = x_of(m, w->to);
        fprintf(f,
                "<rect class=\"blocked\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\">"
                "<title>waited %.3f s in ",
                xa, y, xb - xa < 1 ? 1 : xb - xa, w->to - w->from);
        xml_text(f, w->what);
        fputs("</title></rect>\n", f);
    }
    if (q->blocked[0] && q->blocked_since >= 0) {
        double xb = x_of(m, q->blocked_since);
        fprintf(f,
                "<rect class=\"blocked\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\">"
                "<title>blocked in ",
                xb, y, x1 - xb < 1 ? 1 : x1 - xb);
        xml_text(f, q->blocked);
        fputs("</title></rect>\n", f);
    }
    if (q->ended >= 0 && !q->returned && q->parent >= 0) {
        double until = q->reaped >= 0 ? q->reaped : m->t_end;
        if (q->reaped < 0 && m->procs[q->parent].ended >= 0)
            until = m->procs[q->parent].ended;
        double xz = x_of(m, until);
        if (xz > x1 + 0.5)
            fprintf(f,
                    "<rect class=\"zombie\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"20\">"
                    "<title>%s a zombie for %.3f s</title></rect>\n",
                    x1, y, xz - x1, q->label, until - q->ended);
    }
    for (int i = 0; i < m->nevents; i++)
        if (m->events[i].proc == p)
            event_mark(f, m, &m->events[i], y);
    fputs("</g>\n", f);
}

bool timeline_html(const char *path, const struct trace_model *m, const char *title,
                   const char *findings)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
    xml_text(f, title);
    fputs("</title>\n<style>\n"
          "body{font:14px/1.4 sans-serif;margin:1.5em;color:#222}\n"
          "svg text{font:12px monospace}\n"
          ".life{fill:#cfe3f7}.blocked{fill:#e8868a}.zombie{fill:#f2d479}\n"
          ".ev circle,.ev path,.ev rect{fill:#333}.ev-fork circle{fill:#2a8c3c}\n"
          ".ev-exec circle{fill:#2a62a8}.ev-killed circle,.ev-execfail circle{fill:#c0202a}\n"
          ".ev-sent path,.ev-recv path{fill:#8a2aa8}.ev-close rect{fill:#777}\n"
          "pre{background:#f5f5f5;padding:.6em;white-space:pre-wrap}\n"
          "</style></head><body>\n<h1>",
          f);
    xml_text(f, title);
    fprintf(f, "</h1>\n<p id=\"summary\">%d processes, %d events, %.3f s</p>\n", m->nprocs,
            m->nevents, m->t_end);
    fputs("<h2>What to look at</h2>\n<pre id=\"findings\">", f);
    xml_text(f, findings && *findings ? findings : "nothing stands out.\n");
    fputs("</pre>\n", f);
    int height = TOP + (m->nprocs ? m->nprocs : 1) * ROW + 20;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "role=\"img\" aria-label=\"timeline\">\n",
            LEFT + WIDTH + 30, height);
    fprintf(f, "<text x=\"%d\" y=\"20\">0 s</text><text x=\"%d\" y=\"20\">%.3f s</text>\n", LEFT,
            LEFT + WIDTH - 50, m->t_end);
    for (int p = 0; p < m->nprocs; p++)
        proc_group(f, m, p);
    fputs("</svg>\n<p>Hover a bar or a mark for details. Blue: running; red: blocked; yellow: "
          "a zombie (ended, not yet reaped). Circles: fork (green), exec (blue), end; "
          "triangles: signals; ticks: a descriptor closed.</p>\n",
          f);
    fputs("<h2>Pipes and sockets</h2>\n<table id=\"objects\" border=\"1\" cellpadding=\"4\">\n"
          "<tr><th>object</th><th>end</th><th>held by</th></tr>\n",
          f);
    for (int o = 0; o < m->nobjs; o++) {
        if (!m->objs[o].shown)
            continue;
        for (int end = 0; end < 2; end++) {
            fprintf(f, "<tr class=\"obj\"><td>%s</td><td>%s</td><td>", m->objs[o].name,
                    trace_end_name(m, o, end, false));
            for (int k = 0; k < m->nholds; k++) {
                const struct tr_hold *h = &m->holds[k];
                if (h->obj != o || h->end != end)
                    continue;
                fprintf(f, "%s fd %d %.3f&ndash;", m->procs[h->proc].label, h->fd, h->from);
                if (h->to >= 0)
                    fprintf(f, "%.3f s; ", h->to);
                else
                    fputs("end; ", f);
            }
            fputs("</td></tr>\n", f);
        }
    }
    fputs("</table>\n</body></html>\n", f);
    return fclose(f) == 0;
}
