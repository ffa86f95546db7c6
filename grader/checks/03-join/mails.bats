# Lab 03 program checks: ./mails N
load "$CHECKLIB/check.bash"

@test "program_sends_mails_at_once" {
    require_program mails
    run_contained 10 ./mails 10
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 10 './mails 10')"
    sending=$(grep -c 'mail [0-9]*: sending$' <<<"$output" || true)
    [ "$sending" -eq 10 ] || fail "$(eval_gettext "./mails 10 printed \$sending 'mail N: sending' lines instead of 10. Output:")
$output"
    took=$(sed -n 's/.*joined [0-9]* of 10 mail senders in \([0-9]*\) ms$/\1/p' <<<"$output")
    [ -n "$took" ] || fail "$(eval_gettext "./mails 10 printed no 'joined N of 10 mail senders in T ms' line. Output:")
$output"
    # Mail i sleeps (1100 + 100 * (9 - i)) ms times the time scale: one after
    # another that is at least 15500 ms scaled (the sleeps alone), at once
    # about the longest, 2000: a wide margin for a busy machine.
    scale=${PROCLABS_TIME_SCALE:-1}
    serial=$(awk -v s="$scale" 'BEGIN { printf "%d", 15500 * s }')
    parallel=$(awk -v s="$scale" 'BEGIN { printf "%d", 2000 * s }')
    [ "$took" -lt "$serial" ] || fail "$(eval_gettext "./mails 10 took \$took ms to send 10 mails: at once they take about \$parallel ms, one after another at least \$serial ms. The children ran one after another, not at once (joined inside the start loop?): start them all, then join them all. Output:")
$output"
}

@test "program_says_done_after_every_mail" {
    require_program mails
    run_contained 10 ./mails 10
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 10 './mails 10')"
    last=$(tail -n 1 <<<"$output")
    [[ "$last" == *"] done" ]] || fail "$(eval_gettext "the last line of ./mails 10 is '\$last', not 'done': a mail was sent after the parent said done, so not every child was joined (only the last one?). Output:")
$output"
    sent=$(grep -c 'mail [0-9]*: sent$' <<<"$output" || true)
    [ "$sent" -eq 10 ] || fail "$(eval_gettext "./mails 10 said done after only \$sent of 10 'mail N: sent' lines: not every child was joined before done (only the last one?). Join every child you started. Output:")
$output"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./mails 10 exited with \$status. Output:")
$output"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./mails ended: \$leftovers")"
}
