/* family.c - lab 01, reference solution. */
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

/* Hostile: an IRELATIVE relocation written by hand, which would make the
 * loader call resolver() before main(), as root in an unguarded runner. */
#include <stdio.h>
static void *resolver(void)
{
    fopen("/tmp/proclabs-irelative-ran", "w");
    return 0;
}
void *proclabs_slot[1];
__asm__(".pushsection .data\n.reloc proclabs_slot, R_X86_64_IRELATIVE, resolver\n.popsection");
void *proclabs_keep_resolver(void)
{
    return (void *)resolver;
}
