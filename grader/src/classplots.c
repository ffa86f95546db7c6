/* The class report's plots, drawn as inline SVG: readable with no script,
 * each mark with a <title> a browser shows on hover. */
#define _GNU_SOURCE
#include "classreport.h"

#include <stdlib.h>
#include <string.h>

const char *cell_colour(int status)
{
    switch (status) {
    case ST_PASSED:
        return "#2e9d48";
    case ST_FAILED:
        return "#d93b3b";
    case ST_TIMEOUT:
        return "#f08c2a";
    case ST_CRASHED:
        return "#8e3bd9";
    case ST_ERROR:
        return "#8a9199";
    default:
        return "#e8e8e8";
    }
}

const char *cell_word(int status)
{
    return status == CELL_NOT_GRADED ? "not graded"
           : status == ST_ERROR      ? "did not run"
                                     : status_name((enum check_status)status);
}

/* The scores bin b of nbins holds, for max points: lo..hi. */
static void bin_range(int b, int nbins, int max, int *lo, int *hi)
{
    *lo = (b * (max + 1) + nbins - 1) / nbins;
    *hi = ((b + 1) * (max + 1) + nbins - 1) / nbins - 1;
}

/* How many students scored each number of points (grouped when max is large). */
void svg_histogram(FILE *f, const char *title, const int *scores, int n, int max)
{
    enum { W = 330, H = 180, LEFT = 12, TOP = 34, BOTTOM = 34 };
    int nbins = max <= 24 ? max + 1 : 12;
    int *bins = xcalloc((size_t)nbins, sizeof *bins);
    for (int i = 0; i < n; i++) {
        int s = scores[i] < 0 ? 0 : scores[i] > max ? max : scores[i];
        bins[(long)s * nbins / (max + 1)]++;
    }
    int top = 1;
    for (int b = 0; b < nbins; b++)
        top = bins[b] > top ? bins[b] : top;
    double bw = (double)(W - 2 * LEFT) / nbins, ph = H - TOP - BOTTOM;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\" class=\"histogram\">\n<title>",
            W, H, W, H);
    markup_put(f, title, true);
    fprintf(f,
            ": how many students scored each number of points</title>\n"
            "<text x=\"%d\" y=\"14\" text-anchor=\"middle\" class=\"plot-title\">",
            W / 2);
    markup_put(f, title, true);
    fputs("</text>\n", f);
    for (int b = 0; b < nbins; b++) {
        int lo, hi;
        bin_range(b, nbins, max, &lo, &hi);
        double h = bins[b] * ph / top, x = LEFT + b * bw, y = TOP + ph - h;
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a78c2\">"
                "<title>",
                x + 1, y, bw - 2, h);
        if (lo == hi)
            fprintf(f, "%d point%s: %d student%s</title></rect>\n", lo, lo == 1 ? "" : "s", bins[b],
                    bins[b] == 1 ? "" : "s");
        else
            fprintf(f, "%d-%d points: %d student%s</title></rect>\n", lo, hi, bins[b],
                    bins[b] == 1 ? "" : "s");
        if (bins[b])
            fprintf(f,
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                    "class=\"count\">%d</text>\n",
                    x + bw / 2, y - 3, bins[b]);
        if (nbins <= 13 || b % 2 == 0 || b == nbins - 1)
            fprintf(f,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"tick\">%d</text>\n",
                    x + bw / 2, TOP + (int)ph + 13, lo);
    }
    fprintf(f,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#555\"/>\n"
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">points (of %d); "
            "bars: students</text>\n</svg>\n",
            LEFT, TOP + ph, W - LEFT, TOP + ph, W / 2, H - 5, max);
    free(bins);
}

/* Rows: students; columns: every check of every lab, labs apart; a cell's
 * colour is its status. Student names link to their feedback. */
void svg_heatmap(FILE *f, const struct class_data *d)
{
    enum { CELL = 12, GAP = 6, LEFT = 190, CHAR_W = 5 };
    size_t longest = 0;
    for (int c = 0; c < d->nchecks; c++)
        longest = strlen(d->checks[c].name) > longest ? strlen(d->checks[c].name) : longest;
    int top = 24 + (int)longest * CHAR_W; /* names upright, one per column */
    double *x = xcalloc((size_t)d->nchecks + 1, sizeof *x);
    for (int c = 0; c < d->nchecks; c++)
        x[c] = LEFT + c * CELL + d->checks[c].lab * GAP;
    int width = (int)(d->nchecks ? x[d->nchecks - 1] : LEFT) + CELL + 20;
    int height = top + d->nstudents * CELL + 10;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 "
            "%d %d\" role=\"img\" class=\"heatmap\">\n<title>every student's result in every "
            "check</title>\n",
            width, height, width, height);
    for (int l = 0; l < d->nlabs; l++) {
        int first = -1, last = -1;
        for (int c = 0; c < d->nchecks; c++)
            if (d->checks[c].lab == l) {
                first = first < 0 ? c : first;
                last = c;
            }
        if (first >= 0)
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"lab\">%s</text>\n",
                    (x[first] + x[last] + CELL) / 2, top - 4, d->labs[l]->id);
    }
    for (int c = 0; c < d->nchecks; c++) {
        fprintf(f, "<text transform=\"translate(%.1f,%d) rotate(-90)\" class=\"check\">",
                x[c] + CELL / 2.0 + 3, top - 18);
        markup_put(f, d->checks[c].name, true);
        fputs("</text>\n", f);
    }
    for (int s = 0; s < d->nstudents; s++) {
        const struct cr_student *st = &d->students[s];
        int y = top + s * CELL;
        fputs("<a href=\"", f);
        markup_put(f, st->link, true);
        fprintf(f, "\"><text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"student\">", LEFT - 6,
                y + CELL - 2);
        markup_put(f, st->name, true);
        fputs("</text></a>\n", f);
        for (int c = 0; c < d->nchecks; c++) {
            fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>",
                    x[c], y, CELL - 1, CELL - 1, cell_colour(st->cell[c]));
            markup_put(f, st->name, true);
            fprintf(f, ": %s ", d->labs[d->checks[c].lab]->id);
            markup_put(f, d->checks[c].name, true);
            fprintf(f, " %s</title></rect>\n", cell_word(st->cell[c]));
        }
    }
    fputs("</svg>\n", f);
    free(x);
}
