/* submission.h - from what a student handed in to a folder of lab folders. */
#ifndef SUBMISSION_H
#define SUBMISSION_H

#include "grader.h"

/* What happened to a submission, for people: files placed, entries
 * skipped; error says why nothing could be graded (NULL when it could). */
struct note_list {
    char **items;
    bool *warning; /* items[i] is a problem (an entry skipped), not news (a file placed) */
    int n;
    char *error;
};

__attribute__((format(printf, 2, 3))) void note_add(struct note_list *l, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void note_warn(struct note_list *l, const char *fmt, ...);
/* The notes (only the warnings, when warnings_only) joined by sep
 * (malloc'd), or NULL when there are none. */
char *note_join(const struct note_list *l, const char *sep, bool warnings_only);
void note_list_free(struct note_list *l);

/* A folder holding the NN-slug lab folders of the submission at path: a
 * folder (lab folders at its top, in labs/, or one folder down), an archive
 * (.zip, .tar, .tar.gz, .tgz: unpacked contained, with the same rules for
 * every kind), a folder holding such an archive, or loose files (family.c,
 * join.c: each lab's file names are unique in the kit) placed in their lab
 * folders. What is unpacked or placed goes under scratch, an existing folder
 * the caller removes. Returns 0 with *out_dir (absolute, malloc'd), or -1
 * with notes->error set. Notes name the submission's own paths. */
int workspace_from_submission(const struct kit *kit, const char *path, const char *scratch,
                              char **out_dir, struct note_list *notes);

/* Show the submission's own path, not where it was unpacked: every from in
 * the results' messages becomes to. */
void results_show_paths(struct lab_result *res, int n, const char *from, const char *to);

bool is_archive_name(const char *name);

#endif
