/* cli.h - the grader's commands. */
#ifndef CLI_H
#define CLI_H

#include "grader.h"

struct cli {
    const char *dir;
    bool solutions;
    const char *json;
    const char *junit;
    const char *gradescope;
    const char *classroom; /* a GitHub Classroom runner's result */
    const char *csv;       /* batch */
    const char *out;       /* batch */
    const char *shard;     /* batch: "K/N" */
    const char *roster;    /* batch: CSV mapping submissions to students */
    const char *canvas;    /* batch, merge: Canvas's gradebook CSV */
    const char *html;      /* batch, report: the class report's folder; explain: the picture */
    const char *feedback;  /* report: the folder of the students' feedback files */
    bool public_only;      /* manifest --public */
    bool manual;           /* watch: re-grade on Enter, not on file events */
    bool yes;              /* reset: no question asked */
    const char *mutant;    /* explain: run a shipped mutant of the lab instead */
    const char *trace;     /* explain: draw this saved strace output, run nothing */
    int jobs;
    bool verbose;
    char **names; /* the LAB arguments */
    int nnames;
};

int cmd_grade(struct kit *kit, const struct cli *cli);
int cmd_build(struct kit *kit, const struct cli *cli);
int cmd_selftest(struct kit *kit, const struct cli *cli);
int cmd_batch(struct kit *kit, const struct cli *cli);
int cmd_merge(struct kit *kit, const struct cli *cli);
int cmd_batch_workflow(struct kit *kit, const struct cli *cli);
int cmd_verdict(struct kit *kit, const struct cli *cli);
int cmd_classroom(struct kit *kit, const struct cli *cli);
int cmd_manifest(struct kit *kit, const struct cli *cli);
int cmd_starters(struct kit *kit, const struct cli *cli);
int cmd_list(struct kit *kit, const struct cli *cli);
int cmd_next(struct kit *kit, const struct cli *cli);
int cmd_hint(struct kit *kit, const struct cli *cli);
int cmd_watch(struct kit *kit, const struct cli *cli);
int cmd_reset(struct kit *kit, const struct cli *cli);
int cmd_explain(struct kit *kit, const struct cli *cli);
/* A workspace (under tmproot) with a lab's solution and one mutant laid over
 * it; *applies false when its patch no longer applies (selftest.c). */
char *mutant_workspace(const struct kit *kit, const struct lab_spec *lab, const char *mutdir,
                       const char *tmproot, int index, bool *applies);

/* The folder of a submission that holds its NN-slug lab folders: dir itself,
 * its labs/, or either inside one wrapping folder (an unpacked archive).
 * NULL when there are none. The result is an absolute path (malloc'd).
 * With several wrapped folders holding labs, *several (when not NULL) gets
 * them one per line and the result is NULL; without, the first is taken. */
char *find_lab_root(const struct manifest *m, const char *dir, char **several);

/* Machine formats beside JSON (formats.c). */
/* s escaped for XML and HTML text and attributes (no control characters). */
void xml_text(FILE *f, const char *s);
bool write_junit(const char *path, const struct lab_result *labs, int n);
bool write_gradescope(const char *path, const struct lab_result *labs, int n);
bool write_classroom(const char *path, const struct lab_result *labs, int n);
/* A results.json that scores 0 and tells the student why. */
bool write_gradescope_error(const char *path, const char *why);

/* The labs named on the command line (all when none); NULL after printing
 * why when a name matches no lab. */
const struct lab_spec **select_labs(const struct kit *kit, const struct cli *cli, int *n);
/* select_labs(), and NULL after saying what to install when a tool is missing. */
const struct lab_spec **gradable_labs(const struct kit *kit, const struct cli *cli, int *n);
/* NULL when the tools grading needs are here; else what is missing and how to get it. */
char *missing_dependencies(const struct kit *kit);
/* Called as each graded lab comes in: results[index] is it, done of total
 * are in; ctx is the caller's. May be NULL. */
typedef void (*progress_fn)(const struct lab_result *results, int index, int done, int total,
                            void *ctx);

/* One lab to grade, from a workspace (NULL: the kit's own workspace). */
struct grade_task {
    const struct lab_spec *lab;
    const char *workspace;
};

/* Grade tasks[0..n) with up to jobs at once, each in its own worker process. */
struct lab_result *grade_tasks(const struct kit *kit, const struct grade_task *tasks, int n,
                               int jobs, progress_fn progress, void *ctx);
/* The same, started in the tasks' order: for lines a learner reads as they come. */
struct lab_result *grade_tasks_in_order(const struct kit *kit, const struct grade_task *tasks,
                                        int n, int jobs, progress_fn progress, void *ctx);
/* The same for labs of the kit's workspace. */
struct lab_result *grade_many(const struct kit *kit, const struct lab_spec **labs, int n, int jobs);

/* Help (help.c): each command's synopsis, one-line summary and page. */
struct command_doc {
    const char *name, *synopsis, *summary, *details;
};
extern const struct command_doc command_docs[];
extern const int ncommand_docs;
const struct command_doc *command_doc(const char *name);
void print_usage(FILE *out);
void print_command_help(FILE *out, const struct command_doc *doc);

/* Did you mean...? (suggest.c) */
int edit_distance(const char *a, const char *b);
/* The one of names[0..n) nearest to word, or NULL when none is near. */
const char *closest_name(const char *word, const char *const *names, int n);
/* "did you mean ...?" for a word that names no command and no lab, or "". */
const char *did_you_mean(const struct manifest *m, const char *word);

#endif
