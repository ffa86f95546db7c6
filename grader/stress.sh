#!/bin/bash
# stress.sh RUNS LOAD [LAB...] - grade the solutions, starters and every
# mutant RUNS times (`grade selftest`), with every core kept busy when LOAD
# is 1, and report each verdict that differed from the expected one.
# Ends with "N differences in R runs"; exits 1 when N is not 0.
set -u
cd "$(dirname "$0")/.." || exit 2
runs=${1:-20}
load=${2:-0}
shift 2 2>/dev/null || true
busy=()
stop_load() { [ ${#busy[@]} -eq 0 ] || kill "${busy[@]}" 2>/dev/null; }
trap stop_load EXIT
if [ "$load" = 1 ]; then
    for _ in $(seq "$(nproc)"); do
        sh -c 'while :; do :; done' &
        busy+=($!)
    done
    echo "load: ${#busy[@]} busy loops, one per core"
fi
differences=0
for run in $(seq "$runs"); do
    start=$(date +%s)
    out=$(grader/grade selftest "$@" 2>&1)
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
echo "$differences differences in $runs runs"
[ "$differences" -eq 0 ]
