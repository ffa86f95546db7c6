/*
 * i18n.c - which language the grader speaks, chosen as GNU programs do:
 * LANGUAGE (a list, zh_CN:en), then LC_ALL, LC_MESSAGES, LANG. Two
 * departures, for a student's machine: a locale that is not installed
 * (LANG=zh_CN.UTF-8 without locale-gen) still selects its language, and
 * LANGUAGE works when the locale is unset or C (glibc ignores it there),
 * both by running in C.UTF-8, which every glibc has. An explicit LC_ALL=C
 * still means English. The checks in the box get the result (i18n_env).
 */
#define _GNU_SOURCE
#include "grader.h"
#include "i18n.h"

#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DOMAIN "proclabs"

static char language[128]; /* for gettext's LANGUAGE; "" means English */

static bool is_c(const char *name)
{
    return !name || !strcmp(name, "C") || !strcmp(name, "POSIX");
}

/* Only names gettext looks up (zh_CN.UTF-8:en): no path can come in. */
static void keep_language(const char *list)
{
    size_t n = strspn(list, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.@:-");
    if (list[n] || n >= sizeof language)
        n = 0;
    memcpy(language, list, n);
    language[n] = '\0';
}

/* The first of LC_ALL, LC_MESSAGES, LANG that is set, as POSIX reads them. */
static const char *locale_wanted(void)
{
    static const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

static void bind_catalogue(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) { /* KIT/grader/grade: the catalogues are in KIT/grader/build/locale */
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char *dir = xasprintf("%s/build/locale", exe);
            bindtextdomain(DOMAIN, dir);
            free(dir);
        }
    }
    bind_textdomain_codeset(DOMAIN, "UTF-8");
    textdomain(DOMAIN);
}

void i18n_init(void)
{
    const char *wanted = locale_wanted();
    const char *list = getenv("LANGUAGE");
    bool installed = setlocale(LC_ALL, "") != NULL;
    if (!installed || (is_c(setlocale(LC_MESSAGES, NULL)) && list && *list)) {
        const char *all = getenv("LC_ALL");
        if (!(all && is_c(all))) /* LC_ALL=C: English, as asked */
            setlocale(LC_ALL, "C.UTF-8");
    }
    if (list && *list)
        keep_language(list);
    else if (!is_c(wanted) && strcmp(wanted, "C.UTF-8") && strcmp(wanted, "C.utf8"))
        keep_language(wanted);
    if (is_c(setlocale(LC_MESSAGES, NULL)))
        language[0] = '\0';
    if (language[0])
        setenv("LANGUAGE", language, 1); /* a locale not installed: gettext reads this */
    bind_catalogue();
}

void i18n_english(void)
{
    language[0] = '\0';
    unsetenv("LANGUAGE");
    setlocale(LC_ALL, "C");
}

const char *i18n_language(void)
{
    return language;
}

bool i18n_chinese(void)
{
    return !strncmp(language, "zh", 2);
}
