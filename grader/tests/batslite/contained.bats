# run_contained, under either runner: status, output, leftovers, timeouts and
# the look before the limit (check.bash)
load "$CHECKLIB/check.bash"
@test "quiet" {
    run_contained 3 sh -c 'echo hi'
    [ "$output" = hi ] && [ "$status" -eq 0 ] && [ -z "$leftovers" ] && [ "$timed_out" -eq 0 ]
}
@test "leftover" {
    run_contained 3 sh -c 'sleep 20 & sleep 0.2; echo x'
    echo "leftovers=[$leftovers]"
    [ -n "$leftovers" ]
}
@test "timeout_spin" {
    run_contained 2 sh -c 'while :; do :; done'
    echo "status=$status timed_out=$timed_out stuck=[$stuck]"
    [ "$timed_out" -eq 1 ] && [[ "$stuck" == *spinning* ]]
}
@test "timeout_sleep" {
    run_contained 2 sh -c 'sleep 30'
    echo "stuck=[$stuck]"
    [ "$timed_out" -eq 1 ] && [[ "$stuck" == *asleep* ]]
}
@test "ends_late_not_stuck" {
    run_contained 2 sh -c 'sleep 1.6; echo done'
    echo "stuck=[$stuck] status=$status"
    [ "$timed_out" -eq 0 ] && [ -z "$stuck" ] && [ "$output" = done ]
}
