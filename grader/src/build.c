/*
 * Building a lab: a fresh folder holds the pristine given files from the
 * kit's labs/NN-slug/ and, from the workspace, only the files the manifest
 * says the student edits. Nothing else from a submission is trusted.
 */
#define _GNU_SOURCE
#include "grader.h"
#include "cache.h"
#include "i18n.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Student code: warnings shown, never fatal, except those that are nearly
 * always a bug the program would crash or lie on (an undeclared function
 * whose int result becomes a pointer, a missing return, a printf format
 * that does not match its argument, a variable used before it is set). */
#define STUDENT_CFLAGS                                                                             \
    "-std=gnu11", "-g", "-O1", "-Wall", "-Wextra", "-pthread",                                     \
        "-Werror=implicit-function-declaration", "-Werror=implicit-int", "-Werror=int-conversion", \
        "-Werror=incompatible-pointer-types", "-Werror=return-type", "-Werror=format",             \
        "-Werror=uninitialized"
enum { COMPILE_TIMEOUT = 60, COMPILE_OUTPUT_CAP = 256 * 1024, LOG_LINES = 40 };

/* gold (binutils, like the default ld) links a check binary 3-4x faster;
 * binutils may one day ship without it. */
static const char *linker(void)
{
    return access("/usr/bin/ld.gold", X_OK) == 0 ? "-fuse-ld=gold" : "-fuse-ld=bfd";
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static bool in_list(const char **list, const char *name)
{
    for (; list && *list; list++)
        if (!strcmp(*list, name))
            return true;
    return false;
}

bool build_prepare(struct build_env *b, char **error)
{
    char lab[256];
    lab_dirname(b->lab, lab, sizeof lab);
    const char *tmp = getenv("TMPDIR");
    snprintf(b->dir, sizeof b->dir, "%s/proclabs-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", lab);
    if (!mkdtemp(b->dir)) {
        *error = xasprintf(_("cannot create a build folder in %s"), tmp && *tmp ? tmp : "/tmp");
        b->dir[0] = '\0';
        return false;
    }
    contain_set_scratch(b->dir);
    contain_limit_scratch(b->dir);

    char *given = xasprintf("%s/labs/%s", b->kit->root, lab);
    DIR *d = opendir(given);
    if (!d) {
        *error = xasprintf(_("the kit has no folder labs/%s (is the kit complete?)"), lab);
        free(given);
        return false;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || in_list(b->lab->edit, e->d_name))
            continue;
        if (!ends_with(e->d_name, ".c") && !ends_with(e->d_name, ".h"))
            continue;
        char *from = xasprintf("%s/%s", given, e->d_name);
        char *to = xasprintf("%s/%s", b->dir, e->d_name);
        copy_file(from, to);
        free(from);
        free(to);
    }
    closedir(d);
    free(given);

    /* The student's files are read where they are: no symbolic link below
     * the workspace is followed (a lab folder linked to solutions/ or to
     * another student's submission would be graded as theirs). */
    char *ws = xasprintf("%s/%s", b->kit->workspace, lab);
    struct stat st;
    bool ok = lstat(ws, &st) == 0 && S_ISDIR(st.st_mode);
    if (!ok && lstat(ws, &st) == 0 && S_ISLNK(st.st_mode))
        *error = xasprintf(_("folder %s is a symbolic link: hand in the folder itself, with "
                             "your files in it"),
                           ws);
    else if (!ok)
        *error = xasprintf("folder %s not found", ws);
    for (const char **f = b->lab->edit; ok && *f; f++) {
        char *from = xasprintf("%s/%s", ws, *f);
        char *rel = xasprintf("%s/%s", lab, *f);
        char *to = xasprintf("%s/%s", b->dir, *f);
        if (!path_exists(from)) {
            *error = xasprintf(_("file %s not found in %s (deleted? grader/grade reset %s "
                                 "restores the starter)"),
                               *f, ws, b->lab->id);
            ok = false;
        } else if (!copy_below(b->kit->workspace, rel, to)) {
            *error = xasprintf(_("file %s in %s is not a readable regular file"), *f, ws);
            ok = false;
        }
        free(from);
        free(rel);
        free(to);
    }
    free(ws);
    return ok;
}

