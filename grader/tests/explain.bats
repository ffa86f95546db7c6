# grade explain: the strace format it relies on, the parser and both
# renderings (golden, from fixtures), the culprits of labs 05, 07 and 16 in
# the first screen, verdicts unchanged by tracing, the HTML page in headless
# Chromium, the READMEs' "See it" sections, and student code that still
# cannot ptrace. Run as root (explain needs the second user).
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    export FIX="$BATS_TEST_DIRNAME/explain"
    export RUNS="$BATS_FILE_TMPDIR/runs"
    mkdir -p "$RUNS"
    [ "$(id -u)" = 0 ] || return 0
    # The three classic mistakes, run once under the tracer; the README
    # check, the culprit tests and the page use these runs.
    "$KIT/grader/explain-docs.sh" --check --keep "$RUNS" >"$RUNS/docs.out" 2>&1
    echo $? >"$RUNS/docs.rc"
}

need_root() {
    [ "$(id -u)" = 0 ] || skip "explain needs root (a second user for student code)"
}

# The first screen a student sees.
first_screen() {
    head -24 "$RUNS/$1.run"
}

@test "the strace output format explain parses (strace -f -ttt -T -y -q)" {
    command -v strace || fail "strace is not installed: make setup"
    local t="$BATS_TEST_TMPDIR/t"
    strace -f -ttt -T -y -q -o "$t.raw" sh -c 'sleep 5 & p=$!; echo x | cat >/dev/null; kill -TERM $p; wait $p; exit 3' || true
    # A call another process interrupted comes in two lines: "NAME(ARGS
    # <unfinished ...>" and "<... NAME resumed>REST": joined here as the
    # parser joins them (the fixtures below hold both halves as they come).
    grep -qE ' <unfinished \.\.\.>$' "$FIX/16-parent-keeps-child-end.trace"
    grep -qE '^[0-9]+ +[0-9.]+ <\.\.\. [a-z0-9_]+ resumed>' "$FIX/16-parent-keeps-child-end.trace"
    awk '{ pid = $1 }
         / <unfinished \.\.\.>$/ { sub(/ <unfinished \.\.\.>$/, ""); held[pid] = $0; next }
         $3 == "<..." && $5 ~ /^resumed>/ { rest = $0; sub(/^.* resumed>/, "", rest); print held[pid] rest; next }
         { print }' "$t.raw" >"$t"
    # "PID SECONDS.MICROS call(args) = ret", descriptors with their pipe
    grep -qE '^[0-9]+ +[0-9]{10}\.[0-9]{6} pipe2?\(\[[0-9]+<pipe:\[[0-9]+\]>, [0-9]+<pipe:\[[0-9]+\]>\]' "$t" ||
        fail "no pipe line in the expected form: $(grep pipe "$t" | head -3)"
    grep -qE '^[0-9]+ +[0-9.]+ (clone|clone3|fork|vfork)\(.*\) += [0-9]+( <[0-9.]+>)?$' "$t" || fail "no clone line"
    grep -qE '^[0-9]+ +[0-9.]+ execve\("[^"]+", \[' "$t" || fail "no execve line"
    grep -qE '^[0-9]+ +[0-9.]+ kill\([0-9]+, SIGTERM\) += 0( <[0-9.]+>)?$' "$t" || fail "no kill line"
    grep -qE '^[0-9]+ +[0-9.]+ --- SIGCHLD \{si_signo=SIGCHLD, si_code=CLD_(EXITED|KILLED), si_pid=[0-9]+' "$t" ||
        fail "no SIGCHLD line"
    grep -qE '^[0-9]+ +[0-9.]+ \+\+\+ killed by SIGTERM \+\+\+$' "$t" || fail "no 'killed by' line"
    grep -qE '^[0-9]+ +[0-9.]+ \+\+\+ exited with 3 \+\+\+$' "$t" || fail "no 'exited with' line"
    grep -qE '^[0-9]+ +[0-9.]+ wait4\(-?[0-9]+, \[\{WIF(EXITED|SIGNALED)\(s\)' "$t" || fail "no wait4 line"
    # -T: the time spent in the call after its result, "<unavailable>" for
    # one the process died in
    grep -qE '^[0-9]+ +[0-9.]+ wait4\(.* = [0-9]+ <[0-9]+\.[0-9]{6}>$' "$t" || fail "no -T time on wait4"
    grep -qE '^[0-9]+ +[0-9.]+ (clone|clone3|fork|vfork)\(.*\) += [0-9]+ <[0-9]+\.[0-9]{6}>$' "$t" ||
        fail "no -T time on clone"
}

