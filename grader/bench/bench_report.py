"""The figures of a `make bench` run: spreads, ratios, targets, and the
Markdown section that docs/benchmarks.md shows (pasted whole)."""
import os
import re
import statistics


def spread(values):
    return dict(median=statistics.median(values), min=min(values), max=max(values))


def rate(x):
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if x >= div:
            return "%.3g%s" % (x / div, suffix)
    return "%.3g" % x


def times(x):
    return ("%.2g" % x if x < 10 else "%.0f" % x) + "x"


def spread_text(s, fmt):
    return "%s (%s-%s)" % (fmt(s["median"]), fmt(s["min"]), fmt(s["max"]))


def summarize(row, got):
    """A row's JSON: every side's rate and its time against every floor."""
    out = dict(key=row["key"], what=row["what"])
    if "error" in got:
        out["error"] = got["error"]
        return out
    secs, ops = got["secs"], got["ops"]
    per_op = {n: [s / ops[n] for s in v] for n, v in secs.items()}  # seconds per op, by round
    out.update(k=got["k"], reps=got["reps"], rounds=len(got["loads"]), load=spread(got["loads"]))
    floors = [s[0] for s in row["sides"] if s[4] == "floor"]
    labels = {s[0]: (s[1], s[4]) for s in row["sides"]}
    labels["C again"] = ("the C side again (A/A)", "aa")
    order = [s[0] for s in row["sides"]]
    order.insert(1, "C again")
    out["sides"] = []
    for name in order:
        label, kind = labels[name]
        x = {f: spread([a / b for a, b in zip(per_op[name], per_op[f])]) for f in floors
             if f != name}
        out["sides"].append(dict(name=name, label=label, kind=kind, ops_per_round=ops[name],
                                 ops_per_s=spread([1 / s for s in per_op[name]]), x_of_floor=x))
    out["aa"] = spread([a / b for a, b in zip(per_op["C again"], per_op["C"])])
    out["floor"] = row["target"][1] if row["target"] else floors[0]
    out["x_of_floor"] = out["sides"][0]["x_of_floor"][out["floor"]]  # the C side's
    if row["target"]:
        side, floor, at_most = row["target"]
        x = next(s for s in out["sides"] if s["name"] == side)["x_of_floor"][floor]
        out["target"] = dict(side=side, floor=floor, at_most=at_most, worst=x["max"],
                             met=x["max"] <= at_most)
    return out


def progress(r, seconds):
    if "error" in r:
        return "   %-10s failed: %s" % (r["key"], r["error"])
    c = r["sides"][0]
    x = " = %s of %s" % (spread_text(r["x_of_floor"], times), r["floor"])
    return "   %-10s C %s ops/s%s  (%.0f s)" % (r["key"], rate(c["ops_per_s"]["median"]), x,
                                              seconds)


def count_targets(result):
    checks = [r["target"]["met"] for r in result["rows"] if r.get("target")]
    checks += [False for r in result["rows"] if "error" in r]
    checks += [g.get("met", False) for g in result["grader"] if "at_most" in g or "error" in g]
    result["targets"] = len(checks)
    result["targets_met"] = sum(checks)


def _row_lines(r):
    if "error" in r:
        return ["| **%s** | failed: %s | | | |" % (r["what"], r["error"])]
    t = r.get("target")
    lines = ["| **%s**, load %s | | | | |"
             % (r["what"], spread_text(r["load"], lambda v: "%.1f" % v))]
    for s in r["sides"]:
        x = "; ".join("%s %s" % (spread_text(v, times), f) for f, v in s["x_of_floor"].items())
        if s["kind"] == "aa":
            x = "%s of the C side" % spread_text(r["aa"], lambda v: "%.2fx" % v)
        elif s["name"] == r["floor"]:
            x = "the row's floor"
        elif s["kind"] == "floor":
            x = "%s %s" % (spread_text(s["x_of_floor"][r["floor"]], times), r["floor"])
        goal = met = ""
        if t and s["name"] == t["side"]:
            goal = "within %gx of %s" % (t["at_most"], t["floor"])
            met = "yes" if t["met"] else "no (worst %s)" % times(t["worst"])
        name = "floor: " + s["label"] if s["kind"] == "floor" else "%s: %s" % (s["name"],
                                                                                 s["label"])
        lines.append("| %s | %s | %s | %s | %s |"
                     % (name, spread_text(s["ops_per_s"], rate), x or "-", goal, met))
    return lines


def markdown(result):
    lines = ["Run of %s on %s; %d rounds per row (after a warm-up step of each side); "
             "`make bench` took %d s." % (result["date"], result["machine"], result["rounds"],
                                          result["bench_seconds"]),
             "",
             "| row / side | ops/s: median (min-max) | time per op, x of floor: median (min-max)"
             " | target | met? |",
             "|---|---|---|---|---|"]
    for r in result["rows"]:
        lines += _row_lines(r)
    if result["grader"]:
        lines += ["", "| grader (`grader/grade` on a scratch copy of the workspace) | seconds: "
                  "median (min-max) | load | target | met? |", "|---|---|---|---|---|"]
        for g in result["grader"]:
            if "error" in g:
                lines.append("| %s | failed: %s | | | |" % (g["what"], g["error"]))
                continue
            goal = "at most %g s" % g["at_most"] if "at_most" in g else ""
            met = ("yes" if g["met"] else "no") if "at_most" in g else ""
            lines.append("| %s (%d runs) | %s | %s | %s | %s |" % (
                g["what"], g["runs"], spread_text(g["seconds"], lambda v: "%.3f" % v),
                spread_text(g["load"], lambda v: "%.1f" % v), goal, met))
    lines += ["", "Targets met: %d of %d (a target is met only when its whole spread clears "
              "it)." % (result["targets_met"], result["targets"]), ""]
    return "\n".join(lines)


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def paste_into_docs(kit, md):
    """BENCH_DOCS=1: this run's section between the markers of both docs."""
    for name in ("benchmarks.md", "benchmarks.zh-CN.md"):
        path = os.path.join(kit, "docs", name)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            text = f.read()
        new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END),
                     lambda _: BEGIN + "\n" + md + END, text, flags=re.S)
        with open(path, "w") as f:
            f.write(new)