/* The kit whose runs are being made (one per worker process). */
static const struct kit *current_kit;

/* A compiler stopped by a limit says so in words a student can act on, not
 * as "internal compiler error: File size limit exceeded". */
static const char *compiler_stopped(const struct run_result *res)
{
    static char why[160];
    const char *out = res->output;
    if (res->timed_out)
        snprintf(why, sizeof why, _("it ran past %d s"), COMPILE_TIMEOUT);
    else if (res->output_overflow)
        snprintf(why, sizeof why, _("it printed more than %d KiB (thousands of errors?)"),
                 COMPILE_OUTPUT_CAP / 1024);
    else if ((WIFSIGNALED(res->status) && WTERMSIG(res->status) == SIGXFSZ) ||
             strstr(out, "File size limit exceeded"))
        snprintf(why, sizeof why,
                 _("a file it wrote grew past 64 MiB (a huge initialised array?)"));
    else if (strstr(out, "out of memory") || strstr(out, "Cannot allocate memory") ||
             strstr(out, "virtual memory exhausted"))
        snprintf(why, sizeof why, _("it needed more than 4 GiB of memory"));
    else if (strstr(out, "CPU time limit exceeded") || strstr(out, "Killed signal terminated"))
        snprintf(why, sizeof why, _("it used more than %d s of CPU time"), COMPILE_TIMEOUT + 5);
    else
        return NULL;
    return why;
}

/* Run a compiler command in dir, contained: as the student when it reads
 * student code (a source file could #include anything it can see), as the
 * judge when it links the checks. Appends its output to *log. */
/* Set while two links share the build folder, handed to the judge before
 * both (link_all): neither run may change an owner under the other. */
static bool owners_handed;

static bool run_tool(const char *dir, char **argv, char **log, bool as_judge)
{
    struct run_spec spec = {.argv = argv,
                            .cwd = dir,
                            .timeout = COMPILE_TIMEOUT,
                            .output_cap = COMPILE_OUTPUT_CAP,
                            .student = true,
                            .as_student = !as_judge,
                            .as_judge = as_judge,
                            .slot = current_kit ? current_kit->slot : 0,
                            .keep = dir,
                            .kit = current_kit ? current_kit->root : NULL,
                            .keep_owners = owners_handed};
    struct run_result res;
    contain_run(&spec, &res);
    bool ok = !res.timed_out && !res.output_overflow && WIFEXITED(res.status) &&
              WEXITSTATUS(res.status) == 0;
    const char *stopped = ok ? NULL : compiler_stopped(&res);
    char *joined =
        stopped ? xasprintf(_("%serror: the compiler was stopped: %s\n"), *log ? *log : "", stopped)
                : xasprintf("%s%s", *log ? *log : "", res.output);
    free(*log);
    *log = joined;
    run_result_free(&res);
    return ok;
}

/* argv builder: a growable NULL-terminated list of strings. */
struct args {
    char *v[256];
    int n;
};

static void add(struct args *a, const char *s)
{
    if (a->n < 254)
        a->v[a->n++] = xstrdup(s);
    a->v[a->n] = NULL;
}

static void add_many(struct args *a, const char **list, const char *suffix)
{
    for (; list && *list; list++) {
        char *s = xstrdup(*list), *dot = strrchr(s, '.');
        if (suffix && dot && strlen(dot) == strlen(suffix))
            strcpy(dot, suffix);
        add(a, s);
        free(s);
    }
}

static void args_free(struct args *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->v[i]);
    a->n = 0;
}

/* The kit's file rel as a contained run sees it. */
static char *kit_path(const struct kit *kit, const char *rel)
{
    return contain_kit_path(kit->root, rel);
}

