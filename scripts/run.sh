#!/usr/bin/env bash
# New machine, one command: install dependencies, build, and run AIM's main
# job on the bundled example crate (or on the workspace directory given):
# build the graph, then ask it a few questions.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
target=${1:-examples/geometry}
db=build/run.aim
aim=./build/cli/aim
echo "== aim parse $target (last line: the summary)"
"$aim" parse "$target" | tail -n 1
echo "== aim ingest $target --db $db"
"$aim" ingest "$target" --db "$db"
"$aim" stats --db "$db"
if [ -z "${1:-}" ]; then
  echo "== aim query what-implements Shape"
  "$aim" query what-implements Shape --db "$db"
  echo "== aim query blast-radius total_area --direction down"
  "$aim" query blast-radius total_area --direction down --db "$db"
  echo "== aim query context Circle --budget 300"
  "$aim" query context Circle --budget 300 --db "$db"
fi
