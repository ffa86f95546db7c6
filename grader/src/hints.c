/*
 * Hints kept with each lab, in English and Simplified Chinese:
 *
 *   labs/NN-slug/hints.md         ## Hint 1 ... ## Hint N (a nudge first,
 *   labs/NN-slug/hints.zh-CN.md   nearly the answer last); the Chinese file
 *                                 also has "## Checks" with "- name: hint"
 *                                 lines, the manifest's check hints translated.
 *
 * Chinese is chosen when LC_ALL, LC_MESSAGES or LANG starts with "zh".
 */
#define _GNU_SOURCE
#include "selfstudy.h"
#include "grader.h"

#include <stdlib.h>
#include <string.h>

/* The language gettext chose (LANGUAGE, LC_ALL, LC_MESSAGES, LANG): one rule
 * for the messages and the hint files. */
bool want_chinese(void)
{
    return i18n_chinese();
}

static char *hints_file(const struct kit *kit, const struct lab_spec *lab, bool chinese)
{
    char dir[64];
    lab_dirname(lab, dir, sizeof dir);
    char *path = xasprintf("%s/labs/%s/hints%s.md", kit->root, dir, chinese ? ".zh-CN" : "");
    char *text = read_text(path, 1 << 20);
    free(path);
    return text;
}

static bool is_checks_heading(const char *line)
{
    return !strncmp(line, "## Checks", 9) || !strncmp(line, "## 检查", 9);
}

char *lab_hint(const struct kit *kit, const struct lab_spec *lab, int n, int *count)
{
    char *text = hints_file(kit, lab, want_chinese());
    if (!text)
        text = hints_file(kit, lab, false);
    *count = 0;
    if (!text)
        return NULL;
    char *found = NULL;
    char *p = text;
    while ((p = strstr(p, "## "))) {
        if (p != text && p[-1] != '\n') {
            p += 3;
            continue;
        }
        if (is_checks_heading(p))
            break;
        char *body = strchr(p, '\n');
        char *end = body ? strstr(body, "\n## ") : NULL;
        (*count)++;
        if (*count == n && body) {
            found =
                xasprintf("%.*s", (int)(end ? end - body - 1 : (long)strlen(body + 1)), body + 1);
            size_t len = strlen(found); /* no blank lines around it */
            while (len > 0 && (found[len - 1] == '\n' || found[len - 1] == ' '))
                found[--len] = '\0';
        }
        if (!end)
            break;
        p = end + 1;
    }
    free(text);
    return found;
}

/* The Chinese check hints of each lab, parsed once. */
static json_t *zh_cache;

const char *check_hint(const struct kit *kit, const struct lab_spec *lab, const char *check,
                       const char *english)
{
    if (!want_chinese())
        return english;
    if (!zh_cache)
        zh_cache = json_object();
    json_t *hints = json_object_get(zh_cache, lab->id);
    if (!hints) {
        hints = json_object();
        json_object_set_new(zh_cache, lab->id, hints);
        char *text = hints_file(kit, lab, true);
        char *checks = text ? strstr(text, "\n## Checks") : NULL;
        if (!checks && text)
            checks = strstr(text, "\n## 检查");
        for (char *line = checks ? strtok(checks + 1, "\n") : NULL; line;
             line = strtok(NULL, "\n")) {
            char *colon = strchr(line, ':');
            if (strncmp(line, "- ", 2) || !colon)
                continue;
            *colon = '\0';
            char *value = colon + 1;
            while (*value == ' ')
                value++;
            json_object_set_new(hints, line + 2, json_string(value));
        }
        free(text);
    }
    const char *zh = json_string_value(json_object_get(hints, check));
    return zh ? zh : english;
}

void localize_hints(const struct kit *kit, struct lab_result *res, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < res[i].nchecks; k++)
            if (res[i].checks[k].hint)
                res[i].checks[k].hint =
                    check_hint(kit, res[i].lab, res[i].checks[k].name, res[i].checks[k].hint);
}
