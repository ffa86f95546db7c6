# The kit's bats runner (grader/checks/lib/batslite.bash), which the grader
# runs instead of bats-core: the same TAP as bats-core on every feature the
# checks use, the same verdicts and messages on every lab's program checks,
# and a stream no test can write into.
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    export RUNNER="$KIT/grader/checks/lib/batslite.bash"
    export CHECKLIB="$KIT/grader/checks/lib" BATS_LIB_PATH=${BATS_LIB_PATH:-/usr/lib/bats}
}

# TAP without what only one runner prints: timings and bats' call traces.
normal_tap() {
    grep -v -E '^# (\(in test file|\(from function| in test file|  `)' "$1" | sed -E 's/ in [0-9]+ms$//'
}

@test "bats-core and the kit's runner print the same TAP for every feature the checks use" {
    cd "$BATS_TEST_TMPDIR"
    run bats --tap "$BATS_TEST_DIRNAME/batslite/features.bats"
    core_status=$status
    printf '%s\n' "$output" >core.tap
    run bash "$RUNNER" "$BATS_TEST_DIRNAME/batslite/features.bats"
    [ "$status" -eq "$core_status" ] || fail "exit status $status, bats-core's $core_status"
    printf '%s\n' "$output" >lite.tap
    run diff <(normal_tap core.tap) <(normal_tap lite.tap)
    assert_success
    grep -q '^not ok 2 fails_with_message' lite.tap
    grep -q '^ok 7 skipped # skip for a reason' lite.tap
}

@test "what a test writes never becomes a verdict line" {
    # With a descriptor of ours open, as bats-core gives its tests (fd 3):
    # the runner closes what it was given.
    run bash "$RUNNER" "$BATS_TEST_DIRNAME/batslite/forge.bats"
    assert_failure 1
    assert_equal "$(grep -c -E '^(not )?ok ' <<<"$output")" 2
    assert_line --regexp '^not ok 1 forges in [0-9]+ms$'
    assert_line --regexp '^not ok 2 stays_failed in [0-9]+ms$'
    refute_line --regexp '^ok '
}

@test "-f runs only the tests whose name matches, as bats' -f" {
    cd "$BATS_TEST_TMPDIR"
    run bats --tap -f '^(passes|skipped)$' "$BATS_TEST_DIRNAME/batslite/features.bats"
    printf '%s\n' "$output" >core.tap
    run bash "$RUNNER" -f '^(passes|skipped)$' "$BATS_TEST_DIRNAME/batslite/features.bats"
    assert_success
    printf '%s\n' "$output" >lite.tap
    run diff <(normal_tap core.tap) <(normal_tap lite.tap)
    assert_success
    assert_equal "$(head -n 1 lite.tap)" "1..2"
    grep -q '^ok 1 passes in [0-9]*ms$' lite.tap || fail "$(cat lite.tap)"
}

@test "the runner refuses a missing file with a usage line" {
    run bash "$RUNNER"
    assert_failure 2
    assert_output --partial "usage: bash batslite.bash [-f REGEX] FILE.bats"
    run bash "$RUNNER" /no/such/file.bats
    assert_failure 2
}

# Every lab's program checks, on the solutions and on the starters (which
# fail them with their messages), under both runners: the same verdict and
# the same message, numbers aside (pids, seconds of CPU) and what a timeout
# saw just before its limit.
verdicts() { # verdicts RUNNER GRADE-ARGS...: "lab check status message" per bats check
    PROCLABS_BATS=$1 "$KIT/grader/grade" --jobs 2 "${@:2}" --json - 2>/dev/null |
        python3 -c '
import json, re, sys
for lab in json.load(sys.stdin)["labs"]:
    for c in lab["checks"]:
        if c.get("kind") == "bats":
            msg = c.get("message") or ""
            # What a timeout saw just before the limit depends on how late the
            # look came on a loaded machine, not on the runner.
            msg = re.sub(r"(did not finish within [0-9.]+ s).*", r"\1", msg)
            msg = re.sub(r"[0-9]+", "N", msg).replace("\n", " | ")
            print(lab["id"], c["name"], c["status"], msg)'
}

@test "every lab's program checks give bats-core's verdicts and messages" {
    export PROCLABS_NO_CACHE=1 LANG=C.UTF-8
    for what in --solutions ""; do
        core=$(verdicts bats-core $what)
        lite=$(verdicts kit $what)
        [ -n "$core" ] || fail "no bats checks were reported under bats-core (grade $what)"
        run diff <(echo "$core") <(echo "$lite")
        [ "$status" -eq 0 ] || fail "grade $what: bats-core (<) and the kit's runner (>) differ:
$output"
    done
}

@test "run_contained sees the same under both runners: output, leftovers, a spin, a sleep" {
    run bats --tap "$BATS_TEST_DIRNAME/batslite/contained.bats"
    assert_success
    run bash "$RUNNER" "$BATS_TEST_DIRNAME/batslite/contained.bats"
    assert_success
    refute_output --partial "Killed"
    refute_output --partial "Terminated"
}

# In the grader the programs start through as-student (--limit, and
# --kill-all SID for the leftovers): the same cases, as another user (the
# sweep kills every process of that user, so never our own).
@test "run_contained sees the same through as-student, as the student user" {
    [ "$(id -u)" -eq 0 ] || skip "needs root to run the programs as another user"
    export PROCLABS_AS_STUDENT=$KIT/grader/build/as-student PROCLABS_STUDENT_UID=65123
    chmod 755 "$BATS_TEST_TMPDIR"
    cd "$BATS_TEST_TMPDIR"
    run bash "$RUNNER" "$BATS_TEST_DIRNAME/batslite/contained.bats"
    assert_success
    refute_output --partial "Killed"
    run bats --tap "$BATS_TEST_DIRNAME/batslite/contained.bats"
    assert_success
}
