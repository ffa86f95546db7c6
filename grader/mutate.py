#!/usr/bin/env python3
"""mutate.py - mechanical mutants of a lab's reference solution.

    python3 grader/mutate.py NN [NN...] [--jobs 2] [--cap 40] [--list] [--all]

From each solution file of a lab it makes small mechanical mistakes:
  drop     a call statement that releases or waits (close, waitpid, sem_post, ...)
  flip     one comparison operator (< <= > >= == !=)
  swap     two adjacent simple statements
  unit     a timeout's unit: a literal or timeout variable times or divided by 1000
  nohang   WNOHANG replaced by 0, or a waitpid option 0 by WNOHANG
then grades each with `grader/grade --dir WS --json - NN` and prints the
survivors (full marks) with their diff. A survivor listed in
grader/checks/NN-slug/survivors.txt ("DESCRIPTION -- why it is harmless")
is counted, not shown. Mutants that do not compile count as killed but
uninteresting. At most --cap mutants per lab, chosen deterministically (the
same solution gives the same mutants). Exit status 1 when an unexplained
survivor is left.
"""

import argparse
import concurrent.futures
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Calls whose loss is a classic mistake: a resource not released, a wait not made.
DROP = {
    "close", "Close", "fclose", "waitpid", "Waitpid", "wait", "wait4", "sem_post",
    "sem_unlink", "sem_close", "sem_destroy", "sem_wait", "pthread_mutex_unlock",
    "pthread_mutex_lock", "pthread_cond_signal", "pthread_cond_broadcast", "pthread_join",
    "munmap", "shared_free", "free", "shm_unlink", "unlink", "kill", "Kill", "shutdown",
    "pthread_mutex_destroy", "pthread_cond_destroy", "mq_close", "mq_unlink", "fflush",
    "_exit", "exit", "dup2", "Dup2",
}
FLIPS = {"<": ["<=", ">="], "<=": ["<", ">"], ">": [">=", "<="], ">=": [">", "<"],
         "==": ["!="], "!=": ["=="]}
TIMEISH = re.compile(r"timeout|deadline|_ms\b|msec|nsec|_sec\b|tv_sec|tv_nsec|sleep|poll|"
                     r"alarm|delay|interval|now_ms|1e[369]", re.I)
TIMEVAR = re.compile(r"timeout|delay|_ms$|msec", re.I)
KINDS = ["drop", "flip", "unit", "nohang", "swap"]
DECL = re.compile(r"^\s*(?:(?:const|static|volatile|unsigned|signed|long|short|struct|enum)\s+)*"
                  r"\w+(?:\s+|\s*\*+\s*)(\w+)\s*(?:=|;|\[|,)")

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
  | (?P<number>(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)[uUlLfF]*)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<op><<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>=!&|^~?:;,.(){}\[\]#])
  | (?P<other>.)
