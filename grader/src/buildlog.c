/*
 * A compiler's log as a student reads it: their own paths, the first error
 * first, and a word about a main() of theirs that the build does not use.
 */
#define _GNU_SOURCE
#include "grader.h"
#include "i18n.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void append(char **buf, size_t *len, const char *s, size_t n)
{
    *buf = realloc(*buf, *len + n + 1);
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* Where the student finds the lab's files, as they would type it. */
static char *shown_dir(const struct kit *kit, const struct lab_spec *lab)
{
    char dir[64], cwd[4096];
    lab_dirname(lab, dir, sizeof dir);
    char *full = xasprintf("%s/%s/", kit->workspace, dir);
    size_t k = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
    if (k > 0 && !strncmp(full, cwd, k) && full[k] == '/') {
        char *rel = xstrdup(full + k + 1);
        free(full);
        return rel;
    }
    return full;
}

/* A line that begins with a bare file name of the build ("family.c:15:"). */
static bool starts_with_bare_file(const char *line)
{
    const char *p = line;
    while (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.')
        p++;
    return p > line && *p == ':' && p - line > 2 && (p[-2] == '.' && strchr("cho", p[-1]));
}

/* One line with the scratch folder and bare names turned into shown paths. */
static void add_line(char **buf, size_t *len, const char *line, size_t n, const char *scratch,
                     const char *shown)
{
    static const char included[] = "In file included from ";
    size_t k = strlen(scratch);
    if (n >= sizeof included - 1 && !strncmp(line, included, sizeof included - 1)) {
        append(buf, len, line, sizeof included - 1);
        line += sizeof included - 1;
        n -= sizeof included - 1;
    }
    char *copy = strndup(line, n);
    if (starts_with_bare_file(copy))
        append(buf, len, shown, strlen(shown));
    for (char *p = copy; *p;) {
        char *hit = strstr(p, scratch);
        if (!hit || hit[k] != '/') {
            append(buf, len, p, strlen(p));
            break;
        }
        append(buf, len, p, (size_t)(hit - p));
        append(buf, len, shown, strlen(shown));
        p = hit + k + 1;
    }
    free(copy);
    append(buf, len, "\n", 1);
}

/* "file:LINE:COL: error:" (or fatal error, or warning): a diagnostic's head. */
static int diagnostic_kind(const char *line, size_t n)
{
    char *copy = strndup(line, n);
    int kind = 0;
    if (!isspace((unsigned char)copy[0])) {
        if (strstr(copy, ": error: ") || strstr(copy, ": fatal error: ") ||
            strstr(copy, "undefined reference"))
            kind = 2;
        else if (strstr(copy, ": warning: "))
            kind = 1;
    }
    free(copy);
    return kind;
}

static bool is_context(const char *line, size_t n)
{
    char *copy = strndup(line, n);
    bool yes = !strncmp(copy, "In file included from ", 22) ||
               !strncmp(copy, "                 from ", 22) || strstr(copy, ": In function ") ||
               strstr(copy, ": At top level:") || strstr(copy, ": in function ");
    free(copy);
    return yes;
}

void build_log_tidy(const struct kit *kit, const struct lab_spec *lab, const char *scratch,
                    char **log)
{
    if (!*log || !**log)
        return;
    char *shown = shown_dir(kit, lab);
    /* Blocks: the context lines before a diagnostic, its head, and what
     * follows it (source excerpt, notes) until the next one. */
    char *errors = NULL, *others = NULL, *block = NULL, *pending = NULL;
    size_t elen = 0, olen = 0, blen = 0, plen = 0;
    int kind = 0;
    for (const char *p = *log; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        int k = diagnostic_kind(p, n);
        if (k || is_context(p, n)) {
            if (block && (k || !pending)) { /* the block before is complete */
                if (kind == 2)
                    append(&errors, &elen, block, blen);
                else
                    append(&others, &olen, block, blen);
                free(block);
                block = NULL;
                blen = 0;
            }
        }
        if (k) {
            if (pending)
                append(&block, &blen, pending, plen);
            free(pending);
            pending = NULL;
            plen = 0;
            kind = k;
            add_line(&block, &blen, p, n, scratch, shown);
        } else if (is_context(p, n)) {
            add_line(&pending, &plen, p, n, scratch, shown);
        } else {
            if (pending) { /* context with no diagnostic after it */
                append(&block, &blen, pending, plen);
                free(pending);
                pending = NULL;
                plen = 0;
            }
            add_line(&block, &blen, p, n, scratch, shown);
        }
        p += n + (nl ? 1 : 0);
    }
    if (pending)
        append(&block, &blen, pending, plen);
    if (block) {
        if (kind == 2)
            append(&errors, &elen, block, blen);
        else
            append(&others, &olen, block, blen);
    }
    free(block);
    free(pending);
    char *tidy = xasprintf("%s%s", errors ? errors : "", others ? others : "");
    free(errors);
    free(others);
    free(shown);
    free(*log);
    *log = tidy;
}

void build_note_main(const struct lab_spec *lab, const char *obj, const char *file, char **log)
{
    struct symset syms = {0};
    if (symset_add_object(&syms, obj, "") && symset_has(&syms, "student_main")) {
        char dir[64];
        lab_dirname(lab, dir, sizeof dir);
        char *note =
            lab->nprograms > 0
                ? xasprintf(_("%s: warning: your main() is not used: the checks call your "
                              "functions, and the program's main() is the lab's own %s; to "
                              "try your code, run make, then labs/%s/bin/%s\n"),
                            file, lab->programs[0].mains[0], dir, lab->programs[0].name)
                : xasprintf(_("%s: warning: your main() is not used: the checks call your "
                              "functions directly\n"),
                            file);
        char *joined = xasprintf("%s%s", *log ? *log : "", note);
        free(note);
        free(*log);
        *log = joined;
    }
    symset_free(&syms);
}
