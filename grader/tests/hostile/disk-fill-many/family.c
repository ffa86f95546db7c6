/* Hostile submission for lab 01: fills the disk under the build folder with
 * many files, each below the file size limit (RLIMIT_FSIZE bounds one file,
 * not their sum), from the program bats runs, whose output a check quotes.
 * (Unlinked while still open, the files would fill the disk unseen.)
 * Self-limiting: if containment failed, this costs 1.5 GB for a second, not
 * the machine (the build folder is removed after the grade).
 *
 * The build folder holds at most what the box's /tmp does (a tmpfs of its
 * own): the writes end with "No space left on device" long before 1 GB. */
#define _GNU_SOURCE
#include "family.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void fill(void)
{
    static char block[1 << 20];
    memset(block, 'd', sizeof block);
    long mib = 0;
    int err = 0;
    for (int f = 0; f < 48 && !err; f++) { /* 48 files of 32 MiB, one at a time */
        char name[32];
        snprintf(name, sizeof name, "fill.%d", f);
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) {
            err = errno;
            break;
        }
        for (int i = 0; i < 32; i++) {
            if (write(fd, block, sizeof block) != (ssize_t)sizeof block) {
                err = errno;
                break;
            }
            mib++;
        }
        close(fd);
    }
    if (mib > 1024)
        printf("could write %ld MiB into the build folder\n", mib);
    else
        printf("stopped after %ld MiB: %s\n", mib, strerror(err));
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
    fill();
    return 0;
}
