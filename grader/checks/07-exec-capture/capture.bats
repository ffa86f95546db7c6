# Lab 07 program checks: ./capture CMD [ARG...]
load "$CHECKLIB/check.bash"

@test "program_captures_command_output" {
    require_program capture
    run_contained 4 ./capture seq 1 20000
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 4 './capture seq 1 20000') $(gettext "(waiting for the child before reading its output? read until EOF first)")"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./capture seq 1 20000 exited with \$status. Its last lines:")
$(tail -n 3 <<<"$output")"
    last=$(tail -n 1 <<<"$output")
    [[ "$last" == "capture: seq wrote 108894 bytes in 20000 lines; exit status 0" ]] ||
        fail "$(eval_gettext "./capture seq 1 20000 ended with '\$last', not 'capture: seq wrote 108894 bytes in 20000 lines; exit status 0'")"
    [ "$(sed -n '20000p' <<<"$output")" = 20000 ] || fail "$(eval_gettext "the captured output of seq 1 20000 does not end with line 20000: output was lost")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./capture ended: \$leftovers")"
}

@test "program_reports_missing_command" {
    require_program capture
    run_contained 4 ./capture no-such-command-for-lab-07 arg
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 4 './capture no-such-command-for-lab-07')"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./capture no-such-command-for-lab-07 exited with \$status: run_capture() must return 0 and report status 127. Output:")
$output"
    grep -q "cannot run no-such-command-for-lab-07" <<<"$output" ||
        fail "$(eval_gettext "no 'capture: cannot run no-such-command-for-lab-07: ...' line on stderr. Output:")
$output"
    last=$(tail -n 1 <<<"$output")
    if [[ "$last" == *"exit status 127" && "$last" != *"wrote 0 bytes"* ]]; then
        fail "$(eval_gettext "./capture no-such-command-for-lab-07 ended with '\$last': the status is right (127), but bytes were captured from a command that never ran. The 'cannot run' line went into the pipe: after dup2() stdout is the pipe, so print it on stderr. Run labs/07-exec-capture/bin/capture no-such-cmd to see it. Output:")
$output"
    fi
    [[ "$last" == *"wrote 0 bytes in 0 lines; exit status 127" ]] ||
        fail "$(eval_gettext "./capture no-such-command-for-lab-07 ended with '\$last', not '... wrote 0 bytes in 0 lines; exit status 127': when execvp() fails the child must _exit(127). Run labs/07-exec-capture/bin/capture no-such-cmd to see it")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./capture ended: \$leftovers")"
}
