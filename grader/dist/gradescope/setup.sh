#!/bin/bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd /autograder/source/proc-labs
apt-get update -qq
grader/setup.sh
make kit
