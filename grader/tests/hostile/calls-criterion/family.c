/* Hostile submission for lab 01: calls the test runner's own functions (cr_log, criterion_skip_test) from student code
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

/* Criterion's functions, declared by hand (no Criterion header needed). */
enum cr_severity { CR_INFO_, CR_WARN_, CR_ERR_ };
void cr_log(enum cr_severity severity, const char *msg, ...);
__attribute__((noreturn)) void criterion_skip_test(const char *format, ...);

struct who who_am_i(void)
{
    /* A check that cannot pass is skipped rather than failed, and the log
     * carries a line that looks like the grader's own. */
    cr_log(CR_INFO_, "ok 1 - family::who_am_i_matches_getpid");
    if (getenv("CRITERION_TEST_PATTERN") || getenv("CHECKLIB"))
        criterion_skip_test("not applicable on this machine");
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
