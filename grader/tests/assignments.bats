# One assignment per lab (or a list): Gradescope's autograder and the
# Classroom workflow grade only those labs, out of their points, in one run.
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    export GRADE="$KIT/grader/grade"
}

max_of() { # max_of LAB...: the visible points of those labs, from the manifest
    python3 - "$KIT/grader/manifest.json" "$@" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(sum(c["points"] for l in m["labs"] if l["id"] in sys.argv[2:] for c in l["checks"] if not c.get("hidden")))
PY
}

fake_autograder() { # fake_autograder ZIP: unpack it as Gradescope does, into $root
    root="$BATS_TEST_TMPDIR/autograder"
    mkdir -p "$root/source" "$root/submission"
    (cd "$root/source" && unzip -q "$1")
    # What setup.sh's `make kit` builds, from this kit's build (instructor.bats
    # builds a zip from scratch): the test is about what gets graded.
    local k="$root/source/proc-labs"
    cp -a "$KIT/grader/grade" "$KIT/grader/build" "$k/grader/"
    cp -a "$KIT/common/libproclabs.a" "$k/common/"
}

@test "make gradescope LAB=03 grades lab 03 only, out of lab 03's points" {
    make -C "$KIT" -s gradescope LAB=03 >/dev/null
    fake_autograder "$KIT/dist/gradescope-03.zip"
    cp -r "$KIT/solutions/03-join" "$root/submission/"
    AUTOGRADER_ROOT="$root" run "$root/source/run_autograder"
    assert_success
    python3 - "$root/results/results.json" "$(max_of 03)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["tests"], r
names = {t["name"].split(":")[0] for t in r["tests"]}
assert names == {"03-join"}, names
# a solution: full marks, and the total is lab 03's alone
assert r["score"] == float(sys.argv[2]), (r["score"], sys.argv[2])
assert "not found" not in json.dumps(r), "another lab was graded"
PY
}

@test "make gradescope LAB=\"01 03\" grades both labs and nothing else; a bad lab is refused" {
    make -C "$KIT" -s gradescope LAB="01 03" >/dev/null
    fake_autograder "$KIT/dist/gradescope-01-03.zip"
    cp -r "$KIT/solutions/01-fork-getpid" "$KIT/solutions/03-join" "$root/submission/"
    AUTOGRADER_ROOT="$root" run "$root/source/run_autograder"
    assert_success
    python3 - "$root/results/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
labs = {t["name"].split(":")[0] for t in r["tests"]}
assert labs == {"01-fork-getpid", "03-join"}, labs
PY
    run make -C "$KIT" -s gradescope LAB=99
    assert_failure
    assert_output --partial "no lab '99'"
}

@test "grade classroom 03: cached packages, one grading of lab 03, every check reported from it" {
    run "$GRADE" classroom 03
    assert_success
    printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/wf.yml"
    python3 - "$BATS_TEST_TMPDIR/wf.yml" "$KIT/grader/manifest.json" <<'PY'
import json, sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
m = json.load(open(sys.argv[2]))
steps = wf["jobs"]["run-autograding-tests"]["steps"]
uses = [s.get("uses", "") for s in steps]
assert any(u.startswith("actions/cache@") for u in uses), uses
assert not any("command-grader" in u for u in uses), "one step per check again"
runs = "\n".join(s.get("run", "") for s in steps)
assert runs.count("grader/grade") == 1 and "grader/grade 03 --classroom" in runs, runs
assert runs.count("make") == 1, "more than one build"
rep = [s for s in steps if "grading-reporter" in s.get("uses", "")][0]
assert rep["with"]["runners"] == "grade" and "GRADE_RESULTS" in rep["env"], rep
for lab in m["labs"]:
    for c in lab["checks"]:
        if c.get("hidden"):
            assert c["name"] not in open(sys.argv[1]).read()
PY
}

@test "the Classroom result of one run holds every check of the assignment, as the reporter adds it up" {
    "$GRADE" --solutions 03 --classroom "$BATS_TEST_TMPDIR/sol.json" >/dev/null
    "$GRADE" 03 --classroom "$BATS_TEST_TMPDIR/start.json" >/dev/null || true
    "$GRADE" classroom 03 >"$BATS_TEST_TMPDIR/wf.yml"
    python3 - "$BATS_TEST_TMPDIR" "$(max_of 03)" "$KIT/grader/manifest.json" <<'PY'
import base64, json, re, sys
d, want_max, manifest = sys.argv[1], int(sys.argv[2]), sys.argv[3]
checks = [c["name"] for l in json.load(open(manifest))["labs"] if l["id"] == "03" for c in l["checks"]]
for f, full in (("sol.json", True), ("start.json", False)):
    text = open(f"{d}/{f}").read()
    r = json.loads(base64.b64decode(base64.b64encode(text.encode())).decode())
    assert r["version"] == 1 and r["max_score"] == want_max, r["max_score"]
    assert [t["name"].split(" ", 1)[1] for t in r["tests"]] == ["build"] + checks
    total = sum(t["score"] for t in r["tests"])  # what the reporter sends Classroom
    assert (total == want_max) == full and r["status"] == ("pass" if full else "fail"), (f, total)
    assert all(t["status"] in ("pass", "fail", "error") for t in r["tests"])
# the workflow's fallback, when the grader does not finish, is a result too
fallback = re.search(r"echo '(\{.*\})' >\.classroom\.json", open(f"{d}/wf.yml").read()).group(1)
r = json.loads(fallback)
assert r["max_score"] == want_max and r["status"] == "error", r
PY
}

@test "make handout LAB=03: the handout's workflow grades lab 03 only" {
    make -C "$KIT" -s handout LAB=03 >/dev/null
    mkdir -p "$BATS_TEST_TMPDIR/h"
    tar -xzf "$KIT/dist/proc-labs-handout.tar.gz" -C "$BATS_TEST_TMPDIR/h"
    run grep -c "grader/grade 03 --classroom" "$BATS_TEST_TMPDIR/h/proc-labs/.github/workflows/classroom.yml"
    [ "$output" = "1" ]
    make -C "$KIT" -s handout >/dev/null # leave the all-labs handout behind
}
