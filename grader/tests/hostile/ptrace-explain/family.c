/* Hostile submission for lab 01: ptrace (TRACEME, ATTACH, SEIZE), process_vm_readv and
 * /proc/PID/mem on every process it can see: also under `grade explain`, where the judge
 * runs strace (with ptrace allowed in the judge's filter) around it.
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * The grader survives with a valid report, and no "could ..." line reaches
 * it; grader/tests/explain.bats also checks that strace saw every such call
 * fail. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "family.h"

static void misbehave(void)
{
    static int done;
    if (done++)
        return;
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0)
        printf("could ptrace: TRACEME\n");
    int tried = 0, refused = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0 || pid == getpid())
            continue;
        tried++;
        if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0) {
            printf("could ptrace pid %d\n", (int)pid);
            waitpid(pid, NULL, __WALL);
            ptrace(PTRACE_DETACH, pid, NULL, NULL);
        }
        if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0) {
            printf("could ptrace (seize) pid %d\n", (int)pid);
            ptrace(PTRACE_DETACH, pid, NULL, NULL);
        } else if (errno == EPERM) {
            refused++;
        }
        /* Memory: of the judge's processes (another user); its own it may read. */
        char path[64];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%d", (int)pid);
        if (stat(path, &st) != 0 || st.st_uid == getuid())
            continue;
        long word = 0;
        struct iovec local = {&word, sizeof word}, remote = {(void *)0x400000, sizeof word};
        if (process_vm_readv(pid, &local, 1, &remote, 1, 0) > 0)
            printf("could read memory of pid %d\n", (int)pid);
        char mem[64];
        snprintf(mem, sizeof mem, "/proc/%d/mem", (int)pid);
        int fd = open(mem, O_RDWR);
        if (fd >= 0) {
            printf("could read memory of pid %d (opened /proc/%d/mem)\n", (int)pid, (int)pid);
            close(fd);
        }
    }
    if (d)
        closedir(d);
    printf("ptrace-explain: tried %d processes, ptrace refused for %d\n", tried, refused);
    fflush(stdout);
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
