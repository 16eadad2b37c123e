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
check ingest-json 0 '"files":0,"unchanged":7,"removed":0' -- "$AIM" ingest "$WS" --db "$DB" --json
check callers 0 "app::main" -- "$AIM" query callers alpha_core::connect --db "$DB"
check callers-json 0 '"results":\[\{"id":"[0-9a-f]{16}","kind":"fn".*"name":"main"' -- \
  "$AIM" query callers alpha_core::connect --db "$DB" --json
check suffix 0 "alpha_core::net::tcp::Stream::open" -- "$AIM" query callees Stream::open --db "$DB"
check implements 0 "alpha_core::net::tcp::Stream" -- "$AIM" query what-implements Transport --db "$DB"
check blast 0 "app::main" -- "$AIM" query blast-radius alpha_core::util::checksum --db "$DB"
check blast-down 0 "checksum" -- "$AIM" query blast-radius alpha_core::connect --direction down --db "$DB"
check blast-json 0 '"change":null' -- "$AIM" query blast-radius alpha_core::connect --db "$DB" --json
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
# A socket file no daemon listens on (left by a killed daemon) changes
# nothing: queries open the database as before.
touch "$DB/aim.sock"
check stale-socket 0 "app::main" -- "$AIM" query callers alpha_core::connect --db "$DB"
check stale-socket-json 1 '"error":' -- "$AIM" query callers conect --db "$DB" --json
rm -f "$DB/aim.sock"
check stats 0 "entities" -- "$AIM" stats --db "$DB"
check stats-json 0 '"files":7' -- "$AIM" stats --db "$DB" --json
check export-jsonl 0 '"k":"edge","kind":"calls"' -- "$AIM" export --format jsonl --db "$DB"
check export-dot 0 "digraph aim" -- "$AIM" export --format dot --db "$DB"
check export-mermaid 0 "graph LR" -- "$AIM" export --format mermaid --db "$DB"

check check 0 "^ok" -- "$AIM" check --db "$DB"

# Incremental ingest: only what changed becomes WAL records.
cp -r "$WS" "$TMP/ws"
DB2="$TMP/db2"
check inc-first 0 '"files":7,"unchanged":0' -- "$AIM" ingest "$TMP/ws" --db "$DB2" --json
f=$(grep -rl "fn checksum" "$TMP/ws" | head -1)
sed -i 's/fn checksum/fn checksum_renamed/' "$f"
check inc-changed 0 '"files":1,"unchanged":6,"removed":0' -- "$AIM" ingest "$TMP/ws" --db "$DB2" --json --durability sync
check inc-query 0 "checksum_renamed" -- "$AIM" query search checksum_renamed --db "$DB2"
rm "$f"
check inc-removed 0 '"files":0,"unchanged":6,"removed":1' -- "$AIM" ingest "$TMP/ws" --db "$DB2" --json
check inc-gone 1 "unknown name" -- "$AIM" query callers checksum_renamed --db "$DB2"
check inc-stats 0 "records replayed" -- "$AIM" stats --db "$DB2"
check inc-check-json 0 '"ok":true' -- "$AIM" check --db "$DB2" --json
check bad-durability 2 "" -- "$AIM" ingest "$TMP/ws" --db "$DB2" --durability sometimes
# Damage inside a WAL record: check and open refuse, naming the file.
seg=$(ls "$DB2"/wal/wal-*.log | head -1)
printf '\xff' | dd of="$seg" bs=1 seek=100 conv=notrunc 2>/dev/null
check wal-damaged-check 2 "wal-0" -- "$AIM" check --db "$DB2"
check wal-damaged-open 2 "offset" -- "$AIM" stats --db "$DB2"

# A damaged checkpoint: a clear error, non-zero exit.
ckpt=$(ls "$DB"/checkpoint-*.aim | head -1)
printf '\x00\x00\x00\x00' | dd of="$ckpt" bs=1 seek=80 conv=notrunc 2>/dev/null
check damaged 2 "checkpoint-" -- "$AIM" stats --db "$DB"
check damaged-check 2 "checkpoint-" -- "$AIM" check --db "$DB"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
