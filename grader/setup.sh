#!/bin/sh
# setup.sh - install what the kit needs from Debian's packages, when missing.
#   grader/setup.sh           install what is missing (needs root and apt-get)
#   grader/setup.sh --check   exit 0 when everything is here, else say what to run
set -u
PACKAGES="gcc make binutils pkg-config libcriterion-dev libjansson-dev libseccomp-dev bats bats-support bats-assert procps util-linux tar unzip zip patch python3 tmux gettext gettext-base strace"
# The kit's own tests (not in the handout) also check JUnit against its
# schema and look at the class report in a headless browser.
if [ -d "$(dirname "$0")/tests" ]; then
    PACKAGES="$PACKAGES libxml2-utils chromium fonts-dejavu-core"
fi

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "${1:-}" = "--check" ]; then
    echo "proc-labs needs these packages:$missing" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "proc-labs needs these packages:$missing" >&2
    echo "Install them as root:  sudo apt-get install$missing   (or: sudo make setup)" >&2
    exit 1
fi
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
    echo "apt-get could not install:$missing (see the messages above)" >&2
    exit 1
}
echo "Installed:$missing"