static void add_kit(struct args *a, const struct kit *kit, const char *flag, const char *rel)
{
    char *path = kit_path(kit, rel);
    char *arg = xasprintf("%s%s", flag, path);
    add(a, arg);
    free(arg);
    free(path);
}

static void add_common(struct args *a, const struct kit *kit, const char *dir)
{
    static const char *flags[] = {"gcc", STUDENT_CFLAGS, NULL};
    add_many(a, flags, NULL);
    char *inc = xasprintf("-I%s", dir);
    add(a, inc);
    free(inc);
    add_kit(a, kit, "-I", "common");
}

/* What the rest of the link defines: the kit's helper library and the
 * lab's given files (kit), the check objects and check library (checks).
 * And what it would call in student code if the student defined it
 * (hooks): every name the helper library and the check library use (code
 * that runs in the judge's process, where no student code may run), and
 * the weak references of the given files and the checks (a hook called
 * only if someone defines it, like sleep_ms()'s proclabs_before_sleep). */
static void kit_symbols(const struct kit *kit, const struct lab_spec *lab, const char *dir,
                        struct symset *given, struct symset *checks, struct symset *hooks)
{
    static const char *common[] = {"errors", "runtime", "wrappers", NULL};
    for (const char **c = common; *c; c++) {
        char *obj = xasprintf("%s/grader/build/common/%s.o", kit->root, *c);
        symset_add_object(given, obj, _("the kit's helper library (common/)"));
        symset_add_references(hooks, obj, _("the kit's helper library (common/)"), true);
        free(obj);
    }
    for (const char **s = lab->sources; *s; s++) {
        if (in_list(lab->edit, *s))
            continue;
        char *obj = xasprintf("%s/%s", dir, *s);
        strcpy(strrchr(obj, '.'), ".o");
        symset_add_object(given, obj, _("a file the lab gives you"));
        symset_add_references(hooks, obj, _("a file the lab gives you"), false);
        free(obj);
    }
    char lab_dir[256];
    lab_dirname(lab, lab_dir, sizeof lab_dir);
    char *objdir = xasprintf("%s/grader/build/checks/%s", kit->root, lab_dir);
    DIR *d = opendir(objdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (ends_with(e->d_name, ".o")) {
            char *obj = xasprintf("%s/%s", objdir, e->d_name);
            symset_add_object(checks, obj, _("the checks"));
            symset_add_references(hooks, obj, _("the checks"), false);
            free(obj);
        }
    if (d)
        closedir(d);
    free(objdir);
    static const char *lib[] = {"check", "jail", NULL};
    for (const char **c = lib; *c; c++) {
        char *obj = xasprintf("%s/grader/build/%s.o", kit->root, *c);
        symset_add_object(checks, obj, _("the check library"));
        symset_add_references(hooks, obj, _("the check library"), true);
        free(obj);
    }
}

/* Compile the lab's sources (a student main() would silently replace
 * Criterion's, so it is renamed), then hold every student object against
 * the allow-list before anything links it. */
static bool compile_sources(const struct kit *kit, const struct lab_spec *lab, const char *dir,
                            char **log)
{
    static const char *const flags[] = {STUDENT_CFLAGS, NULL};
    bool prebuilt = given_objects(kit, lab, dir, flags);
    struct args a = {0};
    add_common(&a, kit, dir);
    add(&a, "-Dmain=student_main");
    add(&a, "-c");
    for (const char **s = lab->sources; *s; s++)
        if (!prebuilt || !given_compiled(lab, *s)) /* the given ones are in dir already */
            add(&a, *s);
    bool ok = a.v[a.n - 1][0] == '-' || run_tool(dir, a.v, log, false);
    args_free(&a);
    if (!ok)
        return false;
    struct symset given = {0}, checks = {0}, hooks = {0};
    kit_symbols(kit, lab, dir, &given, &checks, &hooks);
    for (const char **s = lab->sources; *s; s++) {
        if (!in_list(lab->edit, *s))
            continue; /* given scaffolding is the kit's own code */
        char *obj = xasprintf("%s/%s", dir, *s);
        strcpy(strrchr(obj, '.'), ".o");
        ok = objcheck_student(obj, *s, &given, &checks, &hooks, log) && ok;
        build_note_main(lab, obj, *s, log);
        free(obj);
    }
    symset_free(&given);
    symset_free(&checks);
    symset_free(&hooks);
    return ok;
}

static bool link_program(const struct kit *kit, const struct lab_spec *lab,
                         const struct program_spec *prog, const char *dir, const char *out,
                         char **log)
{
    struct args a = {0};
    add_common(&a, kit, dir);
    add(&a, linker());
    add(&a, "-o");
    add(&a, out);
    for (const char **m = prog->mains; *m; m++) {
        char *o = xasprintf("%s/%s", dir, *m); /* a given main given_objects compiled */
        strcpy(strrchr(o, '.'), ".o");
        bool compiled = given_compiled(lab, *m) && path_exists(o);
        free(o);
        o = xstrdup(*m);
        if (compiled)
            strcpy(strrchr(o, '.'), ".o");
        add(&a, o);
        free(o);
    }
    add_many(&a, lab->sources, ".o");
    add_kit(&a, kit, "", "common/libproclabs.a");
    add(&a, "-lm");
    bool ok = run_tool(dir, a.v, log, false);
    args_free(&a);
    return ok;
}

static double mtime_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9 : -1;
}

