# Lab 04 program checks: ./lifecycle
load "$CHECKLIB/check.bash"

# has_line TEXT: the output has a line ending in TEXT (after the "[pid N] " prefix).
has_line() {
    grep -qxF -- "$1" <<<"$(sed 's/^\[pid [0-9]*\] //' <<<"$output")"
}

@test "program_names_and_exitcodes" {
    require_program lifecycle
    run_contained 3 ./lifecycle
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 3 './lifecycle'). $(gettext "Output:")
$output"
    want=(
        "Process-1 before start: pid 0, alive 0, exitcode none|an object before start()"
        "Process-1 has exited, not yet joined: alive 0|is_alive() of a zombie must be 0"
        "Process-3 after join(100 ms): timed out, alive 1, exitcode none|join(100 ms) on a sleeping child times out and leaves it alive"
        "countdown: 3|the \"subclass\" countdown runs its own run()"
        "countdown: 1|the \"subclass\" countdown runs its own run()"
        "Process-1 exitcode 0, alive 0|a target that returned 0"
        "Process-2 exitcode 3, alive 0|a target that returned 3"
        "Process-3 exitcode -15, alive 0|a child ended by terminate() has exitcode -SIGTERM"
        "countdown exitcode 0, alive 0|the subclass named \"countdown\""
        "Process-5 exitcode 5, alive 0|a target that called exit(5); the named countdown took number 4"
    )
    for w in "${want[@]}"; do
        line=${w%%|*} why=${w#*|}
        has_line "$line" || fail "$(eval_gettext "./lifecycle printed no line '\$line' (\$why). Output:")
$output"
    done
}

@test "program_joins_everything" {
    require_program lifecycle
    run_contained 3 ./lifecycle
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 3 './lifecycle'). $(gettext "Output:")
$output"
    ! grep -q "still runs 2 s after terminate" <<<"$output" ||
        fail "$(eval_gettext "terminate() did not end the sleeping child within 2 s: send it SIGTERM. Output:")
$output"
    last=$(tail -n 1 <<<"$output")
    [[ "$last" == *"joined 5 of 5 processes" ]] || fail "$(eval_gettext "the last line of ./lifecycle is '\$last', not 'joined 5 of 5 processes': start and join must work for every object. Output:")
$output"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./lifecycle exited with \$status")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./lifecycle ended: \$leftovers")"
}
