/*
 * explain.h - `grade explain`: one check re-run under strace (explain.c).
 * The hooks grade.c calls; each does nothing unless kit->trace is set.
 */
#ifndef EXPLAIN_H
#define EXPLAIN_H

#include "grader.h"

struct trace_req {
    const char *check;    /* the check to trace (its manifest name) */
    enum check_kind kind; /* Criterion or bats */
    bool tracing;         /* under strace; else only this check runs, as graded */
    char *text;           /* the strace output read back (malloc'd), or NULL */
};

struct traced; /* what trace_wrap() allocated */

/* Before a runner starts: the argv, environment and filter of a traced run
 * (only the one check runs; the runner of the check's kind under strace,
 * bats through check.bash's wrapper). NULL when not in explain mode. */
struct traced *trace_wrap(const struct build_env *b, enum check_kind kind, char **argv,
                          struct run_spec *spec);
void trace_unwrap(struct traced *t);
/* Before the build folder goes: read the trace back into kit->trace. */
void trace_collect(const struct build_env *b);

/* Whether explain can run for this lab (its lesson is about processes). */
bool explain_supported(const struct lab_spec *lab);
/* Labs whose lesson explain shows: 01-08, 10, 12-16, 19. */
bool explain_lab_number(int number);

#endif
