# The judge (the test runners) never runs student code itself.
bats_load_library bats-support
bats_load_library bats-assert

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
