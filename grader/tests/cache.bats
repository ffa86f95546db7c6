# The verdict cache: an unchanged lab is answered from it, and a change to
# any kind of input (student file, given file, check, flags, manifest entry,
# grader binary) grades it again. Works on a copy of the kit, which it edits.
bats_load_library bats-support
bats_load_library bats-assert

LAB=01-fork-getpid

setup_file() {
    export KIT="$BATS_FILE_TMPDIR/kit"
    mkdir -p "$KIT"
    (cd "$BATS_TEST_DIRNAME/../.." && tar --exclude=./.git -cf - .) | tar -xf - -C "$KIT"
    export WS="$BATS_FILE_TMPDIR/ws"
    mkdir -p "$WS"
    cp -r "$KIT/solutions/$LAB" "$WS/"
    export PROCLABS_CACHE="$BATS_FILE_TMPDIR/cache"
    unset PROCLABS_NO_CACHE
    "$KIT/grader/grade" --dir "$WS" 01 >/dev/null # the first verdict, stored
}

setup() {
    unset PROCLABS_NO_CACHE
}

stored() { # each stored verdict: its time, score and the checks that did not pass
    python3 - "$PROCLABS_CACHE" <<'PY'
import glob, json, os, sys
for f in sorted(glob.glob(sys.argv[1] + "/" + "[0-9a-f]" * 64 + ".json"), key=os.path.getmtime):
    v = json.load(open(f))["verdict"]
    bad = [c["name"] + ":" + c["status"] for c in v["checks"] if c["status"] != "passed"]
    print(" [%.3f %s/%s %s]" % (os.path.getmtime(f), v["score"], v["max_score"], " ".join(bad)), end="")
PY
}

entries() { # how many verdicts are stored (not durations.json: written after a grade of 200 ms or more)
    find "$PROCLABS_CACHE" -maxdepth 1 -regextype egrep -regex '.*/[0-9a-f]{64}\.json' | wc -l
}

score() { # score [ENV...]: grade lab 01 of $WS; prints "score/max"
    env "$@" "$KIT/grader/grade" --dir "$WS" --json - 01 |
        python3 -c 'import json,sys; l=json.load(sys.stdin)["labs"][0]; print("%d/%d" % (l["score"], l["max_score"]))'
}

bump_timeout() { # bump_timeout LAB MANIFEST: one more second for LAB's checks
    python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[2]))
lab = next(l for l in d["labs"] if l["id"] == sys.argv[1])
lab["timeout"] = lab["timeout"] + 1
json.dump(d, open(sys.argv[2], "w"), indent=2, ensure_ascii=False)
PY
}

# expect_regraded CHANGE UNDO: after CHANGE one more verdict is stored (the
# lab was graded again), after UNDO none (the first verdict is found again).
expect_regraded() {
    local before full after
    before=$(entries)
    full=$(score)
    eval "$1"
    score >/dev/null
    after=$(entries)
    [ "$after" -eq $((before + 1)) ] || fail "after '$1' the lab was not graded again ($before verdicts stored before, $after after; first score $full); stored: $(stored)"
    eval "$2"
    [ "$(score)" = "$full" ] || fail "after '$2' the verdict is not the first one"
    [ "$(entries)" -eq "$after" ] || fail "after '$2' the lab was graded again instead of answered from the cache"
}

@test "an unchanged lab is answered from the cache with the same verdict, fast" {
    before=$(entries)
    [ "$before" -ge 1 ]
    first=$(score)
    run "$KIT/grader/grade" --dir "$WS" --json - 01
    [ "$(entries)" -eq "$before" ]
    ms=$(python3 -c 'import json,sys; print(int(json.load(sys.stdin)["labs"][0]["ms"]))' <<<"$output")
    [ "$ms" -lt 1000 ] || fail "a cached verdict took $ms ms"
    [ "$(score)" = "$first" ]
}

@test "a change to the student's file grades again, and a wrong one is not given the old verdict" {
    f="$WS/$LAB/family.c"
    cp "$f" "$BATS_TEST_TMPDIR/family.c"
    expect_regraded "echo '/* edited */' >>'$f'" "cp '$BATS_TEST_TMPDIR/family.c' '$f'"
    full=$(score)
    cp "$KIT/labs/$LAB/family.c" "$f" # the starter: compiles, fails checks
    [ "$(score)" != "$full" ] || fail "the starter got the solution's verdict $full"
    cp "$BATS_TEST_TMPDIR/family.c" "$f"
    [ "$(score)" = "$full" ]
}

@test "a lab folder linked to one already graded is not given its verdict" {
    # (A submission's symbolic link to solutions/ or to another student's
    # folder: the build refuses it, and the cache never reads through it.)
    local linked="$BATS_TEST_TMPDIR/linked"
    mkdir -p "$linked"
    ln -s "$WS/$LAB" "$linked/$LAB"
    full=$(score) # the folder it links to, graded and stored
    [ "${full%%/*}" -gt 0 ]
    run "$KIT/grader/grade" --dir "$linked" --json - 01
    got=$(python3 -c 'import json,sys; l=json.load(sys.stdin)["labs"][0]; print("%d/%d %s" % (l["score"], l["max_score"], l.get("error")))' <<<"$output")
    [[ "$got" == "0/"*"is a symbolic link"* ]] || fail "a linked lab folder got: $got"
}

