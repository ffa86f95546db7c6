#!/bin/bash
# stress.sh RUNS LOAD [LAB...] - grade the solutions, starters and every
# mutant RUNS times (`grade selftest`), with LOAD busy processes per core
# (0: none; 3: three per core, a heavily loaded machine), and report each
# verdict that differed from the expected one.
# JOBS (environment) grades that many labs and mutants at once (default: the
# number of CPUs); more jobs than cores loads the machine further still.
# PIN=CPU (environment) keeps every busy process on that one CPU: the others
# stay free, and what starts on the busy one waits there until the
# scheduler moves it (a machine with one core taken by other work).
# Ends with "N differences in R runs (LOAD=L, time)"; exits 1 when N is not 0.
set -u
cd "$(dirname "$0")/.." || exit 2
runs=${1:-20}
load=${2:-0}
shift 2 2>/dev/null || true
busy=()
stop_load() { [ ${#busy[@]} -eq 0 ] || kill "${busy[@]}" 2>/dev/null; }
trap stop_load EXIT
case $load in
'' | *[!0-9]*) echo "stress.sh: LOAD must be a number of busy processes per core, not '$load'" >&2; exit 2 ;;
esac
if [ "$load" -gt 0 ]; then
    # Each loop in a session of its own: under autogroup scheduling (on
    # where /proc/sys/kernel/sched_autogroup_enabled is 1) the CPU is shared
    # between sessions, and every box of the grader is one; loops sharing
    # one session would weigh as one process.
    pin=()
    if [ -n "${PIN:-}" ]; then
        case $PIN in
        *[!0-9]*) echo "stress.sh: PIN must be a CPU number, not '$PIN'" >&2; exit 2 ;;
        esac
        [ "$PIN" -lt "$(nproc)" ] || { echo "stress.sh: PIN=$PIN: this machine has CPUs 0 to $(($(nproc) - 1))" >&2; exit 2; }
        pin=(taskset -c "$PIN")
    fi
    for _ in $(seq $((load * $(nproc)))); do
        setsid "${pin[@]}" sh -c 'while :; do :; done' &
        busy+=($!)
    done
    echo "load: ${#busy[@]} busy loops, $load per core on $(nproc) core$([ "$(nproc)" -eq 1 ] || echo s)${PIN:+, all on CPU $PIN}"
fi
started=$(date +%s)
differences=0
for run in $(seq "$runs"); do
    start=$(date +%s)
    out=$(grader/grade selftest ${JOBS:+--jobs "$JOBS"} "$@" 2>&1)
    # Each FAIL line and the detail lines under it (indented): what was seen.
    bad=$(awk '/^FAIL/ { show = 1; print; next } show && /^       / { print; next } { show = 0 }' <<<"$out")
    n=$(grep -c '^FAIL' <<<"$out")
    summary=$(tail -n 1 <<<"$out")
    echo "run $run/$runs: $summary ($(( $(date +%s) - start )) s)"
    if [ "$n" -gt 0 ] || ! grep -q ' passed, 0 failed' <<<"$summary"; then
        differences=$((differences + (n > 0 ? n : 1)))
        sed "s/^/    run $run: /" <<<"${bad:-$summary}"
    fi
done
took=$(($(date +%s) - started))
echo "$differences difference$([ "$differences" -eq 1 ] || echo s) in $runs run$([ "$runs" -eq 1 ] || echo s) (LOAD=$load${PIN:+, PIN=$PIN}, JOBS=${JOBS:-$(nproc)}, $((took / 60)) min $((took % 60)) s)"
[ "$differences" -eq 0 ]
