#!/bin/sh
# Generate out/<crate>.jsonl.gz for every crate in the Debian registry except the five
# with official references; parse failures go to out/<crate>.failures and out/parse_failures.txt.
set -e
cd "$(dirname "$0")"
REG=/usr/share/cargo/registry
SKIP="tokio-1.24.2 serde-1.0.152 regex-1.7.1 clap-4.0.32 syn-1.0.107"
mkdir -p out; : > out/parse_failures.txt
for d in "$REG"/*/; do
  c=$(basename "$d")
  case " $SKIP " in *" $c "*) continue;; esac
  ./target/release/refgen "$d" 2> "out/$c.failures" | gzip -9n > "out/$c.jsonl.gz"
  if [ -s "out/$c.failures" ]; then sed "s|^|$c: |" "out/$c.failures" >> out/parse_failures.txt; else rm -f "out/$c.failures"; fi
done
