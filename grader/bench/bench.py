"""`make bench` (through run.sh): the labs' reference primitives, CPython's
multiprocessing and the kernel's floors, timed side by side.

For every row, one C server (grader/build/bench/bench_ROW) and one Python
server (py_bench.py ROW) stay up; this loop sends the sides steps of the
same K operations in turn, after one warm-up step each: in a round, every
fast side takes a few steps, one side after the other, and Python's slow
side one step in the middle (run_row). A step is timed inside its server,
around the work only.
Every row gives each side's rate as median (min-max) over the rounds, each
side's time against each floor round by round ("x of floor"), an A/A line
(the C side against itself: the harness's own noise) and the load average.
A target is met only when the whole spread clears it.
"""
import argparse
import json
import os
import selectors
import subprocess
import sys
import time

import bench_grader
import bench_report

HERE = os.path.dirname(os.path.abspath(__file__))
KIT = os.path.dirname(os.path.dirname(HERE))

# key, what, the C server's arguments, the Python server's arguments, K per
# step (full, quick), steps per round of every side but Python's (full,
# quick), ops per unit of K, sides: (name, label, server, side, kind),
# target: (side, floor, at most this many times the floor's time).
C, PY = "c", "py"
CONN_SIDES = [("C", "lab 16 conn", C, "lab", "lab"),
              ("Python", "mp.Pipe() send_bytes/recv_bytes", PY, "py", "python"),
              ("socketpair", "socketpair write/read", C, "socketpair", "floor"),
              ("pipe", "two pipes write/read", C, "pipe", "floor"),
              ("futex", "futex ping-pong in shared memory", C, "futex", "floor")]
QUEUE_SIDES = [("C", "lab 13 queue", C, "lab", "lab"),
               ("Python", "mp.Queue(1000) put/get", PY, "py", "python"),
               ("ring", "SPSC ring in shared memory + futex", C, "ring", "floor")]
ROWS = [
    dict(key="process", what="process start + join, trivial child (lab 04)",
         c=["bench_process"], py=["process"], k=(20, 2), reps=(25, 2), unit=1,
         sides=[("C", "lab 04 Process", C, "lab", "lab"),
                ("Python", "mp.Process", PY, "py", "python"),
                ("fork", "fork + waitpid", C, "fork", "floor"),
                ("vfork", "vfork + waitpid", C, "vfork", "floor"),
                ("posix_spawn", "posix_spawn /bin/true + waitpid", C, "spawn", "floor")],
         target=("C", "fork", 1.2)),
    dict(key="conn_same", what="connection ping-pong, 64 B, both processes on CPU 0 (lab 16)",
         c=["bench_conn", "same"], py=["conn", "same"], k=(500, 20), reps=(10, 2), unit=1,
         sides=CONN_SIDES,
         target=("C", "socketpair", 1.3)),
    dict(key="conn_cross", what="connection ping-pong, 64 B, CPU 0 to CPU 1 (lab 16)",
         c=["bench_conn", "cross"], py=["conn", "cross"], k=(150, 20), reps=(10, 2), unit=1, cpus=2,
         sides=CONN_SIDES,
         target=("C", "socketpair", 1.3)),
    dict(key="queue_same", what="Queue(maxsize=1000), 64 B items, 1 producer to 1 consumer, both on CPU 0 (lab 13)",
         c=["bench_queue", "same"], py=["queue", "same"], k=(2000, 100), reps=(200, 2), unit=1,
         sides=QUEUE_SIDES,
         target=("C", "ring", 3.0)),
    dict(key="queue_cross", what="Queue(maxsize=1000), 64 B items, producer on CPU 1 to consumer on CPU 0 (lab 13)",
         c=["bench_queue", "cross"], py=["queue", "cross"], k=(2000, 100), reps=(200, 2), unit=1, cpus=2,
         sides=QUEUE_SIDES,
         target=("C", "ring", 3.0)),
    dict(key="pool_async", what="Pool(2) apply_async + get, trivial task, batches of 256 (lab 18)",
         c=["bench_pool_async"], py=["pool_async"], k=(256, 16), reps=(100, 2), unit=1,
         sides=[("C", "lab 18 apool", C, "lab", "lab"),
                ("Python", "Pool.apply_async + get", PY, "py", "python"),
                ("shm", "shared-memory handoff to 2 workers", C, "shm", "floor"),
                ("serial", "serial loop, one process", C, "serial", "floor")],
         target=("C", "shm", 3.0)),
    dict(key="pool_map", what="Pool(2) map, 20k items, default chunk size (lab 17)",
         c=["bench_pool_map"], py=["pool_map"], k=(1, 1), reps=(200, 2), unit=20000,
         sides=[("C", "lab 17 pool_map", C, "lab", "lab"),
                ("Python", "Pool.map", PY, "py", "python"),
                ("shm", "shared memory, 2 workers, Python's chunks", C, "shm", "floor"),
                ("serial", "serial loop, one process", C, "serial", "floor")],
         target=("C", "shm", 3.0)),
    dict(key="manager", what="manager counter += 1, 2 client processes (lab 12)",
         c=["bench_manager"], py=["manager"], k=(200, 10), reps=(20, 2), unit=1,
         sides=[("C", "lab 12 ADD request", C, "lab", "lab"),
                ("Python", "BaseManager counter.add()", PY, "py", "python"),
                ("mp.Value", "mp.Value + its lock (shared memory, no server)", PY, "value",
                 "other"),
                ("socket", "one server process, socketpair round trips", C, "socket", "floor")],
         target=None),
]


