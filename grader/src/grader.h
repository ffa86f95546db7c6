/* grader.h - the autograder's shared types and module interfaces. */
#ifndef GRADER_H
#define GRADER_H

#include <jansson.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- the manifest (grader/manifest.json) ------------------------------- */

/* "explained_by": a check whose failure makes this one fail too; when both
 * fail the report sends the student to that root cause first. */
struct cause {
    const char *check;
    const char *when; /* only when the root's message holds these words (NULL: always) */
};

struct check_spec {
    const char *name;
    double points; /* may be fractional (0.5): kept exact to hundredths in every output */
    const char *hint;
    bool hidden;            /* runs only in the instructor's copy */
    const char *visibility; /* Gradescope's, when the manifest sets one */
    struct cause *causes;   /* explained_by */
    int ncauses;
};

struct program_spec {
    const char *name;
    const char **mains; /* its own sources (with main), NULL-terminated */
};

struct lab_spec {
    const char *id;   /* "01" */
    const char *slug; /* "fork-getpid" */
    const char *title;
    const char *concept;
    const char *python;
    const char **edit;    /* the student's files, NULL-terminated */
    const char **sources; /* sources without main: linked into programs and checks */
    struct program_spec *programs;
    int nprograms;
    double timeout; /* wall seconds for each check run of this lab */
    double weight;  /* in a course's total (batch): points times weight; 1 unless set */
    struct check_spec *checks;
    int nchecks;
};

struct manifest {
    json_t *root; /* owns every string above */
    double time_scale;
    struct lab_spec *labs;
    int nlabs;
};

/* Load and validate; on error print why and return false. */
bool manifest_load(const char *path, struct manifest *m);
/* Find a lab by "3", "03", "join" or "03-join"; NULL when none matches. */
const struct lab_spec *manifest_find(const struct manifest *m, const char *key);
double lab_max_points(const struct lab_spec *lab);
/* "01-fork-getpid" in a static buffer of the caller's. */
void lab_dirname(const struct lab_spec *lab, char *buf, size_t size);

/* ---- contained runs (contain.c) ----------------------------------------- */

struct run_spec {
    char *const *argv;
    const char *cwd;
    char *const *setenv; /* "NAME=value" entries added to the environment, NULL-terminated */
    double timeout;      /* wall seconds */
    size_t output_cap;   /* bytes of output kept; more kills the run */
    bool student;        /* student code runs inside: limits, namespaces, the box's view */
    bool as_student;     /* the command itself runs as the student user (a compiler) */
    bool as_judge;       /* a test runner: the judge user, the checks in view */
    bool may_trace;      /* explain mode only: the judge may ptrace (strace), never a verdict */
    int slot;            /* parallel runs get distinct student users */
    const char *keep;    /* the run's own folder, seen inside at its own path and handed to
                            the user that runs (the student, or the judge) */
    const char *kit;     /* the kit root: common/ (and for the judge grader/) seen inside */
    bool keep_owners;    /* keep was handed over already (contain_hand_over): leave it */
};

struct run_result {
    int status;
    bool timed_out;
    bool output_overflow;
    bool too_many_procs; /* killed: more than the process cap at once */
    char *output;        /* stdout and stderr, NUL-terminated */
    size_t output_len;
    double elapsed_ms;
    int leftovers;  /* processes still alive after the command ended, then killed */
    char *left_ipc; /* IPC objects and /dev/shm files left behind ("/dev/shm/x, ..."), or NULL */
};

/* What containment this machine allows; probed once. */
struct sandbox_info {
    bool root;        /* running as root */
    bool namespaces;  /* PID, mount, IPC and network namespaces per run */
    bool user_ns;     /* ...made through a user namespace (not root) */
    bool student_uid; /* student code runs as a dedicated unprivileged user */
    bool nproc_limit; /* RLIMIT_NPROC bounds the processes of that user */
    char why_no_ns[160];
    char why_no_uid[160];
};

/* Call once at start: makes this process the reaper of escaped orphans. */
void contain_init(void);
/* Kill and remove what killed graders left: processes, IPC objects, files of
 * the judge and student users of slots that nobody holds any more. */
void contain_clean_stale(void);
/* Where the kit's file rel ("common/...", "grader/...") is seen by a
 * contained run (inside the box the kit sits at fixed paths). */
char *contain_kit_path(const char *kit, const char *rel);
const struct sandbox_info *contain_info(void);
/* The mechanisms in force, one per line, and those missing with why. */
void contain_describe(FILE *out);
json_t *contain_info_json(void);
/* In a worker: on SIGINT, SIGTERM or SIGHUP, kill the current run and
 * remove the scratch folder set last, then exit. */
