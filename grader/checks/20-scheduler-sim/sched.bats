# Lab 20 program checks: ./sched POLICY [QUANTUM] [FILE]
load "$CHECKLIB/check.bash"

@test "program_prints_textbook_fcfs" {
    require_program sched
    run_contained 5 ./sched fcfs
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './sched fcfs')"
    [ "$status" -eq 0 ] || fail "./sched fcfs exited with $status. Output:
$output"
    grep -q '| P1 | P2 | P3 |' <<<"$output" || fail "./sched fcfs (P1 24, P2 3, P3 3) should draw the chart | P1 | P2 | P3 |. Output:
$output"
    grep -q 'average turnaround 27.00, average waiting 17.00' <<<"$output" ||
        fail "./sched fcfs should end with 'average turnaround 27.00, average waiting 17.00' (the textbook answer). Output:
$output"
}

@test "program_rr_from_job_file" {
    require_program sched
    # The program may run as another user: a folder of its own it can read.
    dir=$(mktemp -d "${TMPDIR:-/tmp}/lab20.XXXXXX")
    chmod 755 "$dir"
    jobs="$dir/jobs.txt"
    printf '# name arrival burst\nA 0 5\nB 2 3\nC 9 2\n' >"$jobs"
    chmod 644 "$jobs"
    run_contained 5 ./sched rr 2 "$jobs"
    rm -rf "$dir"
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 "./sched rr 2 jobs.txt")"
    [ "$status" -eq 0 ] || fail "./sched rr 2 jobs.txt exited with $status. Output:
$output"
    grep -q '| A | B | A | B | A | idle | C |' <<<"$output" ||
        fail "./sched rr 2 with A 0/5, B 2/3, C 9/2 should draw | A | B | A | B | A | idle | C | (B, arriving as A's slice ends, goes first; the CPU idles from 8 to 9). Output:
$output"
    grep -q 'average turnaround 5.00, average waiting 1.67' <<<"$output" ||
        fail "./sched rr 2 jobs.txt should end with 'average turnaround 5.00, average waiting 1.67'. Output:
$output"
}
