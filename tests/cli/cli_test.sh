#!/usr/bin/env bash
# The `aim` command line end to end: exit codes and output of every command
# on the workspace fixture. Usage: cli_test.sh <aim binary> <source dir>
set -u
AIM=$1
SRC=$2
WS=$SRC/tests/fixtures/workspace
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
DB=$TMP/db
passed=0
failed=0

check() {  # check <name> <expected exit> <grep pattern or ""> -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL $name: exit $rc, want $want"; echo "$out" | head -20
    failed=$((failed + 1)); return
  fi
  if [ -n "$pattern" ] && ! echo "$out" | grep -qE -- "$pattern"; then
    echo "FAIL $name: output lacks /$pattern/"; echo "$out" | head -20
    failed=$((failed + 1)); return
  fi
  passed=$((passed + 1))
}

check help 0 "parse" -- "$AIM" --help
check query-help 0 "what-implements" -- "$AIM" query --help
check usage 2 "" -- "$AIM" frobnicate
check parse 0 '"k":"summary","files":7' -- "$AIM" parse "$WS"
check parse-missing 2 "no such file" -- "$AIM" parse "$TMP/nope"
check ingest 0 "ingested 7 files" -- "$AIM" ingest "$WS" --db "$DB"
check ingest-json 0 '"files":7' -- "$AIM" ingest "$WS" --db "$DB" --json
check callers 0 "app::main" -- "$AIM" query callers alpha_core::connect --db "$DB"
check callers-json 0 '"results":\[\{"id":"[0-9a-f]{16}","kind":"fn".*"name":"main"' -- \
  "$AIM" query callers alpha_core::connect --db "$DB" --json
check suffix 0 "alpha_core::net::tcp::Stream::open" -- "$AIM" query callees Stream::open --db "$DB"
check implements 0 "alpha_core::net::tcp::Stream" -- "$AIM" query what-implements Transport --db "$DB"
check blast 0 "app::main" -- "$AIM" query blast-radius alpha_core::util::checksum --db "$DB"
check blast-down 0 "checksum" -- "$AIM" query blast-radius alpha_core::connect --direction down --db "$DB"
check cycles 0 "cycle|no cycles" -- "$AIM" query cycles --db "$DB"
check cycles-modules 0 "cycle|no cycles" -- "$AIM" query cycles --scope modules --db "$DB"
check path 0 "alpha_core::util::checksum" -- "$AIM" query path app::main alpha_core::util::checksum --db "$DB"
check search 0 "Stream" -- "$AIM" query search Strea --db "$DB"
check context 0 "alpha_core::connect" -- "$AIM" query context alpha_core::connect --budget 300 --db "$DB"
check unknown 1 "unknown name .conect.; did you mean" -- "$AIM" query callers conect --db "$DB"
check unknown-json 1 '"error":' -- "$AIM" query callers conect --db "$DB" --json
check ambiguous 1 "ambiguous" -- "$AIM" query callers connect --db "$DB"
check bad-kind 2 "not in" -- "$AIM" query bogus x --db "$DB"
check no-db 2 "no database" -- "$AIM" query callers main --db "$TMP/none"
check stats 0 "entities" -- "$AIM" stats --db "$DB"
check stats-json 0 '"files":7' -- "$AIM" stats --db "$DB" --json
check export-jsonl 0 '"k":"edge","kind":"calls"' -- "$AIM" export --format jsonl --db "$DB"
check export-dot 0 "digraph aim" -- "$AIM" export --format dot --db "$DB"
check export-mermaid 0 "graph LR" -- "$AIM" export --format mermaid --db "$DB"

# A damaged checkpoint: a clear error, non-zero exit.
printf '\x00\x00\x00\x00' | dd of="$DB/checkpoint.aim" bs=1 seek=80 conv=notrunc 2>/dev/null
check damaged 2 "checkpoint.aim" -- "$AIM" stats --db "$DB"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
