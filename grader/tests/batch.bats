# Batch grading at course scale: what a submission is (archives, loose
# files), whose it is (names kept, Canvas, a roster), regrades that keep the
# other labs, shards that merge to the unsharded CSV, progress in logs.
# One lab (01) per batch to stay quick; slow/batch-load.bats (make batch-proof) has the big one.
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    export GRADE="$KIT/grader/grade"
    export SOL1="$KIT/solutions/01-fork-getpid" START1="$KIT/labs/01-fork-getpid"
    export FULL1=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(sum(c["points"] for c in m["labs"][0]["checks"]))' "$KIT/grader/manifest.json")
}

csv_col() { # csv_col FILE SUBMISSION COLUMN: that cell of the batch CSV
    python3 -c 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
print([r for r in rows if r["submission"] == sys.argv[2]][0][sys.argv[3]])' "$@"
}

@test "every lab's edit files have names no other lab uses (loose files find their lab by name)" {
    python3 - "$KIT/grader/manifest.json" <<'PY'
import json, sys, collections
m = json.load(open(sys.argv[1]))
seen = collections.defaultdict(list)
for lab in m["labs"]:
    for f in lab["edit"]:
        seen[f].append(lab["id"])
dup = {f: ids for f, ids in seen.items() if len(ids) > 1}
assert not dup, f"edit files shared by labs (loose uploads could not be placed): {dup}"
PY
}

@test "a '..' entry is skipped the same way in a .tar.gz and a .zip, said in the note; the rest is graded" {
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b"
    python3 - "$SOL1" "$b" <<'PY'
import io, sys, tarfile, zipfile
sol, b = sys.argv[1:3]
with tarfile.open(f"{b}/tina.tar.gz", "w:gz") as t:
    t.add(sol, arcname="01-fork-getpid")
    for name in ("../escape.txt", "/tmp/absolute.txt"):
        i = tarfile.TarInfo(name); i.size = 5; t.addfile(i, io.BytesIO(b"owned"))
with zipfile.ZipFile(f"{b}/zack.zip", "w") as z:
    z.write(f"{sol}/family.c", "01-fork-getpid/family.c")
    z.writestr("../escape.txt", "owned")
    z.writestr("/tmp/absolute.txt", "owned")
PY
    run "$GRADE" batch "$b" 01 --csv "$BATS_TEST_TMPDIR/s.csv" --out "$BATS_TEST_TMPDIR/r"
    assert_success
    for s in tina.tar.gz zack.zip; do
        [ "$(csv_col "$BATS_TEST_TMPDIR/s.csv" $s total)" = "$FULL1" ] || fail "$s did not get full marks"
        note=$(csv_col "$BATS_TEST_TMPDIR/s.csv" $s note)
        [[ "$note" == *"$s: skipped the entry ../escape.txt (a path with '..'"* ]] || fail "$s: note is '$note'"
        [[ "$note" == *"skipped the entry /tmp/absolute.txt (an absolute path"* ]] || fail "$s: note is '$note'"
    done
    [ ! -e "$BATS_TEST_TMPDIR/escape.txt" ] && [ ! -e /tmp/absolute.txt ]
    # reports show the submission's own paths, never the scratch folder
    ! grep -r "proclabs-batch" "$BATS_TEST_TMPDIR/r" || fail "a report shows a scratch path"
}

