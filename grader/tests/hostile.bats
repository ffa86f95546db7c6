# The hostile corpus: one submission per threat (grader/tests/hostile/<threat>/
# is lab 01's family.c doing that harm, or family.c.in with @KIT@ and
# @OTHERCOPY@ for the paths it attacks, or make.sh, run as `make.sh DIR KIT
# OTHERCOPY`, which makes the lab folder DIR some other way: a symbolic
# link, a FIFO where family.c should be). For each: lab 01 gets the verdict its
# expect file names (hostile_verdict.py: score 0 or the starter's, the
# messages, nothing forbidden in the report); the grader survives with a
# valid exit status and JSON; another lab of the same submission scores as
# without it; nothing is left behind (processes, files in the shared
# directories, IPC objects, files in the checkout or a home). Run as root,
# and as a normal user where the machine has one.
bats_load_library bats-support
bats_load_library bats-assert

# Student (and judge) users are 61000-63999: slot N has BASE + 2N and the
# next one (BASE is JAIL_UID_BASE in grader/checks/lib/jail.h), and a live
# grader holds its slot as the abstract socket @proclabs-slot-N. Other
# graders may be running on the machine, of this kit or another version of
# it (one uid per slot, 61000 + N, before the judge user; another BASE):
# what their users own while a slot that fits is held is theirs.
slot_held() { # slot_held UID: a live grader may hold UID's slot
    local uid=$1 base slots=()
    [ "$uid" -ge 61000 ] && [ "$uid" -lt 64000 ] || return 1
    for base in 61000 62000; do
        [ "$uid" -ge "$base" ] && slots+=($(((uid - base) / 2)) $((uid - base)))
    done
    local IFS='|'
    grep -qE "@proclabs-slot-(${slots[*]})\$" /proc/net/unix
}

# not_held: keep the lines ("UID rest...") whose uid is no live grader's.
not_held() {
    local uid rest
    while read -r uid rest; do
        slot_held "$uid" || echo "$rest (uid $uid)"
    done
    return 0
}

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    # Every case really runs (no cached verdict), and writes nothing in a home.
    export PROCLABS_NO_CACHE=1 PROCLABS_CACHE="$BATS_FILE_TMPDIR/cache"
    # Submissions where any user may read them (the unprivileged run too).
    export SUBROOT=$(mktemp -d /tmp/proclabs-hostile.XXXXXX)
    chmod 755 "$SUBROOT"
    # A second lab for the "other labs are unharmed" proof: the first one after 01.
    export OTHER=$(python3 -c 'import json,sys; l=[x["id"]+"-"+x["slug"] for x in json.load(open(sys.argv[1]))["labs"] if x["id"]!="01"]; print(l[0] if l else "")' "$KIT/grader/manifest.json")
    # Another copy of the kit on the machine, readable by everyone, with its
    # solutions and hidden checks: no submission may see it. Its files carry
    # a marker that must never reach a report.
    export OTHERCOPY=$(mktemp -d /tmp/proclabs-othercopy.XXXXXX)
    tar -C "$KIT" --exclude=.git --exclude='*.o' --exclude='*.a' -cf - solutions grader/checks labs common |
        tar -C "$OTHERCOPY" -xf -
    export OTHERCOPY_MARK="othercopy-marker-$RANDOM$RANDOM"
    for f in solutions/01-fork-getpid/family.c grader/checks/01-fork-getpid/test_family.c; do
        printf '/* %s */\n' "$OTHERCOPY_MARK" >>"$OTHERCOPY/$f"
    done
    chmod -R a+rX "$OTHERCOPY"
    # What the untouched starter of lab 01 scores ("score: starter").
    mkdir -p "$SUBROOT/starter/01-fork-getpid"
    cp "$KIT/labs/01-fork-getpid/family.c" "$SUBROOT/starter/01-fork-getpid/"
    chmod -R a+rX "$SUBROOT/starter"
    export STARTER_SCORE=$(timeout 300 "$KIT/grader/grade" --dir "$SUBROOT/starter" --json - 01 3>&- |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["labs"][0]["score"])' 2>/dev/null || true)
}

