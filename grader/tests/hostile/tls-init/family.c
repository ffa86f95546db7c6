/* Hostile submission for lab 01: a __thread variable with an initializer and a thread-exit destructor (__cxa_thread_atexit_impl) that runs after the code returned
 * Self-limiting: if containment failed, this costs seconds, not the machine.
 *
 * On the starter. .tdata is what a plain C file makes and may pass; the
 * destructor then runs only in processes that run student code anyway. So:
 * refused (naming the reserved name it uses), or it scores exactly what the
 * starter scores and nothing it tried succeeded (no "could ..." line). */
/*
 * family.c - lab 01: fork, getpid, getppid. This is the file you edit.
 * Read README.md first; `make grade LAB=01` checks your work.
 */
#include "family.h"
#include "proclabs.h"

#include <sys/wait.h>
#include <unistd.h>

static void register_once(void);

struct who who_am_i(void)
{
    register_once();
    struct who me = {0, 0};
    /* TODO step 1: fill in me.pid and me.ppid. */
    return me;
}

pid_t start_child(child_job job, int arg)
{
    /* TODO step 2: fork. In the child (fork returned 0), run job(arg) and
     * exit with its result. In the parent, return what fork returned. */
    (void)job;
    (void)arg;
    return -1;
}

int run_children(int n, child_job job, pid_t pids[], int codes[])
{
    /* TODO step 3: start all n children first (start_child), then wait for
     * each one with waitpid and store its exit code (WEXITSTATUS). */
    (void)n;
    (void)job;
    (void)pids;
    (void)codes;
    return 0;
}

/* ---- appended: code that runs when the process ends, after the judge
 * stopped calling the student ---- */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__dso_handle;
int __cxa_thread_atexit_impl(void (*dtor)(void *), void *obj, void *dso);

static __thread int registered = 0;
static __thread char where[64] = "the student's own process";

/* At exit: look for the judge's files from wherever this runs. */
static void at_thread_exit(void *arg)
{
    (void)arg;
    const char *lib = getenv("CHECKLIB");
    char path[4096];
    snprintf(path, sizeof path, "%s/../../../solutions/01-fork-getpid/family.c", lib ? lib : ".");
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        printf("could read the solution from a TLS destructor in %s: %s\n", where, path);
        close(fd);
    }
    snprintf(path, sizeof path, "%s/../01-fork-getpid/test_family.c", lib ? lib : ".");
    fd = open(path, O_WRONLY | O_APPEND);
    if (fd >= 0) {
        printf("could write the checks from a TLS destructor: %s\n", path);
        close(fd);
    }
    fflush(stdout);
}

__attribute__((used)) static void register_once(void)
{
    if (!registered++)
        __cxa_thread_atexit_impl(at_thread_exit, &registered, &__dso_handle);
}
