# Lab 11 program checks: ./traffic 4 1, run once for both checks.
load "$CHECKLIB/check.bash"

setup_file() {
    [ -x ./traffic ] || return 0
    BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR BATS_TEST_NUMBER=0 run_contained 4 ./traffic 4 1
    printf '%s' "$output" >"$BATS_FILE_TMPDIR/output"
    export RUN_STATUS=$status RUN_TIMED_OUT=$timed_out RUN_LEFTOVERS=$leftovers
}

load_run() {
    require_program traffic
    output=$(cat "$BATS_FILE_TMPDIR/output")
    status=$RUN_STATUS timed_out=$RUN_TIMED_OUT leftovers=$RUN_LEFTOVERS
}

@test "program_every_car_passes" {
    load_run
    if [ "$timed_out" -ne 0 ]; then
        passed=$(grep -c 'car [0-9]*: passes$' <<<"$output" || true)
        fail "$(timeout_message 4 './traffic 4 1'): $(eval_gettext "\$passed of 4 cars had passed. Run labs/11-event-traffic-light/bin/traffic 4 1 to see it. Output:")
$output"
    fi
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./traffic 4 1 exited with \$status; its last line:")
$(tail -n 1 <<<"$output")"
    for i in 0 1 2 3; do
        n=$(grep -c "car $i: passes\$" <<<"$output" || true)
        [ "$n" -eq 1 ] || fail "$(eval_gettext "car \$i passed \$n times instead of once. Output:")
$output"
    done
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./traffic ended: \$leftovers")"
}

@test "program_cars_stop_at_red" {
    load_run
    first_green=$(grep -n 'light: green$' <<<"$output" | head -n 1 | cut -d: -f1)
    [ -n "$first_green" ] || fail "$(eval_gettext "./traffic 4 1 never printed 'light: green'. Output:")
$output"
    early=$(head -n "$first_green" <<<"$output" | grep 'passes$' || true)
    [ -z "$early" ] || fail "$(eval_gettext "a car passed before the light first turned green (it starts red):
\$early
A car that finds the event clear must wait for it. Output:
\$output")"
    grep -q 'car 0: waits at red$' <<<"$output" || fail "$(eval_gettext "car 0 arrives at red but never printed 'car 0: waits at red'. Output:")
$output"
}
