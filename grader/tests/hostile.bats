# The hostile corpus: one submission per threat (grader/tests/hostile/<threat>/
# is lab 01's family.c doing that harm). For each: the lab scores 0 with the
# message naming the threat; the grader survives with a valid exit status and
# JSON; another lab of the same submission scores as without it; nothing is
# left behind. Run as root, and as a normal user where the machine has one.
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    # Submissions where any user may read them (the unprivileged run too).
    export SUBROOT=$(mktemp -d /tmp/proclabs-hostile.XXXXXX)
    chmod 755 "$SUBROOT"
    # A second lab for the "other labs are unharmed" proof: the first one after 01.
    export OTHER=$(python3 -c 'import json,sys; l=[x["id"]+"-"+x["slug"] for x in json.load(open(sys.argv[1]))["labs"] if x["id"]!="01"]; print(l[0] if l else "")' "$KIT/grader/manifest.json")
}

# grade_hostile CASE [RUNAS...]: grade lab 01 = the hostile file, beside
# OTHER's solution; the JSON report goes to $BATS_TEST_TMPDIR/CASE.json.
grade_hostile() {
    local case=$1
    shift
    local sub="$SUBROOT/$BATS_TEST_NUMBER-$case"
    mkdir -p "$sub/01-fork-getpid"
    cp "$KIT/grader/tests/hostile/$case/family.c" "$sub/01-fork-getpid/"
    local labs=(01)
    if [ -n "$OTHER" ]; then
        cp -r "$KIT/solutions/$OTHER" "$sub/"
        labs+=("${OTHER%%-*}")
    fi
    chmod -R a+rX "$sub"
    local rc=0
    "$@" timeout 300 "${RUN_KIT:-$KIT}/grader/grade" --dir "$sub" --json - "${labs[@]}" \
        >"$BATS_TEST_TMPDIR/$case.json" 2>"$BATS_TEST_TMPDIR/$case.err" 3>&- || rc=$?
    echo "$rc" >"$BATS_TEST_TMPDIR/$case.rc"
}

# grade_all RUNAS... -- CASES...: four cases at a time (most of them wait out
# time limits), then judge each.
grade_all() {
    local runas=()
    while [ "$1" != "--" ]; do runas+=("$1"); shift; done
    shift
    for c in "$@"; do
        while [ "$(jobs -rp | wc -l)" -ge 4 ]; do wait -n; done
        grade_hostile "$c" "${runas[@]}" &
    done
    wait
    for c in "$@"; do
        status=$(cat "$BATS_TEST_TMPDIR/$c.rc")
        output=$(cat "$BATS_TEST_TMPDIR/$c.json")
        assert_contained "$c" || return 1
    done
}

# The verdict every case must get; then what must be true of the machine.
assert_contained() {
    local case=$1
    [ "$status" -eq 1 ] || fail "case $case: grade exited $status (want 1: scored, some check failed); output: ${output:0:2000} $(head -c 2000 "$BATS_TEST_TMPDIR/$case.err")"
    python3 "$KIT/grader/tests/hostile_verdict.py" "$case" "$KIT" "$OTHER" <<<"$output" ||
        fail "case $case: the verdict is wrong (see above)"
    left=$(ps -eo uid=,pid=,comm= | awk '$1 >= 61000 && $1 < 62000')
    [ -z "$left" ] || fail "student processes are still running: $left"
    ! ls /dev/shm | grep -q proclabs_leak || fail "/dev/shm still holds the leaked objects"
    [ -z "$(ipcs -m | awk '$3 ~ /^6[0-9]{4}$/')" ] || fail "System V shared memory of the student user is left"
}

teardown_file() {
    rm -rf "$SUBROOT"
}

hostile_cases() { ls "$KIT/grader/tests/hostile" | grep -v '\.'; }

@test "every threat in the corpus is contained (as root or the current user)" {
    grade_all -- $(hostile_cases)
}

@test "the corpus is contained when the grader runs as an unprivileged user" {
    [ "$(id -u)" -eq 0 ] || skip "needs root to become another user"
    # The kit where that user can reach it: here, or a copy (a clone under
    # a private home is not).
    export RUN_KIT="$KIT"
    if [ -n "${PROCLABS_TEST_KIT_COPY:-}" ] ||
        ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$KIT/grader/grade"; then
        export KIT_COPY=$(mktemp -d /tmp/proclabs-kit.XXXXXX)
        chmod 755 "$KIT_COPY"
        tar -C "$KIT" --exclude=.git -cf - . | tar -C "$KIT_COPY" -xf -
        RUN_KIT="$KIT_COPY"
    fi
    grade_all setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp -- \
        fork-bomb kill-everyone kill-parent setsid-escape ipc-leak constructor tamper-checks read-solutions
    [ -z "${KIT_COPY:-}" ] || rm -rf "$KIT_COPY"
}

@test "--sandbox-info names what is in force and what is missing" {
    run "$KIT/grader/grade" --sandbox-info
    assert_success
    assert_output --partial "in force:"
    assert_output --partial "wall-clock limit"
}

@test "a working submission grades the same with and without namespaces" {
    run "$KIT/grader/grade" --solutions --json - 01
    assert_success
    with=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["score"])' <<<"$output")
    PROCLABS_NO_NAMESPACES=1 run "$KIT/grader/grade" --solutions --json - 01
    assert_success
    without=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["score"])' <<<"$output")
    [ "$with" -eq "$without" ]
}
