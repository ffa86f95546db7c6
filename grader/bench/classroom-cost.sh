#!/bin/bash
# classroom-cost.sh [LAB] - what one push of the Classroom workflow costs,
# step by step, in a fresh Debian root (minbase: it lacks even gcc, so the
# first push here installs more than on GitHub's ubuntu-latest):
#   packages  first push: apt-get update and grader/setup.sh from the network;
#             later pushes: dpkg -i of the .debs that actions/cache restores
#   build     make kit in a fresh copy of the handout
#   grade     grader/grade LAB on the host (the sandbox needs the host's
#             namespaces), the starter and the solution
# Run as root; prints one "step seconds" line each. Needs debootstrap.
set -euo pipefail
lab=${1:-03}
kit=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /var/tmp/classroom-cost.XXXXXX)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
say() { printf '%-28s %6.1f s\n' "$1" "$(echo "$(now) - $2" | bc)"; }

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

t=$(now)
chroot "$work/first" /bin/sh -c 'cd /kit && apt-get update -qq && grader/setup.sh' >>"$work/log" 2>&1
say "packages, first push" "$t"
mkdir -p "$work/cache"
cp "$work/first"/var/cache/apt/archives/*.deb "$work/cache/"
echo "cached .debs: $(ls "$work/cache" | wc -l), $(du -sm "$work/cache" | cut -f1) MB"

cp -a "$work/cache" "$work/later/cache"
t=$(now)
# As the workflow does (what one dpkg -i leaves unconfigured, the second pass does).
chroot "$work/later" /bin/sh -c 'dpkg -i /cache/*.deb; dpkg --configure -a' >"$work/dpkg.log" 2>&1 || true
say "packages, from the cache" "$t"
if ! chroot "$work/later" /bin/sh -c 'cd /kit && grader/setup.sh --check'; then
    grep -iE "error|depend" "$work/dpkg.log" | head -20
    t=$(now)
    chroot "$work/later" /bin/sh -c 'cd /kit && apt-get update -qq && grader/setup.sh' >>"$work/log" 2>&1
    say "  and then apt for the rest" "$t"
fi

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
