# Instructors' tools: the handout, batch grading, Gradescope, Classroom, JUnit.
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    export GRADE="$KIT/grader/grade"
}

score_of() { # score_of JSONFILE [LAB]: total score, or one lab's
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["score"] if len(sys.argv) < 3 else [l["score"] for l in d["labs"] if l["id"] == sys.argv[2]][0])' "$@"
}

@test "the handout holds no solution, mutant or hidden check, by content" {
    make -C "$KIT" -s handout >/dev/null
    dir="$BATS_TEST_TMPDIR/handout"
    mkdir -p "$dir"
    tar -xzf "$KIT/dist/proc-labs-handout.tar.gz" -C "$dir"
    # Every file of the handout, by content, against every secret file.
    python3 - "$KIT" "$dir" <<'PY'
import hashlib, os, sys, json
kit, handout = sys.argv[1:3]
def files(root):
    for r, _, fs in os.walk(root):
        for f in fs:
            yield os.path.join(r, f)
digest = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
secret = {}
for p in files(os.path.join(kit, "solutions")):
    secret[digest(p)] = p
import subprocess, tempfile
for r, ds, fs in os.walk(os.path.join(kit, "grader/checks")):
    for f in fs:
        p = os.path.join(r, f)
        if "/mutants/" in p or f.startswith("hidden_"):
            secret[digest(p)] = p
        if "/mutants/" in p and f.endswith(".patch"):  # the mutant itself, rebuilt
            lab = p.split("/grader/checks/")[1].split("/")[0]
            with tempfile.NamedTemporaryFile(suffix=".c", delete=False) as t:
                t.write(open(os.path.join(kit, "solutions", lab, f[:-len(".patch")]), "rb").read())
            subprocess.run(["patch", "--quiet", t.name, p], check=True)
            secret[digest(t.name)] = p
            os.unlink(t.name)
bad = []
for p in files(handout):
    text = open(p, "rb").read()
    if digest(p) in secret:
        bad.append(f"{p} has the content of {secret[digest(p)]}")
    if p.endswith((".c", ".h")) and b"MUTANT:" in text:
        bad.append(f"{p} contains a mutant marker")
    if "/solutions/" in p or "/mutants/" in p or os.path.basename(p).startswith("hidden_"):
        bad.append(f"{p} is a secret by name")
m = json.load(open(os.path.join(handout, "proc-labs/grader/manifest.json")))
for lab in m["labs"]:
    for c in lab["checks"]:
        if c.get("hidden"):
            bad.append(f"the manifest still lists hidden check {c['name']}")
assert not bad, "\n".join(bad)
PY
}

@test "the handout, unpacked in an empty folder, builds and grades the starters" {
    make -C "$KIT" -s handout >/dev/null
    dir="$BATS_TEST_TMPDIR/fresh"
    mkdir -p "$dir"
    tar -xzf "$KIT/dist/proc-labs-handout.tar.gz" -C "$dir"
    cd "$dir/proc-labs"
    run make grade LAB=01
    assert_failure
    assert_output --partial "01-fork-getpid"
    assert_output --partial "FAIL who_am_i_matches_getpid"
    refute_output --partial "run_children_many_children"
    # the student can still see where they stand on every lab
    run grader/grade --json "$BATS_TEST_TMPDIR/all.json"
    [ "$status" -eq 1 ]
    [ "$(score_of "$BATS_TEST_TMPDIR/all.json")" -lt "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["labs"][0]["max_score"])' "$BATS_TEST_TMPDIR/all.json")" ]
}

