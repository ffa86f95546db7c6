# Lab 01 program checks: ./family N
load "$CHECKLIB/check.bash"

@test "program_reports_parent_relations" {
    require_program family
    run_contained 5 ./family 3
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './family 3')"
    parent=$(sed -n 's/.*parent: I am \([0-9]*\),.*/\1/p' <<<"$output" | head -n 1)
    [ -n "$parent" ] || fail "$(eval_gettext "./family 3 printed no 'parent: I am ...' line. Output:")
$output"
    children=$(grep -c 'child [0-9]*: I am' <<<"$output" || true)
    [ "$children" -eq 3 ] || fail "$(eval_gettext "./family 3 printed \$children 'child N: I am' lines instead of 3. Output:")
$output"
    # log_line() prints the real pid of the printing process in "[pid N]".
    liar=$(grep 'child [0-9]*: I am' <<<"$output" | sed -n 's/^\[pid \([0-9]*\)\] .*: I am \([0-9]*\),.*/\1 \2/p' | awk '$1 != $2' | head -n 1)
    if [ -n "$liar" ]; then
        real=${liar% *} said=${liar#* }
        fail "$(eval_gettext "a child's line comes from process \$real (log_line() prints the real pid), but it says 'I am \$said': who_am_i().pid is not the calling process's getpid() (a value kept from an earlier call?). Output:")
$output"
    fi
    bad=$(grep 'child [0-9]*: I am' <<<"$output" | grep -v "my parent is $parent\$" || true)
    [ -z "$bad" ] || fail "$(eval_gettext "a child's parent is not the parent process \$parent (is who_am_i().ppid getppid()?):
\$bad")"
    self=$(grep -c "child [0-9]*: I am $parent," <<<"$output" || true)
    [ "$self" -eq 0 ] || fail "$(eval_gettext "a child reported the parent's pid \$parent as its own: the job ran in the parent")"
}

@test "program_reaps_all_children" {
    require_program family
    run_contained 5 ./family 5
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './family 5')"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./family 5 exited with \$status; its last line:")
$(tail -n 1 <<<"$output")"
    last=$(tail -n 1 <<<"$output")
    [[ "$last" == *"reaped 5 of 5 children" ]] || fail "$(eval_gettext "the last line of ./family 5 is '\$last', not 'reaped 5 of 5 children': a child printed after the parent finished, so it was not waited for")"
    [ -z "$leftovers" ] || fail "$(eval_gettext "processes were still running after ./family ended: \$leftovers")"
    for i in 0 1 2 3 4; do
        grep -q "child $i had pid [0-9]* and exited with 1$i\$" <<<"$output" ||
            fail "$(eval_gettext "the parent did not report child \$i's exit code 1\$i. Output:")
$output"
    done
}
