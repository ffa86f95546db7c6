#!/bin/bash
# run.sh [--quick] - `make bench`: the labs' reference primitives against
# CPython's multiprocessing and the syscall floor, then the grader's own
# speed. Prints a table, writes every figure as JSON (the path is printed)
# and ends with "targets met: N of M".
#
# Each C benchmark links the REFERENCE SOLUTION of its lab (solutions/NN-slug/)
# with that lab's given files (labs/NN-slug/, never its *_main.c drivers) and
# common/libproclabs.a, built -O2 into grader/build/bench/. Where a row has a
# floor, the program measures the primitive and the floor taking turns, so
# that a busy machine slows both alike; each figure is a median of runs.
# Every program runs under `timeout`: nothing here can hang.
#
# Environment: BENCH_RUNS (runs per median, default 7), BENCH_SKIP_GRADER=1
# (skip timing the grader), BENCH_SKIP_PYTHON=1.
set -u
cd "$(dirname "$0")/../.." || exit 2
kit=$PWD
quick=
[ "${1:-}" = --quick ] && quick=q
out=$kit/grader/build/bench
mkdir -p "$out"
json_file=$out/results.json
log=$out/run.log
: >"$log"
started=$(date +%s)

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

echo "== building the benchmarks into $out/ (the solutions, -O2)"
built=()
for b in "${benches[@]}"; do
    read -r name lab sol given <<<"$b"
    objs=()
    ok=1
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
    if [ $ok = 1 ]; then built+=("$name"); else echo "   bench_$name did not build (see $log)"; fi
done
$CC "${FLAGS[@]}" -Wall -Wextra -Werror grader/bench/floor.c common/libproclabs.a -lm \
    -o "$out/floor" >>"$log" 2>&1 || echo "   floor did not build (see $log)"

# value KEY JSON: the number under "KEY" in a flat JSON object, or empty.
value() { sed -n "s/.*\"$1\": *\([-0-9.e+]*\).*/\1/p" <<<"$2" | head -n 1; }

declare -A C FLOOR PY
run_c() { # name seconds
    local o
    if [[ " ${built[*]} " != *" $1 "* ]]; then return; fi
    o=$(timeout -k 5 "$2" "$out/bench_$1" $quick 2>>"$log")
    echo "bench_$1: ${o:-(no result: see $log)}" >>"$log"
    C[$1]=$(value c "$o")
    FLOOR[$1]=$(value floor "$o")
    [ "$1" = manager ] && C[manager_lock]=$(value c_lock "$o")
    return 0
}

echo "== the C side (each figure: median of ${BENCH_RUNS:-$([ -n "$quick" ] && echo 3 || echo 7)} runs)"
for name in process conn queue pool_async pool_map manager; do
    t0=$(date +%s.%N)
    run_c "$name" 150
    printf '   %-10s %s ops/s (%.1f s)\n' "$name" "${C[$name]:-failed}" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')"
done

echo "== the syscall floor alone (grader/bench/floor.c)"
floor_json=$(timeout -k 5 120 "$out/floor" $quick 2>>"$log")
echo "   ${floor_json:-failed}"

py_note=
py_json=
if [ "${BENCH_SKIP_PYTHON:-0}" = 1 ]; then
    py_note="skipped (BENCH_SKIP_PYTHON=1)"
elif ! command -v python3 >/dev/null; then
    py_note="skipped: python3 is not installed, so the Python column is empty"
else
    echo "== CPython's multiprocessing (grader/bench/py_bench.py)"
    py_json=$(timeout -k 5 420 python3 grader/bench/py_bench.py ${quick:+--quick} 2>>"$log")
    [ -n "$py_json" ] || py_note="skipped: py_bench.py gave no result (see $log)"
    echo "   ${py_json:-$py_note}"
fi
for k in process_start_join pipe_ping_pong queue_1to1 pool_apply_async pool_map manager_counter; do
    PY[$k]=$(value "$k" "$py_json")
done

