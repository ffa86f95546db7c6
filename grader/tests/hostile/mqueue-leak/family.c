/* Hostile submission for lab 01: leaves POSIX message queues in /dev/mqueue and a System V message queue
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * hostile.bats checks /dev/mqueue and ipcs (msg) after the run. */
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
#include <mqueue.h>
#include <sys/ipc.h>
#include <sys/msg.h>

static void misbehave(void)
{
    struct mq_attr a = {.mq_maxmsg = 4, .mq_msgsize = 64};
    mqd_t q = mq_open("/proclabs_leak_mq", O_CREAT | O_RDWR, 0666, &a);
    if (q != (mqd_t)-1) {
        mq_send(q, "left behind", 11, 0);
        mq_close(q);
    }
    msgget(IPC_PRIVATE, IPC_CREAT | 0600);
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
