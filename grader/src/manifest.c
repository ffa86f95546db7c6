/* The manifest: one JSON file describes every lab (grader/manifest.json). */
#define _GNU_SOURCE
#include "grader.h"
#include "i18n.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *need_str(json_t *obj, const char *key, const char *where, bool *ok)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) {
        fprintf(stderr, "grade: manifest: %s: \"%s\" must be a string\n", where, key);
        *ok = false;
        return "";
    }
    return json_string_value(v);
}

/* A JSON array of strings as a NULL-terminated array (strings owned by root). */
static const char **str_list(json_t *arr, const char *what, const char *where, bool *ok)
{
    if (!json_is_array(arr)) {
        fprintf(stderr, "grade: manifest: %s: \"%s\" must be a list of file names\n", where, what);
        *ok = false;
        arr = NULL;
    }
    size_t n = arr ? json_array_size(arr) : 0;
    const char **list = xcalloc(n + 1, sizeof *list);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        const char *s = json_string_value(v);
        /* Only plain file names: nothing may point outside the lab folder. */
        if (!s || !*s || strchr(s, '/') || s[0] == '.') {
            fprintf(stderr, "grade: manifest: %s: \"%s\" holds a bad file name\n", where, what);
            *ok = false;
            s = "";
        }
        list[i] = s;
    }
    return list;
}

static int check_index(const struct lab_spec *lab, const char *name)
{
    for (int i = 0; i < lab->nchecks; i++)
        if (!strcmp(lab->checks[i].name, name))
            return i;
    return -1;
}

/* True when following unconditional explained_by links from check `from`
 * comes to `to` (links with a "when" are sorted out after grading). */
static bool reaches(const struct lab_spec *lab, int from, int to, int depth)
{
    if (from == to)
        return true;
    if (from < 0 || depth > lab->nchecks)
        return false;
    const struct check_spec *c = &lab->checks[from];
    for (int k = 0; k < c->ncauses; k++)
        if (!c->causes[k].when && reaches(lab, check_index(lab, c->causes[k].check), to, depth + 1))
            return true;
    return false;
}

static const char *shown(const char *text)
{
    return *text ? gettext(text) : text; /* gettext("") is the catalogue's header */
}

/* "explained_by": ["check", {"check": "name", "when": "words in its message"}, ...] */
static bool load_causes(json_t *c, struct lab_spec *lab, int i, const char *where)
{
    json_t *arr = json_object_get(c, "explained_by");
    struct check_spec *cs = &lab->checks[i];
    if (!arr)
        return true;
    if (!json_is_array(arr)) {
        fprintf(stderr, "grade: manifest: %s: %s: \"explained_by\" must be a list of checks\n",
                where, cs->name);
        return false;
    }
    bool ok = true;
    cs->causes = xcalloc(json_array_size(arr), sizeof *cs->causes);
    size_t k;
    json_t *v;
    json_array_foreach(arr, k, v)
    {
        struct cause *cause = &cs->causes[cs->ncauses];
        json_t *w = json_object_get(v, "when");
        cause->check = json_is_string(v) ? json_string_value(v)
                                         : json_string_value(json_object_get(v, "check"));
        cause->when = json_is_string(w) ? json_string_value(w) : NULL;
        int root = cause->check ? check_index(lab, cause->check) : -1;
        if (root < 0 || root == i) {
            fprintf(stderr,
                    "grade: manifest: %s: %s: \"explained_by\" names %s, which is not another "
                    "check of this lab\n",
                    where, cs->name, cause->check ? cause->check : "(no check)");
            ok = false;
            continue;
        }
        /* A loop would have two checks each blame the other. */
        if (!cause->when && reaches(lab, root, i, 0)) {
            fprintf(stderr,
                    "grade: manifest: %s: %s and %s explain each other (explained_by): make "
                    "one of them the root, or give a link a \"when\"\n",
                    where, cs->name, cause->check);
            ok = false;
            continue;
        }
        cs->ncauses++;
    }
    return ok;
}