@test "a change to a file the lab gives grades again" {
    f="$KIT/labs/$LAB/family_main.c"
    cp "$f" "$BATS_TEST_TMPDIR/given"
    expect_regraded "echo '/* edited */' >>'$f'" "cp '$BATS_TEST_TMPDIR/given' '$f'"
}

@test "a given file is compiled again when it changes, not taken from the build cache" {
    f="$KIT/labs/$LAB/family_main.c"
    cp "$f" "$BATS_TEST_TMPDIR/given"
    full=$(score)
    echo '#error edited' >>"$f"
    run "$KIT/grader/grade" --dir "$WS" 01
    cp "$BATS_TEST_TMPDIR/given" "$f"
    assert_failure 1
    assert_output --partial "#error edited"
    [ "$(score)" = "$full" ]
}

@test "a change to a check grades again" {
    f="$KIT/grader/checks/$LAB/family.bats"
    cp "$f" "$BATS_TEST_TMPDIR/check"
    expect_regraded "echo '# edited' >>'$f'" "cp '$BATS_TEST_TMPDIR/check' '$f'"
}

@test "the kit's digest is not memoised while one of its files changed in the last two seconds" {
    # Its next change could keep the same size and times (a clock tick is
    # coarser than a nanosecond): only the content would tell, then.
    f="$KIT/grader/checks/$LAB/family.bats"
    cp "$f" "$BATS_TEST_TMPDIR/check"
    rm -f "$PROCLABS_CACHE/kit-01.memo"
    echo '# edited' >>"$f"
    score >/dev/null
    [ ! -e "$PROCLABS_CACHE/kit-01.memo" ] || fail "memoised a second after a change"
    cp "$BATS_TEST_TMPDIR/check" "$f"
    sleep 2.1 # the rule's own time (a ctime cannot be set back)
    score >/dev/null
    [ -e "$PROCLABS_CACHE/kit-01.memo" ] || fail "not memoised when nothing changed for two seconds"
}

@test "a change to the flags that reach the runs grades again" {
    # The compiler's flags are constants of the grader binary (its own test
    # below); what a run sees of the environment is part of the key.
    expect_regraded "export PROCLABS_SOME_FLAG=1" "unset PROCLABS_SOME_FLAG"
}

@test "a change to the lab's manifest entry grades again, one to another lab's does not" {
    m="$KIT/grader/manifest.json"
    cp "$m" "$BATS_TEST_TMPDIR/manifest"
    bump_timeout 19 "$m"
    before=$(entries)
    score >/dev/null
    [ "$(entries)" -eq "$before" ] || fail "a change to lab 19's entry graded lab 01 again"
    cp "$BATS_TEST_TMPDIR/manifest" "$m"
    expect_regraded "bump_timeout 01 '$m'" "cp '$BATS_TEST_TMPDIR/manifest' '$m'"
}

@test "a change to the grader binary grades again" {
    g="$KIT/grader/grade"
    cp "$g" "$BATS_TEST_TMPDIR/grade"
    expect_regraded "printf '\\0' >>'$g'" "cp '$BATS_TEST_TMPDIR/grade' '$g'"
}

@test "a cache folder that others may write is never used" {
    f="$WS/$LAB/family.c"
    cp "$f" "$BATS_TEST_TMPDIR/family.c"
    echo '/* not graded before */' >>"$f"
    before=$(entries)
    chmod 0777 "$PROCLABS_CACHE"
    score >/dev/null
    chmod 0700 "$PROCLABS_CACHE"
    [ "$(entries)" -eq "$before" ] || fail "a verdict was stored in a folder that others may write"
    cp "$BATS_TEST_TMPDIR/family.c" "$f"
}

@test "the cache keeps its newest 2000 verdicts: past 2500 the oldest go" {
    cache=$BATS_TEST_TMPDIR/cache
    mkdir -m 700 "$cache"
    python3 - "$cache" <<'PY'
import hashlib, os, sys
for i in range(2600):
    p = os.path.join(sys.argv[1], hashlib.sha256(b"%d" % i).hexdigest() + ".json")
    open(p, "w").write("{}")
    os.utime(p, (1000000 + i, 1000000 + i))  # file i is the i-th oldest
PY
    echo "/* an edit: a fresh grade, stored */" >>"$WS/$LAB/family.c"
    PROCLABS_CACHE=$cache "$KIT/grader/grade" --dir "$WS" 01 >/dev/null
    kept=$(find "$cache" -maxdepth 1 -regextype egrep -regex '.*/[0-9a-f]{64}\.json' | wc -l)
    [ "$kept" -eq 2000 ] || fail "$kept verdicts kept, not 2000"
    oldest_kept=$(python3 -c 'import hashlib; print(hashlib.sha256(b"601").hexdigest())')
    gone=$(python3 -c 'import hashlib; print(hashlib.sha256(b"600").hexdigest())')
    [ -f "$cache/$oldest_kept.json" ] && [ ! -f "$cache/$gone.json" ] || fail "not the oldest that went"
    run score PROCLABS_CACHE="$cache"
    assert_output "13/13"
}
