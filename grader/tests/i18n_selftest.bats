# The self-test matches the mutants' English messages (their expect files):
# it must run in English whatever the caller's language.
bats_load_library bats-support
bats_load_library bats-assert

@test "grade selftest runs in English under LANGUAGE=zh_CN and LANG=zh_CN.UTF-8" {
    KIT="$BATS_TEST_DIRNAME/../.."
    run env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$BATS_TEST_TMPDIR" LANGUAGE=zh_CN \
        LANG=zh_CN.UTF-8 "$KIT/grader/grade" selftest 01
    assert_success
    assert_line --regexp '^selftest: [0-9]+ passed, 0 failed$'
}
