#!/bin/bash
# classroom-cost.sh [LAB] - what one push of the Classroom workflow costs,
# step by step, in a fresh Debian root (minbase: it lacks even gcc, so the
# first push here installs more than on GitHub's ubuntu-latest):
#   packages  first push: apt-get update and grader/setup.sh from the network;
#             later pushes: the same, with the .debs actions/cache restores
#             already in apt's archive folder (nothing downloaded)
#   build     make kit in a fresh copy of the handout
#   grade     grader/grade LAB on the host (the sandbox needs the host's
#             namespaces), the starter and the solution
# Run as root; prints one "step seconds" line each. Needs debootstrap.
set -euo pipefail
lab=${1:-03}
kit=${KIT:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d /var/tmp/classroom-cost.XXXXXX)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
cpu() { # cpu VAR: user+system seconds of this script's finished children so far
    times >"$work/times" # in this shell: a $(...) subshell has children of its own
    printf -v "$1" '%s' "$(awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$work/times")"
}
c0=0
say() {
    local c
    cpu c
    printf '%-28s %6.1f s wall, %6.1f s CPU\n' "$1" "$(echo "$(now) - $2" | bc)" "$(echo "$c - $c0" | bc)"
    c0=$c
}

debootstrap --variant=minbase bookworm "$work/first" http://deb.debian.org/debian >"$work/log" 2>&1
cp -a "$work/first" "$work/later"
# What a student's repository holds: the handout (its setup.sh installs
# only what grading needs, not the kit's own test tools).
make -C "$kit" -s handout >/dev/null
for root in "$work/first" "$work/later"; do
    tar -xzf "$kit/dist/proc-labs-handout.tar.gz" -C "$root"
    mv "$root/proc-labs" "$root/kit"
    cp /etc/resolv.conf "$root/etc/"
done

cpu c0
t=$(now)
chroot "$work/first" /bin/sh -c 'cd /kit && apt-get update -qq && grader/setup.sh' >>"$work/log" 2>&1
say "packages, first push" "$t"
mkdir -p "$work/cache"
cp "$work/first"/var/cache/apt/archives/*.deb "$work/cache/"
echo "cached .debs: $(ls "$work/cache" | wc -l), $(du -sm "$work/cache" | cut -f1) MB"

cp -a "$work/cache" "$work/later/cache"
cpu c0
t=$(now)
# As the workflow does: the cached .debs in apt's own archive folder, so
# apt downloads none of them and installs them in order.
chroot "$work/later" /bin/sh -c 'cp /cache/*.deb /var/cache/apt/archives/ &&
    cd /kit && apt-get update -qq && grader/setup.sh' >>"$work/log" 2>&1
say "packages, from the cache" "$t"

t=$(now)
chroot "$work/later" /bin/sh -c 'cd /kit && make -s kit' >>"$work/log" 2>&1
say "build (make kit)" "$t"

t=$(now)
"$kit/grader/grade" "$lab" --classroom "$work/starter.json" >/dev/null || true
say "grade $lab (starter)" "$t"
t=$(now)
"$kit/grader/grade" --solutions "$lab" --classroom "$work/solution.json" >/dev/null
say "grade $lab (solution)" "$t"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
