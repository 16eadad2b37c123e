#!/usr/bin/env bash
# New machine, one command: install dependencies, build, and run AIM's main
# job on the bundled example crate (or on the directory given).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
target=${1:-examples/geometry}
echo "== aim parse $target"
./build/cli/aim parse "$target"
