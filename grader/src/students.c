/*
 * Who a submission belongs to: its own name kept as handed in, Canvas's
 * download names ("smithjane_LATE_123456_7890123_labs.zip") read, a roster
 * mapping submission names to ids; and a report file name per submission
 * that is safe on any file system and never shared by two submissions.
 */
#define _GNU_SOURCE
#include "students.h"
#include "grader.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char **csv_split(const char *line)
{
    size_t cap = 8, n = 0;
    char **f = xcalloc(cap + 1, sizeof *f);
    const char *p = line;
    for (;;) {
        char *field = xcalloc(1, strlen(p) + 1), *o = field;
        if (*p == '"') {
            for (p++; *p; p++) {
                if (*p == '"' && p[1] == '"')
                    *o++ = *p++;
                else if (*p == '"') {
                    p++;
                    break;
                } else
                    *o++ = *p;
            }
        }
        while (*p && *p != ',' && *p != '\n' && *p != '\r')
            *o++ = *p++;
        if (n == cap) {
            cap *= 2;
            char **more = realloc(f, (cap + 1) * sizeof *f);
            if (!more)
                exit(2);
            f = more;
        }
        f[n++] = field;
        f[n] = NULL;
        if (*p != ',')
            return f;
        p++;
    }
}

void csv_free(char **fields)
{
    for (char **f = fields; f && *f; f++)
        free(*f);
    free(fields);
}

static const char *const roster_cols[6] = {"submission",  "student",      "id",
                                           "sis_user_id", "sis_login_id", "section"};

bool roster_load(const char *path, struct roster *r)
{
    memset(r, 0, sizeof *r);
    char *text = read_text(path, 16 << 20);
    if (!text) {
        fprintf(stderr, "grade: --roster %s: cannot read it\n", path);
        return false;
    }
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    char **head = line ? csv_split(line) : NULL;
    for (int c = 0; c < 6; c++) {
        r->col[c] = -1;
        for (int k = 0; head && head[k]; k++)
            if (!strcasecmp(head[k], roster_cols[c]))
                r->col[c] = k;
    }
    csv_free(head);
    if (r->col[0] < 0) {
        fprintf(stderr,
                "grade: --roster %s: the first line must name the columns, with at least "
                "\"submission\" (and any of student, id, sis_user_id, sis_login_id, section)\n",
                path);
        free(text);
        return false;
    }
    while ((line = strtok_r(NULL, "\n", &save))) {
        if (!*line || *line == '\r')
            continue;
        char ***more = realloc(r->rows, (size_t)(r->nrows + 1) * sizeof *more);
        if (!more)
            exit(2);
        r->rows = more;
        r->rows[r->nrows++] = csv_split(line);
    }
    free(text);
    return true;
}

void roster_free(struct roster *r)
{
    for (int i = 0; i < r->nrows; i++)
        csv_free(r->rows[i]);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

static const char *field(char **row, int col)
{
    if (col < 0)
        return "";
    for (int k = 0; row[k]; k++)
        if (k == col)
            return row[k];
    return "";
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Canvas's "login[_LATE]_userid_submissionid_original": true with its parts. */
static bool canvas_name(const char *entry, char **login, char **id, bool *late)
{
    const char *u1 = strchr(entry, '_');
    if (!u1 || u1 == entry)
        return false;
    const char *p = u1 + 1;
    bool is_late = !strncmp(p, "LATE_", 5);
    if (is_late)
        p += 5;
    const char *u2 = strchr(p, '_');
    const char *end2 = u2 ? u2 : p + strlen(p);
    if (!all_digits(p, (size_t)(end2 - p)) || !u2)
        return false;
    const char *q = u2 + 1;
    const char *u3 = strchr(q, '_');
    size_t qn = u3 ? (size_t)(u3 - q) : strcspn(q, ".");
    if (!all_digits(q, qn))
        return false;
    *login = strndup(entry, (size_t)(u1 - entry));
    *id = strndup(p, (size_t)(end2 - p));
    *late = is_late;
    return *login && *id;
}

static uint32_t fnv32(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

/* The entry's bytes where safe, else '_', and then its hash when anything
 * was changed: depends on the entry alone, so every shard and every regrade
 * names a submission's report the same. */
static char *report_stem(const char *entry)
{
    enum { KEEP = 80 };
    char safe[KEEP + 1];
    size_t n = 0;
    bool changed = strlen(entry) > KEEP;
    for (const char *p = entry; *p && n < KEEP; p++) {
        bool ok = isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.';
        safe[n++] = ok ? *p : '_';
        changed = changed || !ok;
    }
    safe[n] = '\0';
    return changed ? xasprintf("%s-%08x", safe, fnv32(entry)) : xstrdup(safe);
}

static char *without_ending(const char *entry)
{
    static const char *endings[] = {".tar.gz", ".tgz", ".tar", ".zip"};
    char *name = xstrdup(entry);
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++) {
        size_t k = strlen(endings[i]);
        if (n > k && !strcasecmp(name + n - k, endings[i])) {
            name[n - k] = '\0';
            break;
        }
    }
    return name;
}

void who_from_entry(struct who *w, const char *entry, const struct roster *r)
{
    memset(w, 0, sizeof *w);
    w->entry = xstrdup(entry);
    w->stem = report_stem(entry);
    char *plain = without_ending(entry);
    char *login = NULL, *id = NULL;
    if (canvas_name(entry, &login, &id, &w->late)) {
        w->name = login;
        w->id = id;
    } else {
        w->name = xstrdup(plain);
        w->id = xstrdup("");
    }
    w->sis_id = xstrdup("");
    w->login = xstrdup("");
    w->section = xstrdup("");
    for (int i = 0; r && i < r->nrows; i++) {
        const char *sub = field(r->rows[i], r->col[0]);
        if (strcmp(sub, entry) && strcmp(sub, plain) && strcmp(sub, w->name))
            continue;
        char **dst[5] = {&w->name, &w->id, &w->sis_id, &w->login, &w->section};
        for (int c = 1; c < 6; c++) {
            const char *v = field(r->rows[i], r->col[c]);
            if (*v) {
                free(*dst[c - 1]);
                *dst[c - 1] = xstrdup(v);
            }
        }
        break;
    }
    free(plain);
}

void who_free(struct who *w)
{
    free(w->entry);
    free(w->name);
    free(w->id);
    free(w->sis_id);
    free(w->login);
    free(w->section);
    free(w->stem);
    memset(w, 0, sizeof *w);
}
