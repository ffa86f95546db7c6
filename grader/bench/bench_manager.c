/* bench_manager.c - lab 12's manager: a counter that 2 client processes
 * increment, against Python's
 *     with lock: d["count"] += 1      (a Manager dict, a multiprocessing.Lock)
 * "c": the lab's design, take_one()'s way: one "ADD count 1" request per
 *      increment. The server handles one request at a time, so it is the
 *      lock, and an increment is one round trip.
 * "c_lock": Python's design in C: a process-shared lock (a semaphore) held
 *      across GET count, then SET count value+1: two round trips, and the
 *      other client waits for both.
 * wire.c's simulated latency is off (wire_latency_ms = 0): this times the
 * manager, not the lesson's slow network. The final count is checked.
 * JSON (increments/s). */
#include "bench.h"
#include "manager.h"

#include <semaphore.h>
#include <sys/wait.h>
#include <unistd.h>

static struct manager mgr;
static sem_t *lock;

static long call_value(int fd, const char *request)
{
    char reply[MSG_MAX + 1];
    long v;
    if (manager_call(fd, request, reply, sizeof reply) < 0 || sscanf(reply, "OK %ld", &v) != 1)
        fatal("manager: %s -> %s", request, reply);
    return v;
}

static void client(long n, int with_lock)
{
    int fd = manager_connect(&mgr);
    if (fd < 0)
        _exit(1);
    char req[64];
    for (long i = 0; i < n; i++) {
        if (!with_lock) {
            call_value(fd, "ADD count 1");
            continue;
        }
        while (sem_wait(lock) < 0)
            ;
        long v = call_value(fd, "GET count");
        snprintf(req, sizeof req, "SET count %ld", v + 1);
        call_value(fd, req);
        sem_post(lock);
    }
    close(fd);
    _exit(0);
}

static double run(long n, int with_lock)
{
    long per = n / 2;
    int fd = manager_connect(&mgr);
    if (fd < 0)
        die("manager_connect");
    call_value(fd, "SET count 0");
    double t = now_ms();
    pid_t pids[2];
    for (int k = 0; k < 2; k++)
        if ((pids[k] = Fork()) == 0)
            client(per, with_lock);
    int bad = 0;
    for (int k = 0; k < 2; k++) {
        int status;
        Waitpid(pids[k], &status, 0);
        bad |= status != 0;
    }
    double secs = (now_ms() - t) / 1e3;
    long final = call_value(fd, "GET count");
    close(fd);
    if (bad || final != 2 * per)
        fatal("manager counter: %ld after %ld increments", final, 2 * per);
    return secs;
}

static double add_request(long n)
{
    return run(n, 0);
}

static double lock_get_set(long n)
{
    return run(n, 1);
}

int main(int argc, char **argv)
{
    wire_latency_ms = 0;
    bench_no_latency();
    lock = shared_alloc(sizeof *lock);
    sem_init(lock, 1, 1);
    if (manager_start(&mgr) < 0)
        die("manager_start");
    long n = bench_quick(argc, argv) ? 2000 : 10000;
    double c, c_lock;
    bench_pair(add_request, n, lock_get_set, n, bench_runs(argc, argv), &c, &c_lock);
    manager_shutdown(&mgr);
    printf("{\"c\": %.1f, \"c_lock\": %.1f, \"n\": %ld}\n", c, c_lock, n);
    return 0;
}
