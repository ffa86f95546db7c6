/*
 * The learner's progress, remembered in the workspace (.progress/, not in
 * git): per lab the hash of the edited files at the last grade, its score,
 * the first failing check's message, and the hints already shown. A lab is
 * re-graded only when its files changed, so `grade list` answers at once.
 *
 * The pristine starter of a file (for "not started" and `grade reset`)
 * comes from grader/starters/ (the handout carries it) or, in a git
 * checkout, from the committed version.
 */
#define _GNU_SOURCE
#include "selfstudy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *progress_path(const struct kit *kit)
{
    return xasprintf("%s/.progress/progress.json", kit->workspace);
}

json_t *progress_load(const struct kit *kit)
{
    char *path = progress_path(kit);
    json_t *j = json_load_file(path, 0, NULL);
    free(path);
    if (!json_is_object(j)) {
        json_decref(j);
        j = json_object();
    }
    return j;
}

void progress_save(const struct kit *kit, json_t *progress)
{
    char *dir = xasprintf("%s/.progress", kit->workspace);
    char *path = progress_path(kit);
    char *tmp = xasprintf("%s.new", path);
    if (mkdir_p(dir) && json_dump_file(progress, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) == 0)
        rename(tmp, path); /* whole or not at all */
    free(dir);
    free(path);
    free(tmp);
}

json_t *progress_entry(json_t *progress, const struct lab_spec *lab)
{
    json_t *e = json_object_get(progress, lab->id);
    if (!json_is_object(e)) {
        e = json_object();
        json_object_set_new(progress, lab->id, e);
    }
    return e;
}

static void fnv(uint64_t *h, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        *h ^= (unsigned char)data[i];
        *h *= 1099511628211ULL;
    }
}

static char *hash_texts(const struct lab_spec *lab, char *(*text_of)(const void *, const char *),
                        const void *ctx)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char **f = lab->edit; *f; f++) {
        char *t = text_of(ctx, *f);
        fnv(&h, *f, strlen(*f) + 1);
        if (t)
            fnv(&h, t, strlen(t));
        else
            fnv(&h, "\1missing", 8);
        free(t);
    }
    return xasprintf("%016llx", (unsigned long long)h);
}

struct where {
    const struct kit *kit;
    const struct lab_spec *lab;
};

static char *workspace_text(const void *ctx, const char *file)
{
    const struct where *w = ctx;
    char dir[64];
    lab_dirname(w->lab, dir, sizeof dir);
    char *path = xasprintf("%s/%s/%s", w->kit->workspace, dir, file);
    char *t = read_text(path, 4 << 20);
    free(path);
    return t;
}

char *starter_text(const struct kit *kit, const struct lab_spec *lab, const char *file)
{
    char dir[64];
    lab_dirname(lab, dir, sizeof dir);
    char *path = xasprintf("%s/grader/starters/%s/%s", kit->root, dir, file);
    char *t = read_text(path, 4 << 20);
    free(path);
    if (t)
        return t;
    /* A git checkout of the kit: the committed starter. */
    char *spec = xasprintf("HEAD:labs/%s/%s", dir, file);
    char *argv[] = {"git", "-C", (char *)kit->root, "show", spec, NULL};
    struct run_spec run = {.argv = argv, .timeout = 10, .output_cap = 4 << 20};
    struct run_result r;
    contain_run(&run, &r);
    if (!r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0)
        t = xstrdup(r.output);
    run_result_free(&r);
    free(spec);
    return t;
}

static char *starter_text_cb(const void *ctx, const char *file)
{
    const struct where *w = ctx;
    return starter_text(w->kit, w->lab, file);
}

char *lab_files_hash(const struct kit *kit, const struct lab_spec *lab)
{
    struct where w = {kit, lab};
    return hash_texts(lab, workspace_text, &w);
}

char *starter_hash(const struct kit *kit, const struct lab_spec *lab)
{
    struct where w = {kit, lab};
    return hash_texts(lab, starter_text_cb, &w);
}

void progress_record(const struct kit *kit, json_t *progress, const struct lab_result *r)
{
    json_t *e = progress_entry(progress, r->lab);
    char *hash = lab_files_hash(kit, r->lab);
    json_object_set_new(e, "hash", json_string(hash));
    free(hash);
    json_object_set_new(e, "score", json_points(r->score));
    json_object_set_new(e, "max_score", json_points(r->max_score));
    json_object_del(e, "first_failure");
    json_object_del(e, "first_failure_check");
    for (int i = 0; i < r->nchecks; i++)
        if (r->checks[i].status != ST_PASSED) {
            json_object_set_new(e, "first_failure_check", json_string(r->checks[i].name));
            json_object_set_new(e, "first_failure",
                                json_string(r->checks[i].message ? r->checks[i].message : ""));
            break;
        }
}

enum lab_state lab_state(const struct kit *kit, json_t *progress, const struct lab_spec *lab,
                         double *score, double *max)
{
    json_t *e = json_object_get(progress, lab->id);
    char *now = lab_files_hash(kit, lab);
    const char *graded = json_string_value(json_object_get(e, "hash"));
    *score = json_number_value(json_object_get(e, "score"));
    *max = lab_max_points(lab);
    enum lab_state st;
    if (graded && !strcmp(graded, now) && *score > 0) {
        st = *score >= *max ? LAB_DONE : LAB_PARTIAL;
    } else if (graded && !strcmp(graded, now)) {
        char *start = starter_hash(kit, lab);
        st = !strcmp(start, now) ? LAB_NOT_STARTED : LAB_STARTED;
        free(start);
    } else {
        char *start = starter_hash(kit, lab);
        st = !strcmp(start, now) ? LAB_NOT_STARTED : LAB_CHANGED;
        free(start);
        *score = 0;
    }
    free(now);
    return st;
}

void progress_update_after_grade(const struct kit *kit, const struct lab_result *res, int n)
{
    json_t *p = progress_load(kit);
    for (int i = 0; i < n; i++)
        progress_record(kit, p, &res[i]);
    progress_save(kit, p);
    json_decref(p);
}
