/*
 * as-student UID CMD [ARG...] - run CMD as the student user of a grading
 * run, for good: the bats checks' way to start a student program from the
 * judge (see jail.h). Every descriptor but 0, 1 and 2 is closed first, so
 * nothing of the judge's (bats' own files and pipes) reaches the program.
 * as-student UID --kill-all - kill every process of that user (kill(-1)).
 */
#define _GNU_SOURCE
#include "jail.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: as-student UID COMMAND [ARG...]\n");
        return 125;
    }
    char *end;
    unsigned long uid = strtoul(argv[1], &end, 10);
    if (*end || end == argv[1]) {
        fprintf(stderr, "as-student: '%s' is not a uid\n", argv[1]);
        return 125;
    }
    close_range(3, ~0U, 0);
    if (jail_become_student((uid_t)uid) < 0) {
        fprintf(stderr, "as-student: cannot become the student user %lu: %s\n", uid,
                strerror(errno));
        return 125;
    }
    /* The end of every run_contained: every process of the student user,
     * also what escaped with setsid(), killed without starting kill(1). */
    if (!strcmp(argv[2], "--kill-all") && argc == 3)
        return kill(-1, SIGKILL) == 0 || errno == ESRCH ? 0 : 1;
    execvp(argv[2], argv + 2);
    fprintf(stderr, "as-student: cannot run %s: %s\n", argv[2], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
