# The kit's Markdown: no dead relative link, figures that agree, Chinese twins.
bats_load_library bats-support
bats_load_library bats-assert

setup() {
    KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
}

@test "no Markdown file of the kit links to a file that is not in the kit" {
    python3 - "$KIT" <<'PY'
import os, re, sys
kit = sys.argv[1]
dead = []
for root, dirs, files in os.walk(kit):
    dirs[:] = [d for d in dirs if d not in (".git", "build", "dist", "node_modules", "__pycache__")]
    for f in files:
        if not f.endswith(".md"):
            continue
        path = os.path.join(root, f)
        text = open(path, encoding="utf-8").read()
        # [text](target) links, and `../like/this.md` paths quoted as where to read
        targets = re.findall(r"\]\(([^)\s]+)\)", text)
        targets += re.findall(r"`(\.\.?/[^`\s]+\.md)`", text)
        for t in targets:
            if re.match(r"^[a-z]+:", t) or t.startswith("#"):
                continue
            target = t.split("#")[0]
            if not os.path.exists(os.path.normpath(os.path.join(root, target))):
                dead.append(f"{os.path.relpath(path, kit)}: {t}")
if dead:
    sys.exit("dead relative links:\n" + "\n".join(dead))
PY
}

@test "lab 13 quotes Python's and its own queue rate as docs/benchmarks.md measured them" {
    py=$(grep -o 'Python: mp.Queue(1000) put/get | [0-9.]*[kM]\?' "$KIT/docs/benchmarks.md" | sed 's/.*| //')
    c=$(grep -o 'C: lab 13 queue | [0-9.]*[kM]\?' "$KIT/docs/benchmarks.md" | sed 's/.*| //')
    [ -n "$py" ] && [ -n "$c" ] || fail "docs/benchmarks.md has no lab 13 rows"
    for readme in README.md README.zh-CN.md; do # every placement's figures (one per line)
        for rate in $py; do
            grep -qF "$rate" "$KIT/labs/13-queue/$readme" || fail "lab 13's $readme does not quote Python's $rate"
        done
        for rate in $c; do
            grep -qF "$rate" "$KIT/labs/13-queue/$readme" || fail "lab 13's $readme does not quote the C queue's $rate"
        done
    done
}

@test "lab 13 claims a missing lock shows on every run only for the check that slows the copy" {
    python3 - "$KIT" <<'PY'
import re, sys
kit = sys.argv[1]
src = open(f"{kit}/grader/checks/13-queue/test_queue.c").read()
# the functions that slow the copy, then the checks that run them
funcs = {m.group(1) for m in re.finditer(r"static void (\w+)\([^)]*\)\n\{(?:(?!\n\}).)*queue_copy_delay_ms = ", src, re.S)}
slowed = set()
for m in re.finditer(r"Test\(queue, (\w+)\)\n\{(.*?)\n\}", src, re.S):
    if any(f in m.group(2) for f in funcs) or "queue_copy_delay_ms = " in m.group(2):
        slowed.add(m.group(1))
bats = open(f"{kit}/grader/checks/13-queue/queue.bats").read()
assert "queue_copy_delay_ms" not in bats, "queue.bats slows the copy now: say so in the README"
readme = open(f"{kit}/labs/13-queue/README.md").read()
para = [p for p in readme.split("\n\n") if "shows\non every run" in p or "shows on every run" in p.replace("\n", " ")]
assert para, "lab 13's README no longer says which check shows a missing lock"
sentence = para[0].replace("\n", " ").split("on every run")[0]
promised = set(re.findall(r"`(\w+)`", sentence)) - {"queue_copy_delay_ms"}
assert promised and promised <= slowed, f"the README promises {promised}, but only {slowed} slow the copy"
PY
}

@test "the top README is the student's: the two commands, lab 01, help; the rest is in docs/" {
    for readme in README.md README.zh-CN.md; do
        grep -q 'make grade' "$KIT/$readme"
        grep -q 'grader/grade next' "$KIT/$readme"
        grep -q 'grader/grade --help' "$KIT/$readme"
        grep -q 'wsl --install' "$KIT/$readme" || fail "$readme has no WSL2 steps"
        grep -q '.devcontainer' "$KIT/$readme" || fail "$readme does not name .devcontainer/"
        ! grep -q 'ops/s' "$KIT/$readme" || fail "$readme still holds the benchmark tables"
        ! grep -q 'make gradescope' "$KIT/$readme" || fail "$readme still holds instructors' material"
    done
    grep -q 'ops/s' "$KIT/docs/benchmarks.md"
    # the figures moved: no lab sends its reader to the top README for them
    ! grep -l "README's Performance\|README 的性能" "$KIT"/labs/*/README*.md || fail "a lab still points to the top README's figures"
    grep -q 'make gradescope' "$KIT/docs/instructors.md"
    [ -s "$KIT/docs/benchmarks.zh-CN.md" ]
}
