/* Did you mean...? The nearest of some names to a word that is none of them. */
#define _GNU_SOURCE
#include "cli.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>

/* Edits (insert, delete, replace, swap two neighbours) from a to b:
 * the optimal-string-alignment form of the Damerau-Levenshtein distance. */
int edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64)
        return 99; /* no name is that long: no suggestion */
    int d[65][65];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

const char *closest_name(const char *word, const char *const *names, int n)
{
    /* One slip in a short word, two in a longer one: farther is a guess. */
    int limit = strlen(word) <= 4 ? 1 : 2, best = limit + 1;
    const char *found = NULL;
    for (int i = 0; i < n; i++) {
        int d = edit_distance(word, names[i]);
        if (d < best) {
            best = d;
            found = names[i];
        }
    }
    return found;
}

const char *did_you_mean(const struct manifest *m, const char *word)
{
    static char text[160];
    const char **names = xcalloc((size_t)(ncommand_docs + 2 * m->nlabs), sizeof *names);
    char(*dirs)[64] = xcalloc((size_t)m->nlabs + 1, sizeof *dirs);
    int n = 0;
    for (int i = 0; i < ncommand_docs; i++)
        names[n++] = command_docs[i].name;
    int ncommands = n;
    for (int i = 0; i < m->nlabs; i++) {
        lab_dirname(&m->labs[i], dirs[i], sizeof dirs[i]);
        names[n++] = dirs[i];
        names[n++] = m->labs[i].slug;
    }
    const char *near = closest_name(word, names, n);
    text[0] = '\0';
    if (near) {
        bool command = false;
        for (int i = 0; i < ncommands; i++)
            command = command || near == names[i];
        snprintf(text, sizeof text,
                 command ? _("did you mean 'grade %s'?") : _("did you mean lab '%s'?"), near);
    }
    free(names);
    free(dirs);
    return text;
}
