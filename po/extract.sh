#!/bin/bash
# extract.sh OUT.pot - every message a student can read, for translators:
# the grader's C sources (_(), N_(), ngettext), the checks' cr_assert
# messages (check.h translates them), the bats checks and check.bash
# (eval_gettext, gettext, from gettext.sh), and the manifest's lab titles
# and concepts (manifest-pot.py). Run from anywhere; `make pot` uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--force-po --add-location=file --from-code=UTF-8 --add-comments=TRANSLATORS: --sort-by-file --no-wrap
    --package-name=proc-labs --msgid-bugs-address=https://github.com/proc-labs)

# grader/src: commands.c, selfstudy.c, progress.c, hints.c and main.c take
# part as soon as they mark their strings; batch.c, export.c and formats.c too.
xgettext "${common[@]}" -L C -o "$tmp/c.pot" \
    --keyword=_ --keyword=N_ --keyword=ngettext:1,2 \
    --keyword=cr_assert:2 --flag=cr_assert:2:c-format \
    --flag=check_message:1:c-format --flag=xasprintf:1:c-format \
    grader/src/*.c grader/checks/lib/*.[ch] grader/checks/[0-9]*/*.c

# bats is bash with @test lines: seen as functions, the messages keep their lines.
mkdir -p "$tmp/sh"
shfiles=()
for f in grader/checks/lib/check.bash grader/checks/[0-9]*/*.bats; do
    mkdir -p "$tmp/sh/$(dirname "$f")"
    sed 's/^@test \(.*\) {$/t() { : \1/' "$f" >"$tmp/sh/$f"
    shfiles+=("$f")
done
(cd "$tmp/sh" && xgettext "${common[@]}" -L Shell -o "$tmp/sh.pot" \
    --keyword=eval_gettext --keyword=gettext --keyword=eval_ngettext:1,2 \
    --keyword=check_say --keyword=check_sayn:1,2 "${shfiles[@]}")

python3 po/manifest-pot.py grader/manifest.json >"$tmp/manifest.pot"
msgcat --use-first --add-location=file --no-wrap --sort-by-file -o "$tmp/all.pot" "$tmp/c.pot" "$tmp/sh.pot" "$tmp/manifest.pot"
# A stable header: no creation date, so that an unchanged source gives an unchanged .pot.
sed -e '/^"POT-Creation-Date:/d' -e 's/charset=CHARSET/charset=UTF-8/' "$tmp/all.pot" >"$out"
