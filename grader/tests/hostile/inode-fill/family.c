/* Hostile submission for lab 01: makes empty files in the box's /tmp and
 * in the build folder until they are full. An empty file takes no block, so
 * a tmpfs capped by size alone takes them without end, each inode and its
 * name kernel memory of the machine. Self-limiting: 200000 files at most.
 *
 * Every tmpfs the grader mounts caps its inodes too: the files end with
 * "No space left on device" after some thousands. */
#define _GNU_SOURCE
#include "family.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void fill(const char *dir)
{
    long made = 0;
    int err = 0;
    char name[64];
    while (made < 200000) {
        snprintf(name, sizeof name, "%s/e%ld", dir, made);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            err = errno;
            break;
        }
        close(fd);
        made++;
    }
    if (err)
        printf("%s: stopped after %ld files: %s\n", dir, made, strerror(err));
    else
        printf("%s: could make %ld empty files\n", dir, made);
    fflush(stdout);
}

struct who who_am_i(void)
{
    struct who w = {0, 0};
    return w;
}

pid_t start_child(child_job job, int arg)
{
    (void)job;
    (void)arg;
    return -1;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    (void)n;
    (void)job;
    (void)pids;
    (void)codes;
    fill("/tmp");
    fill(".");
    return 0;
}
