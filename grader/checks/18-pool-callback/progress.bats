# Lab 18 program checks: ./progress N W
load "$CHECKLIB/check.bash"

@test "program_progress_bar_moves_as_results_arrive" {
    require_program progress
    run_contained 5 ./progress 6 2
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './progress 6 2')"
    main=$(sed -n 's/^\[pid \([0-9]*\)\] main: pid .*/\1/p' <<<"$output" | head -n 1)
    [ -n "$main" ] || fail "$(eval_gettext "./progress printed no 'main: pid' line. Output:")
$output"
    bars=$(grep 'progress \[' <<<"$output" || true)
    strangers=$(grep -v "^\[pid $main\]" <<<"$bars" || true)
    [ -z "$strangers" ] || fail "$(eval_gettext "progress lines were printed by a worker, not the main process \$main: the callback ran in the worker, so the main process's bar never moved:
\$strangers")"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./progress 6 2 exited with \$status. Output:")
$output"
    count=$(grep -c . <<<"$bars" || true)
    [ "$count" -eq 6 ] || fail "$(eval_gettext "./progress 6 2 printed \$count progress lines instead of 6 (one per result, from the callbacks). Output:")
$output"
    steps=$(grep -o '\] [0-9]*/6' <<<"$bars" | tr -d '] ' | tr '\n' ' ')
    [ "$steps" = "1/6 2/6 3/6 4/6 5/6 6/6 " ] || fail "$(eval_gettext "the progress bar went \$steps, not 1/6 ... 6/6")"
    first_bar=$(grep -n 'progress \[' <<<"$output" | head -n 1 | cut -d: -f1)
    last_done=$(grep -n 'worker: task [0-9]* done' <<<"$output" | tail -n 1 | cut -d: -f1)
    [ -n "$last_done" ] && [ "$first_bar" -lt "$last_done" ] || fail "$(eval_gettext "the progress bar did not move until every task had ended: the callbacks ran only at the end, not as each result arrived. Output:")
$output"
    last=$(tail -n 1 <<<"$output")
    [[ "$last" == *"main: 5 ok, 1 failed, bar at 6/6" ]] || fail "$(eval_gettext "the last line of ./progress 6 2 is '\$last', not 'main: 5 ok, 1 failed, bar at 6/6'")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./progress ended: \$leftovers")"
}
