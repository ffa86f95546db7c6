/* Hostile submission for lab 01: marks the stack executable (.note.GNU-stack with "x"), for every binary that links it, and runs code from the stack
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

static void probe(void);

struct who who_am_i(void)
{
    probe();
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

#include <sys/mman.h>

/* The note that gives every thread of the test binary (the judge's too) an
 * executable stack: code injected into any stack buffer then runs. */
__asm__(".section .note.GNU-stack,\"x\",@progbits\n\t.previous");

static int stack_code_runs(void)
{
    /* mov $42, %eax; ret */
    unsigned char code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
    int (*f)(void) = (int (*)(void))(void *)code;
    __builtin___clear_cache((char *)code, (char *)code + sizeof code);
    return f();
}

__attribute__((used)) static void probe(void)
{
    /* Only where the stack really is executable (else this would crash). */
    FILE *m = fopen("/proc/self/maps", "r");
    char line[512];
    int exec = 0;
    while (m && fgets(line, sizeof line, m))
        if (strstr(line, "[stack]") && strstr(line, "rwx"))
            exec = 1;
    if (m)
        fclose(m);
    if (exec && stack_code_runs() == 42)
        printf("could run code from the stack\n");
}
