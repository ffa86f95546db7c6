"""CPython's multiprocessing, measured the way grader/bench measures the
labs' C primitives. Prints one JSON object: name -> operations per second.
Fork start method, as in the labs (the Linux default up to 3.13)."""
import json
import multiprocessing as mp
import os
import statistics
import sys
import time


def median_rate(fn, runs=5):
    """fn() returns (operations, seconds); the median rate over runs."""
    rates = []
    for _ in range(runs):
        ops, secs = fn()
        rates.append(ops / secs)
    return statistics.median(rates)


def noop():
    pass


def process_start_join(n=200):
    t = time.perf_counter()
    for _ in range(n):
        p = mp.Process(target=noop)
        p.start()
        p.join()
    return n, time.perf_counter() - t


def _echo(conn, n):
    for _ in range(n):
        conn.send_bytes(conn.recv_bytes())


def pipe_ping_pong(n=20000):
    a, b = mp.Pipe()
    p = mp.Process(target=_echo, args=(b, n))
    p.start()
    msg = b"x" * 64
    t = time.perf_counter()
    for _ in range(n):
        a.send_bytes(msg)
        a.recv_bytes()
    secs = time.perf_counter() - t
    p.join()
    return n, secs


def _produce(q, n):
    item = b"x" * 64
    for _ in range(n):
        q.put(item)


def queue_1to1(n=100000):
    q = mp.Queue(maxsize=1000)
    p = mp.Process(target=_produce, args=(q, n))
    t = time.perf_counter()
    p.start()
    for _ in range(n):
        q.get()
    secs = time.perf_counter() - t
    p.join()
    return n, secs


def square(x):
    return x * x


def pool_apply_async(n=20000):
    with mp.Pool(2) as pool:
        t = time.perf_counter()
        results = [pool.apply_async(square, (i,)) for i in range(n)]
        for r in results:
            r.get()
        return n, time.perf_counter() - t


def pool_map(n=20000):
    with mp.Pool(2) as pool:
        t = time.perf_counter()
        pool.map(square, range(n))
        return n, time.perf_counter() - t


def _bump(d, lock, n):
    for _ in range(n):
        with lock:
            d["count"] += 1


def manager_counter(n=5000):
    with mp.Manager() as m:
        d = m.dict(count=0)
        lock = mp.Lock()
        ps = [mp.Process(target=_bump, args=(d, lock, n)) for _ in range(2)]
        t = time.perf_counter()
        for p in ps:
            p.start()
        for p in ps:
            p.join()
        secs = time.perf_counter() - t
        assert d["count"] == 2 * n
        return 2 * n, secs


if __name__ == "__main__":
    mp.set_start_method("fork")
    quick = "--quick" in sys.argv
    runs = 3 if quick else 5
    out = {
        "process_start_join": median_rate(lambda: process_start_join(50 if quick else 200), runs),
        "pipe_ping_pong": median_rate(lambda: pipe_ping_pong(5000 if quick else 20000), runs),
        "queue_1to1": median_rate(lambda: queue_1to1(20000 if quick else 100000), runs),
        "pool_apply_async": median_rate(lambda: pool_apply_async(5000 if quick else 20000), runs),
        "pool_map": median_rate(lambda: pool_map(20000), runs),
        "manager_counter": median_rate(lambda: manager_counter(1000 if quick else 5000), runs),
        "python": sys.version.split()[0],
        "pid": os.getpid(),
    }
    print(json.dumps(out))
