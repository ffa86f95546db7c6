# Lab 12 program checks: ./counter 100, run once for both checks, with a
# fresh $TMPDIR of its own (the program may run as another user).
load "$CHECKLIB/check.bash"

setup_file() {
    [ -x ./counter ] || return 0
    tmp=$(mktemp -d "${STUDENT_TMP:-${TMPDIR:-/tmp}}/lab12.XXXXXX")
    chmod 777 "$tmp"
    BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR BATS_TEST_NUMBER=0 run_contained 8 env TMPDIR="$tmp" ./counter 100
    printf '%s' "$output" >"$BATS_FILE_TMPDIR/output"
    find "$tmp" -mindepth 1 | head -n 5 >"$BATS_FILE_TMPDIR/left"
    export RUN_STATUS=$status RUN_TIMED_OUT=$timed_out RUN_LEFTOVERS=$leftovers RUN_TMP=$tmp
}

teardown_file() {
    [ -z "${RUN_TMP:-}" ] || rm -rf "$RUN_TMP"
}

load_run() {
    require_program counter
    output=$(cat "$BATS_FILE_TMPDIR/output")
    status=$RUN_STATUS timed_out=$RUN_TIMED_OUT leftovers=$RUN_LEFTOVERS tmp=$RUN_TMP
}

@test "program_counts_down_to_zero" {
    load_run
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 8 './counter 100'). $(gettext "Output:")
$(tail -n 5 <<<"$output")"
    grep -q 'count = 0$' <<<"$output" || fail "$(eval_gettext "./counter 100 did not end with count = 0:")
$(grep 'count = ' <<<"$output" || tail -n 3 <<<"$output")"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./counter 100 exited with \$status; its last lines:")
$(tail -n 3 <<<"$output")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./counter ended (the server?): \$leftovers")"
}

@test "program_removes_socket" {
    load_run
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 8 './counter 100')"
    path=$(sed -n 's/.*listening on \(.*\)$/\1/p' <<<"$output" | head -n 1)
    [ -n "$path" ] || fail "$(eval_gettext "./counter 100 printed no 'listening on PATH' line (did manager_start fail?). Output:")
$(tail -n 5 <<<"$output")"
    [[ "$path" == "$tmp/"*/* ]] || fail "$(eval_gettext "the socket \$path is not in a folder of its own under \$TMPDIR (\$tmp)")"
    left=$(cat "$BATS_FILE_TMPDIR/left")
    [ -z "$left" ] || fail "$(eval_gettext "after ./counter 100 ended these were left in \$TMPDIR: \$left
manager_shutdown() must unlink() the socket file and rmdir() its folder")"
}
