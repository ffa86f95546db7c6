/* The syscall floor: what the labs' primitives are measured against.
 * Prints one JSON object: name -> operations per second (median of 5). */
#define _GNU_SOURCE
#include "proclabs.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

typedef double (*bench_fn)(int n); /* returns seconds for n operations */

static double median_rate(bench_fn fn, int n)
{
    double rates[5];
    for (int r = 0; r < 5; r++)
        rates[r] = n / fn(n);
    for (int i = 0; i < 5; i++) /* insertion sort of five */
        for (int k = i; k > 0 && rates[k] < rates[k - 1]; k--) {
            double t = rates[k];
            rates[k] = rates[k - 1];
            rates[k - 1] = t;
        }
    return rates[2];
}

static double fork_waitpid(int n)
{
    double t = now_ms();
    for (int i = 0; i < n; i++) {
        pid_t pid = Fork();
        if (pid == 0)
            _exit(0);
        Waitpid(pid, NULL, 0);
    }
    return (now_ms() - t) / 1e3;
}

static double socketpair_round_trip(int n)
{
    int sv[2];
    Socketpair(sv);
    char msg[64] = {0};
    pid_t pid = Fork();
    if (pid == 0) {
        Close(sv[0]);
        for (int i = 0; i < n; i++)
            if (read_all(sv[1], msg, sizeof msg) != sizeof msg ||
                write_all(sv[1], msg, sizeof msg) < 0)
                _exit(1);
        _exit(0);
    }
    Close(sv[1]);
    double t = now_ms();
    for (int i = 0; i < n; i++)
        if (write_all(sv[0], msg, sizeof msg) < 0 || read_all(sv[0], msg, sizeof msg) != sizeof msg)
            fatal("socketpair ping-pong broke at %d", i);
    double secs = (now_ms() - t) / 1e3;
    Close(sv[0]);
    Waitpid(pid, NULL, 0);
    return secs;
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && argv[1][0] == 'q';
    printf("{\"fork_waitpid\": %.1f, \"socketpair_round_trip\": %.1f}\n",
           median_rate(fork_waitpid, quick ? 200 : 1000),
           median_rate(socketpair_round_trip, quick ? 5000 : 50000));
    return 0;
}