# A batch of submissions of every kind, two labs each to stay quick.
make_batch() {
    local b=$1
    mkdir -p "$b"
    # full marks, as lab folders
    mkdir -p "$b/ann"; cp -r "$KIT/solutions/01-fork-getpid" "$KIT/solutions/02-isolation" "$b/ann/"
    # full marks, as a labs/ folder inside a folder, in a .tar.gz
    mkdir -p "$BATS_TEST_TMPDIR/w/ben/labs"
    cp -r "$KIT/solutions/01-fork-getpid" "$KIT/solutions/02-isolation" "$BATS_TEST_TMPDIR/w/ben/labs/"
    tar -czf "$b/ben.tar.gz" -C "$BATS_TEST_TMPDIR/w" ben
    # full marks, zipped
    (cd "$KIT/solutions" && zip -qr "$b/cat.zip" 01-fork-getpid 02-isolation)
    # the untouched starters
    mkdir -p "$b/dan"; cp -r "$KIT/labs/01-fork-getpid" "$KIT/labs/02-isolation" "$b/dan/"
    # half done: lab 01 solved, lab 02 untouched
    mkdir -p "$b/eve"; cp -r "$KIT/solutions/01-fork-getpid" "$KIT/labs/02-isolation" "$b/eve/"
    # a broken archive, an empty folder, a stray file
    head -c 3000 /dev/urandom >"$b/fay.tar.gz"
    mkdir -p "$b/gus"
    echo "my labs are in the cloud" >"$b/hal.txt"
    # hostile: a fork bomb in lab 01, lab 02 solved
    mkdir -p "$b/ivy/01-fork-getpid"; cp -r "$KIT/solutions/02-isolation" "$b/ivy/"
    cp "$KIT/grader/tests/hostile/fork-bomb/family.c" "$b/ivy/01-fork-getpid/"
    # oddly packed: lab folders two levels down in a zip, with macOS junk
    mkdir -p "$BATS_TEST_TMPDIR/z/__MACOSX" "$BATS_TEST_TMPDIR/z/jo-submission"
    cp -r "$KIT/solutions/01-fork-getpid" "$BATS_TEST_TMPDIR/z/jo-submission/"
    (cd "$BATS_TEST_TMPDIR/z" && zip -qr "$b/jo.zip" .)
}

@test "a batch of ten kinds of submission gives the expected CSV, twice the same" {
    b="$BATS_TEST_TMPDIR/subs"
    make_batch "$b"
    "$GRADE" --solutions --json "$BATS_TEST_TMPDIR/sol.json" 01 02 >/dev/null
    "$GRADE" --json "$BATS_TEST_TMPDIR/start.json" 01 02 >/dev/null || true
    s1=$(score_of "$BATS_TEST_TMPDIR/sol.json" 01); s2=$(score_of "$BATS_TEST_TMPDIR/sol.json" 02)
    t1=$(score_of "$BATS_TEST_TMPDIR/start.json" 01); t2=$(score_of "$BATS_TEST_TMPDIR/start.json" 02)
    max=$((s1 + s2))

    run "$GRADE" batch "$b" 01 02 --csv "$BATS_TEST_TMPDIR/one.csv" --out "$BATS_TEST_TMPDIR/reports"
    assert_success
    cat >"$BATS_TEST_TMPDIR/want.csv" <<EOF
student,submission,id,01,02,total,max,note
"ann","ann","",$s1,$s2,$max,$max,""
"ben","ben.tar.gz","",$s1,$s2,$max,$max,""
"cat","cat.zip","",$s1,$s2,$max,$max,""
"dan","dan","",$t1,$t2,$((t1 + t2)),$max,""
"eve","eve","",$s1,$t2,$((s1 + t2)),$max,""
"fay","fay.tar.gz","",0,0,0,$max,"fay.tar.gz: archive unreadable (not a valid tar archive (plain, .gz, .bz2 or .xz)): make it again with zip or tar and check that it opens"
"gus","gus","",0,0,0,$max,"gus: no lab folders found, and none of the labs' files: hand in the lab folders (like 01-fork-getpid) or their files (like family.c)"
"hal.txt","hal.txt","",0,0,0,$max,"hal.txt: not a folder or a .tar.gz, .tgz, .tar or .zip archive"
"ivy","ivy","",0,$s2,$s2,$max,""
"jo","jo.zip","",$s1,0,$s1,$max,""
EOF
    diff "$BATS_TEST_TMPDIR/want.csv" "$BATS_TEST_TMPDIR/one.csv" || fail "the CSV differs from the expected one (above)"
    [ -f "$BATS_TEST_TMPDIR/reports/ivy.json" ] || fail "no JSON report for ivy"
    [ -f "$BATS_TEST_TMPDIR/reports/ivy.md" ] || fail "no feedback for ivy"
    run "$GRADE" batch "$b" 01 02 --csv "$BATS_TEST_TMPDIR/two.csv" --out "$BATS_TEST_TMPDIR/reports2"
    assert_success
    cmp "$BATS_TEST_TMPDIR/one.csv" "$BATS_TEST_TMPDIR/two.csv" || fail "a second run gave another CSV"
}