@test "the parser and the terminal timeline: golden output from fixtures (English and Chinese)" {
    local f
    # join-in-start-loop is strace -T output: each call's time drawn as a wait
    # killed-together: a parent and its child killed when the run ended, no orphan named
    for f in pipe-writer-kept 16-parent-keeps-child-end 05-reap-one-per-signal 16-bats-program join-in-start-loop killed-together; do
        run env LANG=C NO_COLOR=1 "$KIT/grader/grade" explain --trace "$FIX/$f.trace"
        assert_success
        diff -u "$FIX/$f.out" <(echo "$output" | sed 1d) || fail "$f: the drawing changed"
    done
    for f in pipe-writer-kept join-in-start-loop; do
        run env LANG=zh_CN.UTF-8 "$KIT/grader/grade" explain --trace "$FIX/$f.trace"
        diff -u "$FIX/$f.zh.out" <(echo "$output" | sed 1d) || fail "$f: the Chinese drawing changed"
    done
    # Every row fits 100 columns; no colour when not on a terminal.
    for f in "$FIX"/*.out; do
        awk 'length($0) > 100 && /\|$/ { print FILENAME ": " $0; bad = 1 } END { exit bad }' "$f"
        ! grep -q $'\033' "$f"
    done
}

@test "a trace that is not strace's gets a clear answer, not a crash" {
    printf 'garbage\n\n12 x y\n1 2 read(\n' >"$BATS_TEST_TMPDIR/bad"
    run "$KIT/grader/grade" explain --trace "$BATS_TEST_TMPDIR/bad"
    assert_success
    assert_output --partial "no student process in the trace"
    # 2000 processes that each leave a zombie: bounded time, a bounded screen.
    awk 'BEGIN { t = 1700000000; print "10 " t ".000000 setresuid(62010, 62010, 62010) = 0"
                 for (i = 0; i < 2000; i++) { p = 11 + i
                     printf "10 %d.%06d pipe2([3, 4], 0) = 0\n", t, i
                     printf "10 %d.%06d clone(child_stack=NULL, flags=SIGCHLD) = %d\n", t, i, p
                     printf "%d %d.%06d +++ exited with 0 +++\n", p, t, i }
                 printf "10 %d.999999 read(3,  <unfinished ...>\n", t
                 printf "10 %d.999999 +++ killed by SIGKILL +++\n", t + 1 }' >"$BATS_TEST_TMPDIR/big"
    run timeout 20 "$KIT/grader/grade" explain --trace "$BATS_TEST_TMPDIR/big"
    assert_success
    assert_output --partial "2001 processes"
    assert_output --partial "more lines: the same mistakes again"
    assert_output --partial "and 1961 more processes"
    [ "${#lines[@]}" -lt 250 ] || fail "${#lines[@]} lines for one trace"
    run "$KIT/grader/grade" explain --trace /nonexistent
    assert_failure 2
    assert_output --partial "cannot read /nonexistent"
}

@test "lab 16: the explanation of parent-keeps-child-end names the holder of the other end first" {
    need_root
    run first_screen 16
    assert_output --partial "untraced: failed   traced: failed (the same)"
    assert_output --regexp "p1 test body was blocked in read\(fd [0-9]+: socketpair A, end 0\).*never saw EOF, because end 1 of socketpair A was still open in: p1 test body \(fd [0-9]+\)"
}

@test "lab 07: the explanation of parent-keeps-write-end names the parent's write end first" {
    need_root
    run first_screen 07
    assert_output --partial "untraced: failed   traced: failed (the same)"
    assert_output --regexp "blocked in read\(fd [0-9]+: pipe A, read end\).*the write end of pipe A was still open in: p1 test body \(fd [0-9]+\)"
}

@test "lab 05: the explanation of reap-one-per-signal names the unreaped children first" {
    need_root
    run first_screen 05
    assert_output --partial "untraced: failed   traced: failed (the same)"
    assert_output --regexp "p[0-9]+ child ended at .* but its parent p1 test body never waited for it"
    [ "$(grep -c 'never waited for it' "$RUNS/05.run")" -ge 3 ] || fail "fewer than 3 unreaped children shown"
}

@test "lab 03: the explanation of join-inside-loop says the children ran one after another" {
    need_root
    run first_screen 03
    assert_output --partial "untraced: failed   traced: failed (the same)"
    assert_output --regexp "p1 test body ran its 4 children one after another: .*waited [0-9.]+ s in wait4\(for p2\)"
    # and its wait is drawn: blocked for most of its row
    grep -qE '^p1   test body   \|\+={60,}' "$RUNS/03.run" || fail "p1's wait is not drawn: $(grep '^p1 ' "$RUNS/03.run")"
}

@test "lab 19: the explanation of no-reaping shows the server's children as zombies" {
    need_root
    run first_screen 19
    assert_output --regexp "p[0-9]+ child was a zombie for [0-9.]+ s before p2 reaped it"
    [ "$(grep -c 'was a zombie for' "$RUNS/19.run")" -ge 10 ] || fail "fewer than 10 zombies named"
}

@test "tracing does not change a verdict: a bats check of the solution passes traced as untraced" {
    need_root
    # (The mutants above fail traced as untraced.) A bats check: strace
    # around the program, through check.bash's wrapper.
    run env NO_COLOR=1 "$KIT/grader/grade" explain 16 program_reads_until_eof --solutions
    assert_success
    assert_output --partial "untraced: passed   traced: passed (the same)"
    assert_output --regexp "p1   as-student +\|"
    assert_output --regexp "p2   pipe_eof +\|"
    assert_output --partial "forked by p2"
}

# As a student meets it: `make grade` keeps the lab's verdict, then the
# failure's "see it" line runs explain. Its runs must be made, never the
# kept verdict (nothing would be traced), and never kept themselves.
@test "explain traces the check when the lab's verdict is in the cache" {
    need_root
    unset PROCLABS_NO_CACHE
    export PROCLABS_CACHE="$BATS_TEST_TMPDIR/cache"
    run "$KIT/grader/grade" 03
    [ "$status" -eq 1 ] || fail "the starters of lab 03 should fail: $output"
    local kept
    kept=$(ls "$PROCLABS_CACHE" | grep -c '\.json$')
    [ "$kept" -ge 1 ] || fail "grade kept no verdict in $PROCLABS_CACHE"
    run env NO_COLOR=1 "$KIT/grader/grade" explain 03 program_sends_mails_at_once
    refute_output --partial "The tracer wrote nothing"
    assert_output --regexp "p1   as-student +\|"
    run ls "$PROCLABS_CACHE"
    [ "$(grep -c '\.json$' <<<"$output")" -eq "$kept" ] || fail "explain kept a verdict: $output"
}

@test "the READMEs' 'See it' sections match a fresh run (make explain-docs rewrites them)" {
    need_root
    [ "$(cat "$RUNS/docs.rc")" = 0 ] || fail "$(cat "$RUNS/docs.out")"
    local lab
    for lab in 03-join 05-zombie-orphan 07-exec-capture 16-pipe-eof 19-echo-server; do
        grep -q '^## See it$' "$KIT/labs/$lab/README.md"
        grep -q '^## 看见它$' "$KIT/labs/$lab/README.zh-CN.md"
    done
}

@test "the HTML page: one SVG group per process, one mark per event, checked in headless Chromium" {
    need_root
    command -v chromium || fail "chromium is not installed: make setup"
    local page="$BATS_TEST_TMPDIR/16.html" shot="$BATS_TEST_TMPDIR/16.png"
    run env NO_COLOR=1 "$KIT/grader/grade" explain --trace "$RUNS/16.raw" --html "$page"
    assert_success
    local procs events
    procs=$(echo "$output" | sed -nE 's/^([0-9]+) processes, ([0-9]+) events.*/\1/p')
    events=$(echo "$output" | sed -nE 's/^([0-9]+) processes, ([0-9]+) events.*/\2/p')
    [ -n "$procs" ] && [ "$procs" -ge 2 ]
    ! grep -qi '<script' "$page"
    local chrome=(chromium --headless --no-sandbox --disable-gpu --user-data-dir="$BATS_TEST_TMPDIR/chrome")
    timeout 60 "${chrome[@]}" --dump-dom "file://$page" >"$BATS_TEST_TMPDIR/dom" 2>/dev/null
    [ "$(grep -o 'class="proc"' "$BATS_TEST_TMPDIR/dom" | wc -l)" -eq "$procs" ] || fail "the page's processes differ from the trace's $procs"
    [ "$(grep -o 'class="ev ev-' "$BATS_TEST_TMPDIR/dom" | wc -l)" -eq "$events" ] || fail "the page's events differ from the trace's $events"
    grep -q '<title>p1 test body' "$BATS_TEST_TMPDIR/dom"
    grep -q 'still open in: p1 test body' "$BATS_TEST_TMPDIR/dom"
    timeout 60 "${chrome[@]}" --window-size=1000,700 --screenshot="$shot" "file://$page" >/dev/null 2>&1
    [ -s "$shot" ] && [ "$(stat -c %s "$shot")" -gt 10000 ] || fail "no screenshot"
    [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "the screenshot is not a PNG"
}

@test "explain mode: student code still cannot ptrace (hostile case ptrace-explain)" {
    need_root
    local sub="$BATS_TEST_TMPDIR/sub"
    mkdir -p "$sub/01-fork-getpid"
    cp "$KIT/grader/tests/hostile/ptrace-explain/family.c" "$sub/01-fork-getpid/"
    chmod -R a+rX "$BATS_TEST_TMPDIR"
    run env NO_COLOR=1 "$KIT/grader/grade" explain 01 who_am_i_matches_getpid --dir "$sub"
    assert_output --partial "traced: failed (the same)"
    assert_output --regexp "ptrace-explain: tried [1-9][0-9]* processes, ptrace refused for [1-9]"
    refute_output --partial "could "
}

@test "explain says plainly what it cannot do" {
    run "$KIT/grader/grade" explain 09
    assert_failure 2
    assert_output --partial "lab 09 is not one of them"
    run "$KIT/grader/grade" explain
    assert_failure 2
    assert_output --partial "usage: grade explain"
    need_root
    run "$KIT/grader/grade" explain 16 no_such_check
    assert_failure 2
    assert_output --partial "has no check 'no_such_check'"
    run "$KIT/grader/grade" explain 16 --mutant no-such-mutant
    assert_failure 2
    assert_output --partial "has no mutant 'no-such-mutant'"
}
