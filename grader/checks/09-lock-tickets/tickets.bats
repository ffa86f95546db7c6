# Lab 09 program checks: ./tickets BUYERS TICKETS
load "$CHECKLIB/check.bash"

# The program keeps its ticket file in $TMPDIR. It gets a folder this check
# makes, under the temporary folder the student's processes see
# ($STUDENT_TMP), writable by them: never a path only the judge can use.
setup() {
    office_tmp=$(mktemp -d "${STUDENT_TMP:-${TMPDIR:-/tmp}}/lab09.XXXXXX")
    chmod 0777 "$office_tmp"
}

teardown() {
    [ -z "${office_tmp:-}" ] || rm -rf "$office_tmp"
}

@test "program_never_oversells" {
    require_program tickets
    run_contained 5 env TMPDIR="$office_tmp" ./tickets 10 1
    if [ "$timed_out" -ne 0 ]; then
        done_n=$(grep -c 'buyer [0-9]* \(bought a ticket\|found no ticket left\)' <<<"$output" || true)
        fail "$(timeout_message 5 './tickets 10 1'): $(eval_gettext "\$done_n of 10 buyers had finished buy(), the others were still in it (a buyer left the lock held, and the rest wait for it?). Run labs/09-lock-tickets/bin/tickets 10 1 to see it. Its last lines:")
$(tail -n 5 <<<"$output")"
    fi
    summary=$(grep 'office: sold' <<<"$output" | tail -n 1)
    [ -n "$summary" ] || fail "$(eval_gettext "./tickets 10 1 exited with \$status before its summary. Output:")
$(tail -n 15 <<<"$output")"
    oversold=$(grep 'OVERSOLD' <<<"$output" || true)
    [ -z "$oversold" ] || fail "$(eval_gettext "./tickets 10 1 (with the lock from your lock_new): \$summary
\$oversold")"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./tickets 10 1 exited with \$status: \$summary")"
    bought=$(grep -c 'buyer [0-9]* bought a ticket' <<<"$output" || true)
    [ "$bought" -eq 1 ] || fail "$(eval_gettext "\$bought buyers printed 'bought a ticket', but the office sold 1")"
    sees=$(grep -c 'buyer [0-9]* sees [0-9-]* tickets left' <<<"$output" || true)
    [ "$sees" -eq 10 ] || fail "$(eval_gettext "\$sees lines 'buyer N sees K tickets left' instead of 10: every buyer searches first")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./tickets ended: \$leftovers")"
}
