/* cli.h - the grader's commands. */
#ifndef CLI_H
#define CLI_H

#include "grader.h"

struct cli {
    const char *dir;
    bool solutions;
    const char *json;
    int jobs;
    bool verbose;
    char **names; /* the LAB arguments */
    int nnames;
};

int cmd_grade(struct kit *kit, const struct cli *cli);
int cmd_build(struct kit *kit, const struct cli *cli);
int cmd_selftest(struct kit *kit, const struct cli *cli);

/* The labs named on the command line (all when none); NULL after printing
 * why when a name matches no lab. */
const struct lab_spec **select_labs(const struct kit *kit, const struct cli *cli, int *n);
/* NULL when the tools grading needs are here; else what is missing and how to get it. */
char *missing_dependencies(const struct kit *kit);
/* One lab to grade, from a workspace (NULL: the kit's own workspace). */
struct grade_task {
    const struct lab_spec *lab;
    const char *workspace;
};

/* Grade tasks[0..n) with up to jobs at once, each in its own worker process. */
struct lab_result *grade_tasks(const struct kit *kit, const struct grade_task *tasks, int n,
                               int jobs);
/* The same for labs of the kit's workspace. */
struct lab_result *grade_many(const struct kit *kit, const struct lab_spec **labs, int n, int jobs);

#endif
