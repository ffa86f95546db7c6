/* Hostile submission for lab 01: prints bytes that are not UTF-8, which reports must survive
 * Self-limiting: if containment failed, this costs seconds, not the machine. */
#define _GNU_SOURCE
#include "family.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void misbehave(void)
{
    static const char junk[] = "\xff\xfe not utf-8 \xc3\x28 \xed\xa0\x80 \x01\x02\n";
    fwrite(junk, 1, sizeof junk - 1, stdout);
    fwrite(junk, 1, sizeof junk - 1, stderr);
    fflush(NULL);
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
