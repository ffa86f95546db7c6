# check.bash - helpers for the kit's bats checks. Load with:
#     load "$CHECKLIB/check.bash"
#
# The grader runs each .bats file with the lab's build folder as the working
# directory, the lab's programs in it, and PROCLABS_TIME_SCALE set.
#
# Never call a student program bare or with plain `run`: a daemon keeps bats
# waiting on fd 3 or on run's pipe, BATS_TEST_TIMEOUT does nothing under
# `run` in bats 1.8, and kill(0, ...) would kill bats itself. Use
# run_contained, which avoids all three.

# The checks run as the judge user and student programs as the student user
# (grader/checks/lib/jail.h): what a check makes for a student program to
# write must be made writable on purpose (mkdir -m 1777, chmod 666).

bats_load_library bats-support
bats_load_library bats-assert

# run_contained SECONDS cmd...
# Runs cmd in its own session with a time limit. Sets:
#   status     exit status (124 when the limit was hit)
#   output     stdout and stderr, interleaved as written
#   leftovers  pids of processes of the run still alive after cmd ended
#   timed_out  1 when the limit was hit, else 0
run_contained() {
    local limit=$1
    shift
    local out="${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}/out.${BATS_TEST_NUMBER:-0}.$RANDOM"
    # The student user (it can signal neither bats nor the grader) and the
    # student filter, for good; the program's own timeout runs as it too,
    # since the judge may not signal the student's processes.
    local as_student=()
    if [ -n "${PROCLABS_AS_STUDENT:-}" ]; then
        as_student=("$PROCLABS_AS_STUDENT" "${PROCLABS_STUDENT_UID:-$(id -u)}")
    fi
    "${as_student[@]}" setsid timeout -k 1 "$limit" "$@" >"$out" 2>&1 3>&- </dev/null &
    local pid=$!
    status=0
    wait "$pid" 2>/dev/null || status=$?
    output=$(head -c 262144 "$out")
    if [ "$status" -eq 153 ]; then # SIGXFSZ: the grader's file size limit
        output+=$'\n[the program wrote more than the file size limit allows and was stopped: a loop that prints without end?]'
    fi
    # Zombies are not running: an orphan that has ended waits for its
    # subreaper to reap it and must not count as left running.
    leftovers=$(ps -o pid=,stat= -s "$pid" 2>/dev/null | awk '$2 !~ /^Z/ {printf "%s ", $1}')
    if [ -n "${PROCLABS_STUDENT_UID:-}" ]; then
        "${as_student[@]}" kill -KILL -1 2>/dev/null || true # all of that user, also what escaped with setsid()
    else
        kill -KILL -- -"$pid" 2>/dev/null || true
        pkill -KILL -s "$pid" 2>/dev/null || true
    fi
    timed_out=0
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then timed_out=1; fi
}

# The sentence every check uses when a program hit its time limit.
timeout_message() { # timeout_message SECONDS what
    echo "$2 did not finish within $1 s (possible deadlock: a process waits for something that never happens)"
}

# require_program NAME: fail clearly when the build did not produce it.
require_program() {
    [ -x "./$1" ] || fail "program $1 was not built: see the build check"
}
