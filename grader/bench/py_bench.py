"""CPython's multiprocessing, the Python side of grader/bench: a server that
bench.py drives like the C ones. `py_bench.py ROW [same|cross]` reads
"SIDE K" lines on stdin, does K operations and prints the seconds they took.
Each side sets itself up on its first step; its helper processes wait for
the next step on a pipe, exactly as the C side's do. Every result is
checked. Fork start method, as in the labs (the Linux default up to 3.13).
"""
import multiprocessing as mp
import multiprocessing.managers
import os
import sys
import threading
import time

BATCH = 256  # apply_async: the handles a lab-18 pool holds, the same batches here
ITEMS = 20000  # pool map
MSG = b"x" * 64


def noop():
    pass


def square(x):
    return x * x


# ---- helpers that wait for a step's count on a pipe -------------------------
def _read_count(fd):
    b = os.read(fd, 8)
    if len(b) < 8:
        os._exit(0)  # the server is gone
    return int.from_bytes(b, "little")


def _write_count(fd, n):
    os.write(fd, n.to_bytes(8, "little"))


def _steered(target, *args, cpu=None):
    """Start a helper process (on CPU cpu, if given) that runs target(n,
    *args) for every count it is sent and answers each with the count;
    (send end, answer end)."""
    ctl_r, ctl_w = os.pipe()
    done_r, done_w = os.pipe()

    def loop():
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        while True:
            n = _read_count(ctl_r)
            target(n, *args)
            _write_count(done_w, n)

    p = mp.Process(target=loop, daemon=True)
    p.start()
    return ctl_w, done_r


# ---- process: start + join ---------------------------------------------------
def process_side(k):
    t = time.perf_counter()
    for _ in range(k):
        p = mp.Process(target=noop)
        p.start()
        p.join()
        if p.exitcode != 0:
            raise SystemExit("Process exit code %r" % p.exitcode)
    return time.perf_counter() - t


# ---- connection: mp.Pipe() ping-pong ----------------------------------------
def _echo(conn, cpu):
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        while True:
            conn.send_bytes(conn.recv_bytes())
    except EOFError:
        pass


class Conn:
    def __init__(self, echo_cpu):
        self.a, b = mp.Pipe()
        mp.Process(target=_echo, args=(b, echo_cpu), daemon=True).start()

    def __call__(self, k):
        a = self.a
        t = time.perf_counter()
        for _ in range(k):
            a.send_bytes(MSG)
            if a.recv_bytes() != MSG:
                raise SystemExit("the echo came back changed")
        return time.perf_counter() - t


# ---- queue: mp.Queue(maxsize=1000), 1 producer to 1 consumer ----------------
def _produce(n, q):
    for _ in range(n):
        q.put(MSG)


class QueueSide:
    def __init__(self, producer_cpu):
        self.q = mp.Queue(maxsize=1000)  # its feeder thread starts in the producer, on its CPU
        self.ctl, self.done = _steered(_produce, self.q, cpu=producer_cpu)

    def __call__(self, k):
        q = self.q
        t = time.perf_counter()
        _write_count(self.ctl, k)
        for _ in range(k):
            if q.get() != MSG:
                raise SystemExit("a queue item came back changed")
        secs = time.perf_counter() - t
        _read_count(self.done)
        return secs


# ---- pools -------------------------------------------------------------------
def _pin_worker(started):
    """A pool worker's initializer: worker i on CPU i, as bench_cpu() places
    the C sides' helpers."""
    with started.get_lock():
        i = started.value
        started.value += 1
    os.sched_setaffinity(0, {i % os.cpu_count()})


def placed_pool(n):
    return mp.Pool(n, initializer=_pin_worker, initargs=(mp.Value("i", 0),))


