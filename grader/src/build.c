/*
 * Building a lab: a fresh folder holds the pristine given files from the
 * kit's labs/NN-slug/ and, from the workspace, only the files the manifest
 * says the student edits. Nothing else from a submission is trusted.
 */
#define _GNU_SOURCE
#include "grader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Student code: warnings shown, never fatal. */
#define STUDENT_CFLAGS "-std=gnu11", "-g", "-O1", "-Wall", "-Wextra", "-pthread"
enum { COMPILE_TIMEOUT = 60, LOG_LINES = 40 };

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
        *error = xasprintf("cannot create a build folder in %s", tmp && *tmp ? tmp : "/tmp");
        b->dir[0] = '\0';
        return false;
    }
    contain_set_scratch(b->dir);

    char *given = xasprintf("%s/labs/%s", b->kit->root, lab);
    DIR *d = opendir(given);
    if (!d) {
        *error = xasprintf("the kit has no folder labs/%s (is the kit complete?)", lab);
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

    char *ws = xasprintf("%s/%s", b->kit->workspace, lab);
    bool ok = is_dir(ws);
    if (!ok)
        *error = xasprintf("folder %s not found", ws);
    for (const char **f = b->lab->edit; ok && *f; f++) {
        char *from = xasprintf("%s/%s", ws, *f);
        char *to = xasprintf("%s/%s", b->dir, *f);
        if (!path_exists(from)) {
            *error = xasprintf("file %s not found in %s", *f, ws);
            ok = false;
        } else if (!copy_file(from, to)) {
            *error = xasprintf("file %s in %s is not a readable regular file", *f, ws);
            ok = false;
        }
        free(from);
        free(to);
    }
    free(ws);
    return ok;
}

/* The kit whose runs are being made (one per worker process). */
static const struct kit *current_kit;

/* Run a compiler command in dir as the student (a source file could
 * #include anything readable); append its output to *log. */
static bool run_tool(const char *dir, char **argv, char **log)
{
    struct run_spec spec = {.argv = argv,
                            .cwd = dir,
                            .timeout = COMPILE_TIMEOUT,
                            .output_cap = 256 * 1024,
                            .student = true,
                            .as_student = true,
                            .slot = current_kit ? current_kit->slot : 0,
                            .keep = dir,
                            .kit = current_kit ? current_kit->root : NULL};
    struct run_result res;
    contain_run(&spec, &res);
    bool ok = !res.timed_out && WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0;
    char *joined = xasprintf("%s%s%s", *log ? *log : "", res.output,
                             res.timed_out ? "compilation timed out\n" : "");
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

static void add_common(struct args *a, const struct kit *kit, const char *dir)
{
    static const char *flags[] = {"gcc", STUDENT_CFLAGS, NULL};
    add_many(a, flags, NULL);
    char *inc = xasprintf("-I%s", dir);
    add(a, inc);
    free(inc);
    inc = xasprintf("-I%s/common", kit->root);
    add(a, inc);
    free(inc);
}

static char *kit_path(const struct kit *kit, const char *rel)
{
    return xasprintf("%s/%s", kit->root, rel);
}

/* A student function named like a C library or Criterion function would
 * replace it inside the test runner (symbol interposition): refuse it. */
static bool no_library_symbols(const char *dir, const char *source, char **log)
{
    static bool loaded;
    if (!loaded) {
        dlopen("libcriterion.so.3", RTLD_LAZY | RTLD_GLOBAL);
        dlopen("libm.so.6", RTLD_LAZY | RTLD_GLOBAL);
        loaded = true;
    }
    char *obj = xstrdup(source);
    strcpy(strrchr(obj, '.'), ".o");
    char *argv[] = {"nm", "-g", "--defined-only", "--format=posix", obj, NULL};
    struct run_spec spec = {
        .argv = argv, .cwd = dir, .timeout = COMPILE_TIMEOUT, .output_cap = 1 << 20};
    struct run_result res;
    contain_run(&spec, &res);
    bool ok = WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0;
    for (char *line = strtok(res.output, "\n"); ok && line; line = strtok(NULL, "\n")) {
        char *space = strchr(line, ' ');
        if (space)
            *space = '\0';
        if (dlsym(RTLD_DEFAULT, line)) {
            char *msg = xasprintf("%s%s: error: your code defines '%s', which is also a C library "
                                  "or test-runner function: rename it or make it static\n",
                                  *log ? *log : "", source, line);
            free(*log);
            *log = msg;
            ok = false;
        }
    }
    run_result_free(&res);
    free(obj);
    return ok;
}

/* Compile the lab's sources (no main allowed: a student main() would
 * silently replace Criterion's, so it is renamed). */
static bool compile_sources(const struct kit *kit, const struct lab_spec *lab, const char *dir,
                            char **log)
{
    if (!lab->sources[0])
        return true;
    struct args a = {0};
    add_common(&a, kit, dir);
    add(&a, "-Dmain=student_main");
    add(&a, "-c");
    add_many(&a, lab->sources, NULL);
    bool ok = run_tool(dir, a.v, log);
    args_free(&a);
    for (const char **s = lab->sources; ok && *s; s++) {
        if (!in_list(lab->edit, *s))
            continue; /* given scaffolding is the kit's own code */
        /* Even after #undef main, objcopy renames the symbol itself. And no
         * student constructor or destructor may run in the test runner,
         * where it could forge results: their sections are dropped. */
        static const char *strip[] = {"objcopy",
                                      "--redefine-sym",
                                      "main=student_main",
                                      "--remove-section=.init_array*",
                                      "--remove-section=.rela.init_array*",
                                      "--remove-section=.preinit_array*",
                                      "--remove-section=.rela.preinit_array*",
                                      "--remove-section=.fini_array*",
                                      "--remove-section=.rela.fini_array*",
                                      "--remove-section=.ctors*",
                                      "--remove-section=.rela.ctors*",
                                      "--remove-section=.dtors*",
                                      "--remove-section=.rela.dtors*",
                                      NULL};
        add_many(&a, strip, NULL);
        add_many(&a, (const char *[]){*s, NULL}, ".o");
        ok = run_tool(dir, a.v, log) && no_library_symbols(dir, *s, log);
        args_free(&a);
    }
    return ok;
}

static bool link_program(const struct kit *kit, const struct lab_spec *lab,
                         const struct program_spec *prog, const char *dir, const char *out,
                         char **log)
{
    struct args a = {0};
    add_common(&a, kit, dir);
    add(&a, "-o");
    add(&a, out);
    add_many(&a, prog->mains, NULL);
    add_many(&a, lab->sources, ".o");
    char *lib = kit_path(kit, "common/libproclabs.a");
    add(&a, lib);
    free(lib);
    add(&a, "-lm");
    bool ok = run_tool(dir, a.v, log);
    args_free(&a);
    return ok;
}

/* The Criterion binary: the lab's check sources, the check helpers and the
 * student's objects. Returns false only on a compile error. */
static double mtime_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9 : -1;
}

