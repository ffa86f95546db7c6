# The class report: one static page from a batch, its numbers the CSV's,
# drawn in a headless browser with no script, every student linked.
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    export GRADE="$KIT/grader/grade"
    # A small batch, lab 01 only: full marks, the starter, one mistake under
    # a name with markup in it, and a stray file.
    export B="$BATS_FILE_TMPDIR/b"
    local subs="$B/subs" odd='zoë <b>&"x"'
    mkdir -p "$subs/ann" "$subs/dan" "$subs/$odd"
    cp -r "$KIT/solutions/01-fork-getpid" "$subs/ann/"
    cp -r "$KIT/labs/01-fork-getpid" "$subs/dan/"
    cp -r "$KIT/solutions/01-fork-getpid" "$subs/$odd/"
    sed -i 's/getpid()/getppid()/' "$subs/$odd/01-fork-getpid/family.c"
    echo "my labs are in the cloud" >"$subs/hal.txt"
    "$GRADE" batch "$subs" 01 --csv "$B/scores.csv" --out "$B/reports" --html "$B/html" >/dev/null
}

@test "batch --html writes one page whose tables hold the CSV's numbers" {
    [ -f "$B/html/index.html" ]
    python3 "$BATS_TEST_DIRNAME/classreport_check.py" numbers "$B/html/index.html" "$B/scores.csv"
}

@test "the page holds no script, escapes what students named, and links every student" {
    run grep -ci "<script" "$B/html/index.html"
    [ "$output" = "0" ]
    run grep -c '<b>&' "$B/html/index.html"
    [ "$output" = "0" ]
    # a feedback file, when there is one, is what a student's name links to
    mkdir -p "$B/feedback"
    first=$(ls "$B/reports" | head -n 1)
    echo "# feedback" >"$B/feedback/${first%.json}.md"
    run "$GRADE" report "$B/reports" --feedback "$B/feedback" --html "$B/html2"
    assert_success
    python3 "$BATS_TEST_DIRNAME/classreport_check.py" links "$B/html2/index.html" "${first%.json}"
}

@test "grade report gives the page batch --html gave, and says what to give it" {
    run "$GRADE" report "$B/reports" --html "$B/again"
    assert_success
    cmp "$B/html/index.html" "$B/again/index.html"
    run "$GRADE" report "$B/nowhere" --html "$B/x"
    assert_failure 2
    assert_output --partial "not a folder"
    mkdir -p "$B/empty"
    run "$GRADE" report "$B/empty" --html "$B/x"
    assert_failure 2
    assert_output --partial "no STUDENT.json reports"
}

@test "headless Chromium draws the page from disk: histogram and heat map in the screenshot" {
    command -v chromium >/dev/null || fail "chromium is missing: run make setup"
    shot="$BATS_TEST_TMPDIR/shot.png"
    # no network, no script: the page must draw from the file alone
    run timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --disable-javascript --user-data-dir="$BATS_TEST_TMPDIR/profile" \
        --window-size=1400,1600 --screenshot="$shot" "file://$B/html/index.html"
    [ -s "$shot" ] || fail "no screenshot: $output"
    python3 "$BATS_TEST_DIRNAME/classreport_check.py" screenshot "$shot"
}
