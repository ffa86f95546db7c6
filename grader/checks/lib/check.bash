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

# bats-support and bats-assert, their files sourced here: their load.bash
# starts a dirname process for each file it sources, 15 for every test.
_load_library() { # _load_library LIBRARY FILE...
    local lib=$1 dir f dirs
    shift
    IFS=: read -ra dirs <<<"${BATS_LIB_PATH:-/usr/lib/bats}"
    for dir in "${dirs[@]}"; do
        [ -f "$dir/$lib/load.bash" ] || continue
        for f in "$@"; do
            # shellcheck disable=SC1090
            source "$dir/$lib/src/$f.bash" || return 1
        done
        return 0
    done
    bats_load_library "$lib" # another layout: its own loader
}
# bats-support's fail() unless the runner has one (the kit's runner does);
# bats-assert when a check first asserts: each of its functions stands in
# for itself until then (4 ms of parsing every lab's grade would spend).
declare -F fail >/dev/null || _load_library bats-support output error lang
_assert_functions=(assert refute assert_equal assert_not_equal assert_success assert_failure
    assert_output refute_output assert_line refute_line assert_regex refute_regex)
_load_assert() {
    unset -f "${_assert_functions[@]}"
    _load_library bats-support output error lang && _load_library bats-assert "${_assert_functions[@]}"
}
for _f in "${_assert_functions[@]}"; do
    eval "$_f() { _load_assert && $_f \"\$@\"; }"
done
unset _f

# Messages in the student's language (po/, GNU gettext): eval_gettext
# translates, then puts in the $variables the message names. The grader
# passes LANGUAGE, LC_ALL and the catalogues' folder (read-only in the box).
export TEXTDOMAIN=proclabs
export TEXTDOMAINDIR=${PROCLABS_LOCALEDIR:-/proclabs/judge/grader/build/locale}
. gettext.sh