/* `make` compiles each check source against the lab's pristine headers into
 * grader/build/checks/; an object older than its source, the lab's headers
 * or check.h is compiled again here: kit code with no student input, by
 * the grader itself, to a temporary name then renamed (parallel graders of
 * one lab may do it at once). Returns the object's path or NULL. */
static char *check_object(const struct kit *kit, const char *lab, const char *name, char **log)
{
    char *source = xasprintf("%s/grader/checks/%s/%s", kit->root, lab, name);
    char *obj = xasprintf("%s/grader/build/checks/%s/%s", kit->root, lab, name);
    strcpy(obj + strlen(obj) - 1, "o");
    double built = mtime_of(obj);
    char *helper_h = xasprintf("%s/grader/checks/lib/check.h", kit->root);
    bool fresh = built > 0 && built >= mtime_of(source) && built >= mtime_of(helper_h);
    free(helper_h);
    char *labdir = xasprintf("%s/labs/%s", kit->root, lab);
    DIR *d = opendir(labdir);
    struct dirent *e;
    while (fresh && d && (e = readdir(d)))
        if (ends_with(e->d_name, ".h")) {
            char *h = xasprintf("%s/%s", labdir, e->d_name);
            fresh = built >= mtime_of(h);
            free(h);
        }
    if (d)
        closedir(d);
    if (!fresh) {
        char *dir = xstrdup(obj);
        *strrchr(dir, '/') = '\0';
        mkdir_p(dir);
        char *tmp = xasprintf("%s.%d.tmp", obj, (int)getpid());
        char *inc_lab = xasprintf("-I%s", labdir),
             *inc_common = xasprintf("-I%s/common", kit->root);
        char *inc_lib = xasprintf("-I%s/grader/checks/lib", kit->root);
        char *argv[] = {"gcc",     "-std=gnu11", "-g",    "-O1",      "-Wall", "-Wextra",
                        "-Werror", "-pthread",   inc_lab, inc_common, inc_lib, "-c",
                        source,    "-o",         tmp,     NULL};
        struct run_spec spec = {.argv = argv, .timeout = COMPILE_TIMEOUT, .output_cap = 1 << 16};
        struct run_result r;
        contain_run(&spec, &r);
        fresh = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && rename(tmp, obj) == 0;
        if (!fresh) {
            char *joined = xasprintf(_("%sthe kit's check %s/%s does not compile (run make): %s"),
                                     *log ? *log : "", lab, name, r.output);
            free(*log);
            *log = joined;
            unlink(tmp);
        }
        run_result_free(&r);
        free(tmp);
        free(inc_lab);
        free(inc_common);
        free(inc_lib);
        free(dir);
    }
    free(labdir);
    free(source);
    if (!fresh) {
        free(obj);
        return NULL;
    }
    return obj;
}

