# A student's first hour (issue 16): quiet output that says what next, help
# for every command, status codes, reset's backups, the small traps, watch.
# Each test works in a copy of the built kit (no rebuild: seconds, not minutes).
bats_load_library bats-support
bats_load_library bats-assert

teardown() { # a failed wait leaves its watch running: stop it
    [ -n "${session:-}" ] && tmux kill-session -t "$session" 2>/dev/null || true
}

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    export WS="$BATS_FILE_TMPDIR/kit"
    mkdir -p "$WS"
    cp -a "$KIT"/Makefile "$KIT"/common "$KIT"/labs "$KIT"/docs "$WS"/
    mkdir -p "$WS/grader"
    cp -a "$KIT"/grader/{grade,build,checks,manifest.json,setup.sh,src} "$WS/grader/"
    rm -rf "$WS"/labs/*/bin "$WS"/labs/.progress
    "$WS/grader/grade" starters "$WS/grader/starters" >/dev/null
}

@test "grade: the first line at once, a line per lab as it comes, one lab's details, what next last" {
    cd "$WS"
    python3 - "$BATS_TEST_TMPDIR/out" <<'PY'
import subprocess, sys, time
start = time.monotonic()
p = subprocess.Popen(["grader/grade", "--jobs", "1", "01", "02", "03"], stdout=subprocess.PIPE, text=True)
lines = [p.stdout.readline()]
t_first = time.monotonic() - start
t_lab1 = None
for line in p.stdout:
    lines.append(line)
    if line.startswith("01-fork-getpid") and t_lab1 is None:
        t_lab1 = time.monotonic() - start
p.wait()
t_end = time.monotonic() - start
open(sys.argv[1], "w").write("".join(lines))
print(f"first line {t_first:.2f} s, lab 01's line {t_lab1:.2f} s, end {t_end:.2f} s")
assert p.returncode == 1, p.returncode
assert t_first < 2, f"the first line took {t_first:.2f} s"
# one lab at a time: 02 and 03 are graded (each a build at least) after 01's
# line is out, if it comes out as 01 ends
assert t_lab1 is not None and t_lab1 < t_end - 0.1, "lab 01's line came only at the end"
PY
    run cat "$BATS_TEST_TMPDIR/out"
    assert_line --index 0 --regexp '^grading 3 labs'
    assert_line --index 1 --regexp '^01-fork-getpid +\[\.+\] +0/'
    assert_line --index 3 --regexp '^03-join +\[\.+\] +0/'
    assert_output --partial "Your current lab, 01-fork-getpid"
    assert_output --partial "FAIL start_child_returns_child_pid"
    refute_output --partial "FAIL join_"   # lab 03's details stay hidden
    refute_output --partial "grading 0/3"  # no live line without a terminal
    assert_line --index $((${#lines[@]} - 1)) --partial "grader/grade next"
    # on a terminal: the live line
    run script -qec "grader/grade 01 02" /dev/null
    assert_output --partial "grading 0/2..."
    # --json - stays pure JSON; -v still shows every check of every lab
    run grader/grade --json - 01
    python3 -c 'import json,sys; json.loads(sys.stdin.read())' <<<"$output"
    run grader/grade -v 01
    assert_output --regexp "FAIL who_am_i_matches_getpid \(0/1\) [0-9]+ ms"
}

@test "make: quiet, and non-zero with the stale program removed when a lab does not compile" {
    cd "$WS"
    run make LAB=18
    assert_success
    refute_output --partial "-Werror"          # no raw compiler lines
    assert_output --regexp "18-pool-callback +built"
    [ -x labs/18-pool-callback/bin/progress ] || fail "no labs/18-pool-callback/bin/progress"
    cp labs/18-pool-callback/apool.c "$BATS_TEST_TMPDIR/keep.c"
    printf 'static int unused_w;\nint oops(void) { return 1 }\n' >>labs/18-pool-callback/apool.c
    run make LAB=18
    cp "$BATS_TEST_TMPDIR/keep.c" labs/18-pool-callback/apool.c
    assert_failure
    assert_output --partial "18-pool-callback           does not compile"
    # the error first, at the student's own path, before the warning
    assert_output --regexp "labs/18-pool-callback/apool.c:[0-9]+:[0-9]+: error: expected"
    first_error=$(grep -n ': error: ' <<<"$output" | head -1 | cut -d: -f1)
    first_warning=$(grep -n ': warning: ' <<<"$output" | head -1 | cut -d: -f1)
    [ "$first_error" -lt "$first_warning" ] || fail "the warning comes before the error"
    refute_output --partial "/tmp/proclabs-"
    [ ! -e labs/18-pool-callback/bin/progress ] || fail "the stale program stayed"
    # every "built" line ends its line, even after a lab that is missing a file
    mv labs/01-fork-getpid/family.c "$BATS_TEST_TMPDIR/family.c"
    run grader/grade build 01 02
    mv "$BATS_TEST_TMPDIR/family.c" labs/01-fork-getpid/family.c
    assert_failure 1
    assert_line --regexp '^02-isolation +built$'
}

@test "a compile error: the error at the student's path first, one line for the checks not run" {
    cd "$WS"
    cp labs/01-fork-getpid/family.c "$BATS_TEST_TMPDIR/keep.c"
    printf 'static int unused_w;\nint oops(void) { return 1 }\n' >>labs/01-fork-getpid/family.c
    run grader/grade 01
    cp "$BATS_TEST_TMPDIR/keep.c" labs/01-fork-getpid/family.c
    assert_failure 1
    assert_output --regexp "labs/01-fork-getpid/family.c:[0-9]+:[0-9]+: error:"
    refute_output --partial "/tmp/proclabs-"
    refute_output --partial "not run: the build failed"
    assert_output --partial "9 checks could not run"
    first_error=$(grep -n ': error: ' <<<"$output" | head -1 | cut -d: -f1)
    first_warning=$(grep -n ': warning: ' <<<"$output" | head -1 | cut -d: -f1)
    [ "$first_error" -lt "$first_warning" ]
}

@test "a deleted file: one message naming reset; a main() of the student's: said once" {
    cd "$WS"
    mv labs/01-fork-getpid/family.c "$BATS_TEST_TMPDIR/family.c"
    run grader/grade 01
    assert_failure 1
    [ "$(grep -c 'family.c not found' <<<"$output")" -eq 1 ] || fail "repeated: $output"
    assert_output --partial "grader/grade reset 01"
    cp "$BATS_TEST_TMPDIR/family.c" labs/01-fork-getpid/family.c
    printf 'int main(void) { return 0; }\n' >>labs/01-fork-getpid/family.c
    run grader/grade 01
    mv "$BATS_TEST_TMPDIR/family.c" labs/01-fork-getpid/family.c
    [ "$(grep -c 'your main() is not used' <<<"$output")" -eq 1 ] || fail "not said once: $output"
    assert_output --partial "labs/01-fork-getpid/bin/family"
}

@test "--dir with several candidate folders refuses and lists them" {
    mkdir -p "$BATS_TEST_TMPDIR/all/alice/01-fork-getpid" "$BATS_TEST_TMPDIR/all/bob/labs/02-isolation"
    run "$WS/grader/grade" --dir "$BATS_TEST_TMPDIR/all" 01
    assert_failure 2
    assert_output --partial "several folders"
    assert_output --partial "/all/alice"
    assert_output --partial "/all/bob/labs"
}

@test "help lists every command, each has its own --help, typos get a suggestion" {
    cd "$WS"
    run grader/grade --help
    assert_success
    for c in next list watch hint reset build batch verdict classroom selftest manifest starters; do
        assert_line --regexp "^  grade $c"
        run grader/grade "$c" --help
        assert_success
        assert_line --index 0 --regexp "^usage: grade $c"
        run grader/grade --help
    done
    run grader/grade help
    assert_success
    assert_line --index 0 --partial "usage: grade [COMMAND]"
    run grader/grade help hint
    assert_line --index 0 "usage: grade hint LAB [N]"
    run grader/grade nxet
    assert_failure 2
    assert_output --partial "did you mean 'grade next'?"
    run grader/grade jion
    assert_output --partial "did you mean lab 'join'?"
    run grader/grade 99
    assert_failure 2
    refute_output --partial "did you mean"
}

@test "extra arguments are used or refused, never ignored" {
    cd "$WS"
    run grader/grade list 03
    assert_success
    assert_line --regexp '^03-join '
    refute_line --regexp '^01-fork-getpid '
    run grader/grade next 05
    assert_success
    assert_output --partial "Next: lab 05"
    run grader/grade next 05 06
    assert_failure 2
    assert_output --partial "too many arguments"
    run grader/grade classroom extra
    assert_failure 2
    run grader/grade reset
    assert_failure 2
    assert_output --partial "usage: grade reset LAB [--yes]"
}

@test "docs/cli.md quotes grade --help and every command's --help exactly" {
    python3 - "$KIT" <<'PY'
import re, subprocess, sys
kit = sys.argv[1]
doc = open(f"{kit}/docs/cli.md", encoding="utf-8").read()
blocks = re.findall(r"```text\n\$ (grader/grade[^\n]*)\n(.*?)```", doc, re.S)
assert blocks, "docs/cli.md quotes no help"
seen = set()
for cmd, text in blocks:
    out = subprocess.run(cmd.split(), cwd=kit, capture_output=True, text=True).stdout
    assert out == text, f"docs/cli.md differs from `{cmd}`:\n--- doc\n{text}--- program\n{out}"
    seen.add(cmd)
helpout = subprocess.run([f"{kit}/grader/grade", "--help"], capture_output=True, text=True).stdout
for c in re.findall(r"^  grade (\w+)", helpout, re.M):
    assert f"grader/grade {c} --help" in seen, f"docs/cli.md lacks `grader/grade {c} --help`"
PY
    [ -s "$KIT/docs/cli.zh-CN.md" ] || fail "no docs/cli.zh-CN.md"
}

@test "make grade: 0 at full marks, else make's 2 carrying the grader's status (README)" {
    cd "$WS"
    run make -s grade LAB=01
    assert_failure 2
    assert_output --partial "Error 1"
    run make -s grade LAB=99
    assert_failure 2
    assert_output --partial "Error 2"
    cp labs/01-fork-getpid/family.c "$BATS_TEST_TMPDIR/keep.c"
    cp "$KIT/solutions/01-fork-getpid/family.c" labs/01-fork-getpid/
    run make -s grade LAB=01
    cp "$BATS_TEST_TMPDIR/keep.c" labs/01-fork-getpid/family.c
    assert_success
    grep -q 'Error N' "$KIT/README.md" || fail "README.md does not say what make grade exits with"
    grep -q 'Error N' "$KIT/README.zh-CN.md" || fail "README.zh-CN.md does not say it"
}

@test "reset: unique backups, none for an untouched file, --yes named without a terminal" {
    cd "$WS"
    run grader/grade reset 02 --yes
    assert_success
    assert_output --partial "starter already"
    ls labs/02-isolation/ | grep -q orig && fail "a backup of an untouched file"
    echo "/* first */" >>labs/02-isolation/isolation.c
    grader/grade reset 02 --yes
    echo "/* second */" >>labs/02-isolation/isolation.c
    grader/grade reset 02 --yes
    [ "$(ls labs/02-isolation/ | grep -c '\.orig-')" -eq 2 ] || fail "a backup was overwritten"
    grep -l first labs/02-isolation/isolation.c.orig-* >/dev/null
    grep -l second labs/02-isolation/isolation.c.orig-* >/dev/null
    echo "/* third */" >>labs/02-isolation/isolation.c
    run grader/grade reset 02 </dev/null
    assert_failure 2
    assert_output --partial "grader/grade reset 02 --yes"
    refute_output --partial "[y/N]"
    grep -q third labs/02-isolation/isolation.c
    # on a terminal it asks, and a no names --yes too
    run script -qec "grader/grade reset 02" /dev/null <<<n
    assert_output --partial "[y/N]"
    assert_output --partial "Nothing changed (grader/grade reset 02 --yes"
    grep -q third labs/02-isolation/isolation.c
    grader/grade reset 02 --yes >/dev/null
}