void contain_cleanup_on_interrupt(void);
void contain_set_scratch(const char *dir);
/* Cap what the folder dir (empty, just made) may hold: a tmpfs of its own,
 * as root with namespaces; false when it stays on the disk it is on. */
bool contain_limit_scratch(const char *dir);
/* Remove a folder contain_limit_scratch may have capped. */
void contain_remove_scratch(const char *dir);
/* Run and wait; always returns with every process of the run dead. */
void contain_run(const struct run_spec *spec, struct run_result *res);
/* Hand dir to the slot's judge (or student) now, as contain_run does at the
 * start of a run, for runs that will share it at once (.keep_owners). */
void contain_hand_over(const char *dir, int slot, bool to_judge);
/* A helper child of ours that runs beside a run: not a leftover of it. */
void contain_spare(pid_t pid);
/* A run started in a helper child (beside.c), so that this process can run
 * another meanwhile; contain_beside_wait() gives its result and the CPU its
 * processes used. NULL when no helper could start (run it here instead). */
struct beside;
struct beside *contain_run_beside(const struct run_spec *spec);
void contain_beside_wait(struct beside *b, struct run_result *res, double *cpu_s);
/* CPU seconds used by the processes this one has reaped so far. */
double children_cpu_s(void);
void run_result_free(struct run_result *res);
/* The student user of a slot (when student_uid is in force). */
uid_t contain_student_uid(int slot);
/* A slot no other grader process on this machine holds, wanted or the next
 * free one; held until the caller exits. */
int contain_claim_slot(int wanted);
/* A second slot beside slot (kit.side_slot), far from where the next
 * workers look for theirs. */
int contain_claim_side_slot(int slot);
/* More processes than this at once in one run is taken for a fork bomb. */
int contain_proc_cap(void);

/* ---- results ------------------------------------------------------------ */

enum check_kind { KIND_BUILD, KIND_CRITERION, KIND_BATS };
enum check_status { ST_PASSED, ST_FAILED, ST_TIMEOUT, ST_CRASHED, ST_ERROR };

struct check_result {
    const char *name;
    enum check_kind kind;
    enum check_status status;
    double points, max_points;
    char *message; /* why it failed (malloc'd), or NULL */
    const char *hint;
    double ms;
    bool reported;        /* the test runner reported it */
    char *consequence_of; /* failed root checks that explain this failure ("a, b"), or NULL */
    char *may_also_fix;   /* failed checks this one's failure explains ("a, b"), or NULL */
};

struct lab_result {
    const struct lab_spec *lab;
    double score, max_score;
    bool built;
    char *build_log;             /* compiler warnings and errors */
    struct check_result *checks; /* one per manifest check, in manifest order */
    int nchecks;
    double ms;
    double stall_ms; /* the longest the grader waited for the CPU meanwhile (load.h) */
    char *error;     /* the whole lab could not be graded: why */
    char *notes;     /* what the runs left behind (processes, IPC objects), for people */
};

const char *kind_name(enum check_kind k);
const char *status_name(enum check_status s);

/* ---- grading (grade.c, build.c, tap.c) ---------------------------------- */

struct kit {
    char root[2048];              /* the kit: labs/, solutions/, common/, grader/ */
    char workspace[4096];         /* where the student's files come from */
    int slot;                     /* this worker's slot: its own student user */
    int side_slot;                /* a second one, for the checks run beside (grade.c) */
    const char *submission_notes; /* what --dir did to find the labs (files placed), or NULL */
    struct manifest manifest;
    bool verbose;
    bool verdict_cache;      /* unchanged labs answered from the cache (cache.h); never selftest */
    struct trace_req *trace; /* explain mode: run one check under strace (explain.h) */
};

struct build_env {
    const struct kit *kit;
    const struct lab_spec *lab;
    char dir[4096]; /* the fresh build folder */
};

/* Grade one lab into res (never fails: problems become results). */
void grade_lab(const struct kit *kit, const struct lab_spec *lab, struct lab_result *res);
/* A lab that could not be graded at all: every check an error saying why. */
void grade_lab_failed(const struct kit *kit, const struct lab_spec *lab, struct lab_result *res,
                      const char *why);
void lab_result_free(struct lab_result *res);

/* Copy the pristine given files and the student's files into a fresh folder. */
bool build_prepare(struct build_env *b, char **error);
/* Compile programs and the check binary; false with the compiler's log on error. */
bool build_compile(struct build_env *b, char **log, bool *have_checks);
/* Compile only the programs, into outdir (for `grade build`). */
bool build_programs(const struct kit *kit, const struct lab_spec *lab, const char *srcdir,
                    char **log);

/* A compiler's log as a student reads it (buildlog.c): the scratch folder's
 * paths become the student's own (labs/NN-slug/file.c:LINE, where an editor
 * jumps), errors come before warnings, the log ends with a newline. */