static bool load_lab(json_t *j, struct lab_spec *lab, int index)
{
    bool ok = true;
    char where[64];
    snprintf(where, sizeof where, "lab #%d", index + 1);
    if (!json_is_object(j)) {
        fprintf(stderr, "grade: manifest: %s is not an object\n", where);
        return false;
    }
    lab->id = need_str(j, "id", where, &ok);
    lab->slug = need_str(j, "slug", where, &ok);
    snprintf(where, sizeof where, "lab %s", lab->id);
    /* In the student's language (po/zh_CN.po, extracted by po/manifest-pot.py). */
    lab->title = shown(need_str(j, "title", where, &ok));
    lab->concept = shown(need_str(j, "concept", where, &ok));
    json_t *py = json_object_get(j, "python");
    lab->python = json_is_string(py) ? json_string_value(py) : "";
    lab->edit = str_list(json_object_get(j, "edit"), "edit", where, &ok);
    lab->sources = str_list(json_object_get(j, "sources"), "sources", where, &ok);
    json_t *t = json_object_get(j, "timeout");
    lab->timeout = json_is_number(t) ? json_number_value(t) : 20;
    json_t *w = json_object_get(j, "weight");
    lab->weight = json_is_number(w) ? json_number_value(w) : 1;
    if (w && (!json_is_number(w) || lab->weight < 0)) {
        fprintf(stderr, "grade: manifest: %s: \"weight\" must be a number of 0 or more\n", where);
        ok = false;
    }

    json_t *progs = json_object_get(j, "programs");
    if (progs && !json_is_object(progs)) {
        fprintf(stderr, "grade: manifest: %s: \"programs\" must map names to sources\n", where);
        ok = false;
    }
    lab->nprograms = progs ? (int)json_object_size(progs) : 0;
    lab->programs = xcalloc((size_t)lab->nprograms, sizeof *lab->programs);
    const char *pname;
    json_t *pv;
    int pi = 0;
    json_object_foreach(progs, pname, pv)
    {
        lab->programs[pi].name = pname;
        lab->programs[pi].mains = str_list(pv, pname, where, &ok);
        pi++;
    }

    json_t *checks = json_object_get(j, "checks");
    if (!json_is_array(checks) || json_array_size(checks) == 0) {
        fprintf(stderr, "grade: manifest: %s: \"checks\" must list at least one check\n", where);
        return false;
    }
    lab->nchecks = (int)json_array_size(checks);
    lab->checks = xcalloc((size_t)lab->nchecks, sizeof *lab->checks);
    for (int i = 0; i < lab->nchecks; i++) {
        json_t *c = json_array_get(checks, (size_t)i);
        struct check_spec *cs = &lab->checks[i];
        cs->name = need_str(c, "name", where, &ok);
        json_t *pts = json_object_get(c, "points");
        /* 0.5 stays 0.5: a real is not an integer, and must not become 1. */
        cs->points = pts ? json_number_value(pts) : 1;
        if (pts && (!json_is_number(pts) || cs->points < 0)) {
            fprintf(stderr,
                    "grade: manifest: %s: a check's \"points\" must be a number of 0 or "
                    "more (like 2 or 0.5)\n",
                    where);
            ok = false;
        }
        json_t *h = json_object_get(c, "hint");
        cs->hint = json_is_string(h) ? json_string_value(h) : NULL;
        cs->hidden = json_is_true(json_object_get(c, "hidden"));
        json_t *vis = json_object_get(c, "visibility");
        cs->visibility = json_is_string(vis) ? json_string_value(vis) : NULL;
        for (int k = 0; k < i; k++)
            if (!strcmp(lab->checks[k].name, cs->name)) {
                fprintf(stderr, "grade: manifest: %s: check %s is listed twice\n", where, cs->name);
                ok = false;
            }
    }
    for (int i = 0; i < lab->nchecks; i++)
        ok = load_causes(json_array_get(checks, (size_t)i), lab, i, where) && ok;
    return ok;
}

bool manifest_load(const char *path, struct manifest *m)
{
    memset(m, 0, sizeof *m);
    json_error_t err;
    m->root = json_load_file(path, 0, &err);
    if (!m->root) {
        fprintf(stderr, "grade: cannot read the manifest %s: %s (line %d)\n", path, err.text,
                err.line);
        return false;
    }
    json_t *ts = json_object_get(m->root, "time_scale");
    m->time_scale = json_is_number(ts) ? json_number_value(ts) : 1.0;
    json_t *labs = json_object_get(m->root, "labs");
    if (!json_is_array(labs)) {
        fprintf(stderr, "grade: manifest %s: \"labs\" must be a list\n", path);
        return false;
    }
    m->nlabs = (int)json_array_size(labs);
    m->labs = xcalloc((size_t)m->nlabs, sizeof *m->labs);
    bool ok = true;
    for (int i = 0; i < m->nlabs; i++)
        ok = load_lab(json_array_get(labs, (size_t)i), &m->labs[i], i) && ok;
    return ok;
}

const struct lab_spec *manifest_find(const struct manifest *m, const char *key)
{
    /* "3" and "03" both name lab 03; so do "join" and "03-join". */
    bool numeric = *key != '\0';
    for (const char *p = key; *p; p++)
        numeric = numeric && isdigit((unsigned char)*p);
    for (int i = 0; i < m->nlabs; i++) {
        const struct lab_spec *lab = &m->labs[i];
        char dir[256];
        lab_dirname(lab, dir, sizeof dir);
        if (numeric && atoi(key) == atoi(lab->id))
            return lab;
        if (!strcmp(key, lab->slug) || !strcmp(key, dir))
            return lab;
    }
    return NULL;
}

double lab_max_points(const struct lab_spec *lab)
{
    double sum = 0;
    for (int i = 0; i < lab->nchecks; i++)
        sum += lab->checks[i].points;
    return sum;
}

void lab_dirname(const struct lab_spec *lab, char *buf, size_t size)
{
    snprintf(buf, size, "%s-%s", lab->id, lab->slug);
}
