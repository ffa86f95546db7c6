# Lab 16 program checks: ./pipe_eof N SIZE
load "$CHECKLIB/check.bash"

# The parent's own diagnosis line, when it printed one.
diagnosis() { grep -o 'warning: .*' <<<"$output" | head -n 1; }

@test "program_reads_until_eof" {
    require_program pipe_eof
    run_contained 4 ./pipe_eof 5 100
    [ "$timed_out" -eq 0 ] || fail "$(gettext "./pipe_eof 5 100 did not finish within 4 s: recv never saw EOF: some process still holds the write end.") $(diagnosis)
$(gettext "Output:")
$output"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./pipe_eof 5 100 exited with \$status. Output:")
$output"
    got=$(grep -c 'parent: message [0-9]*: 100 bytes, intact' <<<"$output" || true)
    [ "$got" -eq 5 ] || fail "$(eval_gettext "the parent reported \$got intact 100-byte messages instead of 5. Output:")
$output"
    grep -q 'parent: EOF after 5 messages' <<<"$output" || fail "$(eval_gettext "no 'parent: EOF after 5 messages' line. Output:")
$output"
    grep -q 'parent: worker exited with 0' <<<"$output" || fail "$(eval_gettext "no 'parent: worker exited with 0' line. Output:")
$output"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./pipe_eof ended: \$leftovers")"
}

@test "program_large_messages_whole" {
    require_program pipe_eof
    run_contained 4 ./pipe_eof 2 3000000
    [ "$timed_out" -eq 0 ] || fail "$(gettext "./pipe_eof 2 3000000 did not finish within 4 s (possible deadlock).") $(diagnosis)
$(gettext "Output:")
$output"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./pipe_eof 2 3000000 exited with \$status. Output:")
$output"
    got=$(grep -c 'parent: message [0-9]*: 3000000 bytes, intact' <<<"$output" || true)
    [ "$got" -eq 2 ] || fail "$(eval_gettext "the parent reported \$got intact 3000000-byte messages instead of 2: a message bigger than the socket buffer must arrive whole (loop over partial reads and writes). Output:")
$output"
    grep -q 'parent: EOF after 2 messages' <<<"$output" || fail "$(eval_gettext "no 'parent: EOF after 2 messages' line. Output:")
$output"
}
