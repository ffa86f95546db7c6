# Machine formats for CI and Gradescope: JUnit against its schema, what
# Gradescope shows students before the due date, stdout holding only JSON.
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    export GRADE="$KIT/grader/grade"
    export XSD="$KIT/grader/tests/junit/junit-10.xsd"
}

@test "--junit is valid against Jenkins' junit-10.xsd, with errors, totals and whole messages" {
    # Lab 01 as the starter (failures); lab 02 that does not compile, with
    # bytes that are not UTF-8 on the failing line (the other checks cannot run).
    sub="$BATS_TEST_TMPDIR/sub"
    mkdir -p "$sub"
    cp -r "$KIT/labs/01-fork-getpid" "$KIT/labs/02-isolation" "$sub/"
    f=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print([l for l in m["labs"] if l["id"]=="02"][0]["edit"][0])' "$KIT/grader/manifest.json")
    printf 'int broken = \xff\xfe "not C";\n' >>"$sub/02-isolation/$f"
    run "$GRADE" --dir "$sub" 01 02 --junit "$BATS_TEST_TMPDIR/j.xml"
    [ "$status" -eq 1 ]
    run xmllint --noout --schema "$XSD" "$BATS_TEST_TMPDIR/j.xml"
    assert_success
    python3 - "$BATS_TEST_TMPDIR/j.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall("testsuite")
for key in ("tests", "failures", "errors"):
    assert root.get(key) == str(sum(int(s.get(key)) for s in suites)), (key, root.attrib)
one, two = suites
assert int(one.get("failures")) > 0 and one.get("errors") == "0", one.attrib
# lab 02: its build failed, every other check did not run: errors, not failures
cases = two.findall("testcase")
assert cases[0].find("failure") is not None, "the build check itself failed"
assert all(c.find("error") is not None for c in cases[1:]), [ET.tostring(c) for c in cases]
assert two.get("errors") == str(len(cases) - 1), two.attrib
# a multi-line message: the first line in the attribute, all of it in the text
multi = [e for e in root.iter() if e.tag in ("failure", "error") and "\n" in (e.text or "")]
assert multi, "no multi-line message kept in element text"
for e in root.iter():
    if e.tag in ("failure", "error"):
        assert "\n" not in e.get("message"), e.get("message")
        assert e.text.startswith(e.get("message")), (e.get("message"), e.text[:80])
PY
}

@test "Gradescope: before the due date students see no hidden check, in no test or total" {
    "$GRADE" 01 --gradescope "$BATS_TEST_TMPDIR/r.json" >/dev/null || true
    python3 - "$BATS_TEST_TMPDIR/r.json" "$KIT/grader/manifest.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = json.load(open(sys.argv[2]))
hidden = [c["name"] for l in m["labs"] for c in l["checks"] if c.get("hidden")]
assert hidden
shown = [t for t in r["tests"] if t["visibility"] == "visible"]
later = [t for t in r["tests"] if t["visibility"] != "visible"]
assert later and all(any(h in t["name"] for h in hidden) for t in later), later
# the starter fails the roots of the hidden check: their messages must not name it
for t in shown:
    for h in hidden:
        assert h not in t["output"] and h not in t["name"], (h, t["name"], t["output"])
# the total counts the hidden check, so it is held back; the summary counts what is shown
assert r["visibility"] == "after_due_date", r.get("visibility")
assert r["stdout_visibility"] == "hidden"
shown_score = sum(t["score"] for t in shown)
assert f"{int(shown_score)}/" in r["output"], r["output"]
for h in hidden:
    assert h not in r["output"]
PY
}

@test "Gradescope: with no hidden check graded, the total is visible at once" {
    "$GRADE" 02 --solutions --gradescope "$BATS_TEST_TMPDIR/r.json" >/dev/null
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["visibility"] == "visible", r["visibility"]; assert "after the due date" not in r["output"]' "$BATS_TEST_TMPDIR/r.json"
}

@test "--gradescope - and --junit - write only their format to stdout" {
    "$GRADE" 01 --gradescope - >"$BATS_TEST_TMPDIR/out.json" 2>/dev/null || true
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$BATS_TEST_TMPDIR/out.json"
    "$GRADE" 01 --junit - >"$BATS_TEST_TMPDIR/out.xml" 2>/dev/null || true
    xmllint --noout --schema "$XSD" "$BATS_TEST_TMPDIR/out.xml"
    run "$GRADE" 01 --gradescope - --json -
    assert_failure 2
    assert_output --partial "only one of"
}
