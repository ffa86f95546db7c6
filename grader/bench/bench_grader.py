"""The grader's own speed, as a student meets it: `grader/grade` on a
scratch copy of the workspace (labs/ with every solution in place, so each
grade is full marks), with the same spread rules as the benchmark rows.
  - one lab (01) re-graded after an edit of its student file,
  - the same lab again with nothing changed (the verdict cache),
  - all twenty, after an edit of every student file.
The first two alternate, after one warm-up grade. The targets hold with
both cores loaded by a second grader: beside every timed grade, another
grader grades all twenty solutions again and again (no cache), as on a
course server where two students grade at once; the same rows idle come
first, for comparison. The measured grader has a cache folder of its own."""
import os
import shutil
import signal
import subprocess
import time

import bench_report

LAB = "01"


def _scratch(kit, out):
    ws = os.path.join(out, "grader-ws")
    shutil.rmtree(ws, ignore_errors=True)
    shutil.copytree(os.path.join(kit, "labs"), ws, ignore=shutil.ignore_patterns("bin"))
    students = {}
    for lab in sorted(os.listdir(os.path.join(kit, "solutions"))):
        src = os.path.join(kit, "solutions", lab)
        for f in sorted(os.listdir(src)):
            if os.path.isfile(os.path.join(src, f)):
                shutil.copy(os.path.join(src, f), os.path.join(ws, lab, f))
                students.setdefault(lab, []).append(os.path.join(ws, lab, f))
    for d in [ws] + [os.path.join(ws, x) for x in os.listdir(ws)]:
        os.chmod(d, 0o755)  # the grader runs student code as another user
    return ws, students


def _edit(files, n):
    for f in files:
        with open(f, "a") as fh:
            fh.write("/* bench edit %d */\n" % n)


def _grade(kit, ws, labs, log, timeout, env):
    t = time.perf_counter()
    p = subprocess.run([os.path.join(kit, "grader", "grade"), "--dir", ws] + labs,
                       stdout=log, stderr=subprocess.STDOUT, timeout=timeout, cwd=kit, env=env)
    secs = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError("grade %s exited %d, not full marks (see run.log)"
                           % (" ".join(labs) or "(all)", p.returncode))
    return secs


def _row(key, what, at_most, secs, loads):
    row = dict(key=key, what=what, runs=len(secs), seconds=bench_report.spread(secs),
               load=bench_report.spread(loads))
    if at_most is not None:
        row.update(at_most=at_most, met=max(secs) <= at_most)
    return row


ROWS = (("grade_one_edited", "one lab (01) re-graded after an edit", 0.3),
        ("grade_one_unchanged", "the same lab, nothing changed", 0.05),
        ("grade_all", "all twenty labs, every student file edited", 8.0))


class SecondGrader:
    """Another grader grading all twenty solutions without end, in its own
    session (its own grader slot, no cache), until stopped."""

    def __init__(self, kit, log):
        env = dict(os.environ, PROCLABS_NO_CACHE="1")
        grade = os.path.join(kit, "grader", "grade")
        self.p = subprocess.Popen(["bash", "-c", 'while :; do "$0" --solutions; done', grade],
                                  stdout=log, stderr=subprocess.STDOUT, cwd=kit, env=env,
                                  start_new_session=True)
        self._under_way()

    def _workers(self):
        """How many workers its grader runs now (each grades one lab): the
        children named grade of the grader, itself the loop's child."""
        procs = {}
        for pid in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % pid) as f:
                    stat = f.read()
            except (OSError, ValueError):
                continue
            if pid.isdigit():
                name = stat[stat.find("(") + 1:stat.rfind(")")]
                procs[int(pid)] = (name, int(stat[stat.rfind(")") + 2:].split()[1]))
        graders = {p for p, (name, ppid) in procs.items() if name == "grade" and ppid == self.p.pid}
        return sum(1 for name, ppid in procs.values() if name == "grade" and ppid in graders)

    def _under_way(self, timeout=30):
        """Until it grades two labs at once (both cores busy), at most timeout s."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.p.poll() is None and self._workers() < 2:
            time.sleep(0.05)

    def stop(self):
        try:
            os.killpg(self.p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()


def _measure(kit, ws, one, everyone, rounds, all_rounds, log, env, suffix, beside):
    edited, unchanged, whole, loads, whole_loads = [], [], [], [], []
    _grade(kit, ws, [LAB], log, 300, env)  # warm-up (and the verdict the next rows find)
    for r in range(rounds):
        _edit(one, r)
        edited.append(_grade(kit, ws, [LAB], log, 120, env))
        unchanged.append(_grade(kit, ws, [LAB], log, 120, env))
        loads.append(os.getloadavg()[0])
    for r in range(all_rounds):
        _edit(everyone, 100 + r)
        whole.append(_grade(kit, ws, [], log, 600, env))
        whole_loads.append(os.getloadavg()[0])
    rows = []
    for (key, what, at_most), secs, ld in zip(ROWS, (edited, unchanged, whole),
                                              (loads, loads, whole_loads)):
        rows.append(_row(key + suffix, what + beside, None if suffix else at_most, secs, ld))
    print("   grader%s: one lab after an edit %.2f s, unchanged %.3f s, all twenty %.1f s "
          "(medians)" % (beside, rows[0]["seconds"]["median"], rows[1]["seconds"]["median"],
                         rows[2]["seconds"]["median"]), flush=True)
    return rows


def run(kit, out, quick, log):
    ws, students = _scratch(kit, out)
    one = [f for lab, fs in students.items() if lab.startswith(LAB + "-") for f in fs]
    everyone = [f for fs in students.values() for f in fs]
    rounds, all_rounds = (1, 1) if quick else (7, 3)
    # The measured grader: its own cache (never a home's), always on.
    env = dict(os.environ, PROCLABS_CACHE=os.path.join(out, "grader-cache"))
    env.pop("PROCLABS_NO_CACHE", None)
    shutil.rmtree(env["PROCLABS_CACHE"], ignore_errors=True)
    rows = []
    log.write("== grader\n")
    log.flush()
    second = None
    try:
        rows += _measure(kit, ws, one, everyone, rounds, all_rounds, log, env, "_idle",
                         ", idle machine")
        second = SecondGrader(kit, log)
        rows += _measure(kit, ws, one, everyone, rounds, all_rounds, log, env, "",
                         ", beside a second grader")
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        done = {r["key"] for r in rows}
        for key, what, at_most in ROWS:
            if key not in done:
                rows.append(dict(key=key, what=what, error=str(e)))
    finally:
        if second:
            second.stop()
        shutil.rmtree(ws, ignore_errors=True)
    return rows
