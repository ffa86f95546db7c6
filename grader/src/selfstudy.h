/* selfstudy.h - the learner's commands (list, next, hint, watch, reset) and
 * the progress they remember. */
#ifndef SELFSTUDY_H
#define SELFSTUDY_H

#include "cli.h"

enum lab_state {
    LAB_NOT_STARTED, /* the files are still the starter's */
    LAB_CHANGED,     /* edited since the last grade: needs a re-grade */
    LAB_STARTED,     /* graded, 0 points */
    LAB_PARTIAL,     /* graded, some points */
    LAB_DONE,        /* graded, full marks */
};

json_t *progress_load(const struct kit *kit);
void progress_save(const struct kit *kit, json_t *progress);
json_t *progress_entry(json_t *progress, const struct lab_spec *lab);
void progress_record(const struct kit *kit, json_t *progress, const struct lab_result *r);
/* After `grade`: remember what was just graded. */
void progress_update_after_grade(const struct kit *kit, const struct lab_result *res, int n);
enum lab_state lab_state(const struct kit *kit, json_t *progress, const struct lab_spec *lab,
                         double *score, double *max);
char *lab_files_hash(const struct kit *kit, const struct lab_spec *lab);
char *starter_hash(const struct kit *kit, const struct lab_spec *lab);
/* The pristine starter of one of the lab's files, or NULL. */
char *starter_text(const struct kit *kit, const struct lab_spec *lab, const char *file);

/* Hints kept with the lab: labs/NN-slug/hints.md (hints.zh-CN.md in Chinese). */
bool want_chinese(void);
/* Progressive hint n (1-based), or NULL; *count gets how many there are. */
char *lab_hint(const struct kit *kit, const struct lab_spec *lab, int n, int *count);
/* A check's hint in the learner's language (the manifest's, or the Chinese
 * one from hints.zh-CN.md); never NULL when the manifest has one. */
const char *check_hint(const struct kit *kit, const struct lab_spec *lab, const char *check,
                       const char *english);
/* Replace each check's hint by check_hint(). */
void localize_hints(const struct kit *kit, struct lab_result *res, int n);

/* The learner's report (focus.c): grade with a line per lab as it comes
 * in; then the total and the details of the first lab not at full marks;
 * then one line saying what to do next. */
struct lab_result *grade_live(const struct kit *kit, const struct lab_spec **labs, int n, int jobs,
                              FILE *out, bool color);
void report_focus(FILE *out, const struct lab_result *res, int n, bool color);
void report_next_step(FILE *out, const struct lab_result *res, int n);

#endif
