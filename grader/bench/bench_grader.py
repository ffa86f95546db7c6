"""The grader's own speed, as a student meets it: `grader/grade` on a
scratch copy of the workspace (labs/ with every solution in place, so each
grade is full marks), with the same spread rules as the benchmark rows.
  - one lab (01) re-graded after an edit of its student file,
  - the same lab again with nothing changed,
  - all twenty, after an edit of every student file.
The first two alternate, after one warm-up grade."""
import os
import shutil
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


def _grade(kit, ws, labs, log, timeout):
    t = time.perf_counter()
    p = subprocess.run([os.path.join(kit, "grader", "grade"), "--dir", ws] + labs,
                       stdout=log, stderr=subprocess.STDOUT, timeout=timeout, cwd=kit)
    secs = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError("grade %s exited %d, not full marks (see run.log)"
                           % (" ".join(labs) or "(all)", p.returncode))
    return secs


def _row(key, what, at_most, secs, loads):
    return dict(key=key, what=what, runs=len(secs), seconds=bench_report.spread(secs),
                load=bench_report.spread(loads), at_most=at_most,
                met=max(secs) <= at_most)


def run(kit, out, quick, log):
    ws, students = _scratch(kit, out)
    one = [f for lab, fs in students.items() if lab.startswith(LAB + "-") for f in fs]
    everyone = [f for fs in students.values() for f in fs]
    rounds, all_rounds = (1, 1) if quick else (7, 3)
    edited, unchanged, whole, loads, whole_loads = [], [], [], [], []
    rows = []
    log.write("== grader\n")
    log.flush()
    try:
        _grade(kit, ws, [LAB], log, 300)  # warm-up
        for r in range(rounds):
            _edit(one, r)
            edited.append(_grade(kit, ws, [LAB], log, 120))
            unchanged.append(_grade(kit, ws, [LAB], log, 120))
            loads.append(os.getloadavg()[0])
        rows.append(_row("grade_one_edited", "one lab (01) re-graded after an edit", 0.3,
                         edited, loads))
        rows.append(_row("grade_one_unchanged", "the same lab, nothing changed", 0.05,
                         unchanged, loads))
        print("   grader: one lab after an edit %.2f s, unchanged %.2f s (medians)"
              % (rows[0]["seconds"]["median"], rows[1]["seconds"]["median"]), flush=True)
        for r in range(all_rounds):
            _edit(everyone, 100 + r)
            whole.append(_grade(kit, ws, [], log, 600))
            whole_loads.append(os.getloadavg()[0])
        rows.append(_row("grade_all", "all twenty labs, every student file edited", 8.0,
                         whole, whole_loads))
        print("   grader: all twenty %.1f s (median)" % rows[2]["seconds"]["median"],
              flush=True)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        done = {r["key"] for r in rows}
        for key, what in (("grade_one_edited", "one lab (01) re-graded after an edit"),
                          ("grade_one_unchanged", "the same lab, nothing changed"),
                          ("grade_all", "all twenty labs, every student file edited")):
            if key not in done:
                rows.append(dict(key=key, what=what, error=str(e)))
    finally:
        shutil.rmtree(ws, ignore_errors=True)
    return rows