@test "an archive over the 200 MB cap is refused before it is written, as .tar.gz and as .zip" {
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b"
    python3 - "$SOL1" "$b" <<'PY'
import io, sys, tarfile, zipfile
sol, b = sys.argv[1:3]
size = 201 << 20
class Zeros(io.RawIOBase):  # 201 MB of zeros, never held in memory
    def __init__(self): self.left = size
    def readinto(self, buf):
        n = min(len(buf), self.left); buf[:n] = bytes(n); self.left -= n; return n
with tarfile.open(f"{b}/big.tar.gz", "w:gz", compresslevel=1) as t:
    t.add(sol, arcname="01-fork-getpid")
    i = tarfile.TarInfo("01-fork-getpid/huge.bin"); i.size = size; t.addfile(i, Zeros())
with zipfile.ZipFile(f"{b}/bigz.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    z.write(f"{sol}/family.c", "01-fork-getpid/family.c")
    with z.open("01-fork-getpid/huge.bin", "w", force_zip64=True) as f:
        for _ in range(201):
            f.write(bytes(1 << 20))
PY
    run "$GRADE" batch "$b" 01 --csv "$BATS_TEST_TMPDIR/s.csv" --out "$BATS_TEST_TMPDIR/r"
    assert_success
    for s in big.tar.gz bigz.zip; do
        note=$(csv_col "$BATS_TEST_TMPDIR/s.csv" $s note)
        [[ "$note" == *"$s: unpacks to more than 200 MB"* ]] || fail "$s: note is '$note'"
        [ "$(csv_col "$BATS_TEST_TMPDIR/s.csv" $s total)" = 0 ]
    done
}

@test "names are kept as handed in (UTF-8, quoted), reports never shared, two submissions of one student warned" {
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b"
    mkdir -p "$b/Zoë Smith (late)" "$b/Zoé Smith (late)" "$b/alice" "$b/O\"Brien, Pat"
    cp -r "$SOL1" "$b/Zoë Smith (late)/"; cp -r "$START1" "$b/Zoé Smith (late)/"
    cp -r "$SOL1" "$b/alice/"; cp -r "$SOL1" "$b/O\"Brien, Pat/"
    (cd "$KIT/labs" && zip -qr "$b/alice.zip" 01-fork-getpid)
    run "$GRADE" batch "$b" 01 --csv "$BATS_TEST_TMPDIR/s.csv" --out "$BATS_TEST_TMPDIR/r"
    assert_success
    assert_output --partial "warning: alice and alice.zip are both alice's"
    python3 - "$BATS_TEST_TMPDIR/s.csv" "$BATS_TEST_TMPDIR/r" "$FULL1" <<'PY'
import csv, glob, json, sys
path, reports, full = sys.argv[1], sys.argv[2], sys.argv[3]
rows = {r["submission"]: r for r in csv.DictReader(open(path, encoding="utf-8"))}
assert set(rows) == {"Zoë Smith (late)", "Zoé Smith (late)", "alice", "alice.zip", 'O"Brien, Pat'}, rows
assert rows["Zoë Smith (late)"]["total"] == full and rows["Zoé Smith (late)"]["total"] != full
assert rows['O"Brien, Pat']["student"] == 'O"Brien, Pat'
for s in ("alice", "alice.zip"):
    assert "handed in more than one submission" in rows[s]["note"], rows[s]
assert rows["alice"]["total"] == full and rows["alice.zip"]["total"] != full
# one report per submission, each naming its own
got = {json.load(open(p))["submission"]: json.load(open(p))["score"] for p in glob.glob(reports + "/*.json")}
assert got == {s: int(r["total"]) for s, r in rows.items()}, got
assert len(glob.glob(reports + "/*.md")) == 5
PY
}

@test "loose files and archives in a folder are placed in their labs, for batch and --dir, and said" {
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b/lou/deep/er" "$b/gsub"
    cp "$SOL1/family.c" "$b/lou/deep/er/"
    cp "$KIT/solutions/03-join/join.c" "$b/lou/"
    tar -czf "$b/gsub/upload.tgz" -C "$KIT/solutions" 01-fork-getpid
    run "$GRADE" batch "$b" 01 --csv "$BATS_TEST_TMPDIR/s.csv" --out "$BATS_TEST_TMPDIR/r"
    assert_success
    [ "$(csv_col "$BATS_TEST_TMPDIR/s.csv" lou total)" = "$FULL1" ]
    [ "$(csv_col "$BATS_TEST_TMPDIR/s.csv" gsub total)" = "$FULL1" ]
    grep -q "lou: placed deep/er/family.c in 01-fork-getpid/" "$BATS_TEST_TMPDIR/r/lou.md"
    grep -q "lou: placed join.c in 03-join/" "$BATS_TEST_TMPDIR/r/lou.json"
    # --dir reads a submission the same way: loose files, and an archive itself
    run "$GRADE" --dir "$b/lou" 03 --json "$BATS_TEST_TMPDIR/lou.json"
    assert_success
    assert_output --partial "lou: placed join.c in 03-join/"
    grep -q "placed join.c in 03-join" "$BATS_TEST_TMPDIR/lou.json"
    run "$GRADE" --dir "$b/gsub/upload.tgz" 01
    assert_success
    head -c 999 /dev/urandom >"$BATS_TEST_TMPDIR/bad.zip"
    run "$GRADE" --dir "$BATS_TEST_TMPDIR/bad.zip" 01 --gradescope "$BATS_TEST_TMPDIR/gs.json"
    assert_failure 2
    assert_output --partial "bad.zip: archive unreadable (not a valid zip archive)"
    grep -q "not a valid zip archive" "$BATS_TEST_TMPDIR/gs.json"
}

@test "without namespaces, a submission's code reads no other submission unpacked in the batch" {
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b" "$BATS_TEST_TMPDIR/src/aaron/01-fork-getpid" "$BATS_TEST_TMPDIR/src/zed/01-fork-getpid"
    mark="zed-marker-$RANDOM$RANDOM"
    { cat "$SOL1/family.c"; echo "/* $mark */"; } >"$BATS_TEST_TMPDIR/src/zed/01-fork-getpid/family.c"
    # aaron (graded first) prints every family.c it finds in a batch's folder.
    cat >"$BATS_TEST_TMPDIR/src/aaron/01-fork-getpid/family.c" <<'C'
#define _GNU_SOURCE
#include "family.h"
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
struct who who_am_i(void)
{
    const char *dirs[] = {"/tmp", getenv("TMPDIR"), NULL};
    for (int d = 0; dirs[d]; d++) {
        char pat[512];
        snprintf(pat, sizeof pat, "%s/proclabs-batch-*/*/unpacked/*/family.c", dirs[d]);
        glob_t g;
        if (glob(pat, 0, NULL, &g) == 0)
            for (size_t i = 0; i < g.gl_pathc; i++) {
                FILE *f = fopen(g.gl_pathv[i], "r");
                char line[300];
                while (f && fgets(line, sizeof line, f))
                    fputs(line, stdout);
                if (f)
                    fclose(f);
            }
    }
    fflush(stdout);
    abort();
}
pid_t start_child(child_job job, int arg) { (void)job; (void)arg; return -1; }
int run_children(int n, child_job job, pid_t pids[], int codes[]) { (void)n; (void)job; (void)pids; (void)codes; return 0; }
C
    for s in aaron zed; do tar -czf "$b/$s.tar.gz" -C "$BATS_TEST_TMPDIR/src/$s" .; done
    chmod -R a+rX "$BATS_TEST_TMPDIR"
    PROCLABS_NO_NAMESPACES=1 run "$GRADE" batch "$b" 01 --jobs 1
    [ "$status" -le 1 ] || fail "batch exited $status: $output"
    [ "$(csv_col "$b-scores.csv" zed.tar.gz 01)" = "$FULL1" ]
    ! grep -rq "$mark" "$b-reports/aaron.tar.gz.json" || fail "aaron's report quotes zed's file: $(grep -o ".\{0,200\}$mark" "$b-reports/aaron.tar.gz.json")"
}

@test "regrading one lab updates it in the CSV and reports and keeps the others" {
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b/rex"
    cp -r "$SOL1" "$KIT/labs/02-isolation" "$b/rex/"
    run "$GRADE" batch "$b" 01 02 --csv "$BATS_TEST_TMPDIR/s.csv" --out "$BATS_TEST_TMPDIR/r"
    assert_success
    before02=$(csv_col "$BATS_TEST_TMPDIR/s.csv" rex 02)
    rm -r "$b/rex/02-isolation"; cp -r "$KIT/solutions/02-isolation" "$b/rex/"
    run "$GRADE" batch "$b" 02 --csv "$BATS_TEST_TMPDIR/s.csv" --out "$BATS_TEST_TMPDIR/r"
    assert_success
    head -1 "$BATS_TEST_TMPDIR/s.csv" | grep -q '^student,submission,id,01,02,total,max,note$'
    [ "$(csv_col "$BATS_TEST_TMPDIR/s.csv" rex 01)" = "$FULL1" ] || fail "lab 01 was lost"
    after02=$(csv_col "$BATS_TEST_TMPDIR/s.csv" rex 02)
    [ "$after02" -gt "$before02" ] || fail "lab 02 was not updated ($before02 -> $after02)"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [l["id"] for l in d["labs"]] == ["01", "02"], d["labs"]' "$BATS_TEST_TMPDIR/r/rex.json"
}

@test "four shards graded as four processes merge to the unsharded CSV byte for byte" {
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b"
    for s in amy bob cy dee eli; do mkdir -p "$b/$s"; cp -r "$SOL1" "$b/$s/"; done
    mkdir -p "$b/fox"; cp -r "$START1" "$b/fox/"
    echo junk >"$b/gil.zip"
    pids=()
    for k in 1 2 3 4; do
        "$GRADE" batch "$b" 01 --jobs 1 --shard $k/4 --out "$BATS_TEST_TMPDIR/shard$k" \
            --csv "$BATS_TEST_TMPDIR/shard$k.csv" >"$BATS_TEST_TMPDIR/shard$k.log" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || fail "a shard failed"; done
    run "$GRADE" batch "$b" 01 --csv "$BATS_TEST_TMPDIR/whole.csv" --out "$BATS_TEST_TMPDIR/whole"
    assert_success
    run "$GRADE" merge "$BATS_TEST_TMPDIR/merged" "$BATS_TEST_TMPDIR"/shard{1,2,3,4} --csv "$BATS_TEST_TMPDIR/merged.csv"
    assert_success
    assert_output --partial "merged 7 reports"
    cmp "$BATS_TEST_TMPDIR/whole.csv" "$BATS_TEST_TMPDIR/merged.csv" || fail "merged CSV differs"
    # each shard graded a part, and together all of it once
    total=0
    for k in 1 2 3 4; do total=$((total + $(ls "$BATS_TEST_TMPDIR/shard$k"/*.json | wc -l))); done
    [ "$total" -eq 7 ]
    run "$GRADE" batch "$b" 01 --shard 5/4
    assert_failure 2
    assert_output --partial "give K/N"
    run "$GRADE" batch-workflow 4 01
    assert_success
    assert_output --partial "shard: [1, 2, 3, 4]"
    assert_output --partial "--shard \${{ matrix.shard }}/4"
    assert_output --partial "grader/grade merge results shards/shard-*"
}

@test "progress: a line per finished student with elapsed time and ETA, also into a log" {
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b/ann" "$b/ben"
    cp -r "$SOL1" "$b/ann/"; cp -r "$SOL1" "$b/ben/"
    "$GRADE" batch "$b" 01 --jobs 1 --out "$BATS_TEST_TMPDIR/r" --csv "$BATS_TEST_TMPDIR/s.csv" \
        >/dev/null 2>"$BATS_TEST_TMPDIR/log"
    grep -qE '^\[1/2\] ann graded; elapsed [0-9]+ s, 1 lab to go, ETA [0-9]+ s$' "$BATS_TEST_TMPDIR/log"
    grep -qE '^\[2/2\] ben graded; elapsed [0-9]+ s, 0 labs to go, ETA 0 s$' "$BATS_TEST_TMPDIR/log"
}

@test "Canvas download names and a roster give ids; Canvas's CSV has its columns; weights apply" {
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b"
    (cd "$KIT/solutions" && zip -qr "$b/smithjane_LATE_1234_5678_labs.zip" 01-fork-getpid)
    (cd "$KIT/solutions" && zip -qr "$b/doejohn_4321_8765_labs-1.zip" 01-fork-getpid)
    mkdir -p "$b/pat"; cp -r "$START1" "$b/pat/"
    printf 'submission,student,id,sis_user_id,section\npat,"Lee, Pat",999,S-999,A\n' >"$BATS_TEST_TMPDIR/roster.csv"
    run "$GRADE" batch "$b" 01 --roster "$BATS_TEST_TMPDIR/roster.csv" --canvas "$BATS_TEST_TMPDIR/canvas.csv" \
        --csv "$BATS_TEST_TMPDIR/s.csv" --out "$BATS_TEST_TMPDIR/r"
    assert_success
    python3 - "$BATS_TEST_TMPDIR/s.csv" "$BATS_TEST_TMPDIR/canvas.csv" "$BATS_TEST_TMPDIR/r" "$FULL1" <<'PY'
import csv, json, sys
s, canvas, reports, full = sys.argv[1:5]
rows = {r["submission"]: r for r in csv.DictReader(open(s, encoding="utf-8"))}
jane = rows["smithjane_LATE_1234_5678_labs.zip"]
assert (jane["student"], jane["id"]) == ("smithjane", "1234"), jane
assert rows["doejohn_4321_8765_labs-1.zip"]["id"] == "4321"
assert (rows["pat"]["student"], rows["pat"]["id"]) == ("Lee, Pat", "999")
c = list(csv.reader(open(canvas, encoding="utf-8")))
assert c[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"], c[0]
assert c[1][0].strip() == "Points Possible" and c[1][5] == full, c[1]
pat = [r for r in c if r[1] == "999"][0]
assert pat[2] == "S-999" and pat[4] == "A", pat
late = json.load(open(f"{reports}/smithjane_LATE_1234_5678_labs.zip.json"))
assert late["late"] is True
PY
    # weights: lab 01 counts half in the total
    python3 - "$KIT/grader/manifest.json" "$BATS_TEST_TMPDIR/m.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["labs"][0]["weight"] = 0.5
json.dump(m, open(sys.argv[2], "w"))
PY
    mkdir -p "$BATS_TEST_TMPDIR/kit/grader" # merge needs the grader and its manifest only
    cp "$GRADE" "$BATS_TEST_TMPDIR/kit/grader/"
    cp "$BATS_TEST_TMPDIR/m.json" "$BATS_TEST_TMPDIR/kit/grader/manifest.json"
    run "$BATS_TEST_TMPDIR/kit/grader/grade" merge "$BATS_TEST_TMPDIR/w" "$BATS_TEST_TMPDIR/r" --csv "$BATS_TEST_TMPDIR/w.csv"
    assert_success
    python3 - "$BATS_TEST_TMPDIR/w.csv" "$FULL1" <<'PY'
import csv, sys
rows = {r["submission"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
jane = rows["smithjane_LATE_1234_5678_labs.zip"]
want = int(sys.argv[2]) / 2
assert float(jane["total"]) == want and float(jane["max"]) == want and jane["01"] == sys.argv[2], jane
PY
}

@test "fractional points stay fractional (0.5 is not 1) in the report, the CSV and Gradescope's JSON" {
    # a kit whose manifest gives lab 01's first check 0.5 points and lab 01 weight 2
    k="$BATS_TEST_TMPDIR/kit"; mkdir -p "$k/grader"
    for f in labs common solutions; do ln -s "$KIT/$f" "$k/$f"; done
    for f in checks build src; do ln -s "$KIT/grader/$f" "$k/grader/$f"; done
    cp "$GRADE" "$k/grader/"
    python3 - "$KIT/grader/manifest.json" "$k/grader/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["labs"][0]["checks"][0]["points"] = 0.5
m["labs"][0]["weight"] = 2
json.dump(m, open(sys.argv[2], "w"))
PY
    want=$(python3 -c "print($FULL1 - 0.5)")
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b/sol" "$b/start"
    cp -r "$SOL1" "$b/sol/"; cp -r "$START1" "$b/start/"
    run "$k/grader/grade" batch "$b" 01 --csv "$BATS_TEST_TMPDIR/s.csv" --out "$BATS_TEST_TMPDIR/r"
    assert_success
    [ "$(csv_col "$BATS_TEST_TMPDIR/s.csv" sol 01)" = "$want" ]
    [ "$(csv_col "$BATS_TEST_TMPDIR/s.csv" sol total)" = "$(python3 -c "print(int(2 * $want))")" ]
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["labs"][0]["checks"][1]; assert c["max_points"] == 0.5 and d["score"] == float(sys.argv[2]), (c, d["score"])' "$BATS_TEST_TMPDIR/r/sol.json" "$want"
    run "$k/grader/grade" --dir "$b/sol" 01 --gradescope "$BATS_TEST_TMPDIR/gs.json"
    assert_success
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["score"] == float(sys.argv[2]) and any(t["max_score"] == 0.5 for t in r["tests"]), r["score"]' "$BATS_TEST_TMPDIR/gs.json" "$want"
}

@test "a lab that lost points while the grader was starved of CPU is graded again; runs that agree count" {
    b="$BATS_TEST_TMPDIR/subs"; mkdir -p "$b/sam" "$b/sol"
    cp -r "$START1" "$b/sam/"; cp -r "$SOL1" "$b/sol/"
    # Any lateness counts as starvation here: the starter's lab is graded twice.
    PROCLABS_STALL_MS=0.001 run "$GRADE" batch "$b" 01 --csv "$BATS_TEST_TMPDIR/s.csv" --out "$BATS_TEST_TMPDIR/r"
    assert_success
    assert_output --partial "1 lab lost points while the grader waited more than 0 ms for the CPU (the machine is overloaded): grading it again"
    # the starter fails the same way twice: its score stands, with no note
    [ "$(csv_col "$BATS_TEST_TMPDIR/s.csv" sam note)" = "" ]
    [ "$(csv_col "$BATS_TEST_TMPDIR/s.csv" sol total)" = "$FULL1" ]
    python3 -c 'import json,sys; l=json.load(open(sys.argv[1]))["labs"][0]; assert l["stall_ms"] > 0 and "overloaded" not in l, l' "$BATS_TEST_TMPDIR/r/sam.json"
}
