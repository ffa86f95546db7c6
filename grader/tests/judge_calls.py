"""The judge never runs student code: no Criterion test function of the kit
calls a function of the student's files directly (only sandbox_run bodies
may). Prints each offending call; exits 1 if there is one.

The student's functions are the globals the reference solution's edited
files define; the test functions are the bodies of Test(...) { ... },
with comments and string literals blanked out first."""
import glob
import json
import re
import subprocess
import sys
import tempfile

kit = sys.argv[1] if len(sys.argv) > 1 else "."
manifest = json.load(open(f"{kit}/grader/manifest.json"))
found = 0
with tempfile.TemporaryDirectory() as tmp:
    for lab in manifest["labs"]:
        d = f"{lab['id']}-{lab['slug']}"
        names = set()
        for f in lab["edit"]:
            obj = f"{tmp}/x.o"
            cc = subprocess.run(["gcc", "-std=gnu11", "-c", "-o", obj, f"-I{kit}/labs/{d}",
                                 f"-I{kit}/common", f"{kit}/solutions/{d}/{f}"], capture_output=True)
            if cc.returncode:
                sys.exit(f"cannot compile solutions/{d}/{f}: {cc.stderr.decode()[:500]}")
            nm = subprocess.run(["nm", "-g", "--defined-only", obj], capture_output=True, text=True)
            names |= {line.split()[-1] for line in nm.stdout.splitlines()}
        for path in sorted(glob.glob(f"{kit}/grader/checks/{d}/*.c")):
            s = open(path).read()
            s = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), s, flags=re.S)
            s = re.sub(r"//[^\n]*", "", s)
            s = re.sub(r'"(\\.|[^"\\])*"', '""', s)
            s = re.sub(r"'(\\.|[^'\\])'", "' '", s)
            for test in re.finditer(r"\n(Test|ParameterizedTest|Theory)\s*\(", s):
                start = s.index("{", test.end())
                depth, end = 0, start
                while True:
                    depth += {"{": 1, "}": -1}.get(s[end], 0)
                    if depth == 0:
                        break
                    end += 1
                body = s[start:end]
                for name in sorted(names):
                    if re.search(r"\b" + re.escape(name) + r"\s*\(", body):
                        line = s[: test.start()].count("\n") + 2
                        print(f"{path}:{line}: a test function calls {name}() itself: call it "
                              "in a sandbox_run body")
                        found += 1
sys.exit(1 if found else 0)
