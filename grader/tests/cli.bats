# The grader's command line: exit codes, errors, JSON.
bats_load_library bats-support
bats_load_library bats-assert

setup() {
    KIT="$BATS_TEST_DIRNAME/../.."
    GRADE="$KIT/grader/grade"
}

@test "solutions score full marks and exit 0" {
    run "$GRADE" --solutions 01
    assert_success
    assert_output --regexp "01-fork-getpid +\[#+\] +([0-9]+)/\1"
}

@test "the untouched starter exits 1 and shows messages and hints" {
    run "$GRADE" 01
    assert_failure 1
    assert_output --partial "FAIL start_child_returns_child_pid"
    assert_output --partial "hint:"
}

@test "an unknown lab is a one-line error with exit 2" {
    run "$GRADE" 99
    assert_failure 2
    assert_output --partial "no lab '99'"
    [ "${#lines[@]}" -eq 1 ]
}

@test "a missing --dir is a one-line error with exit 2" {
    run "$GRADE" --dir /nonexistent/submission
    assert_failure 2
    assert_output --partial "no such folder"
    [ "${#lines[@]}" -eq 1 ]
}

@test "a submission lacking a student file scores 0 with 'file X not found'" {
    mkdir -p "$BATS_TEST_TMPDIR/sub/01-fork-getpid"
    run "$GRADE" --dir "$BATS_TEST_TMPDIR/sub" --json - 01
    assert_failure 1
    assert_output --partial "file family.c not found"
    score=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["labs"][0]["score"])' <<<"$output")
    [ "$score" -eq 0 ]
}

@test "--json - writes the documented fields and valid JSON" {
    run "$GRADE" --solutions --json - 01
    assert_success
    python3 - "$output" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["score"] == d["max_score"] > 0
lab = d["labs"][0]
for k in ("id", "slug", "score", "max_score", "checks"):
    assert k in lab, k
for c in lab["checks"]:
    for k in ("name", "kind", "status", "points", "max_points", "message"):
        assert k in c, k
    assert c["kind"] in ("build", "criterion", "bats")
    assert c["status"] in ("passed", "failed", "timeout", "crashed", "error")
PY
}

@test "a compile error is a scored failure showing the compiler's errors" {
    mkdir -p "$BATS_TEST_TMPDIR/sub/01-fork-getpid"
    echo 'this is not C' >"$BATS_TEST_TMPDIR/sub/01-fork-getpid/family.c"
    run "$GRADE" --dir "$BATS_TEST_TMPDIR/sub" 01
    assert_failure 1
    assert_output --partial "does not compile"
    assert_output --regexp "01-fork-getpid +\[\.+\] +0/"
}

@test "a student main() does not replace Criterion's" {
    mkdir -p "$BATS_TEST_TMPDIR/sub/01-fork-getpid"
    cp "$KIT/labs/01-fork-getpid/family.c" "$BATS_TEST_TMPDIR/sub/01-fork-getpid/"
    printf '#undef main\nint main(void) { return 0; }\n' >>"$BATS_TEST_TMPDIR/sub/01-fork-getpid/family.c"
    run "$GRADE" --dir "$BATS_TEST_TMPDIR/sub" 01
    assert_failure 1
    refute_output --regexp "01-fork-getpid +\[#+\] +([0-9]+)/\1"
}

@test "-v shows per-check timings" {
    run "$GRADE" --solutions -v 01
    assert_success
    assert_output --regexp "ok   who_am_i_matches_getpid .* ms"
}
