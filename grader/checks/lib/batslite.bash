# batslite.bash [-f REGEX] FILE.bats - run one of the kit's bats check files
# (with -f, only the tests whose name matches) and print TAP as
# `bats --tap --timing` does: what the grader runs instead of bats-core.
#
# Why not bats-core itself: it starts 60-70 processes per file before the
# first test and reloads the helpers in every test, about 150 ms of a
# lab's grade (docs/authoring.md, "The bats runner"). This runner forks one
# subshell per test and starts no other process. It implements the part of
# bats the checks use, with bats' meaning:
#   @test "name" { ... }     run with `set -eE` in a subshell of their own
#   setup / teardown         around every test, in its subshell
#   setup_file / teardown_file   once; what setup_file exports, tests see
#   load FILE, fail, skip, run, bats_load_library
#   BATS_FILE_TMPDIR, BATS_TEST_TMPDIR, BATS_TEST_NUMBER, BATS_TEST_NAME,
#   BATS_TEST_DESCRIPTION, BATS_TEST_FILENAME, BATS_TEST_DIRNAME, BATS_RUN_TMPDIR
# A check file is still a bats file: `bats FILE.bats` runs it the same
# way, and grader/tests/batslite.bats holds the two runners' verdicts equal.
#
# Exit status as bats': 0 when every test passed, 1 otherwise.

