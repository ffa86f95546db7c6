# Lab 10 program checks: ./hotel ROOMS GUESTS [--named]
load "$CHECKLIB/check.bash"

@test "program_serves_every_guest" {
    require_program hotel
    run_contained 5 ./hotel 4 10
    if [ "$timed_out" -ne 0 ]; then
        gone=$(grep -c 'guest [0-9]* \(leaves its room\|does not like the room\)' <<<"$output" || true)
        fail "$(timeout_message 5 './hotel 4 10'): $(eval_gettext "\$gone of 10 guests had left a room, the others were still waiting for one (rooms not given back?). Run labs/10-semaphore-rooms/bin/hotel 4 10 to see it. Its last lines:")
$(tail -n 5 <<<"$output")"
    fi
    summary=$(grep 'hotel: at most' <<<"$output" | tail -n 1)
    [ -n "$summary" ] || fail "$(eval_gettext "./hotel 4 10 exited with \$status before its summary. Output:")
$(tail -n 15 <<<"$output")"
    over=$(grep 'OVERBOOKED' <<<"$output" || true)
    [ -z "$over" ] || fail "$(eval_gettext "./hotel 4 10: \$summary
\$over")"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./hotel 4 10 exited with \$status: \$summary")"
    [[ "$summary" == *"at most 4 of 4 rooms"* ]] || fail "$(eval_gettext "./hotel 4 10 never had 4 guests in rooms at once: \$summary")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./hotel ended: \$leftovers")"
}

@test "program_named_leaves_nothing_in_dev_shm" {
    require_program hotel
    run_contained 5 ./hotel 4 8 --named
    name=$(sed -n 's/.*semaphore \(\/proclabs-hotel-[0-9-]*\).*/\1/p' <<<"$output" | head -n 1)
    # Clean up whatever the run left, before judging it.
    [ -z "$name" ] || rm -f "/dev/shm/sem.${name#/}"
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './hotel 4 8 --named')"
    left=$(grep 'LEFT BEHIND' <<<"$output" || true)
    [ -z "$left" ] || fail "$(eval_gettext "./hotel 4 8 --named: \$left")"
    summary=$(grep 'hotel: at most' <<<"$output" | tail -n 1)
    [ -n "$summary" ] || summary=$(tail -n 5 <<<"$output")
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./hotel 4 8 --named exited with \$status: \$summary")"
    grep -q 'nothing left in /dev/shm' <<<"$output" || fail "$(eval_gettext "./hotel 4 8 --named did not report on /dev/shm. Output:")
$(tail -n 5 <<<"$output")"
}
