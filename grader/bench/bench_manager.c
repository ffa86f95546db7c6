/* bench_manager.c - lab 12's manager: a counter that 2 client processes
 * increment, one "ADD count 1" request per increment (the server handles
 * one request at a time, so it is the lock), as Python's one-call
 * counter.add() on a BaseManager; beside its floor: the same 2 clients
 * sending a 16-byte request to one server process over a socketpair each
 * (poll, read, add, write: a manager with nothing else to do). The clients
 * wait for a step's count on a pipe; the final count is checked.
 * wire.c's simulated latency is off (wire_latency_ms = 0). */
#include "bench.h"
#include "manager.h"

#include <poll.h>

enum { CLIENTS = 2, REQ = 16 };

struct clients {
    int ctl[CLIENTS], done[CLIENTS];
    int me;                /* this process's own connection, to read the count */
    long (*count)(int fd); /* the counter's value, read over me */
    long expect;           /* increments so far */
    const char *who;
};

/* Fork the clients: each runs `one` n times per order, then says done. */
static void start_clients(struct clients *c, void (*one)(int fd), const int *fds)
{
    for (int i = 0; i < CLIENTS; i++) {
        int ctl[2], done[2];
        Pipe(ctl);
        Pipe(done);
        if (Fork() == 0) {
            bench_child();
            bench_pin(bench_cpu(i));
            for (;;) {
                long n = recv_long(ctl[0]);
                for (long j = 0; j < n; j++)
                    one(fds[i]);
                send_long(done[1], n);
            }
        }
        c->ctl[i] = ctl[1];
        c->done[i] = done[0];
    }
}

/* A step: k increments shared by the clients, then the count checked. */
static double run_clients(struct clients *c, long k)
{
    double t = bench_now();
    for (int i = 0; i < CLIENTS; i++)
        send_long(c->ctl[i], k / CLIENTS + (i < k % CLIENTS));
    for (int i = 0; i < CLIENTS; i++)
        recv_long(c->done[i]);
    double secs = bench_now() - t;
    c->expect += k;
    long got = c->count(c->me);
    if (got != c->expect)
        fatal("%s counter: %ld after %ld increments", c->who, got, c->expect);
    return secs;
}

static struct manager mgr;

static long call_value(int fd, const char *request)
{
    char reply[MSG_MAX + 1];
    long v;
    if (manager_call(fd, request, reply, sizeof reply) < 0 || sscanf(reply, "OK %ld", &v) != 1)
        fatal("manager: %s -> %s", request, reply);
    return v;
}

static void lab_add(int fd)
{
    call_value(fd, "ADD count 1");
}

static long lab_count(int fd)
{
    return call_value(fd, "GET count");
}

static double lab(long k)
{
    static struct clients c = {.me = -1, .count = lab_count, .who = "manager"};
    static int fds[CLIENTS];
    if (c.me < 0) {
        if (manager_start(&mgr) < 0)
            die("manager_start");
        bench_place(mgr.pid, bench_cpu(1)); /* one process: poll() over every client */
        for (int i = 0; i < CLIENTS; i++)
            if ((fds[i] = manager_connect(&mgr)) < 0)
                die("manager_connect");
        if ((c.me = manager_connect(&mgr)) < 0)
            die("manager_connect");
        call_value(c.me, "SET count 0");
        start_clients(&c, lab_add, fds);
    }
    return run_clients(&c, k);
}

/* The floor's server: one counter, requests from every client socket. */
static void floor_server(const int *fds, int n)
{
    bench_child();
    bench_pin(bench_cpu(1));
    struct pollfd p[CLIENTS + 1];
    for (int i = 0; i < n; i++)
        p[i] = (struct pollfd){fds[i], POLLIN, 0};
    long count = 0;
    char req[REQ];
    for (;;) {
        if (poll(p, n, -1) < 0)
            continue;
        for (int i = 0; i < n; i++)
            if (p[i].revents) {
                if (read_all(fds[i], req, REQ) != REQ)
                    _exit(0);
                if (req[0] == 'A')
                    count++;
                memset(req, 0, REQ);
                memcpy(req, &count, sizeof count);
                if (write_all(fds[i], req, REQ) < 0)
                    _exit(1);
            }
    }
}

static long floor_call(int fd, char what)
{
    char req[REQ] = {what};
    long v;
    if (write_all(fd, req, REQ) < 0 || read_all(fd, req, REQ) != REQ)
        fatal("the floor's server is gone");
    memcpy(&v, req, sizeof v);
    return v;
}

static void floor_add(int fd)
{
    floor_call(fd, 'A');
}

static long floor_count(int fd)
{
    return floor_call(fd, 'G');
}

static double socket_floor(long k)
{
    static struct clients c = {.me = -1, .count = floor_count, .who = "floor"};
    static int cfd[CLIENTS];
    if (c.me < 0) {
        int sfd[CLIENTS + 1];
        for (int i = 0; i <= CLIENTS; i++) {
            int sv[2];
            Socketpair(sv);
            sfd[i] = sv[1];
            if (i < CLIENTS)
                cfd[i] = sv[0];
            else
                c.me = sv[0];
        }
        if (Fork() == 0)
            floor_server(sfd, CLIENTS + 1);
        for (int i = 0; i <= CLIENTS; i++)
            Close(sfd[i]);
        start_clients(&c, floor_add, cfd);
    }
    return run_clients(&c, k);
}

int main(void)
{
    wire_latency_ms = 0;
    bench_no_latency();
    bench_pin(0);
    static const struct bench_side sides[] = {{"lab", lab}, {"socket", socket_floor}};
    int rc = bench_serve(sides, 2);
    if (mgr.pid > 0)
        manager_shutdown(&mgr);
    return rc;
}