/* Every check object of the lab, fresh; false when one cannot be made. */
static bool check_objects(const struct kit *kit, const struct lab_spec *lab, struct args *objs,
                          char **log)
{
    char name[256];
    lab_dirname(lab, name, sizeof name);
    char *checkdir = xasprintf("%s/grader/checks/%s", kit->root, name);
    bool ok = true;
    DIR *d = opendir(checkdir);
    struct dirent *e;
    while (ok && d && (e = readdir(d)))
        if (ends_with(e->d_name, ".c")) {
            char *obj = check_object(kit, name, e->d_name, log);
            ok = obj != NULL;
            if (obj) { /* as the judge sees it */
                char *rel = xasprintf("grader/build/checks/%s/%s", name, strrchr(obj, '/') + 1);
                char *seen = kit_path(kit, rel);
                add(objs, seen);
                free(seen);
                free(rel);
            }
            free(obj);
        }
    if (d)
        closedir(d);
    free(checkdir);
    return ok;
}

/* libgit2 as Criterion built without it (grader/checks/lib/nogit.c), when
 * `make` made one: found first through the binary's RPATH (DT_RPATH, which
 * also serves the needs of libcriterion), 10 ms less in every test process. */
static void add_nogit(struct args *a, const struct kit *kit)
{
    char *dir = xasprintf("%s/grader/build/nogit", kit->root);
    DIR *d = opendir(dir);
    bool have = false;
    struct dirent *e;
    while (d && (e = readdir(d)))
        have = have || !strncmp(e->d_name, "libgit2.", 8);
    if (d)
        closedir(d);
    free(dir);
    if (have)
        add_kit(a, kit, "-Wl,--disable-new-dtags,-rpath,", "grader/build/nogit");
}

/* The Criterion binary: the lab's check objects, the check library and the
 * student's objects, linked by the judge (which alone sees the checks). */
static bool link_checks(struct build_env *b, struct args *tests, char **log)
{
    struct args a = {0};
    add_common(&a, b->kit, b->dir);
    add(&a, linker());
    add(&a, "-o");
    add(&a, "checks");
    for (int i = 0; i < tests->n; i++)
        add(&a, tests->v[i]);
    add_kit(&a, b->kit, "", "grader/build/check.o");
    add_kit(&a, b->kit, "", "grader/build/jail.o");
    add_many(&a, b->lab->sources, ".o");
    add_kit(&a, b->kit, "", "common/libproclabs.a");
    add_nogit(&a, b->kit);
    add(&a, "-DBXF_STATIC_LIB=1");
    add(&a, "-lcriterion");
    add(&a, "-lseccomp");
    add(&a, "-lm");
    bool ok = run_tool(b->dir, a.v, log, true);
    args_free(&a);
    /* Student code never execs it (the bodies are forks of it): it need
     * not read the compiled checks either. */
    char *bin = xasprintf("%s/checks", b->dir);
    if (ok)
        chmod(bin, 0700);
    free(bin);
    return ok;
}

static bool link_programs(struct build_env *b, char **log)
{
    bool ok = true;
    for (int i = 0; ok && i < b->lab->nprograms; i++)
        ok = link_program(b->kit, b->lab, &b->lab->programs[i], b->dir, b->lab->programs[i].name,
                          log);
    return ok;
}

/* The programs linked in a child while this process links the checks: two
 * linkers, two cores. The folder goes to the judge first (the checks' link
 * writes there), so that neither run changes an owner under the other; the
 * programs' verdict and log come back on a pipe, and the log reads as if
 * the links had run one after the other. Only in the box: without it, the
 * end of one run sweeps every process of the slot's users. */