""", re.S | re.X)


def tokens(text):
    """C tokens as (kind, value, start, end, line); preprocessor lines are skipped."""
    out = []
    pos = 0
    line = 1
    bol = True  # at the beginning of a line (only blanks so far)
    while pos < len(text):
        m = TOKEN.match(text, pos)
        kind, val = m.lastgroup, m.group()
        if kind == "op" and val == "#" and bol:
            # A directive, with its continuations: not code to mutate.
            end = pos
            while True:
                nl = text.find("\n", end)
                if nl < 0:
                    end = len(text)
                    break
                if text[nl - 1] == "\\":
                    end = nl + 1
                    continue
                end = nl
                break
            line += text.count("\n", pos, end)
            pos = end
            continue
        if kind not in ("ws", "comment"):
            out.append((kind, val, m.start(), m.end(), line))
            bol = False
        if "\n" in val:
            bol = True
        line += val.count("\n")
        pos = m.end()
    return out


def functions(toks):
    """For each token index, the name of the function it is in ('' outside)."""
    names = []
    depth = 0
    current = ""
    candidate = ""
    for i, (kind, val, *_rest) in enumerate(toks):
        if depth == 0 and kind == "ident" and i + 1 < len(toks) and toks[i + 1][1] == "(":
            candidate = val
        if val == "{":
            if depth == 0:
                current = candidate
            depth += 1
        elif val == "}":
            depth -= 1
            if depth == 0:
                names.append(current)
                current = ""
                continue
        names.append(current if depth > 0 else "")
    return names


def code_of(text, line):
    return " ".join(text.splitlines()[line - 1].split())


class Mutant:
    def __init__(self, file, kind, desc, text):
        self.file, self.kind, self.desc, self.text = file, kind, desc, text


def gen_file(name, text):
    toks = tokens(text)
    funcs = functions(toks)
    made = []
    # Each line's code without its comments: a comment's "sleep" is no timeout.
    code = {}
    for t in toks:
        code[t[4]] = code.get(t[4], "") + " " + t[1]

    def add(kind, i, what, new_text):
        func = funcs[i] if i < len(funcs) else ""
        where = f"{name}:{func}()" if func else name
        desc = f"{where}: {kind}: {what} in `{code_of(text, toks[i][4])}`"
        made.append(Mutant(name, kind, desc, new_text))

    def replace(start, end, new):
        return text[:start] + new + text[end:]

    for i, (kind, val, start, end, line) in enumerate(toks):
        prev = toks[i - 1][1] if i > 0 else ";"
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
        # drop: a statement that is just a call, `name(...);` (or `(void)name(...);`).
        if kind == "ident" and val in DROP and nxt == "(" and prev in (";", "{", "}", ")", "else"):
            # After ')' it is `if (x) close(fd);` or `(void)close(fd);`.
            cast = prev == ")" and i >= 3 and toks[i - 2][1] == "void" and toks[i - 3][1] == "("
            depth, k = 0, i + 1
            while k < len(toks):
                if toks[k][1] == "(":
                    depth += 1
                elif toks[k][1] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            if k + 1 < len(toks) and toks[k + 1][1] == ";":
                s = toks[i - 3][2] if cast else start
                add("drop", i, f"drop the call {val}()", replace(s, toks[k + 1][3], ";"))
        # flip: one comparison operator.
        if kind == "op" and val in FLIPS:
            for to in FLIPS[val]:
                add("flip", i, f"'{val}' -> '{to}'", replace(start, end, to))
        # nohang: WNOHANG <-> 0 as waitpid's options.
        if kind == "ident" and val == "WNOHANG":
            add("nohang", i, "WNOHANG -> 0", replace(start, end, "0"))
        if kind == "ident" and val in ("waitpid", "Waitpid") and nxt == "(":
            depth, k, commas = 0, i + 1, []
            while k < len(toks):
                v = toks[k][1]
                if v in "([":
                    depth += 1
                elif v in ")]":
                    depth -= 1
                    if depth == 0:
                        break
                elif v == "," and depth == 1:
                    commas.append(k)
                k += 1
            if len(commas) == 2 and k == commas[1] + 2 and toks[commas[1] + 1][1] == "0":
                t = toks[commas[1] + 1]
                add("nohang", i, "options 0 -> WNOHANG", replace(t[2], t[3], "WNOHANG"))
        # unit: a time value off by a factor of 1000.
        if kind == "number" and TIMEISH.search(code[line]):
            try:
                v = float(re.sub(r"[uUlLfF]+$", "", val)) if not val.startswith(("0x", "0X")) \
                    else int(val, 16)
            except ValueError:
                v = 0
            if abs(v) >= 10 or "e" in val.lower():
                add("unit", i, f"{val} -> ({val} * 1000)", replace(start, end, f"({val} * 1000)"))
                add("unit", i, f"{val} -> ({val} / 1000)", replace(start, end, f"({val} / 1000)"))
        if (kind == "ident" and TIMEVAR.search(val) and prev in ("+", "-", "*", "/", ",", "(")
                and nxt in (")", ",", ";", "+", "-", "*", "/")
                and not (prev == "(" and i >= 2 and toks[i - 2][1] in
                         ("if", "while", "for", "switch", "return", "sizeof"))
                and not (i >= 2 and toks[i - 2][0] == "ident" and prev == ",")):
            if i + 1 < len(toks) and toks[i + 1][1] == "(":
                continue  # a call such as now_ms(): not a value
            add("unit", i, f"{val} -> ({val} * 1000)", replace(start, end, f"({val} * 1000)"))
            add("unit", i, f"{val} -> ({val} / 1000)", replace(start, end, f"({val} / 1000)"))

    # swap: two adjacent one-line simple statements at the same indentation.
    lines = text.splitlines(keepends=True)
    code_lines = {t[4] for t in toks}
    simple = re.compile(r"^(\s*)([^{}\s#/][^{}]*;)\s*(/\*.*\*/|//.*)?$")
    header = re.compile(r"^\s*((if|while|for|switch)\s*\(.*\)|else|do)\s*$")
    for n in range(1, len(lines) - 1):
        a, b = lines[n].rstrip("\n"), lines[n + 1].rstrip("\n")
        ma, mb = simple.match(a), simple.match(b)
        if not (ma and mb) or ma.group(1) != mb.group(1) or n + 1 not in code_lines:
            continue
        if re.match(r"\s*(return|break|continue|goto|case|default)\b", a + "\n" + b, re.M) or \
                re.match(r"\s*(return|break|continue|goto)\b", b):
            continue
        if header.match(lines[n - 1].rstrip("\n")) or a.rstrip().endswith(",") \
                or re.match(r"\s*for\b", a):
            continue
        if a.strip() == b.strip():
            continue
        # A declaration swapped below its first use only fails to compile.
        decl = DECL.match(a)
        if decl and re.search(r"\b%s\b" % re.escape(decl.group(1)), b):
            continue
        new = "".join(lines[:n] + [lines[n + 1], lines[n]] + lines[n + 2:])
        i = next(k for k, t in enumerate(toks) if t[4] == n + 1)
        where = f"{name}:{funcs[i]}()" if funcs[i] else name
        made.append(Mutant(name, "swap", f"{where}: swap: `{' '.join(a.split())}` <-> "
                           f"`{' '.join(b.split())}`", new))
    # Identical descriptions (the same code twice in a function) get a number.
    seen = {}
    for m in made:
        seen[m.desc] = seen.get(m.desc, 0) + 1
        if seen[m.desc] > 1:
            m.desc += f" #{seen[m.desc]}"
    return made


def select(mutants, cap):
    """At most cap mutants, every kind represented, the same on every run."""
    by_kind = {k: sorted((m for m in mutants if m.kind == k),
                         key=lambda m: hashlib.sha1(m.desc.encode()).hexdigest()) for k in KINDS}
    chosen = []
    while len(chosen) < cap and any(by_kind.values()):
        for k in KINDS:
            if by_kind[k] and len(chosen) < cap:
                chosen.append(by_kind[k].pop(0))
    return chosen


def load_lab(manifest, key):
    for lab in manifest["labs"]:
        d = f"{lab['id']}-{lab['slug']}"
        if key.isdigit() and int(key) == int(lab["id"]) or key in (lab["slug"], d):
            return lab, d
    sys.exit(f"mutate: no lab {key}")


def grade(lab, d, mutant, scratch, index):
    ws = os.path.join(scratch, f"m{index}")
    os.makedirs(os.path.join(ws, d))
    for f in lab["edit"]:
        dst = os.path.join(ws, d, f)
        if f == mutant.file:
            with open(dst, "w") as out:
                out.write(mutant.text)
        else:
            shutil.copy(os.path.join(ROOT, "solutions", d, f), dst)
    cmd = [os.path.join(ROOT, "grader", "grade"), "--dir", ws, "--json", "-", lab["id"]]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                       errors="replace")
    shutil.rmtree(ws, ignore_errors=True)
    try:
        res = json.loads(p.stdout)["labs"][0]
    except (ValueError, KeyError, IndexError):
        return "error", None
    checks = res.get("checks", [])
    if checks and checks[0]["name"] == "build" and checks[0]["status"] != "passed":
        return "nobuild", None
    if res["score"] >= res["max_score"]:
        return "survived", None
    failed = [c["name"] for c in checks if c["status"] != "passed"]
    return "killed", failed


def harmless_lines(d):
    """The lines of survivors.txt: "DESCRIPTION -- why it is harmless"."""
    path = os.path.join(ROOT, "grader", "checks", d, "survivors.txt")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]


def harmless(d, descs):
    """{description: why} for the mutants survivors.txt notes, and its stale lines."""
    lines = harmless_lines(d)
    notes, used = {}, set()
    for desc in descs:
        for line in lines:
            if line.startswith(desc + " -- "):
                notes[desc] = line[len(desc) + 4:].strip()
                used.add(line)
    return notes, [line for line in lines if line not in used]


def run_lab(manifest, key, args):
    lab, d = load_lab(manifest, key)
    mutants = []
    originals = {}
    for f in lab["edit"]:
        src = os.path.join(ROOT, "solutions", d, f)
        originals[f] = open(src, encoding="utf-8").read()
        mutants += gen_file(f, originals[f])
    total = len(mutants)
    chosen = mutants if args.all else select(mutants, args.cap)
    print(f"== {d}: {total} mechanical mutants, grading {len(chosen)}", flush=True)
    if args.list:
        for m in chosen:
            print("  " + m.desc)
        return 0
    notes, stale = harmless(d, [m.desc for m in mutants])
    scratch = tempfile.mkdtemp(prefix="proclabs-mutate-")
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(lambda im: grade(lab, d, im[1], scratch, im[0]),
                                    enumerate(chosen)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    counts = {"killed": 0, "nobuild": 0, "survived": 0, "error": 0}
    shown = explained = 0
    for m, (verdict, failed) in zip(chosen, results):
        counts[verdict] += 1
        if args.verbose and verdict == "killed":
            print(f"  killed   {m.desc}  [{', '.join(failed)}]")
        if verdict == "error":
            print(f"  ERROR    {m.desc}: the grader gave no result")
        if verdict != "survived":
            continue
        if m.desc in notes:
            explained += 1
            if args.verbose:
                print(f"  harmless {m.desc} -- {notes[m.desc]}")
            continue
        shown += 1
        print(f"SURVIVOR {m.desc}")
        diff = difflib.unified_diff(originals[m.file].splitlines(True), m.text.splitlines(True),
                                    f"solutions/{d}/{m.file}", f"mutant/{d}/{m.file}", n=2)
        sys.stdout.write("".join("    " + line for line in diff))
    for line in stale:
        print(f"  note: this survivors.txt line names no mutation of this solution: {line}")
    print(f"{d}: {counts['killed']} killed, {counts['nobuild']} did not compile, "
          f"{counts['survived']} survived ({explained} noted harmless, {shown} to look at)"
          + (f", {counts['error']} not graded" if counts["error"] else ""), flush=True)
    return 1 if shown or counts["error"] else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("labs", nargs="*", help="lab numbers or slugs (all labs when none)")
    ap.add_argument("--jobs", "-j", type=int, default=2, help="mutants graded at once (2)")
    ap.add_argument("--cap", type=int, default=40, help="mutants per lab (40)")
    ap.add_argument("--all", action="store_true", help="every mutant, no cap")
    ap.add_argument("--list", action="store_true", help="list the mutants, grade none")
    ap.add_argument("--verbose", "-v", action="store_true", help="show killed and noted ones too")
    args = ap.parse_args()
    if not os.access(os.path.join(ROOT, "grader", "grade"), os.X_OK) and not args.list:
        sys.exit("mutate: grader/grade is not built: run make kit")
    with open(os.path.join(ROOT, "grader", "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    keys = args.labs or [lab["id"] for lab in manifest["labs"]]
    status = 0
    for key in keys:
        status |= run_lab(manifest, key, args)
    return status


if __name__ == "__main__":
    sys.exit(main())
