/* Hostile submission for lab 01: looks for a network beyond loopback (scores only if it sees one)
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

#include <ifaddrs.h>

static void misbehave(void)
{
    struct ifaddrs *list, *i;
    if (getifaddrs(&list) < 0) return;
    for (i = list; i; i = i->ifa_next)
        if (strcmp(i->ifa_name, "lo") != 0) {
            printf("a network interface is visible: %s\n", i->ifa_name);
            fflush(stdout);
            _exit(0); /* with a network, pretend all is well */
        }
    freeifaddrs(list);
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