# run_contained SECONDS cmd...
# Runs cmd in its own session with a time limit. Sets:
#   status     exit status (124 when the limit was hit)
#   output     stdout and stderr, interleaved as written
#   leftovers  pids of processes of the run still alive after cmd ended
#   timed_out  1 when the limit was hit, else 0
#   stuck      when it was: what its processes did just before (for timeout_message)
run_contained() {
    local limit=$1
    shift
    local out="${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}/out.${BATS_TEST_NUMBER:-0}.$RANDOM"
    # The student user (it can signal neither bats nor the grader) and the
    # student filter, for good; the program's own time limit runs as it
    # too, since the judge may not signal the student's processes. Without
    # the grader (a bats run by hand): setsid and timeout, the same limit.
    local launch=(setsid timeout -k 1 "$limit")
    if [ -n "${PROCLABS_AS_STUDENT:-}" ]; then
        launch=("$PROCLABS_AS_STUDENT" "${PROCLABS_STUDENT_UID:-$(id -u)}" --limit "$limit")
    fi
    # `grade explain` only: strace (as the judge) around the program; -D keeps
    # the program our child with its own pid, so everything below sees the
    # same process as in a graded run.
    local tracer=()
    if [ -n "${PROCLABS_TRACE_OUT:-}" ]; then
        read -ra tracer <<<"${PROCLABS_TRACE_FLAGS:-}"
        tracer=(strace -D "${tracer[@]}" -A -o "$PROCLABS_TRACE_OUT")
    fi
    "${tracer[@]}" "${launch[@]}" "$@" >"$out" 2>&1 3>&- </dev/null &
    local pid=$!
    # A look at the run just before its limit, while it still lives: an
    # endless loop and a deadlock both time out, and the student must know
    # which. The sampler waits on a pipe that is closed when the program
    # ends (it then leaves without looking): no sleep to kill, and it ends
    # by itself (a sampler killed by a signal, a copy of the test's shell,
    # would make bats-core report the test twice). Made after the program
    # started, so that nothing the program leaves running holds the pipe.
    local delay
    if [[ "$limit" =~ ^[0-9]+$ ]] && [ "$limit" -ge 2 ]; then
        delay="$((limit - 1)).4" # no awk process for the usual whole seconds
    else
        delay=$(awk -v l="$limit" 'BEGIN { print (l >= 1.5 ? l - 0.6 : l * 0.6) }')
    fi
    local hold
    exec {hold}> >(
        exec 3>&- 2>/dev/null
        read -r -t "$delay" _
        [ $? -le 128 ] || _sample_session "$pid" >"$out.stuck"
    )
    local sampler=$!
    status=0
    wait "$pid" 2>/dev/null || status=$?
    exec {hold}>&-
    # Bounded: gone at once, or in its look (0.1 s) when the limit was near.
    wait "$sampler" 2>/dev/null || true
    stuck=""
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        [ ! -f "$out.stuck" ] || stuck=$(<"$out.stuck")
    fi
    _read_output "$out"
    if [ "$status" -eq 153 ]; then # SIGXFSZ: the grader's file size limit
        output+=$'\n'"$(gettext "[the program wrote more than the file size limit allows and was stopped: a loop that prints without end?]")"
    fi
    # Zombies are not running: an orphan that has ended waits for its
    # subreaper to reap it and must not count as left running.
    if [ -n "${PROCLABS_STUDENT_UID:-}" ]; then
        # all of that user, also what escaped with setsid(): first what is
        # still alive of the program's session
        leftovers=$("$PROCLABS_AS_STUDENT" "$PROCLABS_STUDENT_UID" --kill-all "$pid" 2>/dev/null)
    else
        _session_alive "$pid"
        leftovers=$_alive
        kill -KILL -- -"$pid" 2>/dev/null || true
        pkill -KILL -s "$pid" 2>/dev/null || true
    fi
    timed_out=0
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then timed_out=1; fi
    if [ ${#tracer[@]} -gt 0 ]; then _wait_tracer; fi
}

# _read_output FILE: its first 256 KiB (bytes, whatever the locale) in
# output, trailing newlines dropped as $(...) drops them; no head process.
_read_output() {
    local LC_ALL=C
    output=""
    read -r -d '' -N 262144 output <"$1" || true
    output=${output%"${output##*[!$'\n']}"}
}

# _proc_stat FILE: state and session of a /proc/PID/stat in _state and
# _sid (the fields after the command name, which may hold spaces); false
# when the process is gone.
_proc_stat() {
    local st
    read -r st 2>/dev/null <"$1" || return 1
    read -r _state _ _ _sid _ <<<"${st##*) }"
}

# _session_alive SID: the pids (in order, each followed by a space) of the
# processes of session SID that are not zombies, in _alive; read from /proc
# by bash itself, as `ps -o pid=,stat= -s SID` shows them.
_session_alive() {
    local f p
    local -a found=()
    for f in /proc/[0-9]*/stat; do
        _proc_stat "$f" || continue
        p=${f#/proc/}
        [ "$_sid" != "$1" ] || [ "$_state" = Z ] || found[${p%/stat}]=1
    done
    _alive=""
    for p in "${!found[@]}"; do _alive+="$p "; done
}

# _wait_tracer: strace ends when its last tracee has (all are killed above)
# and writes its last lines then: wait for that, at most 5 s.
_wait_tracer() {
    local i
    for ((i = 0; i < 100; i++)); do
        pgrep -u "$(id -u)" -x strace >/dev/null 2>&1 || return 0
        sleep 0.05
    done
}

# _sample_session SID: one sentence on what the processes of session SID
# (but its leader, timeout) do: spinning (CPU used in 0.1 s, or running) or
# asleep in which kernel call (ps's wchan, named as the system call).
_sample_session() {
    local before
    before=$(_session_ticks "$1")
    [ -n "$before" ] || return 0
    sleep 0.1
    # wchan is shown only to the processes' own user: ask as the student.
    # The sentences in the student's language (the same messages as check.c's).
    local tr=(
        -v f_spin="$(gettext "%s spinning (used %.1f s of CPU%s: an endless loop?)")"
        -v f_sleep="$(gettext "%s asleep%s: a deadlock? (waiting for something that never happens)")"
        -v f_mixed="$(gettext "%d process%s spinning (used %.1f s of CPU) and %d asleep%s: a busy-wait, or an endless loop the others wait for?")"
        -v s_one="$(gettext "the process was")" -v s_many="$(gettext "its processes were")"
        -v in_all="$(gettext " in all")" -v j_in="$(gettext " in ")" -v j_and="$(gettext " and ")"
        -v j_comma="$(gettext ", ")" -v c_wait="$(gettext "wait4 (waitpid)")"
        -v c_pread="$(gettext "read on a pipe")" -v c_pwrite="$(gettext "write on a pipe")"
        -v c_futex="$(gettext "futex (a semaphore, lock or condition wait)")"
        -v c_sleep="$(gettext "a sleep")" -v c_pause="$(gettext "pause or sigsuspend")"
        -v c_sock="$(gettext "read on a socket")" -v c_read="$(gettext "a read")"
        -v c_stop="$(gettext "a stop (SIGSTOP or SIGTSTP)")"
    )
    { echo "$before"; echo "--"; _session_ticks "$1"; echo "--"; _as_student ps -o pid=,stat=,wchan:40= -s "$1" 2>/dev/null; } |
        awk "${tr[@]}" -v hz="$(getconf CLK_TCK 2>/dev/null || echo 100)" -v leader="$1" '
        function call(w) {
            if (w ~ /do_wait|wait_consider/) return c_wait
            if (w ~ /pipe_read|pipe_wait/) return c_pread
            if (w ~ /pipe_write/) return c_pwrite
            if (w ~ /futex/) return c_futex
            if (w ~ /poll/) return "poll"
            if (w ~ /select/) return "select"
            if (w ~ /nanosleep/) return c_sleep
            if (w ~ /sigsuspend|pause|sigtimedwait/) return c_pause
            if (w ~ /unix_stream|sk_wait|wait_for_more_packets|skb_recv/) return c_sock
            if (w ~ /accept/) return "accept"
            if (w ~ /semtimedop/) return "semop"
            if (w ~ /wait_woken|n_tty_read/) return c_read
            return (w == "-" || w == "0") ? "" : w
        }
        $1 == "--" { part++; next }
        part == 0 { t0[$1] = $2; next }
        part == 1 { t1[$1] = $2; next }
        $1 == leader || $2 ~ /^Z/ || !($1 in t1) { next }
        $2 ~ /^R/ || t1[$1] > t0[$1] { spin++; cpu += t1[$1] / hz; next }
        { asleep++; c = $2 ~ /^[Tt]/ ? c_stop : call($3); if (c != "" && !(c in seen)) { seen[c] = 1; calls[n++] = c } }
        END {
            where = ""
            for (i = 0; i < n; i++) where = where (i == 0 ? j_in : i == n - 1 ? j_and : j_comma) calls[i]
            if (spin && !asleep)
                printf f_spin, spin == 1 ? s_one : s_many, cpu, spin == 1 ? "" : in_all
            else if (asleep && !spin)
                printf f_sleep, asleep == 1 ? s_one : s_many, where
            else if (asleep)
                printf f_mixed, spin, spin == 1 ? " was" : "es were", cpu, asleep, where
        }'
}

_as_student() { # _as_student CMD...: run CMD as the student user, if there is one
    if [ -n "${PROCLABS_AS_STUDENT:-}" ]; then
        "$PROCLABS_AS_STUDENT" "${PROCLABS_STUDENT_UID:-$(id -u)}" "$@"
    else
        "$@"
    fi
}

_session_ticks() { # _session_ticks SID: "PID TICKS" (utime + stime) per process of the session
    local files=() p
    for p in $(ps -o pid= -s "$1" 2>/dev/null); do
        [ "$p" = "$1" ] || files+=("/proc/$p/stat")
    done
    [ ${#files[@]} -gt 0 ] || return 0
    awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); split(FILENAME, n, "/"); print n[3], f[12] + f[13]; nextfile }' "${files[@]}" 2>/dev/null
}

# The sentence every check uses when a program hit its time limit: with what
# run_contained saw just before it (spinning, or asleep in which call).
timeout_message() { # timeout_message SECONDS what
    local limit=$1 what=$2
    if [ -n "${stuck:-}" ]; then
        eval_gettext "\$what did not finish within \$limit s: \$stuck"
    else
        eval_gettext "\$what did not finish within \$limit s (an endless loop, or a deadlock: a process waits for something that never happens)"
    fi
    echo
}

# require_program NAME: fail clearly when the build did not produce it.
require_program() {
    local name=$1
    [ -x "./$1" ] || fail "$(eval_gettext "program \$name was not built: see the build check")"
}