@test "run_autograder against a fake /autograder writes Gradescope's results.json, scored as the grader" {
    make -C "$KIT" -s gradescope >/dev/null
    root="$BATS_TEST_TMPDIR/autograder"
    mkdir -p "$root/source" "$root/submission"
    (cd "$root/source" && unzip -q "$KIT/dist/gradescope.zip")
    [ -x "$root/source/setup.sh" ] && [ -x "$root/source/run_autograder" ]
    cp -r "$KIT/solutions/01-fork-getpid" "$KIT/labs/02-isolation" "$root/submission/"
    AUTOGRADER_ROOT="$root" run "$root/source/run_autograder"
    assert_success
    "$GRADE" --dir "$root/submission" --json "$BATS_TEST_TMPDIR/own.json" >/dev/null || true
    python3 - "$root/results/results.json" "$(score_of "$BATS_TEST_TMPDIR/own.json")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["score"] == float(sys.argv[2]), (r["score"], sys.argv[2])
assert r["tests"], "no tests"
for t in r["tests"]:
    for k in ("name", "score", "max_score", "status", "output", "visibility"):
        assert k in t, f"test lacks {k}: {t}"
    assert t["status"] in ("passed", "failed")
    assert t["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    assert 0 <= t["score"] <= t["max_score"]
assert sum(t["score"] for t in r["tests"]) == r["score"]
assert any(t["status"] == "failed" and "hint:" in t["output"] for t in r["tests"])
PY
}

@test "run_autograder on a submission without lab folders scores 0 and says why" {
    make -C "$KIT" -s gradescope >/dev/null
    root="$BATS_TEST_TMPDIR/autograder"
    mkdir -p "$root/source" "$root/submission"
    (cd "$root/source" && unzip -q "$KIT/dist/gradescope.zip")
    echo "oops" >"$root/submission/readme.txt"
    AUTOGRADER_ROOT="$root" run "$root/source/run_autograder"
    assert_success
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["score"] == 0 and "No lab folders" in r["output"], r' "$root/results/results.json"
}

@test "--junit writes well-formed JUnit XML with a failure per failed check" {
    run "$GRADE" 01 --junit "$BATS_TEST_TMPDIR/j.xml"
    [ "$status" -eq 1 ]
    python3 - "$BATS_TEST_TMPDIR/j.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall(".//testcase")
assert cases and any(c.find("failure") is not None for c in cases)
PY
}

@test "grade verdict reads one check from a report" {
    "$GRADE" --solutions --json "$BATS_TEST_TMPDIR/r.json" 01 >/dev/null
    run "$GRADE" verdict "$BATS_TEST_TMPDIR/r.json" 01 who_am_i_matches_getpid
    assert_success
    "$GRADE" --json "$BATS_TEST_TMPDIR/s.json" 01 >/dev/null || true
    run "$GRADE" verdict "$BATS_TEST_TMPDIR/s.json" 01 who_am_i_matches_getpid
    assert_failure 1
    assert_output --partial "use getpid()"
    run "$GRADE" verdict "$BATS_TEST_TMPDIR/s.json" 01 no_such_check
    assert_failure 2
}
