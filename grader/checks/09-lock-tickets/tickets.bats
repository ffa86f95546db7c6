# Lab 09 program checks: ./tickets BUYERS TICKETS
load "$CHECKLIB/check.bash"

@test "program_never_oversells" {
    require_program tickets
    run_contained 5 ./tickets 10 1
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './tickets 10 1') (is the lock released on the sold-out path?)"
    summary=$(grep 'office: sold' <<<"$output" | tail -n 1)
    [ -n "$summary" ] || fail "./tickets 10 1 exited with $status before its summary. Output:
$(tail -n 15 <<<"$output")"
    oversold=$(grep 'OVERSOLD' <<<"$output" || true)
    [ -z "$oversold" ] || fail "./tickets 10 1 (with the lock from your lock_new): $summary
$oversold"
    [ "$status" -eq 0 ] || fail "./tickets 10 1 exited with $status: $summary"
    bought=$(grep -c 'buyer [0-9]* bought a ticket' <<<"$output" || true)
    [ "$bought" -eq 1 ] || fail "$bought buyers printed 'bought a ticket', but the office sold 1"
    sees=$(grep -c 'buyer [0-9]* sees [0-9-]* tickets left' <<<"$output" || true)
    [ "$sees" -eq 10 ] || fail "$sees lines 'buyer N sees K tickets left' instead of 10: every buyer searches first"
    [ -z "$leftovers" ] || fail "processes were still running after ./tickets ended: $leftovers"
}