static bool link_all(struct build_env *b, struct args *tests, char **log)
{
    int p[2];
    pid_t kid = -1;
    fflush(NULL);
    if (b->lab->nprograms > 0 && tests->n > 0 && contain_info()->namespaces &&
        pipe2(p, O_CLOEXEC) == 0) {
        contain_hand_over(b->dir, b->kit->slot, true);
        owners_handed = true;
        kid = fork();
        if (kid < 0) {
            close(p[0]);
            close(p[1]);
            owners_handed = false;
        }
    }
    if (kid < 0) { /* one at a time */
        bool ok = link_programs(b, log);
        return ok && (tests->n == 0 || link_checks(b, tests, log));
    }
    if (kid == 0) {
        close(p[0]);
        char *mine = NULL;
        char ok = link_programs(b, &mine) ? '1' : '0';
        _exit(dprintf(p[1], "%c%s", ok, mine ? mine : "") > 0 ? 0 : 1);
    }
    close(p[1]);
    contain_spare(kid);
    char *checks_log = NULL;
    bool checks_ok = link_checks(b, tests, &checks_log);
    owners_handed = false;
    /* Its verdict is the first byte, '1' or '0' (none if it died): the sweep
     * of a run may have reaped it, so its exit status may be lost. */
    char *programs_log = read_fd(p[0], COMPILE_OUTPUT_CAP * 2);
    close(p[0]);
    while (waitpid(kid, NULL, 0) < 0 && errno == EINTR)
        ;
    contain_spare(0);
    bool programs_ok = programs_log[0] == '1';
    char *joined = xasprintf("%s%s%s", *log ? *log : "", programs_log + (programs_log[0] != '\0'),
                             programs_ok && checks_log ? checks_log : "");
    free(*log);
    *log = joined;
    free(programs_log);
    free(checks_log);
    return programs_ok && checks_ok;
}

bool build_compile(struct build_env *b, char **log, bool *have_checks)
{
    current_kit = b->kit;
    *have_checks = false;
    struct args tests = {0};
    bool ok =
        check_objects(b->kit, b->lab, &tests, log) && compile_sources(b->kit, b->lab, b->dir, log);
    *have_checks = tests.n > 0;
    if (ok)
        ok = link_all(b, &tests, log);
    args_free(&tests);
    build_log_tidy(b->kit, b->lab, b->dir, log);
    return ok;
}

bool build_programs(const struct kit *kit, const struct lab_spec *lab, const char *srcdir,
                    char **log)
{
    struct build_env b = {.kit = kit, .lab = lab};
    current_kit = kit;
    char *err = NULL;
    bool ok = build_prepare(&b, &err);
    char *bindir = xasprintf("%s/bin", srcdir);
    for (int i = 0; i < lab->nprograms; i++) { /* never leave the old program to run */
        char *old = xasprintf("%s/%s", bindir, lab->programs[i].name);
        unlink(old);
        free(old);
    }
    if (!ok) {
        *log = xasprintf("%s\n", err);
        free(err);
    } else {
        struct args tests = {0}; /* the allow-list knows the checks' names */
        ok = check_objects(kit, lab, &tests, log) && compile_sources(kit, lab, b.dir, log);
        args_free(&tests);
        mkdir_p(bindir);
        for (int i = 0; ok && i < lab->nprograms; i++) {
            /* Linked in the build folder (the student user may not write
             * the workspace), then copied out. */
            const char *name = lab->programs[i].name;
            char *built = xasprintf("%s/%s", b.dir, name);
            char *out = xasprintf("%s/%s", bindir, name);
            ok = link_program(kit, lab, &lab->programs[i], b.dir, name, log) &&
                 copy_file(built, out) && chmod(out, 0755) == 0;
            free(built);
            free(out);
        }
        build_log_tidy(kit, lab, b.dir, log);
    }
    free(bindir);
    if (b.dir[0])
        contain_remove_scratch(b.dir);
    return ok;
}
