# Lab 13 program checks: ./queue_demo P C N
load "$CHECKLIB/check.bash"

@test "program_moves_every_item" {
    require_program queue_demo
    run_contained 5 ./queue_demo 3 2 200
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './queue_demo 3 2 200')"
    last=$(tail -n 1 <<<"$output")
    [[ "$last" == *"received 600 of 600 items: 0 lost, 0 doubled" ]] ||
        fail "$(eval_gettext "./queue_demo 3 2 200 (3 producers, 2 consumers, 600 items) did not get every item exactly once. Its output ended with:")
$(tail -n 5 <<<"$output")"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./queue_demo 3 2 200 exited with \$status. Its output ended with:")
$(tail -n 5 <<<"$output")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./queue_demo ended: \$leftovers")"
}
