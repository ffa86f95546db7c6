/*
 * states_main.c - the `states` program. (Given: do not edit.)
 *
 *     ./states     show a running, a sleeping, a zombie and an orphan process,
 *                  each as /proc/PID/stat tells it (read with your function)
 */
#define _GNU_SOURCE
#include "proclabs.h"
#include "states.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLEEPER_NAME "sleepy (child)" /* a space and parentheses: parse with care */

static int stop[2]; /* the orphan lives until this pipe reaches EOF */

static int orphan_life(void *arg)
{
    (void)arg;
    char c;
    close(stop[1]);
    while (read(stop[0], &c, 1) > 0)
        ;
    return 0;
}

/* Given scaffolding: wait, at most ms, until the sleeper has renamed itself
 * and sleeps; give up at once when read_proc_stat fails. */
static char wait_for_sleep(pid_t pid, double ms)
{
    struct proc_stat st = {.state = '?'};
    double end = now_ms() + ms;
    while (read_proc_stat(pid, &st) == 0 && now_ms() < end) {
        if (st.state == 'S' && !strcmp(st.comm, SLEEPER_NAME)) break;
        sleep_ms(1);
    }
    return st.state;
}

/* Given scaffolding: wait, at most ms, until a process has ended. */
static void wait_until_gone(pid_t pid, int ms)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return; /* already gone */
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, ms);
    close(fd);
}

/* Given scaffolding: the child of make_zombie() exits only once its parent
 * is asleep (waiting for it) or make_zombie() has returned, so that a
 * make_zombie() that does not wait shows its child alive on every run. */
static volatile int *zombie_returned;
static pid_t zombie_parent;

static void hold_zombie_child(void)
{
    double end = now_ms() + 2000;
    while (!*zombie_returned && now_ms() < end && process_state(zombie_parent, NULL) != 'S')
        sleep_ms(1);
}

/* Given scaffolding: wait, at most ms, until the middle child waits for its
 * release (asleep) or has ended. */
static void wait_middle_settled(pid_t pid, double ms)
{
    double end = now_ms() + ms;
    char c;
    while ((c = process_state(pid, NULL)) != 'S' && c != 'Z' && c != 0 && now_ms() < end)
        sleep_ms(1);
}

/* Given scaffolding: the middle child is held stopped until this process
 * sleeps in orphan_release()'s wait (or it has returned), so an
 * orphan_release() that does not wait for the middle shows it every run. */
struct hold {
    pid_t middle;
    volatile int returned;
};

static void *continue_middle(void *arg)
{
    struct hold *h = arg;
    double end = now_ms() + 2000;
    while (!h->returned && now_ms() < end && process_state(getpid(), NULL) != 'S')
        sleep_ms(1);
    kill(h->middle, SIGCONT);
    return NULL;
}

int main(void)
{
    struct proc_stat st;
    int bad = 0;

    if (read_proc_stat(getpid(), &st) == 0) {
        log_line("me: pid %d, state %c, parent %d, command '%s'", (int)st.pid, st.state,
                 (int)st.ppid, st.comm);
    } else {
        log_line("me: read_proc_stat(%d) failed", (int)getpid());
        bad++;
    }

    /* A sleeping child whose name has a space and parentheses. */
    pid_t sleeper = Fork();
    if (sleeper == 0) {
        prctl(PR_SET_NAME, SLEEPER_NAME);
        for (;;)
            pause();
    }
    char s = wait_for_sleep(sleeper, 3000);
    if (read_proc_stat(sleeper, &st) == 0) {
        log_line("sleeping child %d: state %c, command '%s'", (int)sleeper, s, st.comm);
    } else {
        log_line("sleeping child %d: read_proc_stat failed", (int)sleeper);
        bad++;
    }
    kill(sleeper, SIGKILL);
    waitpid(sleeper, NULL, 0);

    /* A zombie: seen, then reaped and gone. */
    zombie_returned = shared_alloc(sizeof *zombie_returned);
    zombie_parent = getpid();
    pthread_atfork(NULL, NULL, hold_zombie_child);
    pid_t z = make_zombie();
    bool z_read = z > 0 && read_proc_stat(z, &st) == 0;
    *zombie_returned = 1;
    if (z_read) {
        log_line("zombie %d: state %c, parent %d", (int)z, st.state, (int)st.ppid);
        waitpid(z, NULL, 0);
        if (read_proc_stat(z, &st) < 0) {
            log_line("zombie %d: reaped, gone from /proc", (int)z);
        } else {
            log_line("zombie %d: still there after waitpid, state %c", (int)z, st.state);
            bad++;
        }
    } else {
        log_line("make_zombie() gave %d, and its state could not be read", (int)z);
        if (z > 0) waitpid(z, NULL, 0);
        bad++;
    }

    /* An orphan: its parent changes when the middle child exits. An orphan
     * goes to the nearest "subreaper" above it, or else to init (pid 1). We
     * make ourselves one, so that we adopt the orphan and can reap it too. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    Pipe(stop);
    struct orphan o = {-1, -1, -1};
    bool started = orphan_start(&o, orphan_life, NULL) == 0;
    if (started) wait_middle_settled(o.middle, 2000);
    if (started && read_proc_stat(o.orphan, &st) == 0) {
        log_line("orphan %d: parent %d, the middle child is %d", (int)o.orphan, (int)st.ppid,
                 (int)o.middle);
        struct hold h = {o.middle, 0};
        pthread_t t;
        kill(o.middle, SIGSTOP);
        siginfo_t info;
        waitid(P_PID, (id_t)o.middle, &info, WSTOPPED | WNOWAIT);
        bool held = pthread_create(&t, NULL, continue_middle, &h) == 0;
        if (!held) kill(o.middle, SIGCONT);
        int released = orphan_release(&o);
        h.returned = 1;
        if (held) pthread_join(t, NULL);
        wait_until_gone(o.middle, 2000); /* given: the middle has surely ended now */
        if (released == 0 && read_proc_stat(o.orphan, &st) == 0) {
            log_line("orphan %d: parent %d after the middle child %d exited", (int)o.orphan,
                     (int)st.ppid, (int)o.middle);
        } else {
            log_line("orphan %d: orphan_release() failed", (int)o.orphan);
            bad++;
        }
    } else {
        log_line("orphan_start() failed");
        bad++;
    }
    close(stop[0]);
    close(stop[1]); /* the orphan reads EOF and exits */
    if (o.orphan > 0) wait_until_gone(o.orphan, 2000);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ; /* the adopted orphan is now ours to reap */
    log_line("done");
    return bad ? 1 : 0;
}