void build_log_tidy(const struct kit *kit, const struct lab_spec *lab, const char *scratch,
                    char **log);
/* When the student's object obj (of their file) defines a main() that the
 * build renamed, say once in *log that it is not used and how to run it. */
void build_note_main(const struct lab_spec *lab, const char *obj, const char *file, char **log);

/* Names of globals with who defines them (objcheck.c). */
struct symset {
    struct owned *items;
    int n, cap;
    bool sorted;
};
void symset_add(struct symset *s, const char *name, const char *owner);
/* Add the globals an object file defines; false when it is not one. */
bool symset_add_object(struct symset *s, const char *path, const char *owner);
/* Add the globals an object file uses without defining them: every one
 * when all, else only its weak references (hooks it calls if they exist). */
bool symset_add_references(struct symset *s, const char *path, const char *owner, bool all);
bool symset_has(struct symset *s, const char *name);
void symset_free(struct symset *s);
/* Check a student's object against the allow-list (sections of plain C, no
 * IFUNC or weak games, no global that kit or checks define, none that the
 * code of the judge's side would call (hooks), no reference to the checks
 * or the test runner). On refusal append "FILE: error: ..." lines
 * naming each offending section or symbol to *log and return false. */
bool objcheck_student(const char *obj, const char *shown, struct symset *kit, struct symset *checks,
                      struct symset *hooks, char **log);

/* Fill results from TAP text; kind tells Criterion's or bats' dialect. */
void tap_parse(const char *tap, enum check_kind kind, struct lab_result *res);

/* ---- output (report.c) ---------------------------------------------------- */

/* Points in JSON: an integer when whole (as always written), else a real
 * rounded to hundredths. */
json_t *json_points(double points);
/* Points as people write them: "12", "0.5", "10.25". */
void format_points(char *buf, size_t size, double points);
/* The same in a static buffer of one of 8 rotating slots, for printf. */
const char *pts(double points);

/* A JSON string of any bytes (invalid UTF-8 replaced). */
json_t *json_text(const char *s);
json_t *lab_result_json(const struct lab_result *res);
bool lab_result_from_json(json_t *j, const struct manifest *m, struct lab_result *res);
json_t *report_json(const struct lab_result *labs, int n);
void report_human(FILE *out, const struct lab_result *labs, int n, bool verbose, bool color);
/* The pieces of report_human: a lab's score line; its notes, warnings and
 * failed checks (every check with verbose); the total of several labs. */
void report_lab_line(FILE *out, const struct lab_result *r, bool verbose, bool color);
void report_lab_details(FILE *out, const struct lab_result *r, bool verbose, bool color);
void report_total(FILE *out, const struct lab_result *labs, int n, bool color);
/* Tie failures to their root causes (the manifest's explained_by): a
 * consequence's message starts by naming its root, a root's message ends
 * with what fixing it may also fix. Once per graded lab. */
void explain_causes(struct lab_result *res);

/* ---- language (i18n.c; messages through i18n.h) --------------------------- */

/* Choose the language from LANGUAGE, LC_ALL, LC_MESSAGES, LANG and bind the
 * catalogues in grader/build/locale; first thing in main. */
void i18n_init(void);
/* English whatever the user's locale (the self-test matches English words). */
void i18n_english(void);
/* The language list the checks in the box are given ("" for English). */
const char *i18n_language(void);
bool i18n_chinese(void);

/* ---- small utilities (util.c) -------------------------------------------- */

char *xstrdup(const char *s);
__attribute__((format(printf, 1, 2))) char *xasprintf(const char *fmt, ...);
void *xcalloc(size_t n, size_t size);
bool path_exists(const char *path);
bool is_dir(const char *path);
bool copy_file(const char *from, const char *to);
/* Open base/rel (rel: names joined by '/') for reading without following a
 * symbolic link anywhere in rel (base, the caller's, may be one): what a
 * submission holds is read where it is, never where its links point. A
 * regular file only. -1 with errno (ELOOP or ENOTDIR: a link on the way;
 * EINVAL: not a regular file) otherwise. */
int open_below(const char *base, const char *rel);
/* Copy base/rel, opened by open_below, to to. */
bool copy_below(const char *base, const char *rel, const char *to);
int remove_tree(const char *path);
bool mkdir_p(const char *path);
char *read_text(const char *path, size_t max);
char *read_fd(int fd, size_t max); /* up to max bytes, NUL-terminated; the fd stays open */
double mono_ms(void);
/* Any bytes as XML or HTML text (markup.c): escaped, what XML 1.0 cannot
 * hold as '?'; one_line: a newline becomes a space (for attributes). */
void markup_put(FILE *f, const char *s, bool one_line);
/* Keep the first max_lines lines of text (in place). */
void keep_lines(char *text, int max_lines);

#endif