teardown_file() {
    rm -rf "$SUBROOT" "$OTHERCOPY"
}

# grade_hostile CASE [RUNAS...]: grade lab 01 = the hostile file, beside
# OTHER's solution; the JSON report goes to $BATS_TEST_TMPDIR/CASE.json.
grade_hostile() {
    local case=$1
    shift
    local src="$KIT/grader/tests/hostile/$case"
    local sub="$SUBROOT/$BATS_TEST_NUMBER-$case"
    mkdir -p "$sub"
    if [ -f "$src/make.sh" ]; then
        bash "$src/make.sh" "$sub/01-fork-getpid" "${RUN_KIT:-$KIT}" "$OTHERCOPY"
    elif [ -f "$src/family.c.in" ]; then
        mkdir -p "$sub/01-fork-getpid"
        sed -e "s|@KIT@|${RUN_KIT:-$KIT}|g" -e "s|@OTHERCOPY@|$OTHERCOPY|g" "$src/family.c.in" \
            >"$sub/01-fork-getpid/family.c"
    else
        mkdir -p "$sub/01-fork-getpid"
        cp "$src/family.c" "$sub/01-fork-getpid/"
    fi
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

# snapshot: what no run may add to, as "UID what": the shared directories,
# SysV IPC, the checkout (untracked files), a copy of the kit, the home
# directory, and whatever the student users own.
snapshot() {
    student_owned
    local d f
    for d in /var/tmp /run/lock /dev/shm /dev/mqueue; do
        [ -d "$d" ] && find "$d" -mindepth 1 -maxdepth 3 -printf '%U %p\n' 2>/dev/null
    done
    for f in shm msg sem; do
        [ -r "/proc/sysvipc/$f" ] && awk -v f="$f" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "uid") u = i}
            NR > 1 {print $u " System V " f " id " $2}' "/proc/sysvipc/$f"
    done
    git -C "$KIT" status --porcelain --untracked-files=all 2>/dev/null | sed -n 's|^?? |0 untracked in the checkout: |p'
    [ -z "${KIT_COPY:-}" ] || find "$KIT_COPY" -printf '%U in the kit copy: %P\n'
    [ -z "${HOME:-}" ] || [ ! -d "$HOME" ] || find "$HOME" -mindepth 1 -maxdepth 1 -printf '%U %p\n'
}

# What the student users own, anywhere a run could leave it, as "UID what".
student_owned() {
    local d f
    # (Not /tmp: other graders on the machine keep their build folders there.)
    for d in "$KIT" ${KIT_COPY:+"$KIT_COPY"} ${HOME:+"$HOME"} /home /var/tmp /run/lock /dev/shm /dev/mqueue; do
        [ -d "$d" ] && find "$d" -xdev -maxdepth 4 -uid +60999 -uid -64000 -printf '%U %p\n' 2>/dev/null
    done
    for f in shm msg sem; do
        [ -r "/proc/sysvipc/$f" ] && awk -v f="$f" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "uid" || $i == "cuid") c[$i] = i}
            NR > 1 {for (k in c) if ($c[k] >= 61000 && $c[k] < 64000) {print $c[k] " System V " f " id " $2; break}}' "/proc/sysvipc/$f"
    done
    ps -eo uid=,pid=,comm= | awk '$1 >= 61000 && $1 < 64000 {print $1 " process " $2 " " $3}'
}

# grade_all RUNAS... -- CASES...: four cases at a time (most of them wait out
# time limits), then judge each, then what is left on the machine.
grade_all() {
    local runas=()
    while [ "$1" != "--" ]; do runas+=("$1"); shift; done
    shift
    snapshot | sort -u >"$BATS_TEST_TMPDIR/before"
    for c in "$@"; do
        while [ "$(jobs -rp | wc -l)" -ge 4 ]; do wait -n; done
        grade_hostile "$c" "${runas[@]}" &
    done
    wait
    local bad=0
    for c in "$@"; do
        status=$(cat "$BATS_TEST_TMPDIR/$c.rc")
        output=$(cat "$BATS_TEST_TMPDIR/$c.json")
        assert_contained "$c" || bad=1
    done
    assert_nothing_left || bad=1
    return "$bad"
}