class ServerError(Exception):
    pass


class Server:
    """One benchmark server: steps in, seconds out, every read bounded."""

    def __init__(self, argv, log, timeout):
        self.timeout = timeout
        self.log = log
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=log, text=True, start_new_session=True, cwd=HERE)
        self.fd = self.p.stdout.fileno()  # read raw: select() and a buffer never disagree
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.fd, selectors.EVENT_READ)
        self.name = " ".join(os.path.basename(a) for a in argv[:3])

    def step(self, side, k):
        try:
            self.p.stdin.write("%s %d\n" % (side, k))
            self.p.stdin.flush()
        except BrokenPipeError:
            raise ServerError("%s ended (see %s)" % (self.name, self.log.name))
        got = b""
        deadline = time.monotonic() + self.timeout
        while not got.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                raise ServerError("%s: no answer to '%s %d' within %d s"
                                  % (self.name, side, k, self.timeout))
            more = os.read(self.fd, 4096)
            if not more:
                raise ServerError("%s ended during '%s %d' (see %s)"
                                  % (self.name, side, k, self.log.name))
            got += more
        try:
            return float(got)  # one line, or what else was written to stdout shows
        except ValueError:
            raise ServerError("%s answered '%s %d' with %r, not a number of seconds"
                              % (self.name, side, k, got[:200]))

    def close(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.close()
            self.p.wait(10)
        except (BrokenPipeError, subprocess.TimeoutExpired, ValueError):
            pass
        try:  # whatever is left of its session: nothing outlives a row
            os.killpg(self.p.pid, 9)
        except ProcessLookupError:
            pass
        self.p.wait()


def run_row(row, out, rounds, quick, log):
    """Every side's seconds and operations per round, and the load averages.
    A round: every fast side (C, the floors, mp.Value) does `reps` steps of
    K in turn, and Python's slow side one step of K in the middle, so that
    each side's figure for a round spans about the same stretch of time."""
    k = row["k"][1 if quick else 0]
    reps = row["reps"][1 if quick else 0]
    if os.cpu_count() < row.get("cpus", 1):
        return dict(error="needs %d CPUs, this machine has %d" % (row["cpus"], os.cpu_count()))
    log.write("== %s\n" % row["key"])
    log.flush()
    timeout = 30 if quick else 120
    servers = {}
    try:
        servers[C] = Server([os.path.join(out, row["c"][0])] + row["c"][1:], log, timeout)
        servers[PY] = Server([sys.executable, os.path.join(HERE, "py_bench.py")] + row["py"],
                             log, timeout)
        # The order of a round (turned round every round, so cyclic): C, its
        # floor, C again (the A/A), the other floors, Python. C and the floor
        # it is judged against are always neighbours.
        sides = [(s[0], s[2], s[3]) for s in row["sides"]]
        main = row["target"][1] if row["target"] else next(
            s[0] for s in row["sides"] if s[4] == "floor")
        first = [s for s in sides if s[0] in ("C", main)]
        rest = [s for s in sides if s[0] not in ("C", main, "Python")]
        sides = first + [("C again", C, "lab")] + rest + [s for s in sides if s[0] == "Python"]
        slow = [s for s in sides if s[0] == "Python"]
        fast = [s for s in sides if s[0] != "Python"]
        secs = {name: [] for name, _, _ in sides}
        ops = {name: k * row["unit"] * (1 if name == "Python" else reps) for name, _, _ in sides}
        loads = []
        for name, srv, side in sides:  # warm-up, and every side set up
            servers[srv].step(side, k)
        for r in range(rounds):
            got = {name: 0.0 for name, _, _ in sides}
            for j in range(reps):
                if j == reps // 2:
                    for name, srv, side in slow:
                        got[name] += servers[srv].step(side, k)
                for i in range(len(fast)):
                    name, srv, side = fast[(i + r * reps + j) % len(fast)]
                    got[name] += servers[srv].step(side, k)
            for name in got:
                secs[name].append(got[name])
            loads.append(os.getloadavg()[0])
        return dict(k=k, reps=reps, ops=ops, secs=secs, loads=loads)
    except (ServerError, OSError) as e:
        return dict(error=str(e))
    finally:
        for s in servers.values():
            s.close()


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    gcc = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True).stdout
    return "%d CPUs, %s, Linux %s, gcc %s, Python %s" % (
        os.cpu_count(), model, os.uname().release, gcc.strip(), sys.version.split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="where the servers are and the figures go")
    args = ap.parse_args()
    out = os.path.abspath(os.path.join(KIT, args.out))
    quick = os.environ.get("BENCH_QUICK") == "1"
    rounds = int(os.environ.get("BENCH_ROUNDS", "2" if quick else "11"))
    only = os.environ.get("BENCH_ROWS", "").split()  # a look at some rows, never pasted
    unknown = [k for k in only if k not in [r["key"] for r in ROWS]]
    if unknown:
        sys.exit("BENCH_ROWS: no row %s; the rows are: %s"
                 % (" ".join(unknown), " ".join(r["key"] for r in ROWS)))
    if only and os.environ.get("BENCH_DOCS") == "1":
        sys.exit("BENCH_DOCS=1 pastes a whole run: unset BENCH_ROWS")
    started = time.time()
    with open(os.path.join(out, "run.log"), "w") as log:
        rows = []
        for row in [r for r in ROWS if not only or r["key"] in only]:
            t0 = time.time()
            got = run_row(row, out, rounds, quick, log)
            rows.append(bench_report.summarize(row, got))
            print(bench_report.progress(rows[-1], time.time() - t0), flush=True)
        grader = []
        if os.environ.get("BENCH_SKIP_GRADER") != "1":
            grader = bench_grader.run(KIT, out, quick, log)
    result = dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), machine=machine(),
                  rounds=rounds, quick=quick, rows=rows, grader=grader,
                  bench_seconds=round(time.time() - started))
    bench_report.count_targets(result)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    md = bench_report.markdown(result)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    if os.environ.get("BENCH_DOCS") == "1" and not quick:
        bench_report.paste_into_docs(KIT, md)
    print()
    print(md, end="")
    print()
    print("figures (JSON): %s/results.json; this section: %s/results.md"
          % (args.out, args.out))
    print("targets met: %d of %d" % (result["targets_met"], result["targets"]))


if __name__ == "__main__":
    main()