# ---- the table ----------------------------------------------------------
# row: key  what  C  Python  floor  kind  target-number
# kind floor: met when C >= floor / target (within target x of the floor);
# kind python: met when C >= target x Python.
rows=(
    "process|process start + join, trivial child|${C[process]:-}|${PY[process_start_join]:-}|${FLOOR[process]:-}|floor|1.2"
    "conn|connection ping-pong, 64-byte messages|${C[conn]:-}|${PY[pipe_ping_pong]:-}|${FLOOR[conn]:-}|floor|1.3"
    "queue|Queue(maxsize=1000), 64 B items, 1 to 1|${C[queue]:-}|${PY[queue_1to1]:-}||python|10"
    "pool_async|Pool apply_async, trivial task|${C[pool_async]:-}|${PY[pool_apply_async]:-}||python|10"
    "pool_map|Pool map, 20k items|${C[pool_map]:-}|${PY[pool_map]:-}||python|1"
    "manager|manager counter += 1, 2 clients (ADD)|${C[manager]:-}|${PY[manager_counter]:-}||python|5"
)
met=0
total=0
rows_json=()
fmt() { [ -n "$1" ] && printf "%.0f" "$1" || echo "${2:-failed}"; }
echo
printf '%-44s | %10s | %14s | %13s | %-14s | %-20s | %s\n' what "C (ops/s)" "Python (ops/s)" \
    "floor (ops/s)" ratio target "met?"
printf '%s\n' "$(printf -- '-%.0s' {1..130})"
for r in "${rows[@]}"; do
    IFS='|' read -r key what c py fl kind tgt <<<"$r"
    total=$((total + 1))
    ratio=
    verdict=no
    if [ "$kind" = floor ]; then
        target="within ${tgt}x of floor"
        if [ -n "$c" ] && [ -n "$fl" ]; then
            ratio=$(awk -v c="$c" -v f="$fl" 'BEGIN { printf "%.2f", f / c }')
            awk -v x="$ratio" -v t="$tgt" 'BEGIN { exit !(x <= t) }' && verdict=yes
            ratio_text="${ratio}x floor"
        fi
    else
        target="at least ${tgt}x Python"
        if [ -n "$c" ] && [ -n "$py" ]; then
            ratio=$(awk -v c="$c" -v p="$py" 'BEGIN { printf "%.2f", c / p }')
            awk -v x="$ratio" -v t="$tgt" 'BEGIN { exit !(x >= t) }' && verdict=yes
            ratio_text="${ratio}x Python"
        elif [ -n "$c" ]; then
            verdict="skipped"
        fi
    fi
    [ -n "$ratio" ] || ratio_text=-
    [ "$verdict" = yes ] && met=$((met + 1))
    pyshow=$(fmt "$py" "$([ -n "$py_note" ] && echo skipped || echo failed)")
    flshow=$([ "$kind" = floor ] && fmt "$fl" || echo -)
    printf '%-44s | %10s | %14s | %13s | %-14s | %-20s | %s\n' "$what" "$(fmt "$c")" "$pyshow" \
        "$flshow" "$ratio_text" "$target" "$verdict"
    rows_json+=("{\"key\": \"$key\", \"what\": \"$what\", \"c\": ${c:-null}, \"python\": ${py:-null}, \"floor\": ${fl:-null}, \"ratio\": ${ratio:-null}, \"target\": \"$target\", \"met\": \"$verdict\"}")
done
[ -n "$py_note" ] && echo "note: Python $py_note"
[ -n "${C[manager_lock]:-}" ] &&
    echo "note: the manager counter in Python's design, a lock held across GET and SET (2 round trips): $(fmt "${C[manager_lock]}") ops/s$([ -n "${PY[manager_counter]:-}" ] && awk -v c="${C[manager_lock]}" -v p="${PY[manager_counter]}" 'BEGIN { printf ", %.2fx Python", c / p }'); lab 12 sends one ADD instead (README: Performance)"

