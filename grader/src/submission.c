/*
 * From what a student handed in to the folder that holds its lab folders:
 * one piece for `grade batch` and `grade --dir` (which Gradescope's
 * run_autograder uses), so both read a submission the same way.
 */
#define _GNU_SOURCE
#include "submission.h"
#include "cli.h"
#include "i18n.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { EXTRACT_TIMEOUT = 60, UNPACKED_CAP_MB = 200, MAX_DEPTH = 6, MAX_FILES = 20000 };

static void note_push(struct note_list *l, bool warning, const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        return;
    char **items = realloc(l->items, (size_t)(l->n + 1) * sizeof *items);
    bool *warn = items ? realloc(l->warning, (size_t)(l->n + 1) * sizeof *warn) : NULL;
    if (items)
        l->items = items;
    if (!warn) {
        free(s);
        return;
    }
    l->warning = warn;
    l->warning[l->n] = warning;
    l->items[l->n++] = s;
}

void note_add(struct note_list *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note_push(l, false, fmt, ap);
    va_end(ap);
}

void note_warn(struct note_list *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note_push(l, true, fmt, ap);
    va_end(ap);
}

char *note_join(const struct note_list *l, const char *sep, bool warnings_only)
{
    char *out = NULL;
    for (int i = 0; i < l->n; i++) {
        if (warnings_only && !l->warning[i])
            continue;
        char *more = xasprintf("%s%s%s", out ? out : "", out ? sep : "", l->items[i]);
        free(out);
        out = more;
    }
    return out;
}

void note_list_free(struct note_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    free(l->warning);
    free(l->error);
    memset(l, 0, sizeof *l);
}

