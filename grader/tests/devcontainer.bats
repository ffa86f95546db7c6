# .devcontainer/: a Debian 12 image whose post-create step is the kit's own
# `make setup`. The full run (.devcontainer/check-setup.sh: the image's steps
# on a fresh Debian, then the post-create step and a first grade) takes
# minutes and a network: it runs when a Docker daemon answers, or with
# PROCLABS_CHECK_DEVCONTAINER=1 (root and debootstrap).
bats_load_library bats-support
bats_load_library bats-assert

setup() {
    KIT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
}

@test "devcontainer.json builds the Dockerfile on Debian bookworm and runs make setup after" {
    python3 - "$KIT/.devcontainer/devcontainer.json" <<'PY'
import json, re, sys
text = re.sub(r"^\s*//.*$", "", open(sys.argv[1]).read(), flags=re.M)
d = json.loads(text)
assert d["build"]["dockerfile"] == "Dockerfile", d
assert re.search(r"(^|&& |sudo )make setup", d["postCreateCommand"]), d["postCreateCommand"]
PY
    grep -qx 'FROM debian:bookworm' "$KIT/.devcontainer/Dockerfile"
    # what `make setup` installs is the kit's list, not a copy of it in the image
    ! grep -q 'libcriterion' "$KIT/.devcontainer/Dockerfile" || fail "the Dockerfile duplicates setup.sh's packages"
    tar -tzf "$KIT/dist/proc-labs-handout.tar.gz" 2>/dev/null | grep -q 'proc-labs/.devcontainer/devcontainer.json' ||
        [ ! -e "$KIT/dist/proc-labs-handout.tar.gz" ] || grep -q '.devcontainer' "$KIT/grader/dist/handout.sh" ||
        fail "the handout leaves .devcontainer/ out"
}

@test "the container's set-up steps bring up a kit that grades, on a fresh Debian" {
    if ! docker info >/dev/null 2>&1 && [ "${PROCLABS_CHECK_DEVCONTAINER:-0}" != 1 ]; then
        skip "no Docker daemon (PROCLABS_CHECK_DEVCONTAINER=1 runs it with debootstrap)"
    fi
    run "$KIT/.devcontainer/check-setup.sh"
    assert_success
    assert_output --regexp '01-fork-getpid +\['
}
