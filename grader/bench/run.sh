#!/bin/bash
# run.sh - `make bench`: build the benchmark servers, then grader/bench/bench.py
# times the labs' reference primitives, CPython's multiprocessing and the
# kernel's floors side by side, and the grader's own speed. It prints the
# table, writes grader/build/bench/results.json and results.md (the
# docs/benchmarks.md section, to paste whole).
#
# Each C server links the REFERENCE SOLUTION of its lab (solutions/NN-slug/)
# with that lab's given files (labs/NN-slug/, never its *_main.c drivers) and
# common/libproclabs.a, built -O2 into grader/build/bench/.
#
# Environment: BENCH_QUICK=1 (tiny n, a few rounds: the harness's own test),
# BENCH_ROUNDS=N, BENCH_SKIP_GRADER=1, BENCH_OUT=DIR (default grader/build/bench),
# BENCH_DOCS=1 (paste this run's section into docs/benchmarks*.md),
# BENCH_ROWS="KEY ..." (only these rows: a closer look, never pasted).
set -u
cd "$(dirname "$0")/../.." || exit 2
out=${BENCH_OUT:-grader/build/bench}
mkdir -p "$out"
command -v python3 >/dev/null || {
    echo "make bench needs python3 (it drives the runs and is the Python side): install python3" >&2
    exit 2
}

CC=${CC:-gcc}
FLAGS=(-std=gnu11 -O2 -pthread -Icommon)

# name  lab  files from solutions/  given files from labs/
benches=(
    "process 04-process-object process.c -"
    "conn 16-pipe-eof conn.c -"
    "queue 13-queue queue.c queue_slot.c"
    "pool_async 18-pool-callback apool.c workers.c"
    "pool_map 17-pool-map pool.c -"
    "manager 12-manager-counter manager.c wire.c"
)

build() { # build NAME LAB SOLUTION-FILES GIVEN-FILES: one server, its log in $out/NAME.log
    local name=$1 lab=$2 sol=$3 given=$4 log=$out/$1.log
    local objs=() ok=1 f o
    : >"$log"
    for f in $sol; do
        o=$out/$name-sol-${f%.c}.o
        # Lab code as the grader builds it: warnings shown, not fatal.
        $CC "${FLAGS[@]}" -Wall -Wextra -Ilabs/$lab -c "solutions/$lab/$f" -o "$o" >>"$log" 2>&1 || ok=0
        objs+=("$o")
    done
    if [ "$given" != - ]; then
        for f in $given; do
            o=$out/$name-given-${f%.c}.o
            $CC "${FLAGS[@]}" -Wall -Wextra -Ilabs/$lab -c "labs/$lab/$f" -o "$o" >>"$log" 2>&1 || ok=0
            objs+=("$o")
        done
    fi
    # The benchmark itself: strict.
    $CC "${FLAGS[@]}" -Wall -Wextra -Werror -Ilabs/$lab -Igrader/bench \
        "grader/bench/bench_$name.c" "${objs[@]}" common/libproclabs.a -lm \
        -o "$out/bench_$name" >>"$log" 2>&1 || ok=0
    [ $ok = 1 ] || {
        echo "   bench_$name did not build (see $log): its row will say so"
        rm -f "$out/bench_$name"
        return 1
    }
}

echo "== building the benchmark servers into $out/ (the solutions, -O2)"
pids=()
for b in "${benches[@]}"; do
    # shellcheck disable=SC2086 # the file lists split on purpose
    build $b &
    pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
[ "${BENCH_BUILD_ONLY:-0}" = 1 ] && exit $failed
exec python3 grader/bench/bench.py --out "$out"
