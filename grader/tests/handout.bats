# What the student handout holds: nothing that names a hidden check, no
# instructor docs, every link it has resolves, every make target it lists works.
bats_load_library bats-support
bats_load_library bats-assert

setup_file() {
    export KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    make -C "$KIT" -s handout >/dev/null
    export H="$BATS_FILE_TMPDIR/handout"
    mkdir -p "$H"
    tar -xzf "$KIT/dist/proc-labs-handout.tar.gz" -C "$H"
    export H="$H/proc-labs"
}

@test "no hidden check's name or hint appears anywhere in the handout" {
    python3 - "$KIT/grader/manifest.json" "$H" <<'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))
secrets = []
for lab in m["labs"]:
    for c in lab["checks"]:
        if c.get("hidden"):
            secrets.append(c["name"])
            if c.get("hint"):
                secrets.append(c["hint"])
assert secrets, "the manifest has no hidden check to look for"
bad = []
for root, _, files in os.walk(sys.argv[2]):
    for f in files:
        p = os.path.join(root, f)
        data = open(p, "rb").read()
        for s in secrets:
            if s.encode() in data:
                bad.append(f"{os.path.relpath(p, sys.argv[2])}: {s}")
assert not bad, "\n".join(bad)
PY
}

@test "the handout has no instructor docs, and every link in its Markdown resolves" {
    [ ! -e "$H/docs/instructors.md" ] || fail "docs/instructors.md ships to students"
    [ ! -e "$H/docs/authoring.md" ] || fail "docs/authoring.md (how mutants work) ships to students"
    [ -f "$H/README.zh-CN.md" ] || fail "README.zh-CN.md is linked but missing"
    python3 - "$H" <<'PY'
import os, re, sys
bad = []
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if not f.endswith(".md"):
            continue
        p = os.path.join(root, f)
        for target in re.findall(r"\]\(([^)#\s]+)", open(p, encoding="utf-8").read()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not os.path.exists(os.path.join(root, target)):
                bad.append(f"{os.path.relpath(p, sys.argv[1])} links to missing {target}")
assert not bad, "\n".join(bad)
PY
}

@test "make stress, bench and mutate in the handout say they are not part of it (no error 127)" {
    cd "$H"
    for target in stress bench mutate test; do
        # -o: the kit is not built here; only the target's own recipe runs
        run make -s -o deps -o kit "$target"
        assert_success
        assert_output --partial "not part of the handout"
    done
}