# (No `set -u`: bats-core does not set it for the tests either.)
filter=""
if [ "${1:-}" = -f ] && [ $# -ge 2 ]; then
    filter=$2
    shift 2
fi
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: bash batslite.bash [-f REGEX] FILE.bats" >&2
    exit 2
fi

BATS_TEST_FILENAME=$1
BATS_TEST_DIRNAME=$(cd "${1%/*}" 2>/dev/null && pwd || pwd)
BATS_TMPDIR=${TMPDIR:-/tmp}
export BATS_TEST_FILENAME BATS_TEST_DIRNAME BATS_TMPDIR

# The TAP stream is fd 1 of this process only: every test runs with its
# stdout and stderr in a file, and never holds this descriptor; nothing
# else this process was given reaches a test either.
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    # (255 is bash's own hold on this script)
    [ "$fd" -le 2 ] || [ "$fd" -eq 255 ] || eval "exec $fd>&-" 2>/dev/null
done
exec {tap}>&1

load() { # load NAME: NAME.bash, or NAME, relative to the test file's folder
    local f=$1
    [[ $f == /* ]] || f=$BATS_TEST_DIRNAME/$f
    [ -f "$f.bash" ] && f=$f.bash
    if [ ! -f "$f" ]; then
        echo "bats: $1 does not exist" >&2
        return 1
    fi
    # shellcheck disable=SC1090
    source "$f"
}

bats_load_library() { # bats_load_library NAME: NAME/load.bash on BATS_LIB_PATH
    local dir dirs
    IFS=: read -ra dirs <<<"${BATS_LIB_PATH:-/usr/lib/bats}"
    for dir in "${dirs[@]}"; do
        if [ -f "$dir/$1/load.bash" ]; then
            # shellcheck disable=SC1090
            source "$dir/$1/load.bash"
            return
        fi
    done
    echo "bats_load_library: $1 not found on BATS_LIB_PATH" >&2
    return 1
}

fail() { # as bats-support's: the message on stderr, and the test fails
    if [ $# -gt 0 ]; then echo "$@"; else cat -; fi >&2
    return 1
}

skip() { # skip [REASON]: the test ends here, reported as skipped
    printf '%s' "${1:-}" >"$BATS_TEST_TMPDIR/.skip"
    exit 0
}

run() { # run [!|-N] CMD...: status, output and lines of CMD, as bats' run
    local want=""
    case "${1:-}" in
    '!') want='!' && shift ;;
    -[0-9]*) want=${1#-} && shift ;;
    esac
    [ "${1:-}" != -- ] || shift
    set +e
    output=$("$@" 2>&1)
    status=$?
    set -e
    mapfile -t lines <<<"$output"
    if [ "$want" = '!' ] && [ "$status" -eq 0 ]; then
        echo "run: expected a non-zero status, got 0" >&2
        return 1
    elif [ -n "$want" ] && [ "$want" != '!' ] && [ "$status" -ne "$want" ]; then
        echo "run: expected status $want, got $status" >&2
        return 1
    fi
    return 0
}

setup() { :; }
teardown() { :; }

# The test file, its @test lines made into functions (as bats-preprocess).
names=()
all=0
source_text=""
while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ ^[[:space:]]*@test[[:space:]]+\"(.*)\"[[:space:]]*\{[[:space:]]*$ ]] ||
        [[ $line =~ ^[[:space:]]*@test[[:space:]]+\'(.*)\'[[:space:]]*\{[[:space:]]*$ ]]; then
        name=${BASH_REMATCH[1]}
        all=$((all + 1))
        line="_batslite_skipped_$all() {"
        if [ -z "$filter" ] || [[ $name =~ $filter ]]; then
            names+=("$name")
            line="_batslite_test_${#names[@]}() {"
        fi
    fi
    source_text+=$line$'\n'
done <"$BATS_TEST_FILENAME"
# shellcheck disable=SC1090
source /dev/stdin <<<"$source_text" || {
    echo "1..0"
    echo "# $BATS_TEST_FILENAME could not be loaded" >&2
    exit 1
}

# Its own folders, 0700 (student code may not read or plant what a check
# keeps there; /tmp/bats-run-* is also what jail.c hides in namespace
# mode), in one mkdir, the first of them new (never one made before, by
# anyone: mkdir without -p fails on an existing name).
for try in 1 2 3 4 5 6 7 8; do
    BATS_RUN_TMPDIR=$BATS_TMPDIR/bats-run-$$-$RANDOM$RANDOM
    dirs=("$BATS_RUN_TMPDIR" "$BATS_RUN_TMPDIR/file" "$BATS_RUN_TMPDIR/test")
    for ((i = 1; i <= ${#names[@]}; i++)); do dirs+=("$BATS_RUN_TMPDIR/test/$i"); done
    (umask 077 && mkdir "${dirs[@]}") 2>/dev/null && break
    BATS_RUN_TMPDIR=""
done
[ -n "$BATS_RUN_TMPDIR" ] || {
    echo "batslite: cannot make a folder in $BATS_TMPDIR" >&2
    exit 2
}
BATS_FILE_TMPDIR=$BATS_RUN_TMPDIR/file
export BATS_RUN_TMPDIR BATS_FILE_TMPDIR
trap 'rm -rf "$BATS_RUN_TMPDIR"' EXIT

echo "1..${#names[@]}"

_batslite_report() { # _batslite_report LOG: each line of LOG as a TAP comment
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        if [ -n "$line" ]; then echo "# $line" >&$tap; else echo "#" >&$tap; fi
    done <"$1"
}

# setup_file in a subshell of its own, with `set -e` as a test; what it
# exports is handed to the tests, as bats does. (Neither subshell when the
# file defines no setup_file or teardown_file: nothing to run.)
file_log=$BATS_RUN_TMPDIR/setup_file.log
if declare -F setup_file >/dev/null; then
    (
        exec {tap}>&- >"$file_log" 2>&1
        set -eE
        setup_file
        export -p >"$BATS_RUN_TMPDIR/exports"
    )
    if [ $? -ne 0 ]; then
        echo "not ok 1 setup_file failed" >&$tap
        _batslite_report "$file_log"
        exit 1
    fi
    # shellcheck disable=SC1091
    source "$BATS_RUN_TMPDIR/exports" 2>/dev/null
fi

failed=0
for ((i = 1; i <= ${#names[@]}; i++)); do
    name=${names[i - 1]}
    log=$BATS_RUN_TMPDIR/test.$i.log
    test_tmp=$BATS_RUN_TMPDIR/test/$i
    start=${EPOCHREALTIME/[.,]/} # microseconds
    (
        exec {tap}>&- >"$log" 2>&1 </dev/null
        export BATS_TEST_NUMBER=$i BATS_TEST_NAME="_batslite_test_$i" BATS_TEST_DESCRIPTION=$name
        export BATS_TEST_TMPDIR=$test_tmp
        # teardown runs however the test ends; its failure fails a test
        # that passed.
        trap '_st=$?; trap - EXIT; set +e; (set -eE; teardown); _td=$?; [ $_st -ne 0 ] || _st=$_td; exit $_st' EXIT
        set -eE
        setup
        "_batslite_test_$i"
    )
    st=$?
    now=${EPOCHREALTIME/[.,]/}
    ms=$(((now - start) / 1000))
    if [ -f "$test_tmp/.skip" ]; then
        reason=$(<"$test_tmp/.skip")
        echo "ok $i $name # skip${reason:+ $reason}" >&$tap
    elif [ $st -eq 0 ]; then
        echo "ok $i $name in ${ms}ms" >&$tap
    else
        failed=1
        echo "not ok $i $name in ${ms}ms" >&$tap
        _batslite_report "$log"
    fi
done

! declare -F teardown_file >/dev/null || (
    exec {tap}>&- >"$file_log" 2>&1
    set -eE
    teardown_file
) || {
    failed=1
    echo "# teardown_file failed:" >&$tap
    _batslite_report "$file_log"
}
exit $failed
