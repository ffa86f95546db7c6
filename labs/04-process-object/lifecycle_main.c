/*
 * lifecycle_main.c - the `lifecycle` program. (Given: do not edit.)
 *
 *     ./lifecycle      five Process objects through their whole life:
 *                      made, started, joined (one with a timeout), one
 *                      terminated, one a "subclass" with its own run()
 */
#define _GNU_SOURCE
#include "process.h"
#include "proclabs.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NPROC = 5 };

static int greet(void *arg)
{
    (void)arg;
    log_line("hello from pid %d, my parent is %d", (int)getpid(), (int)getppid());
    return 0;
}

static int return_code(void *arg)
{
    return *(int *)arg;
}

static int call_exit(void *arg)
{
    exit(*(int *)arg); /* exit() in the middle of the target: still the exit code */
}

static int sleep_forever(void *arg)
{
    (void)arg;
    for (;;)
        pause(); /* until terminate() */
    return 0;
}

/* A "subclass": struct process first, then its own fields; .run replaced. */
struct countdown {
    struct process base;
    int from;
};

static int countdown_run(struct process *self)
{
    struct countdown *c = (struct countdown *)self;
    for (int i = c->from; i > 0; i--)
        log_line("%s: %d", self->name, i);
    return 0;
}

static const char *code_text(int code)
{
    static char buf[32];
    if (code == EXITCODE_NONE) return "none";
    snprintf(buf, sizeof buf, "%d", code);
    return buf;
}

/* Given scaffolding: wait until the child has exited WITHOUT reaping it
 * (WNOWAIT leaves it a zombie), so is_alive() is asked about a zombie. */
static void wait_until_zombie(pid_t pid)
{
    siginfo_t info;
    if (pid > 0) waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT);
}

int main(void)
{
    static int three = 3, five = 5;
    struct process greeter, failer, sleeper, quitter;
    struct countdown counter;

    process_init(&greeter, greet, NULL, NULL);
    process_init(&failer, return_code, &three, NULL);
    process_init(&sleeper, sleep_forever, NULL, NULL);
    process_init(&counter.base, NULL, NULL, "countdown");
    counter.base.run = countdown_run;
    counter.from = 3;
    process_init(&quitter, call_exit, &five, NULL);
    struct process *all[NPROC] = {&greeter, &failer, &sleeper, &counter.base, &quitter};

    log_line("%s before start: pid %d, alive %d, exitcode %s", greeter.name, (int)greeter.pid,
             process_is_alive(&greeter), code_text(process_exitcode(&greeter)));

    int started = 0;
    for (int i = 0; i < NPROC; i++) {
        if (process_start(all[i]) == 0) {
            log_line("started %s as pid %d", all[i]->name, (int)all[i]->pid);
            started++;
        } else {
            log_line("could not start %s", all[i]->name);
        }
    }

    wait_until_zombie(greeter.pid);
    log_line("%s has exited, not yet joined: alive %d", greeter.name, process_is_alive(&greeter));

    bool joined = process_join(&sleeper, 100);
    log_line("%s after join(100 ms): %s, alive %d, exitcode %s", sleeper.name,
             joined ? "ended" : "timed out", process_is_alive(&sleeper),
             code_text(process_exitcode(&sleeper)));
    process_terminate(&sleeper);
    if (!process_join(&sleeper, 2000) && sleeper.pid > 0) {
        log_line("%s still runs 2 s after terminate(): killing it", sleeper.name);
        kill(sleeper.pid, SIGKILL);
    }

    int ended = 0;
    for (int i = 0; i < NPROC; i++)
        if (process_join(all[i], 2000)) /* bounded: a broken join must not hang us */
            ended++;
    for (int i = 0; i < NPROC; i++)
        log_line("%s exitcode %s, alive %d", all[i]->name, code_text(process_exitcode(all[i])),
                 process_is_alive(all[i]));
    log_line("joined %d of %d processes", ended, NPROC);
    return started == NPROC && ended == NPROC ? 0 : 1;
}
