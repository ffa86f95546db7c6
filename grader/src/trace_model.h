/*
 * trace_model.h - what the processes of one traced check did, read from
 * strace's output (trace_parse.c), drawn by timeline.c (terminal) and
 * timeline_html.c (a static page). Only the student's processes are kept:
 * those that became the student user (setresuid to an even uid of the
 * grader's range, jail.h) and their descendants.
 */
#ifndef TRACE_MODEL_H
#define TRACE_MODEL_H

#include <stdbool.h>
#include <stdio.h>

enum tr_ev {
    TR_FORK,     /* other = the child */
    TR_EXEC,     /* text = the program */
    TR_EXECFAIL, /* text = the program and the error */
    TR_EXIT,     /* code */
    TR_KILLED,   /* sig */
    TR_REAP,     /* other = the child reaped */
    TR_SENT,     /* other = the target pid (or -group), sig */
    TR_RECV,     /* other = the sender pid (0: the kernel or unknown), sig */
    TR_CLOSE,    /* other = the object, code = the end */
    TR_ORPHAN,   /* other = the parent that exited */
};

struct tr_event {
    double t;  /* seconds since the first student process was born */
    int kind;  /* enum tr_ev */
    int proc;  /* index into procs */
    int other; /* a process index (TR_FORK, TR_REAP), a pid (TR_SENT/RECV), an object */
    int sig, code;
    char text[96];
};

struct tr_proc {
    int pid, parent;            /* parent: index into procs, -1 when not a student process */
    char label[16];             /* p1, p2, ... in order of birth */
    char name[32];              /* the program it runs */
    double born, ended, reaped; /* -1 when it did not happen in the trace */
    int reaped_by;              /* index, or -1 */
    bool exited, killed;
    bool returned; /* the check's body came back from student code and was ended by the check */
    int code;
    char signame[16];  /* killed by */
    double orphaned;   /* when its parent ended before it, else -1 */
    char blocked[160]; /* the call it was in when the run ended, or "" */
    double blocked_since;
    int blocked_obj, blocked_end; /* the object it read, accepted or wrote on, or -1 */
    bool cleanup;                 /* the check's own kill(-1) helper: not drawn */
};

enum tr_obj_kind { TR_PIPE, TR_SOCKPAIR, TR_LISTEN, TR_SOCKET };

struct tr_obj {
    int kind;      /* enum tr_obj_kind */
    char name[24]; /* "pipe A", "socketpair B" */
    char inode[32];
    double made;
    double written[2]; /* the last write on each end (what the other end reads) */
    bool wrote[2];     /* ... when there was one */
    bool shown;        /* a student process held it */
};

/* One descriptor of one process on one end of an object, from..to. */
struct tr_hold {
    int obj, end, proc, fd; /* end: 0 read (pipe) or first, 1 write or second */
    double from, to;        /* to = -1: still open when the trace ended */
    bool cloexec;
};

/* A call a process waited in and came back from (5 ms or more): drawn as
 * blocked, like the call it was still in when the run ended. */
struct tr_wait {
    int proc;
    double from, to;
    char what[160]; /* "read(fd 3: pipe A, read end)", "wait4(for p2)" */
};

struct trace_model {
    struct tr_proc *procs;
    int nprocs;
    struct tr_event *events;
    int nevents;
    struct tr_obj *objs;
    int nobjs;
    struct tr_hold *holds;
    int nholds;
    struct tr_wait *waits; /* in time order */
    int nwaits;
    double t_end; /* the last event, seconds since the start */
    int lines;    /* lines of strace output read */
    int unparsed; /* lines that were not understood (kept out of the picture) */
};

/* Build the model from strace -f -ttt -y output. Never fails: what it does
 * not understand it counts in unparsed. */
void trace_parse(const char *text, struct trace_model *m);
void trace_model_free(struct trace_model *m);

/* The sentences that name the culprits: readers waiting for an EOF that a
 * holder of the other end prevents, zombies, orphans, blocked processes.
 * Each line ends with '\n'; "" when nothing stands out. Malloc'd. */
char *trace_findings(const struct trace_model *m, bool chinese);

/* How one descriptor end is called: "the write end", "end 1". */
const char *trace_end_name(const struct trace_model *m, int obj, int end, bool chinese);

/* The terminal timeline (timeline.c): at most `width` columns. */
void timeline_print(FILE *out, const struct trace_model *m, int width, bool color, bool chinese);
/* The same as one static HTML page with inline SVG (timeline_html.c). */
bool timeline_html(const char *path, const struct trace_model *m, const char *title,
                   const char *findings);

#endif
