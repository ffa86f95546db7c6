# run_contained, under either runner: status, output, leftovers, timeouts and
# the look before the limit (check.bash). The look may come too late on a
# loaded machine (then stuck is empty, and timeout_message says so in general
# words): when it is there, it must name what the processes did.
load "$CHECKLIB/check.bash"

@test "quiet" {
    run_contained 3 sh -c 'echo hi'
    [ "$output" = hi ] && [ "$status" -eq 0 ] && [ -z "$leftovers" ] && [ "$timed_out" -eq 0 ]
}

@test "leftover" {
    run_contained 3 sh -c 'sleep 20 & echo x'
    echo "leftovers=[$leftovers]"
    [ -n "$leftovers" ] && [ "$output" = x ]
}

@test "timeout_spin" {
    run_contained 2 sh -c 'while :; do :; done'
    echo "status=$status timed_out=$timed_out stuck=[$stuck]"
    [ "$timed_out" -eq 1 ] && { [ -z "$stuck" ] || [[ "$stuck" == *spinning* ]]; }
}

@test "timeout_sleep" {
    run_contained 2 sh -c 'sleep 30'
    echo "stuck=[$stuck]"
    [ "$timed_out" -eq 1 ] && { [ -z "$stuck" ] || [[ "$stuck" == *asleep* ]]; }
}
