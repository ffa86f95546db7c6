/* batchout.h - a batch's results: one JSON report per submission in a
 * folder, and everything else (the CSV, Markdown feedback, Canvas's CSV)
 * made from those reports, so a regrade and a merge of shards write the
 * same files a whole batch writes. */
#ifndef BATCHOUT_H
#define BATCHOUT_H

#include "grader.h"
#include "students.h"

/* Put a submission's report (student, labs, notes) into dir as STEM.json:
 * its labs replace those of the same id in the report there already, the
 * others stay. Takes report. False when it cannot be written. */
bool report_store(const struct manifest *m, const char *dir, const char *stem, json_t *report);
/* The same for a report file of another folder (a shard's). */
bool report_merge_file(const struct manifest *m, const char *dir, const char *path);

/* What a batch writes from every report in dir: the CSV at csv, STEM.md
 * beside each report, Canvas's gradebook CSV at canvas (when not NULL).
 * Warns on stderr about two submissions of one student. */
bool write_outputs(const struct manifest *m, const char *dir, const char *csv, const char *canvas);

#endif
