/* bench.h - what the grader/bench programs share: the median of several
 * runs, a fair interleaving of the primitive and its floor, and JSON out.
 * Each program prints one JSON object: name -> operations per second. */
#ifndef BENCH_H
#define BENCH_H

#include "proclabs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

enum { BENCH_RUNS_MAX = 15 };

typedef double (*bench_fn)(long n); /* returns seconds for n operations */

static inline int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Runs: BENCH_RUNS (default 7, 3 with "quick" as argv[1]). */
static inline int bench_runs(int argc, char **argv)
{
    const char *s = getenv("BENCH_RUNS");
    int r = s ? atoi(s) : (argc > 1 && argv[1][0] == 'q' ? 3 : 7);
    return r < 1 ? 1 : r > BENCH_RUNS_MAX ? BENCH_RUNS_MAX : r;
}

static inline int bench_quick(int argc, char **argv)
{
    return argc > 1 && argv[1][0] == 'q';
}

/* The medians of a and b over runs, a and b taking turns (a, b, a, b, ...),
 * so that the load of a busy machine falls on both alike. b may be NULL. */
static inline void bench_pair(bench_fn a, long na, bench_fn b, long nb, int runs, double *ra,
                              double *rb)
{
    double va[BENCH_RUNS_MAX], vb[BENCH_RUNS_MAX];
    a(na / 10 + 1); /* warm up: page in code and data */
    if (b)
        b(nb / 10 + 1);
    for (int r = 0; r < runs; r++) {
        va[r] = na / a(na);
        if (b)
            vb[r] = nb / b(nb);
    }
    *ra = bench_median(va, runs);
    if (b)
        *rb = bench_median(vb, runs);
}

/* Closer still: one run times a and b in small alternate steps and returns
 * the seconds of each, so that a burst of load falls on both alike. */
typedef void (*bench_both_fn)(long n, double *secs_a, double *secs_b);

static inline void bench_both(bench_both_fn fn, long n, int runs, double *ra, double *rb)
{
    double va[BENCH_RUNS_MAX], vb[BENCH_RUNS_MAX], sa, sb;
    fn(n / 10 + 1, &sa, &sb); /* warm up */
    for (int r = 0; r < runs; r++) {
        fn(n, &sa, &sb);
        va[r] = n / sa;
        vb[r] = n / sb;
    }
    *ra = bench_median(va, runs);
    *rb = bench_median(vb, runs);
}

/* A benchmark must not measure the grader's simulated latency: any
 * sleep_ms(scaled_ms(x)) left in given scaffolding is made as short as the
 * kernel allows (the smallest time scale, and no timer slack). */
static inline void bench_no_latency(void)
{
    setenv("PROCLABS_TIME_SCALE", "0.000001", 1);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    fflush(NULL); /* nothing buffered to be written twice by forked children */
}

#endif
