"""Judge one hostile case's JSON report (stdin).

    hostile_verdict.py CASE KIT OTHER [STARTER_SCORE] [RUN_KIT] [OTHERCOPY]

The case's expect file (grader/tests/hostile/CASE/expect) says what must
hold for lab 01:
    # what it tries                 (first line)
    score: 0 | starter | N | any    lab 01's score (default 0; starter: what
                                    the untouched starter scores)
    fails: CHECK                    that check of lab 01 did not pass
    message: A | B                  one of A, B appears in lab 01's messages
                                    (check messages, notes, error, build log)
    refused: A | B                  if the build was refused, its message says
                                    A or B; if it built, only the score counts
    forbid: TEXT                    TEXT appears nowhere in the report
@KIT@ and @OTHERCOPY@ in those lines stand for the kit that graded and the
other copy of the kit hostile.bats made.

For every case, whatever its expect file says:
    - the other lab keeps full marks;
    - no line of the hidden check sources (test_family.c, hidden_family.c),
      no solution's header, no marker of the other copy of the kit, and no
      line "could read/write/ptrace/signal/..." that a hostile case prints
      on success appears anywhere in the report.
"""
import json
import os
import re
import sys

case, kit, other = sys.argv[1:4]
starter = sys.argv[4] if len(sys.argv) > 4 else ""
run_kit = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else kit
othercopy = sys.argv[6] if len(sys.argv) > 6 else os.environ.get("OTHERCOPY", "")
raw = sys.stdin.read()
d = json.loads(raw)
labs = {lab["id"]: lab for lab in d["labs"]}
lab = labs["01"]
problems = []


def strings(x):
    """Every string in the report, decoded."""
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for v in x.values():
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)


everything = "\n".join(strings(d))
text = "\n".join(
    [(c.get("message") or "") for c in lab["checks"]]
    + [lab.get("notes") or "", lab.get("error") or "", lab.get("build_log") or ""]
)
build = next((c for c in lab["checks"] if c.get("kind") == "build"), None)
refused = build is not None and build.get("status") != "passed"
build_text = ((build or {}).get("message") or "") + "\n" + (lab.get("build_log") or "")

case_dir = f"{kit}/grader/tests/hostile/{case}"
expect = open(f"{case_dir}/expect").read().splitlines()


def subst(s):
    return s.replace("@KIT@", run_kit).replace("@OTHERCOPY@", othercopy)


def alternatives(line, key):
    return [subst(a.strip()) for a in line[len(key):].split(" | ") if a.strip()]


want = "0"
for line in expect:
    if line.startswith("score: "):
        want = line[len("score: "):].strip()
if want == "any":
    pass
elif want == "starter":
    if not starter.lstrip("-").isdigit():
        problems.append("the expect file says 'score: starter' but the starter's score is unknown")
    elif lab["score"] != int(starter):
        problems.append(f"lab 01 scored {lab['score']}, want the untouched starter's {starter}")
elif lab["score"] != int(want):
    problems.append(f"lab 01 scored {lab['score']}, want {want}")

for line in expect:
    if line.startswith("message: "):
        alts = alternatives(line, "message: ")
        if not any(a in text for a in alts):
            problems.append("no message says " + " or ".join(f"'{a}'" for a in alts))
    elif line.startswith("refused: ") and refused:
        alts = alternatives(line, "refused: ")
        if not any(a in build_text for a in alts):
            problems.append("the build was refused, but its message names none of "
                            + ", ".join(f"'{a}'" for a in alts))
    elif line.startswith("fails: "):
        name = line[len("fails: "):].strip()
        for c in lab["checks"]:
            if c.get("name") == name and c.get("status") == "passed":
                problems.append(f"check {name} passed")
    elif line.startswith("forbid: "):
        t = subst(line[len("forbid: "):].strip())
        if t in everything:
            problems.append(f"the report contains '{t}'")

# What a hostile case prints when something it tried worked.
# (A line of C that prints it, quoted by a compiler message, does not count.)
for m in re.finditer(r"(?m)^.*\bcould (read|write|ptrace|signal|unmount|remount|incbin|run code|rewrite)\b.*$",
                     everything):
    if "printf" in m.group(0) or "say(" in m.group(0) or '"could' in m.group(0):
        continue
    problems.append(f"a hostile action succeeded and the report says so: {m.group(0).strip()[:300]}")
    break

# Lines of the hidden check sources: code lines (no string literal, so not
# a check's own message), long enough and particular enough (its comments,
# or naming its own helpers) to be unmistakable, that no file of the case
# itself contains.
own = ""
for name in ("family.c", "family.c.in"):
    if os.path.exists(f"{case_dir}/{name}"):
        own += open(f"{case_dir}/{name}").read()
hidden = []
for name in ("test_family.c", "hidden_family.c"):
    path = f"{kit}/grader/checks/01-fork-getpid/{name}"
    if os.path.exists(path):
        for line in open(path):
            s = line.strip()
            if (len(s) >= 28 and '"' not in s and s not in own
                    and re.search(r"seen|sandbox|call_|record_job|MANY|TestSuite|/\*", s)):
                hidden.append((name, s))
for name, s in hidden:
    if s in everything:
        problems.append(f"the report quotes the hidden {name}: '{s}'")
        break
for marker in ("lab 01, reference solution", os.environ.get("OTHERCOPY_MARK", "")):
    if marker and marker in everything:
        problems.append(f"the report contains '{marker}' (a solution or the other copy of the kit)")

if other:
    o = labs.get(other[:2])
    if o is None:
        problems.append(f"lab {other} is missing from the report")
    elif o["score"] != o["max_score"]:
        problems.append(f"lab {other} scored {o['score']}/{o['max_score']} beside the hostile lab")

if problems:
    for p in problems:
        print(f"case {case}: {p}", file=sys.stderr)
    print(f"lab 01 scored {lab['score']}/{lab['max_score']}: "
          + ", ".join(f"{c.get('name')} {c.get('status')}" for c in lab["checks"]), file=sys.stderr)
    print(f"lab 01's messages:\n{text[:3000]}", file=sys.stderr)
    sys.exit(1)