static bool ends_with_nocase(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

bool is_archive_name(const char *name)
{
    return ends_with_nocase(name, ".tar.gz") || ends_with_nocase(name, ".tgz") ||
           ends_with_nocase(name, ".tar") || ends_with_nocase(name, ".zip");
}

/* ---- lab folders ------------------------------------------------------------ */

static bool holds_labs(const struct manifest *m, const char *dir)
{
    for (int i = 0; i < m->nlabs; i++) {
        char name[64];
        lab_dirname(&m->labs[i], name, sizeof name);
        char *p = xasprintf("%s/%s", dir, name);
        bool yes = is_dir(p);
        free(p);
        if (yes)
            return true;
    }
    return false;
}

/* dir, or dir/labs, when it holds lab folders. dir is a real folder (or
 * the one the grader was given); dir/labs is the submission's, and is
 * taken only when it is a folder, not a symbolic link (realpath would
 * follow one to solutions/ or to another student's labs). */
static char *labs_here(const struct manifest *m, const char *dir)
{
    if (holds_labs(m, dir))
        return realpath(dir, NULL);
    char *labs = xasprintf("%s/labs", dir);
    struct stat st;
    char *found = lstat(labs, &st) == 0 && S_ISDIR(st.st_mode) && holds_labs(m, labs)
                      ? realpath(labs, NULL)
                      : NULL;
    free(labs);
    return found;
}

/* Byte order, not the locale's: the same on every machine. */
static int by_bytes(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static bool skipped_name(const char *name)
{
    return name[0] == '.' || !strncmp(name, "__", 2); /* .git, __MACOSX */
}

char *find_lab_root(const struct manifest *m, const char *dir, char **several)
{
    char *found = labs_here(m, dir);
    if (found)
        return found;
    /* One wrapping folder, as archives often have ("alice/labs/..."); two
     * such folders, and which one was meant is the caller's to say. */
    char *all = NULL;
    int count = 0;
    struct dirent **list;
    int n = scandir(dir, &list, NULL, by_bytes);
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        if ((several || !found) && !skipped_name(name)) {
            char *sub = xasprintf("%s/%s", dir, name);
            struct stat st;
            char *here = lstat(sub, &st) == 0 && S_ISDIR(st.st_mode) ? labs_here(m, sub) : NULL;
            if (here && several) {
                char *more = xasprintf("%s  %s\n", all ? all : "", here);
                free(all);
                all = more;
                count++;
            }
            if (here && !found)
                found = here;
            else
                free(here);
            free(sub);
        }
        free(list[i]);
    }
    if (n >= 0)
        free(list);
    if (count > 1) {
        *several = all;
        free(found);
        return NULL;
    }
    free(all);
    return found;
}

/* ---- archives --------------------------------------------------------------- */

/* Unpack archive (shown to people as shown) into dest, contained like
 * student code: a crafted archive can write nowhere else, cannot run long,
 * and the size cap holds before anything is written. */
static bool unpack(const struct kit *kit, const char *archive, const char *shown, const char *dest,
                   struct note_list *notes)
{
    char *work = xasprintf("%s.work", dest);
    /* The archive keeps its ending: it says how to read it. */
    const char *ending = ends_with_nocase(archive, ".zip") ? ".zip" : ".tar";
    char *copy = xasprintf("%s/archive%s", work, ending);
    char *script_from = xasprintf("%s/grader/src/unpack.py", kit->root);
    char *script = xasprintf("%s/unpack.py", work);
    char *out = xasprintf("%s/out", work);
    char cap[32];
    snprintf(cap, sizeof cap, "%lld", (long long)UNPACKED_CAP_MB << 20);
    bool ok = false;
    if (!mkdir_p(work) || chmod(work, 0777) < 0 || !copy_file(archive, copy)) {
        notes->error = xasprintf("%s: archive unreadable (not a regular file?)", shown);
    } else if (!copy_file(script_from, script)) {
        notes->error = xasprintf("the grader's %s is missing: reinstall the kit", script_from);
    } else {
        char *argv[] = {"python3", "-I", "-S", script, copy, out, cap, NULL};
        struct run_spec spec = {.argv = argv,
                                .cwd = work,
                                .timeout = EXTRACT_TIMEOUT,
                                .output_cap = 256 * 1024,
                                .student = true,
                                .as_student = true,
                                .slot = kit->slot,
                                .keep = work,
                                .kit = kit->root};
        struct run_result r;
        contain_run(&spec, &r);
        int code = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
        char *err = NULL;
        for (char *save = NULL, *line = strtok_r(r.output, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            char *name = strchr(line, '\t'), *why = name ? strchr(name + 1, '\t') : NULL;
            if (!why)
                continue;
            *name++ = '\0';
            *why++ = '\0';
            if (!strcmp(line, "skip"))
                note_warn(notes,
                          "%s: skipped the entry %s (%s: only plain files and folders "
                          "inside the archive are unpacked)",
                          shown, name, why);
            else if (!strcmp(line, "error") && !err)
                err = xstrdup(why);
        }
        if (r.timed_out)
            notes->error = xasprintf("%s: took more than %d s to unpack (an archive bomb?)", shown,
                                     EXTRACT_TIMEOUT);
        else if (code == 3)
            notes->error = xasprintf("%s: unpacks to more than %d MB or too many files (the "
                                     "limit): hand in only the lab folders' sources",
                                     shown, UNPACKED_CAP_MB);
        else if (code != 0)
            notes->error = xasprintf("%s: archive unreadable (%s): make it again with zip or "
                                     "tar and check that it opens",
                                     shown, err ? err : "the unpacker failed");
        else
            ok = rename(out, dest) == 0;
        if (code == 0 && !ok && !notes->error)
            notes->error = xasprintf("%s: unpacked, but could not be moved into place", shown);
        free(err);
        run_result_free(&r);
    }
    remove_tree(work);
    free(work);
    free(copy);
    free(script_from);
    free(script);
    free(out);
    return ok;
}

/* ---- loose files ------------------------------------------------------------ */

struct placing {
    const struct manifest *m;
    const char *placed; /* where the lab folders are made */
    const char *shown;  /* the submission, as people know it */
    char **taken;       /* per edit file of any lab: where the one placed came from */
    struct note_list *notes;
    int nfiles;
    int nplaced;
};

/* The index of the edit file called name among every lab's (the lab in *lab), or -1. */
static int edit_slot(const struct manifest *m, const char *name, int *lab)
{
    int k = 0;
    for (int l = 0; l < m->nlabs; l++)
        for (const char **f = m->labs[l].edit; *f; f++, k++)
            if (!strcmp(*f, name)) {
                *lab = l;
                return k;
            }
    return -1;
}

static void place_file(struct placing *p, const char *path, const char *name, const char *rel)
{
    int lab, k = edit_slot(p->m, name, &lab);
    if (k < 0)
        return;
    char dirname[64];
    lab_dirname(&p->m->labs[lab], dirname, sizeof dirname);
    if (p->taken[k]) { /* the first in byte order counts */
        note_warn(p->notes, "%s: %s not used: %s was placed in %s/ already", p->shown, rel,
                  p->taken[k], dirname);
        return;
    }
    char *to_dir = xasprintf("%s/%s", p->placed, dirname);
    char *to = xasprintf("%s/%s", to_dir, name);
    if (mkdir_p(to_dir) && copy_file(path, to)) {
        p->taken[k] = xstrdup(rel);
        p->nplaced++;
        note_add(p->notes, "%s: placed %s in %s/", p->shown, rel, dirname);
    }
    free(to_dir);
    free(to);
}

static void place_loose(struct placing *p, const char *dir, const char *rel, int depth)
{
    struct dirent **list;
    int n = depth > MAX_DEPTH ? -1 : scandir(dir, &list, NULL, by_bytes);
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        char *path = xasprintf("%s/%s", dir, name);
        char *shown = xasprintf("%s%s%s", rel, *rel ? "/" : "", name);
        struct stat st;
        /* dot files and macOS junk are not looked at, nor more than MAX_FILES */
        if (!skipped_name(name) && lstat(path, &st) == 0 && ++p->nfiles <= MAX_FILES) {
            if (S_ISDIR(st.st_mode))
                place_loose(p, path, shown, depth + 1);
            else if (S_ISREG(st.st_mode))
                place_file(p, path, name, shown);
        }
        free(path);
        free(shown);
        free(list[i]);
    }
    if (n >= 0)
        free(list);
}

static int edit_count(const struct manifest *m)
{
    int k = 0;
    for (int l = 0; l < m->nlabs; l++)
        for (const char **f = m->labs[l].edit; *f; f++)
            k++;
    return k;
}

/* ---- the submission ------------------------------------------------------------ */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    while (slash && !slash[1] && slash > path) { /* "alice/" */
        const char *prev = slash - 1;
        while (prev > path && *prev != '/')
            prev--;
        if (*prev != '/')
            return path;
        slash = prev;
    }
    return slash && slash[1] ? slash + 1 : path;
}

