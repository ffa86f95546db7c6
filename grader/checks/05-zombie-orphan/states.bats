# Lab 05 program checks: ./states and ./reaper
load "$CHECKLIB/check.bash"

# has_line REGEX: a line (after the "[pid N] " prefix) matches the extended regex.
has_line() {
    sed 's/^\[pid [0-9]*\] //' <<<"$output" | grep -qE -- "^$1\$"
}

@test "program_shows_states" {
    require_program states
    run_contained 5 ./states
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './states'). $(gettext "Output:")
$output"
    has_line "me: pid [0-9]+, state R, parent [0-9]+, command 'states'" ||
        fail "$(eval_gettext "./states did not report itself as running (state R, command 'states'). Output:")
$output"
    has_line "sleeping child [0-9]+: state S, command 'sleepy \(child\)'" ||
        fail "$(eval_gettext "./states did not report its sleeping child as state S, command 'sleepy (child)' (a name with a space and parentheses). Output:")
$output"
    has_line "zombie [0-9]+: state Z, parent [0-9]+" ||
        fail "$(eval_gettext "./states did not see its zombie in state Z. Output:")
$output"
    has_line "zombie [0-9]+: reaped, gone from /proc" ||
        fail "$(eval_gettext "./states did not see the zombie gone after waitpid(). Output:")
$output"
    line=$(sed -n 's/.*orphan [0-9]*: parent \([0-9]*\), the middle child is \([0-9]*\)$/\1 \2/p' <<<"$output")
    read -r before middle <<<"$line"
    [ -n "$before" ] && [ "$before" = "$middle" ] ||
        fail "$(eval_gettext "./states: the orphan's first parent was not the middle child. Output:")
$output"
    after=$(sed -n 's/.*orphan [0-9]*: parent \([0-9]*\) after the middle child [0-9]* exited$/\1/p' <<<"$output")
    [ -n "$after" ] && [ "$after" != "$middle" ] ||
        fail "$(eval_gettext "./states: the orphan's parent did not change away from the middle child \$middle after it exited. Output:")
$output"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./states exited with \$status. Output:")
$output"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./states ended: \$leftovers")"
}

@test "program_reaper_reaps_all" {
    require_program reaper
    run_contained 5 ./reaper 8
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './reaper 8'). $(gettext "Output:")
$output"
    has_line "the handler reaped 8 of 8; zombies left: 0" ||
        fail "$(eval_gettext "./reaper 8: 8 children shared one SIGCHLD and the handler did not reap them all:")
$(tail -n 1 <<<"$output")"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./reaper 8 exited with \$status. Output:")
$output"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./reaper ended: \$leftovers")"
}
