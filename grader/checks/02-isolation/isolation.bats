# Lab 02 program checks: ./isolation
load "$CHECKLIB/check.bash"

@test "program_shows_same_address_different_values" {
    require_program isolation
    run_contained 5 ./isolation 7
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './isolation 7')"
    child=$(grep -m 1 'child [0-9]*: counter at' <<<"$output" || true)
    parent=$(grep -m 1 'parent [0-9]*: counter at' <<<"$output" || true)
    [ -n "$child" ] && [ -n "$parent" ] || fail "$(eval_gettext "./isolation 7 printed no 'child N: counter at' or 'parent N: counter at' line. Output:")
$output"
    caddr=$(sed -n 's/.*counter at \([^ ]*\) = .*/\1/p' <<<"$child")
    paddr=$(sed -n 's/.*counter at \([^ ]*\) = .*/\1/p' <<<"$parent")
    cval=$(sed -n 's/.*counter at [^ ]* = \(-\{0,1\}[0-9]*\),.*/\1/p' <<<"$child")
    pval=$(sed -n 's/.*counter at [^ ]* = \(-\{0,1\}[0-9]*\),.*/\1/p' <<<"$parent")
    [ "$caddr" = "$paddr" ] || fail "$(eval_gettext "the child saw counter at \$caddr but the parent at \$paddr: both must record &counter")"
    [ "$cval" = 7 ] && [ "$pval" = 100 ] || fail "$(eval_gettext "counter was \$cval in the child and \$pval in the parent; expected 7 (the child's own copy) and 100 (the parent's, unchanged):
\$child
\$parent")"
    pshared=$(sed -n 's/.*shared at [^ ]* = \(-\{0,1\}[0-9]*\)$/\1/p' <<<"$parent")
    [ "$pshared" = 7 ] || fail "$(eval_gettext "the parent saw \$pshared in the shared int, not the child's 7: is it made with shared_alloc() before fork()?
\$parent")"
}

@test "program_squares_reach_parent" {
    require_program isolation
    run_contained 5 ./isolation
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './isolation')"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./isolation exited with \$status; its last line:")
$(tail -n 1 <<<"$output")"
    grep -q 'squares: 0 1 4 9 16 25 36 49$' <<<"$output" || fail "$(eval_gettext "./isolation did not print 'squares: 0 1 4 9 16 25 36 49'; it printed:")
$(grep 'squares:' <<<"$output")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./isolation ended: \$leftovers")"
}
