/* Hostile submission for lab 01: every function is wrong, but the code, as
 * soon as a unit check calls it (in work/, one floor below the programs,
 * while the program checks run beside it), tries to put in place of
 * ../family a script that prints what a correct ./family 3 and ./family 5
 * print: unlink, rename over it, open it for writing, a symlink. Each try
 * must fail: the build folder is the judge's and sticky. Self-limiting. */
#define _GNU_SOURCE
#include "family.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char forged[] =
    "#!/bin/sh\n"
    "n=${1:-3}; echo \"parent: I am 100, my parent is 1\"\n"
    "i=0; while [ $i -lt $n ]; do echo \"child $i: I am 20$i, my parent is 100\"; i=$((i+1)); done\n"
    "i=0; while [ $i -lt $n ]; do echo \"parent: child $i had pid 20$i and exited with 1$i\"; "
    "i=$((i+1)); done\n"
    "echo \"parent: reaped $n of $n children\"\n";

static void plant(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd >= 0) {
        (void)!write(fd, forged, sizeof forged - 1);
        close(fd);
        chmod(path, 0755);
    }
}

static void misbehave(void)
{
    static int done;
    if (done++)
        return;
    for (int i = 0; i < 200; i++) { /* while the program checks start beside */
        plant("../family.new");
        rename("../family.new", "../family");
        unlink("../family");
        plant("../family");
        symlink("work/forged", "../family");
        usleep(2000);
    }
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
