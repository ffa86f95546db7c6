# Every bats feature the kit's checks use, and a few they may
load "$CHECKLIB/check.bash"

setup_file() {
    export FROM_SETUP_FILE=exported
    NOT_EXPORTED=lost
    echo "setup_file ran" >"$BATS_FILE_TMPDIR/marker"
}

teardown_file() {
    [ -f "$BATS_FILE_TMPDIR/marker" ]
}

setup() {
    made_in_setup=yes
}

teardown() {
    echo "teardown of $BATS_TEST_NUMBER" >>"$BATS_FILE_TMPDIR/teardowns"
}

@test "passes" {
    [ "$made_in_setup" = yes ]
    [ "$FROM_SETUP_FILE" = exported ]
    [ -z "${NOT_EXPORTED:-}" ]
}

@test "fails_with_message" {
    fail "a message
on two lines"
}

@test "fails_mid_test" {
    false
    echo "never printed"
}

@test "fails_in_assignment" {
    x=$(exit 3)
    echo "never printed $x"
}

@test "or_fail_passes" {
    [ 1 -eq 1 ] || fail "not shown"
    echo "output of a passing test is not shown"
}

@test "output_then_fail" {
    echo "some output"
    echo "on stderr" >&2
    [ 1 -eq 2 ] || fail "then the message"
}

@test "skipped" {
    skip "for a reason"
    fail "not reached"
}

@test "tmpdirs" {
    [ -d "$BATS_TEST_TMPDIR" ] && [ -d "$BATS_FILE_TMPDIR" ]
    [ "$BATS_TEST_NUMBER" -eq 8 ]
    [ "$(cat "$BATS_FILE_TMPDIR/marker")" = "setup_file ran" ]
    [ "$(wc -l <"$BATS_FILE_TMPDIR/teardowns")" -eq 7 ]
}

@test "a_daemon_keeps_no_one_waiting" {
    ( sleep 3 & ) 
    run_contained 2 sh -c 'sleep 30 & echo started'
    [ "$output" = started ] || fail "output: $output"
}

@test "run_sets_status_and_output" {
    run sh -c 'echo out; exit 3'
    [ "$status" -eq 3 ] && [ "$output" = out ] && [ "${lines[0]}" = out ]
}

@test "unset_variables_are_empty" {
    [ -z "$no_such_variable_anywhere" ]
}

@test "last_command_fails" {
    true
    [ 1 -eq 2 ]
}

@test "bats_assert_on_first_use" {
    run echo "hello world"
    assert_success
    assert_output "hello world"
    assert_equal "$status" 0
    refute_output --partial "bye"
}

@test "bats_assert_fails_with_its_message" {
    run echo "hello"
    assert_output "bye"
}
