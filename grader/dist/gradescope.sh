#!/bin/bash
# gradescope.sh - dist/gradescope.zip, the autograder for a Gradescope
# programming assignment: setup.sh and run_autograder at its root, the kit
# beside them (without solutions, mutants, tests or git: student code runs
# on that machine). LAB="03" or LAB="03 05": an assignment of those labs
# only (dist/gradescope-03-05.zip), graded and scored out of their points.
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=$PWD
labs=${LAB:-}
zipname=gradescope.zip
if [ -n "$labs" ]; then
    # The grader's own lab names (3, 03, join, 03-join), checked by it now.
    # shellcheck disable=SC2086
    grader/grade classroom $labs >/dev/null || exit 2
    zipname="gradescope-$(echo $labs | tr ' ' '-').zip"
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dest="$stage/proc-labs"
mkdir -p "$dest/grader/checks" dist
for p in Makefile .clang-format labs common po grader/src grader/setup.sh grader/checks/lib grader/manifest.json; do
    mkdir -p "$dest/$(dirname "$p")"
    cp -R "$p" "$dest/$p"
done
for d in grader/checks/[0-9]*/; do
    name=$(basename "$d")
    mkdir -p "$dest/grader/checks/$name"
    find "$d" -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' -o -name '*.bats' \) \
        -exec cp {} "$dest/grader/checks/$name/" \;
done
find "$dest" \( -name '*.o' -o -name '*.a' -o -name bin \) -prune -exec rm -rf {} +
printf '%s\n' "$labs" >"$dest/grader/assignment" # what run_autograder grades
cp grader/dist/gradescope/setup.sh grader/dist/gradescope/run_autograder "$stage/"
chmod +x "$stage/setup.sh" "$stage/run_autograder"
rm -f "dist/$zipname"
(cd "$stage" && zip -qr "$kit/dist/$zipname" setup.sh run_autograder proc-labs)
echo "dist/$zipname: upload it as the autograder of a Gradescope programming assignment${labs:+ (labs $labs)}"
