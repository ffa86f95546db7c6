/* bench_conn.c - lab 16's connection: ping-pong of 64-byte messages
 * (conn_send + conn_recv each way) against a raw socketpair round trip of
 * 64 bytes (one write and one read each way), 100 of each in turn.
 * JSON (round trips/s). */
#include "bench.h"
#include "conn.h"

#include <sys/wait.h>
#include <unistd.h>

static void echo(struct conn *end)
{
    void *buf;
    size_t len;
    while (conn_recv(end, &buf, &len) == 1) {
        int bad = conn_send(end, buf, len) < 0;
        free(buf);
        if (bad)
            break;
    }
}

static void raw_echo(int fd)
{
    char msg[64];
    while (read_all(fd, msg, sizeof msg) == sizeof msg)
        if (write_all(fd, msg, sizeof msg) < 0)
            break;
    _exit(0);
}

enum { STEP = 100 }; /* round trips of one kind before the other's turn */

/* n round trips over lab 16's connection and n over a raw socketpair, STEP
 * at a time in turn; the echo processes run all along. */
static void conn_vs_socketpair(long n, double *secs_conn, double *secs_raw)
{
    struct conn c;
    pid_t conn_pid = start_worker(echo, &c);
    if (conn_pid < 0)
        die("start_worker");
    int sv[2];
    Socketpair(sv);
    pid_t raw_pid = Fork();
    if (raw_pid == 0) {
        Close(sv[0]);
        conn_close(&c);
        raw_echo(sv[1]);
    }
    Close(sv[1]);
    char msg[64];
    memset(msg, 'x', sizeof msg);
    *secs_conn = *secs_raw = 0;
    for (long done = 0; done < n; done += STEP) {
        long k = n - done < STEP ? n - done : STEP;
        double t = now_ms();
        for (long i = 0; i < k; i++) {
            void *buf;
            size_t len;
            if (conn_send(&c, msg, sizeof msg) < 0 || conn_recv(&c, &buf, &len) != 1 || len != 64)
                fatal("connection ping-pong broke at %ld", done + i);
            free(buf);
        }
        double u = now_ms();
        for (long i = 0; i < k; i++)
            if (write_all(sv[0], msg, sizeof msg) < 0 ||
                read_all(sv[0], msg, sizeof msg) != sizeof msg)
                fatal("socketpair ping-pong broke at %ld", done + i);
        double v = now_ms();
        *secs_conn += (u - t) / 1e3;
        *secs_raw += (v - u) / 1e3;
    }
    conn_close(&c); /* the echoes see EOF and end */
    Close(sv[0]);
    Waitpid(conn_pid, NULL, 0);
    Waitpid(raw_pid, NULL, 0);
}

int main(int argc, char **argv)
{
    bench_no_latency();
    long n = bench_quick(argc, argv) ? 3000 : 20000;
    double c, floor;
    bench_both(conn_vs_socketpair, n, bench_runs(argc, argv), &c, &floor);
    printf("{\"c\": %.1f, \"floor\": %.1f, \"n\": %ld}\n", c, floor, n);
    return 0;
}
