/* bench.h - what the grader/bench programs share. Each program is a server
 * that grader/bench/bench.py drives: it reads "SIDE K" lines on stdin, does
 * K operations of that side (the lab's primitive, or a floor), and answers
 * with the seconds they took. bench.py sends the steps of every side, and
 * of Python's, in turn, so a burst of load falls on all of them alike.
 * A side sets itself up on its first step and stays set up (its worker
 * processes wait for the next step); "quit" or EOF ends the program. */
#ifndef BENCH_H
#define BENCH_H

#define _GNU_SOURCE
#include "proclabs.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct bench_side {
    const char *name;
    double (*run)(long k); /* seconds for k operations */
};

static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* A benchmark must not measure the grader's simulated latency: any
 * sleep_ms(scaled_ms(x)) left in given scaffolding is made as short as the
 * kernel allows (the smallest time scale, and no timer slack). */
static inline void bench_no_latency(void)
{
    setenv("PROCLABS_TIME_SCALE", "0.000001", 1);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}

/* In a helper process: die with the server, so nothing outlives a run. */
static inline void bench_child(void)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        _exit(1);
}

/* Pin process pid (0: the calling one) to one CPU (-1: leave it alone). */
static inline void bench_place(pid_t pid, int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if (sched_setaffinity(pid, sizeof s, &s) < 0)
        die("sched_setaffinity(%d, cpu %d)", (int)pid, cpu);
}

static inline void bench_pin(int cpu)
{
    bench_place(0, cpu);
}

/* Where the rows with helper processes (pools, the manager) place them,
 * alike on every side: the timing process on CPU 0, helper i (a worker, a
 * client; the server is helper 1) on CPU i. Left to the scheduler, one
 * side's helpers may share a CPU with the timing process while another's
 * do not, and a wake-up across CPUs costs many times one on the same CPU
 * (17 times on a virtual machine whose idle CPUs halt). */
static inline int bench_cpu(int helper)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 1 ? helper % (int)n : 0;
}

/* Bounded (100 ms): a lost wake-up would show as a slow round in the
 * spread, never as a hang. */
static inline void futex_wait(_Atomic uint32_t *addr, uint32_t seen)
{
    struct timespec limit = {0, 100 * 1000 * 1000};
    syscall(SYS_futex, addr, FUTEX_WAIT, seen, &limit, NULL, 0);
}

static inline void futex_wake(_Atomic uint32_t *addr, int n)
{
    syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

/* Wait until *addr != seen: look up to 64 times first, with a
 * sched_yield() every 16 looks (the other side often shares this CPU: the
 * yield lets it run; lab 13's queue does the same), then sleep on the
 * futex. *sleeping tells the other side to wake us; it must read it after
 * changing *addr. */
static inline uint32_t wait_change(_Atomic uint32_t *addr, uint32_t seen,
                                   _Atomic uint32_t *sleeping)
{
    uint32_t v;
    for (int i = 1; i <= 64; i++) {
        if ((v = atomic_load(addr)) != seen)
            return v;
        if (i % 16 == 0)
            sched_yield();
    }
    for (;;) {
        atomic_store(sleeping, 1);
        if ((v = atomic_load(addr)) != seen) {
            atomic_store(sleeping, 0);
            return v;
        }
        futex_wait(addr, seen);
        atomic_store(sleeping, 0);
        if ((v = atomic_load(addr)) != seen)
            return v;
    }
}

/* After changing *addr: wake the other side if it sleeps on it. The flag
 * is read before it is written, so that a busy pair shares the line. */
static inline void wake_if_sleeping(_Atomic uint32_t *addr, _Atomic uint32_t *sleeping)
{
    if (atomic_load(sleeping) && atomic_exchange(sleeping, 0))
        futex_wake(addr, 1);
}

/* A step order to a helper process over a pipe, and its answer. */
static inline void send_long(int fd, long v)
{
    if (write_all(fd, &v, sizeof v) < 0)
        fatal("a helper process is gone");
}

static inline long recv_long(int fd)
{
    long v;
    if (read_all(fd, &v, sizeof v) != (ssize_t)sizeof v)
        fatal("a helper process is gone");
    return v;
}

/* The server loop. Answers "SECONDS" per step; an unknown side is an error
 * that bench.py reports. */
static inline int bench_serve(const struct bench_side *sides, int nsides)
{
    char line[128], name[64];
    long k;
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof line, stdin)) {
        if (strncmp(line, "quit", 4) == 0)
            break;
        if (sscanf(line, "%63s %ld", name, &k) != 2 || k < 1)
            fatal("bad step order: %s (expected: SIDE COUNT)", line);
        int i = 0;
        while (i < nsides && strcmp(sides[i].name, name) != 0)
            i++;
        if (i == nsides)
            fatal("no side called %s here", name);
        printf("%.9f\n", sides[i].run(k));
    }
    return 0;
}

#endif
