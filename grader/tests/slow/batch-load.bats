# The course-scale batch of issue 17: twelve submissions of every kind,
# graded three times in a row with both cores kept busy, give one CSV.
# Two labs (01, 03) per submission to keep it to a few minutes.
bats_load_library bats-support
bats_load_library bats-assert

setup() {
    KIT="$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)"
    GRADE="$KIT/grader/grade"
    spinners=()
}

teardown() {
    for p in "${spinners[@]}"; do kill "$p" 2>/dev/null || true; done
}

make_twelve() {
    local b=$1 w=$BATS_TEST_TMPDIR/w S=$KIT/solutions L=$KIT/labs
    mkdir -p "$b" "$w"
    mkdir -p "$b/ann"; cp -r "$S/01-fork-getpid" "$S/03-join" "$b/ann/"       # a solution
    (cd "$L" && zip -qr "$b/ann.zip" 01-fork-getpid 03-join)                   # ann again: starters
    mkdir -p "$w/ben/labs"; cp -r "$S/01-fork-getpid" "$S/03-join" "$w/ben/labs/"
    tar -czf "$b/ben.tar.gz" -C "$w" ben                                       # .tar.gz, wrapped
    tar -czf "$b/cat.tgz" -C "$S" 01-fork-getpid 03-join                       # .tgz
    tar -cf "$b/dee.tar" -C "$S" 01-fork-getpid                                # .tar, one lab
    mkdir -p "$b/dan"; cp -r "$L/01-fork-getpid" "$L/03-join" "$b/dan/"       # the starters
    head -c 4000 /dev/urandom >"$b/fay.zip"                                    # a corrupt zip
    mkdir -p "$b/gus/my work/labs"; cp -r "$S/03-join" "$b/gus/my work/labs/" # nested folders
    mkdir -p "$b/ivy/01-fork-getpid"; cp -r "$S/03-join" "$b/ivy/"             # a fork bomb
    cp "$KIT/grader/tests/hostile/fork-bomb/family.c" "$b/ivy/01-fork-getpid/"
    mkdir -p "$b/jon/01-fork-getpid"; cp -r "$S/03-join" "$b/jon/"             # an endless loop
    cp "$KIT/grader/tests/hostile/endless-loop/family.c" "$b/jon/01-fork-getpid/"
    mkdir -p "$b/Zoë Smith (late)"; cp -r "$S/01-fork-getpid" "$b/Zoë Smith (late)/"  # UTF-8
    python3 - "$S" "$b/kim.tar.gz" <<'PY'
import io, sys, tarfile
sol, out = sys.argv[1:3]
with tarfile.open(out, "w:gz") as t:  # a '..' entry beside a solution
    t.add(f"{sol}/01-fork-getpid", arcname="01-fork-getpid")
    t.add(f"{sol}/03-join", arcname="03-join")
    i = tarfile.TarInfo("../../etc/evil"); i.size = 5; t.addfile(i, io.BytesIO(b"owned"))
PY
}

@test "twelve submissions of every kind give the same CSV three times in a row, both cores busy" {
    b="$BATS_TEST_TMPDIR/subs"
    make_twelve "$b"
    [ "$(ls "$b" | wc -l)" -eq 12 ]
    for _ in 1 2; do
        bash -c 'while :; do :; done' &
        spinners+=($!)
    done
    for run in 1 2 3; do
        start=$(date +%s)
        "$GRADE" batch "$b" 01 03 --csv "$BATS_TEST_TMPDIR/run$run.csv" --out "$BATS_TEST_TMPDIR/r$run" \
            >"$BATS_TEST_TMPDIR/run$run.log" 2>&1 || fail "batch run $run failed: $(cat "$BATS_TEST_TMPDIR/run$run.log")"
        echo "# run $run: $(($(date +%s) - start)) s for 12 submissions x 2 labs" >&3
    done
    cmp "$BATS_TEST_TMPDIR/run1.csv" "$BATS_TEST_TMPDIR/run2.csv" || { diff "$BATS_TEST_TMPDIR/run1.csv" "$BATS_TEST_TMPDIR/run2.csv"; fail "runs 1 and 2 differ"; }
    cmp "$BATS_TEST_TMPDIR/run1.csv" "$BATS_TEST_TMPDIR/run3.csv" || { diff "$BATS_TEST_TMPDIR/run1.csv" "$BATS_TEST_TMPDIR/run3.csv"; fail "runs 1 and 3 differ"; }
    "$GRADE" --solutions --json "$BATS_TEST_TMPDIR/sol.json" 01 03 >/dev/null
    python3 - "$BATS_TEST_TMPDIR/run1.csv" "$BATS_TEST_TMPDIR/sol.json" <<'PY'
import csv, json, sys
rows = {r["submission"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
sol = {l["id"]: str(l["score"]) for l in json.load(open(sys.argv[2]))["labs"]}
full = str(sum(int(v) for v in sol.values()))
assert len(rows) == 12, sorted(rows)
for s in ("ann", "ben.tar.gz", "cat.tgz", "kim.tar.gz"):
    assert rows[s]["total"] == full, (s, rows[s])
assert rows["dee.tar"]["01"] == sol["01"] and rows["dee.tar"]["03"] == "0"
assert rows["gus"]["03"] == sol["03"] and rows["Zoë Smith (late)"]["01"] == sol["01"]
for s in ("ivy", "jon"):  # hostile lab 01 scores nothing, its lab 03 is graded as usual
    assert rows[s]["01"] == "0" and rows[s]["03"] == sol["03"], (s, rows[s])
assert rows["fay.zip"]["total"] == "0" and "archive unreadable" in rows["fay.zip"]["note"]
assert "skipped the entry ../../etc/evil" in rows["kim.tar.gz"]["note"]
for s in ("ann", "ann.zip"):
    assert "more than one submission" in rows[s]["note"], rows[s]
assert int(rows["dan"]["total"]) < int(full) and int(rows["ann.zip"]["total"]) < int(full)
assert not any("overloaded" in r["note"] for r in rows.values()), [r["note"] for r in rows.values()]
PY
}
