# Lab 14 program checks: ./bakery BAKERS LOAVES EATERS
load "$CHECKLIB/check.bash"

@test "program_bakery_runs_to_the_end" {
    require_program bakery
    run_contained 4 ./bakery 3 10 2
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 4 './bakery 3 10 2') $(gettext "Its output ended with:")
$(tail -n 5 <<<"$output")"
    last=$(tail -n 1 <<<"$output")
    [[ "$last" == *"eaten 30 of 30 loaves exactly once" ]] ||
        fail "$(eval_gettext "./bakery 3 10 2 (3 bakers of 10 loaves, 2 eaters) did not eat every loaf exactly once. Its output ended with:")
$(tail -n 3 <<<"$output")"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./bakery 3 10 2 exited with \$status. Its output ended with:")
$(tail -n 3 <<<"$output")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./bakery ended: \$leftovers")"
}