int workspace_from_submission(const struct kit *kit, const char *path, const char *scratch,
                              char **out_dir, struct note_list *notes)
{
    const struct manifest *m = &kit->manifest;
    char *shown = xstrdup(base_name(path));
    size_t len = strlen(shown);
    while (len > 1 && shown[len - 1] == '/')
        shown[--len] = '\0';
    struct stat st;
    *out_dir = NULL;
    /* The trees to look in: the submission itself (or what its archive
     * holds), then each archive at its top (Gradescope keeps an uploaded
     * archive as it is). */
    char *trees[8];
    char *shown_as[8];
    int ntrees = 0;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        trees[ntrees] = xstrdup(path);
        shown_as[ntrees++] = xstrdup(shown);
        struct dirent **list;
        int n = scandir(path, &list, NULL, by_bytes);
        for (int i = 0; i < n; i++) {
            const char *name = list[i]->d_name;
            char *inner = xasprintf("%s/%s", path, name);
            struct stat ist;
            if (ntrees < 8 && !skipped_name(name) && is_archive_name(name) &&
                lstat(inner, &ist) == 0 && S_ISREG(ist.st_mode) && !holds_labs(m, path)) {
                char *dest = xasprintf("%s/unpacked-%d", scratch, ntrees);
                char *inner_shown = xasprintf("%s/%s", shown, name);
                struct note_list mine = {0};
                if (unpack(kit, inner, inner_shown, dest, &mine)) {
                    trees[ntrees] = dest;
                    shown_as[ntrees++] = inner_shown;
                } else {
                    note_warn(notes, "%s", mine.error);
                    free(dest);
                    free(inner_shown);
                }
                for (int k = 0; k < mine.n; k++)
                    (mine.warning[k] ? note_warn : note_add)(notes, "%s", mine.items[k]);
                note_list_free(&mine);
            }
            free(inner);
            free(list[i]);
        }
        if (n >= 0)
            free(list);
    } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && is_archive_name(path)) {
        char *dest = xasprintf("%s/unpacked", scratch);
        if (unpack(kit, path, shown, dest, notes)) {
            trees[ntrees] = dest;
            shown_as[ntrees++] = xstrdup(shown);
        } else {
            free(dest);
        }
    } else if (stat(path, &st) == 0) {
        notes->error =
            xasprintf("%s: not a folder or a .tar.gz, .tgz, .tar or .zip archive", shown);
    } else {
        notes->error = xasprintf("%s: no such file or folder", path);
    }

    for (int t = 0; t < ntrees && !*out_dir && !notes->error; t++) {
        char *several = NULL;
        *out_dir = find_lab_root(m, trees[t], &several);
        if (several) {
            notes->error = xasprintf(_("%s: several folders in it hold lab folders:\n%sgive the "
                                       "one to grade"),
                                     shown_as[t], several);
            free(several);
        }
        if (*out_dir && t > 0)
            note_add(notes, "%s: graded the lab folders in %s", shown, shown_as[t]);
    }
    if (!*out_dir && ntrees > 0) {
        /* Loose files: each lab's file names are unique in the kit. */
        char *placed = xasprintf("%s/placed", scratch);
        struct placing p = {.m = m, .placed = placed, .shown = shown, .notes = notes};
        p.taken = xcalloc((size_t)edit_count(m) + 1, sizeof *p.taken);
        for (int t = 0; t < ntrees; t++)
            place_loose(&p, trees[t], t ? shown_as[t] + strlen(shown) + 1 : "", 0);
        if (p.nplaced > 0)
            *out_dir = realpath(placed, NULL);
        for (int k = 0; k < edit_count(m); k++)
            free(p.taken[k]);
        free(p.taken);
        free(placed);
    }
    if (!*out_dir && !notes->error && ntrees > 0)
        notes->error = xasprintf("%s: no lab folders found, and none of the labs' files: hand in "
                                 "the lab folders (like 01-fork-getpid) or their files (like "
                                 "family.c)",
                                 shown);
    if (!*out_dir && !notes->error)
        notes->error = xasprintf("%s: nothing to grade", shown);
    for (int t = 0; t < ntrees; t++) {
        free(trees[t]);
        free(shown_as[t]);
    }
    free(shown);
    return *out_dir ? 0 : -1;
}

/* ---- paths people see -------------------------------------------------------- */

static char *replace_all(char *s, const char *from, const char *to)
{
    if (!s || !*from || !strstr(s, from))
        return s;
    size_t fl = strlen(from), tl = strlen(to), count = 0;
    for (const char *p = s; (p = strstr(p, from)); p += fl)
        count++;
    char *out = xcalloc(1, strlen(s) + count * tl + 1), *o = out;
    for (const char *p = s, *hit; *p; p = hit + fl) {
        hit = strstr(p, from);
        if (!hit) {
            strcpy(o, p);
            break;
        }
        memcpy(o, p, (size_t)(hit - p));
        o += hit - p;
        memcpy(o, to, tl);
        o += tl;
        *o = '\0';
    }
    free(s);
    return out;
}

void results_show_paths(struct lab_result *res, int n, const char *from, const char *to)
{
    for (int i = 0; i < n; i++) {
        res[i].error = replace_all(res[i].error, from, to);
        res[i].notes = replace_all(res[i].notes, from, to);
        res[i].build_log = replace_all(res[i].build_log, from, to);
        for (int k = 0; k < res[i].nchecks; k++)
            res[i].checks[k].message = replace_all(res[i].checks[k].message, from, to);
    }
}