# The verdict every case must get.
assert_contained() {
    local case=$1 bad=0
    if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
        echo "case $case: grade exited $status (want 1: scored, some check failed); output: ${output:0:2000} $(head -c 2000 "$BATS_TEST_TMPDIR/$case.err")" >&2
        return 1
    fi
    # Exit 0 means every check passed: never right for a hostile lab 01.
    [ "$status" -eq 1 ] || { echo "case $case: grade exited 0: every check of lab 01 passed" >&2; bad=1; }
    python3 "$KIT/grader/tests/hostile_verdict.py" "$case" "$KIT" "$OTHER" "$STARTER_SCORE" \
        "${RUN_KIT:-$KIT}" "$OTHERCOPY" <<<"$output" || {
        echo "case $case: the verdict is wrong (see above)" >&2
        bad=1
    }
    return "$bad"
}

# What must be true of the machine after the runs: nothing new since the
# snapshot before them that is not a live grader's.
assert_nothing_left() {
    local new
    ! ls /dev/shm | grep -q proclabs_leak || { echo "/dev/shm still holds the leaked objects" >&2; return 1; }
    snapshot | sort -u >"$BATS_TEST_TMPDIR/after"
    comm -13 "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" >"$BATS_TEST_TMPDIR/new"
    # Another grader may be just ending: what it still cleans up is gone
    # after a moment, and what is left is listed once more.
    if [ -s "$BATS_TEST_TMPDIR/new" ]; then
        sleep 3
        snapshot | sort -u | comm -12 - "$BATS_TEST_TMPDIR/new" >"$BATS_TEST_TMPDIR/still"
        mv "$BATS_TEST_TMPDIR/still" "$BATS_TEST_TMPDIR/new"
    fi
    new=$(not_held <"$BATS_TEST_TMPDIR/new")
    [ -z "$new" ] || { echo "the runs left behind:"$'\n'"$new" >&2; return 1; }
}

hostile_cases() { ls "$KIT/grader/tests/hostile" | grep -v '\.'; }

@test "every threat in the corpus is contained (as root or the current user)" {
    [ -n "$STARTER_SCORE" ] || fail "the untouched starter of lab 01 could not be graded"
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
    local rc=0
    grade_all setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp -- \
        fork-bomb kill-everyone kill-parent setsid-escape ipc-leak constructor tamper-checks read-solutions \
        report-hook init-section ifunc-resolver criterion-suite interpose-kit-alloc forge-control \
        read-hidden-checks include-hidden include-othercopy incbin-hidden \
        var-tmp run-lock mqueue-leak tamper-bats signal-judge plant-library || rc=$?
    [ -z "${KIT_COPY:-}" ] || rm -rf "$KIT_COPY"
    [ "$rc" -eq 0 ]
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

@test "with TMPDIR a folder below /tmp, every reference solution gets full marks" {
    local base rc=0
    base=$(mktemp -d /tmp/proclabs-td.XXXXXX)
    mkdir -p "$base/a/b"
    TMPDIR="$base/a/b" timeout 1200 "$KIT/grader/grade" --solutions --json - \
        >"$BATS_TEST_TMPDIR/td.json" 2>"$BATS_TEST_TMPDIR/td.err" 3>&- || rc=$?
    rm -rf "$base"
    python3 - "$BATS_TEST_TMPDIR/td.json" <<'PY' || fail "with TMPDIR=$base/a/b (exit $rc) some solutions lost points (above) $(head -c 1000 "$BATS_TEST_TMPDIR/td.err")"
import json, sys
d = json.load(open(sys.argv[1]))
low = ["%s-%s: %s/%s: %s" % (l["id"], l["slug"], l["score"], l["max_score"],
       l.get("build_log") or "; ".join((c.get("message") or "")[:300] for c in l["checks"] if c["status"] != "passed"))
       for l in d["labs"] if l["score"] != l["max_score"]]
print("\n".join(low))
sys.exit(1 if low else 0)
PY
    [ "$rc" -eq 0 ] || fail "grade --solutions exited $rc"
}
