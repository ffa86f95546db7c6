# The judge (the test runners) never runs student code itself.
bats_load_library bats-support
bats_load_library bats-assert
bats_require_minimum_version 1.5.0

@test "no Criterion test function calls a student function outside sandbox_run" {
    [ -d "$BATS_TEST_DIRNAME/../../solutions" ] || skip "needs the solutions"
    run python3 "$BATS_TEST_DIRNAME/judge_calls.py" "$BATS_TEST_DIRNAME/../.."
    assert_success
}

@test "student code's system-call filter refuses unshare and ptrace" {
    run "$BATS_TEST_DIRNAME/../build/as-student" "$(id -u)" unshare -U true
    assert_failure
    run "$BATS_TEST_DIRNAME/../build/as-student" "$(id -u)" strace -o /dev/null true
    assert_failure
}

# as-student --limit stands for `setsid timeout -k 1` in every program a bats
# check runs: the same status for each way a program can end.
@test "as-student --limit ends as setsid timeout -k 1 does" {
    local as="$BATS_TEST_DIRNAME/../build/as-student" uid
    uid=$(id -u)
    local cases=('exit 7' 'kill -SEGV $$' 'kill -TERM $$' 'sleep 5' 'trap "" TERM; sleep 5'
        'echo out; echo err >&2' 'sleep 5 & exit 3')
    for c in "${cases[@]}"; do
        run setsid timeout -k 1 1 sh -c "$c"
        local gnu=$status gnu_out=$output
        run "$as" "$uid" --limit 1 sh -c "$c"
        [ "$status" -eq "$gnu" ] || fail "sh -c '$c': as-student --limit ended $status, timeout $gnu"
        [ "$output" = "$gnu_out" ] || fail "sh -c '$c': output '$output', timeout's '$gnu_out'"
    done
    run -127 "$as" "$uid" --limit 1 /no/such/program
    run "$as" "$uid" --limit soon true
    assert_failure 125
    assert_output --partial "not a time limit"
}

@test "as-student --limit runs the program in a session of its own, led by itself" {
    run "$BATS_TEST_DIRNAME/../build/as-student" "$(id -u)" --limit 2 sh -c \
        'read -r _ _ _ _ sid _ </proc/$$/stat; echo "$sid $PPID"'
    assert_success
    read -r sid parent <<<"$output"
    [ "$sid" = "$parent" ] || fail "session $sid, parent $parent: not the session's leader"
}

# The allow-list looks names up in the libraries the checks link: one that
# does not load (a new soname, a broken install) must not wave its names
# through.
@test "a library the allow-list reads that will not load refuses the build" {
    local kit="$BATS_TEST_DIRNAME/../.." ws="$BATS_TEST_TMPDIR/ws"
    "$kit/grader/grade" starters "$ws" >/dev/null
    mkdir -p "$BATS_TEST_TMPDIR/lib"
    echo "not a library" >"$BATS_TEST_TMPDIR/lib/libcriterion.so.3"
    run env LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/lib" "$kit/grader/grade" --dir "$ws" 01
    assert_failure
    assert_output --partial "the grader cannot load libcriterion.so.3"
}
