# Lab 03 program checks: ./mails N
load "$CHECKLIB/check.bash"

@test "program_sends_mails_at_once" {
    require_program mails
    run_contained 10 ./mails 10
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 10 './mails 10')"
    sending=$(grep -c 'mail [0-9]*: sending$' <<<"$output" || true)
    [ "$sending" -eq 10 ] || fail "./mails 10 printed $sending 'mail N: sending' lines instead of 10. Output:
$output"
    last_start=$(grep -n 'mail [0-9]*: sending$' <<<"$output" | tail -n 1 | cut -d: -f1)
    first_end=$(grep -n 'mail [0-9]*: sent$' <<<"$output" | head -n 1 | cut -d: -f1)
    [ -n "$first_end" ] || fail "./mails 10 printed no 'mail N: sent' line. Output:
$output"
    [ "$last_start" -lt "$first_end" ] || fail "a mail was already sent before the last one started: the children ran one after another, not at once. Start them all, then join them all. Output:
$output"
}

@test "program_says_done_after_every_mail" {
    require_program mails
    run_contained 10 ./mails 10
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 10 './mails 10')"
    last=$(tail -n 1 <<<"$output")
    [[ "$last" == *"] done" ]] || fail "the last line of ./mails 10 is '$last', not 'done': a mail was sent after the parent said done, so not every child was joined (only the last one?). Output:
$output"
    sent=$(grep -c 'mail [0-9]*: sent$' <<<"$output" || true)
    [ "$sent" -eq 10 ] || fail "./mails 10 said done after only $sent of 10 'mail N: sent' lines: not every child was joined before done (only the last one?). Join every child you started. Output:
$output"
    [ "$status" -eq 0 ] || fail "./mails 10 exited with $status. Output:
$output"
    [ -z "$leftovers" ] || fail "processes were still running after ./mails ended: $leftovers"
}
