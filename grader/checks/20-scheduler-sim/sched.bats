# Lab 20 program checks: ./sched POLICY [QUANTUM] [FILE]
load "$CHECKLIB/check.bash"

@test "program_prints_textbook_fcfs" {
    require_program sched
    run_contained 5 ./sched fcfs
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 './sched fcfs')"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./sched fcfs exited with \$status. Output:")
$output"
    grep -q '| P1 | P2 | P3 |' <<<"$output" || fail "$(eval_gettext "./sched fcfs (P1 24, P2 3, P3 3) should draw the chart | P1 | P2 | P3 |. Output:")
$output"
    grep -q 'average turnaround 27.00, average waiting 17.00' <<<"$output" ||
        fail "$(eval_gettext "./sched fcfs should end with 'average turnaround 27.00, average waiting 17.00' (the textbook answer). Output:")
$output"
}

# job_file LINES...: a job file the program (maybe another user) can read;
# sets $jobs and $dir.
job_file() {
    dir=$(mktemp -d "${STUDENT_TMP:-${TMPDIR:-/tmp}}/lab20.XXXXXX")
    chmod 755 "$dir"
    jobs="$dir/jobs.txt"
    printf '%s\n' "$@" >"$jobs"
    chmod 644 "$jobs"
}

# field JOB COLUMN: a column of the job's row in the table (4 finish, 6 waiting).
field() {
    awk -v job="$1" -v col="$2" '$1 == job && NF == 6 { print $col }' <<<"$output"
}

@test "program_rr_from_job_file" {
    require_program sched
    job_file '# name arrival burst' 'A 0 5' 'B 2 3' 'C 9 2'
    run_contained 5 ./sched rr 2 "$jobs"
    rm -rf "$dir"
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 5 "./sched rr 2 jobs.txt")"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./sched rr 2 jobs.txt exited with \$status. Output:")
$output"
    grep -q '| A | B | A | B | A | idle | C |' <<<"$output" ||
        fail "$(eval_gettext "./sched rr 2 with A 0/5, B 2/3, C 9/2 should draw | A | B | A | B | A | idle | C | (B, arriving as A's slice ends, goes first; the CPU idles from 8 to 9). Output:")
$output"
    grep -q 'average turnaround 5.00, average waiting 1.67' <<<"$output" ||
        fail "$(eval_gettext "./sched rr 2 jobs.txt should end with 'average turnaround 5.00, average waiting 1.67'. Output:")
$output"
}

@test "program_long_schedule" {
    require_program sched
    job_file 'A 0 257' 'B 0 256'
    run_contained 10 ./sched rr 1 "$jobs"
    [ "$timed_out" -eq 0 ] || fail "$(timeout_message 10 './sched rr 1 jobs.txt (A 0 257, B 0 256)')"
    [ "$status" -eq 0 ] || fail "$(eval_gettext "./sched rr 1 with A 0 257 and B 0 256 (a chart of 513 bars) exited with \$status. Output:")
${output: -2000}"
    [ "$(field A 4) $(field A 6) $(field B 4) $(field B 6)" = "513 256 512 256" ] ||
        fail "$(afin=$(field A 4) await=$(field A 6) bfin=$(field B 4) bwait=$(field B 6) eval_gettext "./sched rr 1 with A 0 257 and B 0 256 (a chart of 513 bars) should give A finish 513, waiting 256 and B finish 512, waiting 256; it gave A \$afin, \$await and B \$bfin, \$bwait. Every schedule up to MAX_TIME must be computed whole. Table:")
$(grep -A3 '^job ' <<<"$output")"
    # Past MAX_TIME the given program refuses the table, naming the limit.
    printf 'A 0 600000\nB 500000 400001\n' >"$jobs"
    run_contained 10 ./sched rr 1 "$jobs"
    rm -rf "$dir"
    [ "$status" -eq 1 ] && grep -q 'MAX_TIME' <<<"$output" ||
        fail "$(eval_gettext "./sched rr 1 with A 0 600000 and B 500000 400001 (the CPU is busy until 1000001) should refuse the table, naming MAX_TIME, and exit 1; it exited with \$status. Output:")
${output: -2000}"
}
