#!/bin/bash
# check-setup.sh - run what the dev container runs, on a fresh Debian 12:
# the Dockerfile's steps, then devcontainer.json's postCreateCommand, then
# `make grade LAB=01` (its line for lab 01 must come out). With a Docker daemon it builds the image itself;
# without, it makes a fresh bookworm root with debootstrap (as root) and
# runs the same steps in it. Exit 0 when the container would come up ready.
#   .devcontainer/check-setup.sh [CACHE-DIR]   (keeps a pristine bookworm tarball there)
set -u
kit=$(cd "$(dirname "$0")/.." && pwd)
post=$(python3 -c 'import json,re,sys; t=open(sys.argv[1]).read(); t=re.sub(r"^\s*//.*$", "", t, flags=re.M); print(json.loads(t)["postCreateCommand"])' "$kit/.devcontainer/devcontainer.json") || exit 2

if docker info >/dev/null 2>&1; then
    tag=proclabs-devcontainer-check
    docker build -t "$tag" "$kit/.devcontainer" || exit 1
    exec docker run --rm --security-opt seccomp=unconfined -v "$kit:/src:ro" "$tag" \
        bash -c "cp -a /src ~/proc-labs && cd ~/proc-labs && make clean >/dev/null && $post && { make grade LAB=01 || true; } | tee /tmp/grade.log && grep -q '^01-fork-getpid ' /tmp/grade.log"
fi

[ "$(id -u)" -eq 0 ] && command -v debootstrap >/dev/null || {
    echo "check-setup: needs a Docker daemon, or root and debootstrap" >&2
    exit 2
}
# A fresh root each run, from a pristine debootstrap kept as a tarball.
cache=${1:-/var/tmp/proclabs-bookworm}
if [ ! -s "$cache/bookworm.tar" ]; then
    mkdir -p "$cache" && rm -rf "$cache/root" &&
        debootstrap --variant=minbase bookworm "$cache/root" http://deb.debian.org/debian >/dev/null &&
        tar -C "$cache/root" -cf "$cache/bookworm.tar.new" . && mv "$cache/bookworm.tar.new" "$cache/bookworm.tar" &&
        rm -rf "$cache/root" || exit 1
fi
root=$(mktemp -d /var/tmp/proclabs-root-XXXXXX)
tar -C "$root" -xf "$cache/bookworm.tar" || exit 1
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The Dockerfile's RUN lines, as they are written there.
steps=$(awk '/^RUN /{sub(/^RUN /, ""); cmd=$0; while (cmd ~ /\\$/) {sub(/\\$/, "", cmd); getline; cmd = cmd $0} print cmd}' "$kit/.devcontainer/Dockerfile")
work=$(mktemp -d "$root/tmp/kit-XXXXXX")
trap 'umount "$root/dev/pts" "$root/proc" 2>/dev/null; rm -rf --one-file-system "$root"' EXIT
mount -t proc proc "$root/proc"
mkdir -p "$root/dev/pts" && mount -t devpts devpts "$root/dev/pts" -o newinstance,ptmxmode=0666
cp -a "$kit"/. "$work/"
rm -rf "$work"/grader/build "$work"/grader/grade "$work"/labs/*/bin "$work"/dist
inside=/tmp/$(basename "$work")
chroot "$root" /bin/bash -ec "export USERNAME=student DEBIAN_FRONTEND=noninteractive; $steps" || exit 1
chroot "$root" chown -R student: "$inside"
# the post-create step, then a first grade: lab 01's line means it all works
chroot "$root" su - student -c "cd $inside && $post && { make grade LAB=01 || true; } | tee /tmp/grade.log && grep -q '^01-fork-getpid ' /tmp/grade.log"
