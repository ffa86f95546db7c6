# Lab 17 program checks: ./poolmap N W CHUNK
load "$CHECKLIB/check.bash"

@test "program_maps_in_order_on_pool_workers" {
    require_program poolmap
    run_contained 5 ./poolmap 12 3 2
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './poolmap 12 3 2')"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./poolmap 12 3 2 exited with \$status. Output:")
$output"
    grep -q 'apply: square(7) = 49$' <<<"$output" || fail "$(eval_gettext "./poolmap did not print 'apply: square(7) = 49'. Output:")
$output"
    want="map: 0 1 4 9 16 25 36 49 64 81 100 121"
    got=$(grep -o 'map:.*' <<<"$output" | head -n 1)
    [ "$got" = "$want" ] || fail "$(eval_gettext "./poolmap 12 3 2 printed '\$got', expected '\$want' (results in input order)")"
    pids=$(grep -o 'pids: .*' <<<"$output" | head -n 1)
    [[ "$pids" =~ on\ ([0-9]+)\ distinct\ pids,\ ([0-9]+)\ of ]] || fail "$(eval_gettext "./poolmap printed no 'pids:' line. Output:")
$output"
    [ "${BASH_REMATCH[1]}" -le 3 ] && [ "${BASH_REMATCH[2]}" -eq 0 ] || fail "$(eval_gettext "./poolmap 12 3 2: '\$pids': only the 3 pool workers may run tasks")"
    last=$(tail -n 1 <<<"$output")
    [[ "$last" == *"main: joined, 3 workers reaped" ]] || fail "$(eval_gettext "the last line of ./poolmap is '\$last', not 'main: joined, 3 workers reaped'")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./poolmap ended: \$leftovers")"
}
