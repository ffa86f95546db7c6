/*
 * as-student UID CMD [ARG...] - run CMD as the student user of a grading
 * run, for good: the bats checks' way to start a student program from the
 * judge (see jail.h). Every descriptor but 0, 1 and 2 is closed first, so
 * nothing of the judge's (bats' own files and pipes) reaches the program.
 * as-student UID --limit SECONDS CMD [ARG...] - the same in a session of
 *   its own, within a time limit, as `setsid timeout -k 1 SECONDS CMD` (the
 *   status as timeout's: 124 on the limit, 137 when SIGKILL was needed a
 *   second later), without starting setsid(1) and timeout(1).
 * as-student UID --kill-all [SID] - kill every process of that user
 *   (kill(-1)); with SID, first print the pids of the live processes of
 *   session SID (zombies have ended), each followed by a space.
 */
#define _GNU_SOURCE
#include "jail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int run(char **cmd)
{
    execvp(cmd[0], cmd);
    fprintf(stderr, "as-student: cannot run %s: %s\n", cmd[0], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}

/* The live processes of session sid, as ps -s shows them (but zombies). */
static void print_session(pid_t sid)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], buf[512];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (fd >= 0)
            close(fd);
        if (n <= 0)
            continue;
        buf[n] = '\0';
        char *p = strrchr(buf, ')'), state; /* the command name may hold ')' */
        int pp, pg, s;
        if (p && sscanf(p + 1, " %c %d %d %d", &state, &pp, &pg, &s) == 4 && s == sid &&
            state != 'Z')
            printf("%s ", e->d_name);
    }
    if (d)
        closedir(d);
    fflush(stdout);
}

/* timeout(1)'s way: the command is our child in our session; at the limit
 * SIGTERM to it and to the session's group, SIGKILL to the group (us too)
 * a second later if it still lives. */
static int run_limited(double seconds, char **cmd)
{
    /* A change of user made us undumpable until an exec; the command is
     * forked before one, and under `grade explain` strace (the judge)
     * must read its exec, as it read timeout's after setsid's exec. */
    prctl(PR_SET_DUMPABLE, 1);
    if (setsid() < 0) {
        fprintf(stderr, "as-student: setsid: %s\n", strerror(errno));
        return 125;
    }
    sigset_t watched, old;
    sigemptyset(&watched);
    sigaddset(&watched, SIGCHLD);
    sigaddset(&watched, SIGTERM);
    sigprocmask(SIG_BLOCK, &watched, &old);
    pid_t kid = fork();
    if (kid < 0) {
        fprintf(stderr, "as-student: fork: %s\n", strerror(errno));
        return 125;
    }
    if (kid == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        _exit(run(cmd));
    }
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += (time_t)seconds;
    end.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
    if (end.tv_nsec >= 1000000000L)
        end.tv_sec++, end.tv_nsec -= 1000000000L;
    bool timed_out = false;
    for (;;) {
        int st;
        pid_t w = waitpid(kid, &st, WNOHANG);
        if (w == kid) {
            if (timed_out)
                return 124;
            if (WIFEXITED(st))
                return WEXITSTATUS(st);
            /* Killed by a signal: end by it too, as timeout does (no core). */
            struct rlimit none = {0, 0};
            setrlimit(RLIMIT_CORE, &none);
            signal(WTERMSIG(st), SIG_DFL);
            sigprocmask(SIG_SETMASK, &old, NULL);
            raise(WTERMSIG(st));
            return 128 + WTERMSIG(st);
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        struct timespec left = {end.tv_sec - now.tv_sec, end.tv_nsec - now.tv_nsec};
        if (left.tv_nsec < 0)
            left.tv_sec--, left.tv_nsec += 1000000000L;
        if (left.tv_sec < 0) {
            if (timed_out) { /* a second after SIGTERM */
                kill(0, SIGKILL);
                return 137;
            }
            timed_out = true;
            kill(kid, SIGTERM);
            kill(0, SIGTERM); /* blocked here, taken by sigtimedwait below */
            end = now;
            end.tv_sec += 1;
            continue;
        }
        siginfo_t info;
        sigtimedwait(&watched, &info, &left); /* a child's end, our own SIGTERM, or the time */
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: as-student UID [--limit SECONDS] COMMAND [ARG...]\n"
                        "       as-student UID --kill-all [SID]\n");
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
    if (!strcmp(argv[2], "--kill-all") && argc <= 4) {
        if (argc == 4)
            print_session((pid_t)atoi(argv[3]));
        return kill(-1, SIGKILL) == 0 || errno == ESRCH ? 0 : 1;
    }
    if (!strcmp(argv[2], "--limit") && argc >= 5) {
        double seconds = strtod(argv[3], &end);
        if (*end || end == argv[3] || !(seconds > 0 && seconds <= 86400)) {
            fprintf(stderr, "as-student: '%s' is not a time limit in seconds\n", argv[3]);
            return 125;
        }
        return run_limited(seconds, argv + 4);
    }
    return run(argv + 2);
}
