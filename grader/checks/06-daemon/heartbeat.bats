# Lab 06 program checks: ./heartbeat exit|kill|fork
load "$CHECKLIB/check.bash"

# The watcher's verdict, shared by the checks below. On a problem it sets
# $problem and returns 1; the check then fails with it (a fail inside a helper
# would add bats' call trace to the message).
daemon_ended() { # daemon_ended MODE HOW-THE-MAIN-ENDED
    local mode=$1 how=$2
    problem=""
    if [ "$timed_out" -ne 0 ]; then
        problem="$(timeout_message 10 "./heartbeat $1")"
    elif grep -q 'watcher: no daemon was started' <<<"$output"; then
        problem="$(eval_gettext "./heartbeat \$mode: start_daemon() failed, no daemon ran. Output:")
$output"
    elif [ "$(grep -c 'daemon: still alive' <<<"$output")" -lt 3 ]; then
        problem="$(eval_gettext "./heartbeat \$mode printed fewer than 3 'still alive' lines: the daemon must run the heartbeat job. Output:")
$output"
    elif ! grep -q "watcher: main process [0-9]* $2" <<<"$output"; then
        problem="$(eval_gettext "./heartbeat \$mode: the main process did not end as expected ('\$how'). Output:")
$output"
    elif grep -q 'outlived it' <<<"$output"; then
        problem="$(eval_gettext "./heartbeat \$mode: the daemon outlived the main process (\$how):")
$(grep 'outlived it' <<<"$output")"
    elif [ "$status" -ne 0 ] || ! grep -q 'watcher: daemon [0-9]* ended' <<<"$output"; then
        problem="$(eval_gettext "./heartbeat \$mode exited with \$status and the watcher did not see the daemon end. Output:")
$output"
    elif [ -n "$leftovers" ]; then
        problem="$(eval_gettext "processes were still running after ./heartbeat \$mode ended: \$leftovers")"
    fi
    [ -z "$problem" ]
}

@test "program_heartbeat_ends_with_main" {
    require_program heartbeat
    run_contained 10 ./heartbeat exit
    daemon_ended exit "exited with 0" || fail "$problem"
}

@test "program_daemon_dies_with_killed_main" {
    require_program heartbeat
    run_contained 10 ./heartbeat kill
    daemon_ended kill "was killed by signal 9" || fail "$problem"
}

@test "program_daemon_refuses_children" {
    require_program heartbeat
    run_contained 10 ./heartbeat fork
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 10 './heartbeat fork')"
    grep -q 'daemon: still alive' <<<"$output" || fail "$(eval_gettext "./heartbeat fork: no daemon ran. Output:")
$output"
    ran=$(grep 'child of the daemon: running' <<<"$output" || true)
    [ -z "$ran" ] || fail "$(eval_gettext "./heartbeat fork: the daemon started a child, but daemonic processes are not allowed to have children:
\$ran")"
    grep -q 'daemon: start_process() refused' <<<"$output" ||
        fail "$(eval_gettext "./heartbeat fork: start_process() in the daemon was not refused. Output:")
$output"
    grep -q 'daemonic processes are not allowed to have children' <<<"$output" ||
        fail "$(eval_gettext "./heartbeat fork: the refusal printed no clear error (DAEMON_CHILD_ERROR on stderr). Output:")
$output"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./heartbeat fork exited with \$status. Output:")
$output"
}
