#!/bin/bash
# handout.sh - the student handout: dist/proc-labs-handout.tar.gz and .zip.
# In: labs/, common/, the grader with its visible checks, Makefile, README,
# docs. Out: solutions/, mutants, hidden checks (hidden_* files, and their
# manifest entries), the kit's own tests, CI and git.
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=$PWD
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dest="$stage/proc-labs"
mkdir -p "$dest/grader/checks" dist

# Kit files only: nothing built, nothing of a student's left in labs/.
copy() { # copy PATH...: copy kit paths into the handout, keeping their place
    for p in "$@"; do
        mkdir -p "$dest/$(dirname "$p")"
        cp -R "$p" "$dest/$p"
    done
}
copy Makefile README.md README.zh-CN.md .devcontainer .clang-format .gitignore docs labs common grader/src grader/setup.sh grader/checks/lib
# docs/: what students read; instructors.md and authoring.md (how hidden
# checks and mutants work) stay with the instructor.
rm -f "$dest/docs/instructors.md" "$dest/docs/authoring.md"
# ... and a link to them in what ships says where they are instead.
for f in "$dest"/README.md "$dest"/README.zh-CN.md; do
    sed -i -E 's#\[([^]]*)\]\(docs/(instructors|authoring)\.md\)#\1 (in the full kit, not in this handout)#g' "$f"
done
for d in grader/checks/[0-9]*/; do
    name=$(basename "$d")
    mkdir -p "$dest/grader/checks/$name"
    find "$d" -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' -o -name '*.bats' \) ! -name 'hidden_*' \
        -exec cp {} "$dest/grader/checks/$name/" \;
done
find "$dest" \( -name '*.o' -o -name '*.a' -o -name bin -o -name '.progress' \) -prune -exec rm -rf {} +
rm -f "$dest"/README.zh-CN.md.orig
# The catalogues, without the messages of the hidden checks (their words
# would tell what they test); make kit in the handout compiles them.
mkdir -p "$dest/po"
cp po/extract.sh po/manifest-pot.py "$dest/po/"
for po in po/*.po; do
    msggrep --invert-match --location='grader/checks/*/hidden_*' --no-wrap -o "$dest/$po" "$po"
    sed -i '/^#\. /d' "$dest/$po" # the translators' notes name every check, hidden ones too
done
msggrep --invert-match --location='grader/checks/*/hidden_*' --no-wrap -o "$dest/po/proclabs.pot" po/proclabs.pot
sed -i '/^#\. /d' "$dest/po/proclabs.pot"
grader/grade manifest --public >"$dest/grader/manifest.json"
# A hidden check's name and hint appear nowhere in the handout: its line in
# a hints file (the translated check hints) goes too.
grader/grade manifest | python3 -c '
import json, sys
for lab in json.load(sys.stdin)["labs"]:
    for c in lab["checks"]:
        if c.get("hidden"):
            print("/\\b%s\\b/d" % c["name"])' >"$stage/drop-hidden.sed"
find "$dest/labs" -name 'hints*.md' -exec sed -i -f "$stage/drop-hidden.sed" {} +
# Pristine starters, for `grade reset` and for telling "not started" apart.
grader/grade starters "$dest/grader/starters"
mkdir -p "$dest/.github/workflows"
# LAB="03 05": the workflow grades only the assignment's labs.
# shellcheck disable=SC2086
grader/grade classroom ${LAB:-} >"$dest/.github/workflows/classroom.yml"

rm -f dist/proc-labs-handout.tar.gz dist/proc-labs-handout.zip
tar -czf dist/proc-labs-handout.tar.gz -C "$stage" proc-labs
(cd "$stage" && zip -qr "$kit/dist/proc-labs-handout.zip" proc-labs)
echo "dist/proc-labs-handout.tar.gz and dist/proc-labs-handout.zip: $(find "$dest" -type f | wc -l) files, no solutions, mutants or hidden checks"
