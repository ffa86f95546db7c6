# The self-study walkthrough, as a learner runs it: in an unpacked handout.
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    make -C "$KIT" -s handout >/dev/null
    export HANDOUT="$BATS_FILE_TMPDIR/learner"
    mkdir -p "$HANDOUT"
    tar -xzf "$KIT/dist/proc-labs-handout.tar.gz" -C "$HANDOUT"
    export WS="$HANDOUT/proc-labs"
    make -C "$WS" -s kit >/dev/null
}

@test "next names lab 01 on an untouched workspace, then 02 once 01 is solved; list shows one done" {
    cd "$WS"
    run grader/grade next
    assert_success
    assert_output --partial "Next: lab 01"
    assert_output --partial "labs/01-fork-getpid/family.c"
    assert_output --partial "make grade LAB=01"
    assert_output --partial "first failing check:"

    cp "$KIT/solutions/01-fork-getpid/family.c" labs/01-fork-getpid/
    run grader/grade next
    assert_success
    assert_output --partial "Next: lab 02"

    run grader/grade list
    assert_success
    assert_line --regexp '^01-fork-getpid +done'
    assert_line --regexp '^02-isolation +not started'
    assert_output --partial "1 of"
    # remembered: a second list answers without grading again
    run grader/grade list
    refute_output --partial "re-grading"
}

@test "reset restores the starter after a confirmation and keeps the learner's file" {
    cd "$WS"
    echo "/* my attempt */" >>labs/02-isolation/isolation.c
    run script -qec "grader/grade reset 02" /dev/null <<<"n"
    grep -q "my attempt" labs/02-isolation/isolation.c
    run script -qec "grader/grade reset 02" /dev/null <<<"y"
    assert_success
    ! grep -q "my attempt" labs/02-isolation/isolation.c
    cmp labs/02-isolation/isolation.c grader/starters/02-isolation/isolation.c
    grep -q "my attempt" labs/02-isolation/isolation.c.orig-*
}

@test "hint works for every lab in English and Chinese, a nudge first" {
    cd "$WS"
    for lab in $(ls labs); do
        id=${lab%%-*}
        run env LANG=C.UTF-8 grader/grade hint "$id" 1
        [ "$status" -eq 0 ] || fail "no English hint for $lab: $output"
        assert_output --partial "Hint 1/"
        run env LANG=zh_CN.UTF-8 grader/grade hint "$id" 1
        [ "$status" -eq 0 ] || fail "no Chinese hint for $lab: $output"
        assert_output --partial "提示 1/"
        python3 -c 'import sys; t=sys.stdin.read(); sys.exit(0 if any("\u4e00" <= ch <= "\u9fff" for ch in t.split("\n",1)[1]) else 1)' <<<"$output" ||
            fail "the Chinese hint of $lab is not in Chinese"
    done
}

@test "every lab and the top README have a Chinese README linked from the English one" {
    for readme in "$KIT"/README.md "$KIT"/labs/*/README.md; do
        zh="${readme%.md}.zh-CN.md"
        [ -s "$zh" ] || fail "missing $zh"
        grep -q "README.zh-CN.md" "$readme" || fail "$readme does not link README.zh-CN.md"
        # the same content: as many sections and code blocks
        [ "$(grep -c '^## ' "$readme")" -eq "$(grep -c '^## ' "$zh")" ] || fail "$zh has other sections than $readme"
        [ "$(grep -c '^```' "$readme")" -eq "$(grep -c '^```' "$zh")" ] || fail "$zh has other code blocks than $readme"
    done
}

@test "watch re-grades within about two seconds of a save (tmux)" {
    cd "$WS"
    grader/grade reset 03 --yes >/dev/null
    session="proclabs-watch-$$"
    tmux new-session -d -s "$session" -x 160 -y 50 "cd '$WS' && grader/grade watch 03; sleep 30"
    # the first verdict
    for i in $(seq 300); do
        tmux capture-pane -p -t "$session" -S -200 | grep -q "save a file to re-grade" && break
        sleep 0.1
    done
    tmux capture-pane -p -t "$session" -S -200 | grep -q "03-join .*0/" || {
        tmux kill-session -t "$session"; fail "watch showed no first verdict"; }
    start=$(date +%s%N)
    cp "$KIT/solutions/03-join/join.c" labs/03-join/join.c
    seen=""
    for i in $(seq 60); do
        if tmux capture-pane -p -t "$session" -S -400 | grep -q "Lab 03 is done"; then seen=1; break; fi
        sleep 0.1
    done
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    screen=$(tmux capture-pane -p -t "$session" -S -400)
    tmux kill-session -t "$session"
    [ -n "$seen" ] || fail "no new verdict within 6 s of the save; the screen:
$screen"
    echo "verdict ${ms} ms after the save" >&3
    [ "$ms" -lt 4000 ] || fail "the verdict took $ms ms"
}
