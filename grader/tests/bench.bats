# `make bench`'s harness at tiny n (BENCH_QUICK=1): every row is timed side
# by side and reports what docs/benchmarks.md promises (spreads, load, A/A,
# x of floor), and a server that dies makes its row say so instead of hanging.
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    export BENCH_OUT="$BATS_FILE_TMPDIR/bench"
    BENCH_QUICK=1 BENCH_SKIP_GRADER=1 timeout 120 "$KIT/grader/bench/run.sh" \
        >"$BATS_FILE_TMPDIR/out.txt" 2>&1 || true
}

@test "quick run: every row has C, Python and floors with median, min, max, load and x of floor" {
    run cat "$BATS_FILE_TMPDIR/out.txt"
    assert_output --partial "targets met:"
    run python3 - "$BENCH_OUT/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["date"] and r["machine"] and r["rounds"] >= 1, "no date, machine or rounds"
keys = [row["key"] for row in r["rows"]]
assert keys == ["process", "conn_same", "conn_cross", "queue_same", "queue_cross", "pool_async", "pool_map",
                "manager"], keys
spread = lambda s: set(s) == {"median", "min", "max"} and s["min"] <= s["median"] <= s["max"]
for row in r["rows"]:
    k = row["key"]
    assert "error" not in row, (k, row.get("error"))
    assert spread(row["load"]), (k, "load")
    assert spread(row["x_of_floor"]) and row["floor"], (k, "x of floor")
    assert spread(row["aa"]), (k, "A/A")
    kinds = [s["kind"] for s in row["sides"]]
    assert kinds[:2] == ["lab", "aa"] and "python" in kinds and "floor" in kinds, (k, kinds)
    for s in row["sides"]:
        assert spread(s["ops_per_s"]) and s["ops_per_s"]["min"] > 0, (k, s["name"])
        if s["kind"] != "floor":
            assert row["floor"] in s["x_of_floor"], (k, s["name"], "no ratio to the floor")
            assert spread(s["x_of_floor"][row["floor"]]), (k, s["name"])
    if "target" in row:
        t = row["target"]
        assert t["met"] == (t["worst"] <= t["at_most"]), (k, "met must mean the whole spread")
assert r["targets"] == sum(1 for row in r["rows"] if "target" in row), "targets counted"
print("ok")
PY
    assert_success
    assert_output "ok"
    run grep -c "x of floor" "$BENCH_OUT/results.md"
    assert_output "1"
}

@test "a benchmark server that cannot run gives its row an error, not a hang" {
    cd "$KIT/grader/bench"
    run timeout 60 python3 - "$BATS_FILE_TMPDIR" <<'PY'
import sys, bench
row = dict(bench.ROWS[0], c=["no-such-server"])
got = bench.run_row(row, sys.argv[1], 1, True, open("/dev/null", "w"))
print(got.get("error", "no error"))
PY
    assert_success
    assert_output --partial "no-such-server"
}

@test "BENCH_ROWS names rows that exist, and a look at some rows is never pasted into the docs" {
    cd "$KIT"
    run env BENCH_ROWS="queue_same no_such_row" python3 grader/bench/bench.py --out "$BENCH_OUT"
    assert_failure
    assert_output --partial "BENCH_ROWS: no row no_such_row; the rows are: process conn_same"
    run env BENCH_ROWS="queue_same" BENCH_DOCS=1 python3 grader/bench/bench.py --out "$BENCH_OUT"
    assert_failure
    assert_output --partial "BENCH_DOCS=1 pastes a whole run: unset BENCH_ROWS"
}