@test "hints say when they have run out" {
    cd "$WS"
    run grader/grade hint 01 1
    assert_success
    count=$(sed -n 's/^Hint 1\/\([0-9]*\).*/\1/p' <<<"$output")
    run grader/grade hint 01 "$count"
    assert_output --partial "That was the last hint"
    run grader/grade hint 01 $((count + 1))
    assert_output --partial "no more hints"
}

@test "lab 12's starter: the hundred-clients check says the manager never started" {
    cd "$WS"
    run grader/grade --json - 12
    python3 - "$output" <<'PY'
import json, sys
lab = json.loads(sys.argv[1])["labs"][0]
msg = next(c["message"] for c in lab["checks"] if c["name"] == "hundred_clients_take_one_each")
assert "never started" in msg, msg
assert 'got ""' not in msg, msg
PY
}

# The watch screen, as the student sees it in a terminal.
screen() { tmux capture-pane -p -t "$session"; }
wait_screen() { # wait_screen REGEX: until the visible screen matches (10 s at most)
    for _ in $(seq 100); do
        screen | grep -qE "$1" && return 0
        sleep 0.1
    done
    fail "the screen never showed /$1/:
$(screen)"
}

@test "watch redraws one screen per grade, with progress, keys, and hints back and forth (tmux)" {
    cd "$WS"
    grader/grade reset 03 --yes >/dev/null
    session="proclabs-fh-$$"
    tmux new-session -d -s "$session" -x 150 -y 200 "cd '$WS' && grader/grade watch 03; sleep 30"
    wait_screen 'grade #1 at'
    s=$(screen)
    [[ "$s" == *"labs done"* ]] || { tmux kill-session -t "$session"; fail "no progress: $s"; }
    [[ "$s" == *"h next hint, b earlier hint, e explain, n next lab, q quit"* ]] || { tmux kill-session -t "$session"; fail "no keys: $s"; }
    tmux send-keys -t "$session" Enter
    wait_screen 'grade #2 at'
    [ "$(screen | grep -c 'grade #')" -eq 1 ] || { s=$(screen); tmux kill-session -t "$session"; fail "runs pile up: $s"; }
    tmux send-keys -t "$session" h Enter
    wait_screen 'Hint 1/'
    tmux send-keys -t "$session" h Enter
    wait_screen 'Hint 2/'
    tmux send-keys -t "$session" b Enter
    wait_screen 'Hint 1/'
    tmux send-keys -t "$session" b Enter
    wait_screen 'That is the first hint'
    cp "$KIT/solutions/03-join/join.c" labs/03-join/join.c
    wait_screen 'Lab 03 is done'
    s=$(screen)
    tmux kill-session -t "$session"
    [[ "$s" =~ 1/20\ labs\ done|[0-9]+/20\ labs\ done ]] || fail "no progress after the save: $s"
    [ "$(grep -c 'grade #' <<<"$s")" -eq 1 ] || fail "runs pile up: $s"
    grader/grade reset 03 --yes >/dev/null
}

@test "watch shows 'grading...' while it grades (tmux)" {
    # The status shows only while a grade runs (a fraction of a second): a
    # look at the screen can miss it, so every byte the watch writes is
    # kept (pipe-pane, set before the watch starts) and read afterwards.
    cd "$WS"
    session="proclabs-fh2-$$"
    tmux new-session -d -s "$session" -x 150 -y 200 \
        "tmux wait-for go-$session; cd '$WS' && grader/grade watch 03; sleep 30"
    tmux pipe-pane -t "$session" "cat >>'$BATS_TEST_TMPDIR/screen.log'"
    tmux wait-for -S "go-$session"
    wait_screen 'grade #1 at'
    tmux kill-session -t "$session"
    grep -q 'grading lab 03' "$BATS_TEST_TMPDIR/screen.log" ||
        fail "no 'grading lab 03' was written before the verdict: $(cat -v "$BATS_TEST_TMPDIR/screen.log" | head -c 2000)"
}
