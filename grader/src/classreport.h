/* classreport.h - the class report: one static HTML page from a batch's
 * per-student JSON reports (classreport.c), its plots as inline SVG
 * (classplots.c). */
#ifndef CLASSREPORT_H
#define CLASSREPORT_H

#include "cli.h"

enum { CELL_NOT_GRADED = -1 }; /* a cell's status otherwise: enum check_status */

struct cr_message {
    char *key;  /* the first line with its numbers as N: what groups messages */
    char *text; /* the first line as one student saw it */
    int count;
};

/* One column of the heat map: a check of a lab (the build included). */
struct cr_check {
    int lab; /* index in class_data.labs */
    const char *name;
    int failed; /* students who did not pass it (of those graded) */
    struct cr_message *messages;
    int nmessages;
};

struct cr_student {
    char *report; /* the report's file name without .json */
    char *name;   /* as the batch saw it */
    char *note;
    char *link; /* to the feedback file, or the JSON report, relative to the page */
    int *lab_score;
    signed char *cell; /* per check column */
    int total, max;
};

struct class_data {
    const struct lab_spec **labs; /* the labs some report holds, in manifest order */
    int *lab_max;
    int nlabs;
    struct cr_check *checks;
    int nchecks;
    struct cr_student *students;
    int nstudents;
};

/* Write DIR/index.html from the JSON reports in reports (STUDENT.json), each
 * student linked to feedback/STUDENT.md when it exists, else to its report.
 * False after saying why on stderr. */
bool class_report_write(const struct kit *kit, const char *reports, const char *feedback,
                        const char *dir);
int cmd_report(struct kit *kit, const struct cli *cli);

/* Plots (classplots.c). */
void svg_histogram(FILE *f, const char *title, const int *scores, int n, int max);
void svg_heatmap(FILE *f, const struct class_data *d);
/* The colour and the word of a heat-map cell. */
const char *cell_colour(int status);
const char *cell_word(int status);

#endif
