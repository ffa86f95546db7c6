/* bench_conn.c - lab 16's connection: ping-pong of 64-byte messages
 * (conn_send + conn_recv each way, through an echo process), beside the
 * kernel's ways to make the same round trip: a raw socketpair (what a conn
 * is: one write and one read each way), two pipes, and a futex ping-pong
 * over shared memory (no system call but the wake-ups). Every echo is
 * checked. argv[1] places the two processes alike on every side: "same"
 * (both on CPU 0) or "cross" (this one on CPU 0, the echo on CPU 1). */
#include "bench.h"
#include "conn.h"

#include <sys/wait.h>

enum { MSG = 64 };
static int echo_cpu;
static char msg[MSG];

static void echo_start(void)
{
    bench_child();
    bench_pin(echo_cpu);
}

static void lab_echo(struct conn *end)
{
    echo_start();
    void *buf;
    size_t len;
    while (conn_recv(end, &buf, &len) == 1) {
        int bad = conn_send(end, buf, len) < 0;
        free(buf);
        if (bad)
            break;
    }
}

static double lab(long k)
{
    static struct conn c;
    static int up;
    if (!up++ && start_worker(lab_echo, &c) < 0)
        die("start_worker");
    double t = bench_now();
    for (long i = 0; i < k; i++) {
        void *buf;
        size_t len;
        if (conn_send(&c, msg, MSG) < 0 || conn_recv(&c, &buf, &len) != 1 || len != MSG ||
            memcmp(buf, msg, MSG) != 0)
            fatal("connection ping-pong broke at %ld", i);
        free(buf);
    }
    return bench_now() - t;
}

/* An echo over fds: rd -> wr, 64 bytes at a time. */
static int fd_echo(int rd, int wr)
{
    pid_t pid = Fork();
    if (pid == 0) {
        echo_start();
        char b[MSG];
        while (read_all(rd, b, MSG) == MSG)
            if (write_all(wr, b, MSG) < 0)
                break;
        _exit(0);
    }
    return 0;
}

static double fd_round_trips(int wr, int rd, long k)
{
    char b[MSG];
    double t = bench_now();
    for (long i = 0; i < k; i++)
        if (write_all(wr, msg, MSG) < 0 || read_all(rd, b, MSG) != MSG || memcmp(b, msg, MSG))
            fatal("ping-pong broke at %ld", i);
    return bench_now() - t;
}

static double socketpair_floor(long k)
{
    static int sv[2] = {-1, -1};
    if (sv[0] < 0) {
        Socketpair(sv);
        fd_echo(sv[1], sv[1]);
        Close(sv[1]);
    }
    return fd_round_trips(sv[0], sv[0], k);
}

static double pipe_floor(long k)
{
    static int to[2] = {-1, -1}, from[2];
    if (to[0] < 0) {
        Pipe(to);
        Pipe(from);
        fd_echo(to[0], from[1]);
        Close(to[0]);
        Close(from[1]);
    }
    return fd_round_trips(to[1], from[0], k);
}

/* The futex ping-pong: turn is odd when the echo's turn, even when ours. */
struct pingpong {
    _Atomic uint32_t turn, echo_sleeps, main_sleeps;
    char buf[MSG];
};

static double futex_floor(long k)
{
    static struct pingpong *pp;
    if (!pp) {
        pp = shared_alloc(sizeof *pp);
        if (Fork() == 0) {
            echo_start();
            for (uint32_t seen = 0;;) {
                seen = wait_change(&pp->turn, seen, &pp->echo_sleeps); /* odd: a message */
                atomic_store(&pp->turn, ++seen);                       /* the echo: same bytes */
                wake_if_sleeping(&pp->turn, &pp->main_sleeps);
            }
        }
    }
    char b[MSG];
    double t = bench_now();
    for (long i = 0; i < k; i++) {
        memcpy(pp->buf, msg, MSG);
        uint32_t mine = atomic_load(&pp->turn) + 1;
        atomic_store(&pp->turn, mine);
        wake_if_sleeping(&pp->turn, &pp->echo_sleeps);
        wait_change(&pp->turn, mine, &pp->main_sleeps);
        memcpy(b, pp->buf, MSG);
        if (memcmp(b, msg, MSG))
            fatal("futex ping-pong broke at %ld", i);
    }
    return bench_now() - t;
}

int main(int argc, char **argv)
{
    bench_no_latency();
    if (argc < 2 || (strcmp(argv[1], "same") && strcmp(argv[1], "cross")))
        fatal("usage: bench_conn same|cross");
    echo_cpu = strcmp(argv[1], "same") == 0 ? 0 : 1;
    bench_pin(0);
    memset(msg, 'x', MSG);
    static const struct bench_side sides[] = {{"lab", lab},
                                              {"socketpair", socketpair_floor},
                                              {"pipe", pipe_floor},
                                              {"futex", futex_floor}};
    return bench_serve(sides, 4);
}