class AsyncSide:
    def __init__(self):
        self.pool = placed_pool(2)

    def __call__(self, k):
        pool = self.pool
        t = time.perf_counter()
        for done in range(0, k, BATCH):
            rs = [pool.apply_async(square, (i,)) for i in range(min(BATCH, k - done))]
            for i, r in enumerate(rs):
                if r.get() != i * i:
                    raise SystemExit("apply_async: wrong result")
        return time.perf_counter() - t


class MapSide:
    def __init__(self):
        self.pool = placed_pool(2)
        self.expect = [i * i for i in range(ITEMS)]

    def __call__(self, k):
        pool = self.pool
        t = time.perf_counter()
        for _ in range(k):
            if pool.map(square, range(ITEMS)) != self.expect:
                raise SystemExit("pool.map: wrong results")
        return time.perf_counter() - t


# ---- manager counter ---------------------------------------------------------
class Counter:
    """One call, one increment, as lab 12's ADD: the server applies it."""

    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()  # one server thread per client

    def add(self, k=1):
        with self.lock:
            self.n += k
            return self.n

    def get(self):
        return self.n


class CounterManager(mp.managers.BaseManager):
    pass


CounterManager.register("Counter", Counter)


def _adds(n, counter):
    for _ in range(n):
        counter.add(1)


def _value_adds(n, v):
    for _ in range(n):
        with v.get_lock():
            v.value += 1


class TwoClients:
    """2 client processes, each doing half of a step's increments."""

    def __init__(self, target, shared, read):
        self.read = read
        self.clients = [_steered(target, shared, cpu=i % os.cpu_count()) for i in range(2)]
        self.expect = 0

    def __call__(self, k):
        t = time.perf_counter()
        for i, (ctl, _) in enumerate(self.clients):
            _write_count(ctl, k // 2 + (i < k % 2))
        for _, done in self.clients:
            _read_count(done)
        secs = time.perf_counter() - t
        self.expect += k
        if self.read() != self.expect:
            raise SystemExit("counter %r after %d increments" % (self.read(), self.expect))
        return secs


def manager_side():
    m = CounterManager()
    m.start()
    # The server on CPU 1, as the C sides' (helper 1): every thread it has,
    # so that the threads it starts for the clients are placed there too.
    for tid in os.listdir("/proc/%d/task" % m._process.pid):
        os.sched_setaffinity(int(tid), {1 % os.cpu_count()})
    counter = m.Counter()  # each forked client opens its own connection
    side = TwoClients(_adds, counter, counter.get)
    side.manager = m
    return side


def value_side():
    v = mp.Value("q", 0)  # lock=True: a shared RLock beside the shared memory
    return TwoClients(_value_adds, v, lambda: v.value)


def main():
    mp.set_start_method("fork")
    row = sys.argv[1] if len(sys.argv) > 1 else ""
    os.sched_setaffinity(0, {0})  # as the C sides: the timing process on CPU 0
    other_cpu = None  # the echo's or the producer's CPU
    if row in ("conn", "queue"):
        placement = sys.argv[2] if len(sys.argv) > 2 else "same"
        other_cpu = 0 if placement == "same" else 1
    makers = {
        "process": {"py": lambda: process_side},
        "conn": {"py": lambda: Conn(other_cpu)},
        "queue": {"py": lambda: QueueSide(other_cpu)},
        "pool_async": {"py": AsyncSide},
        "pool_map": {"py": MapSide},
        "manager": {"py": manager_side, "value": value_side},
    }
    if row not in makers:
        sys.exit("usage: py_bench.py %s [same|cross]" % "|".join(makers))
    sides = {}
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        name, k = words[0], int(words[1])
        if name not in makers[row]:
            sys.exit("no side called %s in row %s" % (name, row))
        if name not in sides:
            sides[name] = makers[row][name]()
        print("%.9f" % sides[name](k), flush=True)
    # A normal exit: multiprocessing's exit handlers terminate the pools'
    # workers and the daemon helpers; the manager shuts down.


if __name__ == "__main__":
    main()