/* `make` compiles each check source against the lab's pristine headers into
 * grader/build/checks/; use that object while it is newer than its source,
 * the lab's headers and check.h (else compile the source here). */
static char *prebuilt_check(const struct kit *kit, const char *lab, const char *name,
                            const char *source)
{
    char *obj = xasprintf("%s/grader/build/checks/%s/%s", kit->root, lab, name);
    strcpy(obj + strlen(obj) - 1, "o");
    double built = mtime_of(obj);
    char *helper_h = kit_path(kit, "grader/checks/lib/check.h");
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
    free(labdir);
    if (!fresh) {
        free(obj);
        return NULL;
    }
    return obj;
}

static bool link_checks(struct build_env *b, char **log, bool *have_checks)
{
    char lab[256];
    lab_dirname(b->lab, lab, sizeof lab);
    char *checkdir = xasprintf("%s/grader/checks/%s", b->kit->root, lab);
    struct args tests = {0};
    DIR *d = opendir(checkdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (ends_with(e->d_name, ".c")) {
            char *p = xasprintf("%s/%s", checkdir, e->d_name);
            char *obj = prebuilt_check(b->kit, lab, e->d_name, p);
            add(&tests, obj ? obj : p);
            free(obj);
            free(p);
        }
    if (d)
        closedir(d);
    free(checkdir);
    *have_checks = tests.n > 0;
    if (!*have_checks)
        return true;

    struct args a = {0};
    add_common(&a, b->kit, b->dir);
    char *inc = kit_path(b->kit, "grader/checks/lib");
    char *flag = xasprintf("-I%s", inc);
    add(&a, flag);
    free(flag);
    free(inc);
    add(&a, "-Werror"); /* the kit's own check code must be clean */
    add(&a, "-o");
    add(&a, "checks");
    for (int i = 0; i < tests.n; i++)
        add(&a, tests.v[i]);
    args_free(&tests);
    char *helper = kit_path(b->kit, "grader/build/check.o");
    add(&a, helper);
    free(helper);
    add_many(&a, b->lab->sources, ".o");
    char *lib = kit_path(b->kit, "common/libproclabs.a");
    add(&a, lib);
    free(lib);
    add(&a, "-DBXF_STATIC_LIB=1");
    add(&a, "-lcriterion");
    add(&a, "-lm");
    bool ok = run_tool(b->dir, a.v, log);
    args_free(&a);
    return ok;
}

bool build_compile(struct build_env *b, char **log, bool *have_checks)
{
    current_kit = b->kit;
    *have_checks = false;
    if (!compile_sources(b->kit, b->lab, b->dir, log))
        return false;
    for (int i = 0; i < b->lab->nprograms; i++)
        if (!link_program(b->kit, b->lab, &b->lab->programs[i], b->dir, b->lab->programs[i].name,
                          log))
            return false;
    return link_checks(b, log, have_checks);
}

bool build_programs(const struct kit *kit, const struct lab_spec *lab, const char *srcdir,
                    char **log)
{
    struct build_env b = {.kit = kit, .lab = lab};
    current_kit = kit;
    char *err = NULL;
    bool ok = build_prepare(&b, &err);
    if (!ok) {
        *log = err;
    } else {
        ok = compile_sources(kit, lab, b.dir, log);
        char *bindir = xasprintf("%s/bin", srcdir);
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
        free(bindir);
    }
    if (b.dir[0])
        remove_tree(b.dir);
    return ok;
}
