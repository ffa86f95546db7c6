/*
 * The build cache (cache.h): the objects of a lab's given files, by content.
 * Student code never reaches them: they are made here, outside every run,
 * from kit files alone, and each build gets its own copy.
 */
#define _GNU_SOURCE
#include "cache.h"
#include "hash.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { GIVEN_TIMEOUT = 60 };

static bool is_edited(const struct lab_spec *lab, const char *file)
{
    for (const char **e = lab->edit; *e; e++)
        if (!strcmp(*e, file))
            return true;
    return false;
}

bool given_compiled(const struct lab_spec *lab, const char *file)
{
    if (is_edited(lab, file))
        return false;
    for (const char **s = lab->sources; *s; s++)
        if (!strcmp(*s, file))
            return true;
    for (int i = 0; i < lab->nprograms; i++)
        for (const char **m = lab->programs[i].mains; *m; m++)
            if (!strcmp(*m, file))
                return true;
    return false;
}

/* What any compile of a given file of this lab may read, and how. */
static void inputs_key(const struct kit *kit, const struct lab_spec *lab, const char *const *cflags,
                       char out[65])
{
    struct sha256 s;
    sha256_init(&s);
    hash_str(&s, "proclabs given objects v1");
    for (const char *const *f = cflags; *f; f++)
        hash_str(&s, *f);
    static const char *const sources[] = {".c", ".h", NULL}, *const headers[] = {".h", NULL};
    char name[256];
    lab_dirname(lab, name, sizeof name);
    char *labdir = xasprintf("%s/labs/%s", kit->root, name);
    char *common = xasprintf("%s/common", kit->root);
    hash_dir(&s, labdir, sources, (const char *const *)lab->edit);
    hash_dir(&s, common, headers, NULL);
    free(labdir);
    free(common);
    struct stat st; /* the compiler and the system headers: dpkg's record */
    char line[128];
    if (stat("/var/lib/dpkg/status", &st) == 0) {
        snprintf(line, sizeof line, "%lld %lld.%09ld", (long long)st.st_size,
                 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        hash_str(&s, line);
    }
    hash_str(&s, getenv("PATH"));
    sha256_hex(&s, out);
}

/* grader/build/given/NN-slug/BASE-KEY.o, compiled now if missing. */
static char *object_for(const struct kit *kit, const char *lab, const char *labdir,
                        const char *file, bool rename_main, const char *const *cflags,
                        const char *key)
{
    char *base = xstrdup(file);
    *strrchr(base, '.') = '\0';
    char *dir = xasprintf("%s/grader/build/given/%s", kit->root, lab);
    char *obj = xasprintf("%s/%s-%.16s%s.o", dir, base, key, rename_main ? "" : "-main");
    free(base);
    if (path_exists(obj)) {
        free(dir);
        return obj;
    }
    mkdir_p(dir);
    char *tmp = xasprintf("%s.%d.tmp", obj, (int)getpid());
    char *src = xasprintf("%s/%s", labdir, file);
    char *inc_lab = xasprintf("-I%s", labdir), *inc_common = xasprintf("-I%s/common", kit->root);
    char *argv[64] = {"gcc"};
    int n = 1;
    for (const char *const *f = cflags; *f && n < 50; f++)
        argv[n++] = (char *)*f;
    if (rename_main) /* as build.c compiles the lab's sources */
        argv[n++] = "-Dmain=student_main";
    char *tail[] = {inc_lab, inc_common, "-c", src, "-o", tmp, NULL};
    for (char **t = tail; *t; t++)
        argv[n++] = *t;
    argv[n] = NULL;
    struct run_spec spec = {.argv = argv, .timeout = GIVEN_TIMEOUT, .output_cap = 1 << 16};
    struct run_result r;
    contain_run(&spec, &r);
    bool ok = WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0 && rename(tmp, obj) == 0;
    if (!ok)
        unlink(tmp);
    run_result_free(&r);
    free(tmp);
    free(src);
    free(inc_lab);
    free(inc_common);
    free(dir);
    if (!ok) {
        free(obj);
        return NULL;
    }
    return obj;
}

static bool place(const struct kit *kit, const char *lab, const char *labdir, const char *file,
                  bool rename_main, const char *const *cflags, const char *key, const char *dir)
{
    char *obj = object_for(kit, lab, labdir, file, rename_main, cflags, key);
    if (!obj)
        return false;
    char *to = xasprintf("%s/%s", dir, file);
    strcpy(strrchr(to, '.'), ".o");
    bool ok = copy_file(obj, to);
    free(to);
    free(obj);
    return ok;
}

bool given_objects(const struct kit *kit, const struct lab_spec *lab, const char *dir,
                   const char *const *cflags)
{
    char key[65], name[256];
    inputs_key(kit, lab, cflags, key);
    lab_dirname(lab, name, sizeof name);
    char *labdir = xasprintf("%s/labs/%s", kit->root, name);
    bool ok = true;
    for (const char **s = lab->sources; ok && *s; s++)
        if (!is_edited(lab, *s))
            ok = place(kit, name, labdir, *s, true, cflags, key, dir);
    for (int i = 0; ok && i < lab->nprograms; i++)
        for (const char **m = lab->programs[i].mains; ok && *m; m++)
            ok = is_edited(lab, *m) || place(kit, name, labdir, *m, false, cflags, key, dir);
    free(labdir);
    return ok;
}