# ---- the grader's own speed ----------------------------------------------
grader_json=null
if [ "${BENCH_SKIP_GRADER:-0}" != 1 ]; then
    echo
    echo "== timing the grader in a fresh copy of the kit (others may be using grader/build here)"
    # Not under /tmp: the grader gives each run a private, empty /tmp.
    tmp=$(mktemp -d "$out/kit.XXXXXX")
    chmod 755 "$tmp" # the grader runs student code as another user: it must get in
    trap 'rm -rf "$tmp"' EXIT
    # Everything tracked, plus the labs that are not committed yet (not ignored: no builds).
    git ls-files -co --exclude-standard -z | tar --null -T - -cf - 2>>"$log" | tar -xf - -C "$tmp"
    secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
    t0=$(date +%s.%N)
    (cd "$tmp" && timeout -k 5 300 make -s -j"$(nproc)" kit >>"$log" 2>&1) ||
        echo "   make kit failed in the copy (see $log): the grader's figures below mean nothing"
    make_s=$(secs "$t0" "$(date +%s.%N)")
    grade_all() { # $1: cold or warm -> seconds; the grader's last lines go to the log
        local t0 o rc
        t0=$(date +%s.%N)
        o=$(cd "$tmp" && timeout -k 5 300 grader/grade --solutions 2>&1)
        rc=$?
        secs "$t0" "$(date +%s.%N)"
        { echo "grade --solutions ($1): exit $rc"; tail -n 3 <<<"$o"; } >>"$log"
        tail -n 1 <<<"$o" >"$out/grade-$1.txt"
    }
    cold_s=$(grade_all cold)
    warm_s=$(grade_all warm)
    one=()
    for _ in 1 2 3 4 5; do
        t0=$(date +%s.%N)
        (cd "$tmp" && timeout -k 5 120 grader/grade --solutions 01 >/dev/null 2>&1)
        one+=("$(secs "$t0" "$(date +%s.%N)")")
    done
    one_s=$(printf '%s\n' "${one[@]}" | sort -n | sed -n 3p)
    printf '   make kit (fresh copy): %s s\n' "$make_s"
    printf '   one lab, re-grade (grade --solutions 01), median of 5: %s s  (%s)\n' "$one_s" "${one[*]}"
    printf '   all labs, cold (first run after a fresh make kit): %s s: %s\n' "$cold_s" "$(cat "$out/grade-cold.txt")"
    printf '   all labs, warm (second run): %s s: %s\n' "$warm_s" "$(cat "$out/grade-warm.txt")"
    one_ok=$(awk -v x="$one_s" 'BEGIN { print (x <= 2.5) ? "yes" : "no" }')
    all_ok=$(awk -v x="$cold_s" -v y="$warm_s" 'BEGIN { print (x < 30 && y < 30) ? "yes" : "no" }')
    total=$((total + 2))
    [ "$one_ok" = yes ] && met=$((met + 1))
    [ "$all_ok" = yes ] && met=$((met + 1))
    printf '   target: about 2 s for one lab (<= 2.5 s): %s; under 30 s for all labs, cold and warm: %s\n' \
        "$one_ok" "$all_ok"
    grader_json="{\"make_kit_s\": $make_s, \"one_lab_regrade_median_s\": $one_s, \"one_lab_runs_s\": [$(
        IFS=,
        echo "${one[*]}"
    )], \"all_labs_cold_s\": $cold_s, \"all_labs_warm_s\": $warm_s, \"all_labs_result\": \"$(sed 's/"/\\"/g' "$out/grade-warm.txt")\", \"one_lab_met\": \"$one_ok\", \"all_labs_met\": \"$all_ok\"}"
fi

elapsed=$(($(date +%s) - started))
{
    echo "{"
    echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
    echo "  \"machine\": \"$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), load $(cut -d' ' -f1-3 /proc/loadavg)\","
    echo "  \"runs_per_median\": ${BENCH_RUNS:-$([ -n "$quick" ] && echo 3 || echo 7)},"
    echo "  \"rows\": ["
    (
        IFS=$'\n'
        echo "${rows_json[*]}" | sed '$!s/$/,/; s/^/    /'
    )
    echo "  ],"
    echo "  \"manager_lock_get_set\": ${C[manager_lock]:-null},"
    echo "  \"floor_alone\": ${floor_json:-null},"
    echo "  \"python\": ${py_json:-null},"
    echo "  \"python_note\": \"$py_note\","
    echo "  \"grader\": $grader_json,"
    echo "  \"targets_met\": $met, \"targets\": $total,"
    echo "  \"bench_seconds\": $elapsed"
    echo "}"
} >"$json_file"
echo
echo "figures (JSON): $json_file   (make bench took ${elapsed} s; log: $log)"
echo "targets met: $met of $total"
