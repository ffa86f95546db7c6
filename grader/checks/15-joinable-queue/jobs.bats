# Lab 15 program checks: ./jobs WORKERS JOBS
load "$CHECKLIB/check.bash"

@test "program_join_waits_for_all_jobs" {
    require_program jobs
    run_contained 4 ./jobs 3 12
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 4 './jobs 3 12') $(gettext "Its output ended with:")
$(tail -n 3 <<<"$output")"
    last=$(tail -n 1 <<<"$output")
    [[ "$last" == *"join returned with 12 of 12 jobs done" ]] ||
        fail "$(eval_gettext "./jobs 3 12 did not join after all 12 jobs. Its output ended with:")
$(tail -n 3 <<<"$output")"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./jobs 3 12 exited with \$status")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./jobs ended: \$leftovers")"
}
