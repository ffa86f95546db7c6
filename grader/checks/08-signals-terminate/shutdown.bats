# Lab 08 program checks: ./shutdown graceful|stubborn
load "$CHECKLIB/check.bash"

@test "program_graceful_shutdown" {
    require_program shutdown
    run_contained 10 ./shutdown graceful
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 10 './shutdown graceful')"
    if grep -q 'worker_main() returned 1' <<<"$output"; then
        fail "$(eval_gettext "./shutdown graceful: worker_main() returned 1, which means the temp file could not be made (scratch_open() failed), but the file's folder exists and is writable. Run labs/08-signals-terminate/bin/shutdown to see it. Output:")
$output"
    fi
    grep -q 'worker: cleaned up' <<<"$output" || fail "$(eval_gettext "./shutdown graceful: the worker never logged 'worker: cleaned up'. Output:")
$output"
    grep -q 'ended with exitcode -15 ' <<<"$output" || fail "$(eval_gettext "./shutdown graceful: the worker did not end with exitcode -15. Output:")
$output"
    grep -q 'removed: yes' <<<"$output" || fail "$(eval_gettext "./shutdown graceful: the worker's temp file was not removed. Output:")
$output"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./shutdown graceful exited with \$status. Output:")
$output"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./shutdown graceful ended: \$leftovers")"
}

@test "program_stubborn_worker_killed" {
    require_program shutdown
    run_contained 5 ./shutdown stubborn
    [ "$timed_out" -eq 0 ] || fail "$(eval_gettext "./shutdown stubborn did not finish within 5 s, although its grace period is 300 ms: terminate() did not end the worker that ignores SIGTERM (no SIGKILL after the grace period, or a grace period in the wrong unit; the check terminate_escalates_to_sigkill says where it waits). Run labs/08-signals-terminate/bin/shutdown stubborn to see it. Output:")
$output"
    grep -q 'ended with exitcode -9 ' <<<"$output" || fail "$(eval_gettext "./shutdown stubborn: the worker that ignores SIGTERM did not end with exitcode -9. Output:")
$output"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./shutdown stubborn exited with \$status. Output:")
$output"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./shutdown stubborn ended: \$leftovers")"
}
