# The grader in English and Chinese (GNU gettext, po/): every message
# translated, the catalogue valid, the language chosen as GNU programs do,
# and the checks inside the box speaking it too.
bats_load_library bats-support
bats_load_library bats-assert

setup() {
    KIT="$BATS_TEST_DIRNAME/../.."
    GRADE="$KIT/grader/grade"
    # A clean environment: nothing of the caller's locale leaks in.
    CLEAN=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$BATS_TEST_TMPDIR")
}

# Chinese characters (CJK, U+4E00..U+9FFF), counted in UTF-8.
has_chinese() {
    LC_ALL=C.UTF-8 grep -qP '[\x{4e00}-\x{9fff}]' <<<"$1"
}

@test "every extracted message has a translation, none fuzzy, and msgfmt --check passes" {
    "$KIT/po/extract.sh" "$BATS_TEST_TMPDIR/now.pot"
    msgmerge --quiet --no-fuzzy-matching --no-wrap "$KIT/po/zh_CN.po" "$BATS_TEST_TMPDIR/now.pot" \
        -o "$BATS_TEST_TMPDIR/merged.po"
    run msgattrib --untranslated --no-wrap "$BATS_TEST_TMPDIR/merged.po"
    [ -z "$output" ] || fail "messages without a Chinese translation (run 'make pot', translate them in po/zh_CN.po):
$(grep '^msgid' <<<"$output" | head -n 20)"
    run msgattrib --only-fuzzy --no-wrap "$BATS_TEST_TMPDIR/merged.po"
    [ -z "$output" ] || fail "fuzzy (unchecked) translations in po/zh_CN.po:
$(grep '^msgid' <<<"$output" | head -n 20)"
    run msgfmt --check --statistics -o /dev/null "$BATS_TEST_TMPDIR/merged.po"
    assert_success
    refute_output --partial "untranslated"
}

@test "po/proclabs.pot is what xgettext makes of the sources today" {
    "$KIT/po/extract.sh" "$BATS_TEST_TMPDIR/now.pot"
    run diff -u "$KIT/po/proclabs.pot" "$BATS_TEST_TMPDIR/now.pot"
    [ "$status" -eq 0 ] || fail "po/proclabs.pot is stale: run 'make pot' (and translate what is new)"
}

@test "the catalogue the checks read is built into grader/build/locale" {
    [ -f "$KIT/grader/build/locale/zh_CN/LC_MESSAGES/proclabs.mo" ]
    [ "$KIT/grader/build/locale/zh_CN/LC_MESSAGES/proclabs.mo" -nt "$KIT/po/zh_CN.po" ] ||
        fail "the .mo is older than po/zh_CN.po: run make kit"
}

@test "LANGUAGE=zh_CN.UTF-8 with no LANG: the solutions' report and lab title are Chinese" {
    run "${CLEAN[@]}" LANGUAGE=zh_CN.UTF-8 "$GRADE" --solutions 03 -v --json "$BATS_TEST_TMPDIR/r.json"
    assert_success
    assert_output --partial "通过 exitcode_decodes_status"
    assert_output --partial "总计"
    refute_output --partial "ok   exitcode"
    grep -q '"title": "等待子进程（join）"' "$BATS_TEST_TMPDIR/r.json" ||
        fail "the lab title is not from the catalogue: $(grep title "$BATS_TEST_TMPDIR/r.json")"
}

@test "a failing submission in Chinese: C checks, bats checks and the summary" {
    # The untouched starter fails the Criterion checks and the bats ones.
    run "${CLEAN[@]}" LANGUAGE=zh_CN "$GRADE" 03
    assert_failure 1
    assert_output --partial "失败 exitcode_decodes_status"
    assert_output --partial "当 WIFEXITED(status) 时应返回 WEXITSTATUS(status)"
    assert_output --partial "./mails 10 打印了 0 行 'mail N: sending'"
    refute_output --partial "FAIL "
    refute_output --partial "instead of 10"
}

@test "a mutant's messages in Chinese, and the manifest's cause links still found" {
    # The links' "when" phrases are looked for in the translated messages too.
    mkdir -p "$BATS_TEST_TMPDIR/sub"
    cp -R "$KIT/solutions/01-fork-getpid" "$BATS_TEST_TMPDIR/sub/"
    patch -s -d "$BATS_TEST_TMPDIR/sub/01-fork-getpid" family.c \
        <"$KIT/grader/checks/01-fork-getpid/mutants/child-does-not-exit/family.c.patch"
    run "${CLEAN[@]}" LANGUAGE=zh_CN "$GRADE" 01 --dir "$BATS_TEST_TMPDIR/sub"
    assert_failure 1
    assert_output --partial "有个子进程从 start_child() 返回而没有退出"
    assert_output --partial "很可能是 run_children_forks_exactly_n 失败的后果：请先修正它"
    assert_output --partial "修正这一项可能也会修正：run_children_reaps_every_child"
}

@test "LANG=zh_CN.UTF-8 works without the zh_CN locale installed" {
    run "${CLEAN[@]}" LANG=zh_CN.UTF-8 "$GRADE" --solutions 03 -v
    assert_success
    assert_output --partial "通过 exitcode_decodes_status"
}

@test "LC_ALL=C means English, whatever LANGUAGE says" {
    run "${CLEAN[@]}" LC_ALL=C LANGUAGE=zh_CN "$GRADE" 03
    assert_failure 1
    assert_output --partial "FAIL exitcode_decodes_status"
    assert_output --partial "./mails 10 printed 0 'mail N: sending' lines instead of 10"
    if has_chinese "$output"; then fail "Chinese under LC_ALL=C: $output"; fi
}
