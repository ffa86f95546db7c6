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
    const char *csv;  /* batch */
    const char *out;  /* batch */
    bool public_only; /* manifest --public */
    bool manual;      /* watch: re-grade on Enter, not on file events */
    bool yes;         /* reset: no question asked */
    const char *html;   /* explain: also write the picture as a web page */
    const char *mutant; /* explain: run a shipped mutant of the lab instead */
    const char *trace;  /* explain: draw this saved strace output, run nothing */
    int jobs;
    bool verbose;
    char **names; /* the LAB arguments */
    int nnames;
};

int cmd_grade(struct kit *kit, const struct cli *cli);
int cmd_build(struct kit *kit, const struct cli *cli);
int cmd_selftest(struct kit *kit, const struct cli *cli);
int cmd_batch(struct kit *kit, const struct cli *cli);
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
 * NULL when there are none. The result is an absolute path (malloc'd). */
char *find_lab_root(const struct manifest *m, const char *dir);

/* Machine formats beside JSON (formats.c). */
/* s escaped for XML and HTML text and attributes (no control characters). */
void xml_text(FILE *f, const char *s);
bool write_junit(const char *path, const struct lab_result *labs, int n);
bool write_gradescope(const char *path, const struct lab_result *labs, int n);
/* A results.json that scores 0 and tells the student why. */
bool write_gradescope_error(const char *path, const char *why);

/* The labs named on the command line (all when none); NULL after printing
 * why when a name matches no lab. */
const struct lab_spec **select_labs(const struct kit *kit, const struct cli *cli, int *n);
/* select_labs(), and NULL after saying what to install when a tool is missing. */
const struct lab_spec **gradable_labs(const struct kit *kit, const struct cli *cli, int *n);
/* NULL when the tools grading needs are here; else what is missing and how to get it. */
char *missing_dependencies(const struct kit *kit);
/* Called as each graded lab comes in (done of total); may be NULL. */
typedef void (*progress_fn)(int done, int total);

/* One lab to grade, from a workspace (NULL: the kit's own workspace). */
struct grade_task {
    const struct lab_spec *lab;
    const char *workspace;
};

/* Grade tasks[0..n) with up to jobs at once, each in its own worker process. */
struct lab_result *grade_tasks(const struct kit *kit, const struct grade_task *tasks, int n,
                               int jobs, progress_fn progress);
/* The same for labs of the kit's workspace. */
struct lab_result *grade_many(const struct kit *kit, const struct lab_spec **labs, int n, int jobs);

#endif
