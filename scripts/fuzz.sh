#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs one.
# Usage: scripts/fuzz.sh [target] [seconds]   (default: fuzz_extract 60)
# Targets: fuzz_extract fuzz_checkpoint fuzz_request fuzz_wal fuzz_image
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-fuzz_extract}
seconds=${2:-60}
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAIM_BUILD_FUZZ=ON -DAIM_BUILD_TESTS=OFF -DAIM_BUILD_BENCH=OFF \
  -DAIM_SANITIZE=address >/dev/null
ninja -C build-fuzz -j2 "$target"
corpus=build-fuzz/corpus-$target
mkdir -p "$corpus"
# Seed with real sources (or, for the request parser, requests) the first time.
if [ "$target" = fuzz_request ] && [ -z "$(ls -A "$corpus")" ]; then
  n=0
  for line in '{"id":1,"query":"callers","args":["alpha_core::connect"],"depth":2,"limit":5}' \
    '{"id":"x","query":"blast-radius","args":["checksum"],"direction":"down"}' \
    '{"query":"cycles","scope":"modules"}' '{"query":"path","args":["main","checksum"]}' \
    '{"query":"context","args":["Stream"],"budget":300}' '{"query":"search","args":["Str"]}' \
    '{"id":[1,{"a":null}],"op":"stats"}' '{"op":"ping"}' '{"query":"callers","args":[1]}'; do
    printf '%s' "$line" > "$corpus/seed-$n"; n=$((n + 1))
  done
fi
# The WAL decoder: sealed records (byte 0 bit 2; see fault_injection/fuzz_wal.cc),
# one segment and two, and a raw segment header.
if [ "$target" = fuzz_wal ] && [ -z "$(ls -A "$corpus")" ]; then
  printf '\x04\x05\x00\x01\x00\x00\x00hello\x03\x00\x01\x00\x00\x00abc' > "$corpus/seed-0"
  printf '\x0c\x02\x00\x01\x00\x08\x00hi\x02\x00\x01\x00\x08\x00yo\x01\x00\x01\x00\x08\x00!' > "$corpus/seed-1"
  # keyed records (flags 2): [key length u16][key][body]
  printf '\x04\x0a\x00\x01\x02\x00\x00\x03\x00keyhello\x08\x00\x01\x02\x00\x00\x03\x00keybye' > "$corpus/seed-4"
  printf '\x06\x04\x00\x81\x00\x00\x00skip\x04\x00\x01\x01\x00\x00zstd' > "$corpus/seed-2"
  printf '\x00AIMWAL01\x01\x00\x00\x00\x40\x00\x00\x00' > "$corpus/seed-3"
fi
# The graph image loader: its built-in image whole, for queries, and edited
# after the load (byte 0; see fault_injection/fuzz_image.cc), unpatched
# and with a byte or two flipped.
if [ "$target" = fuzz_image ] && [ -z "$(ls -A "$corpus")" ]; then
  printf '\x02' > "$corpus/seed-0"
  printf '\x03' > "$corpus/seed-1"
  printf '\x06' > "$corpus/seed-2"
  printf '\x02\x40\x00\x01' > "$corpus/seed-3"
  printf '\x07\x00\x01\x80\x10\x02\x04' > "$corpus/seed-4"
fi
if [ -z "$(ls -A "$corpus")" ]; then
  find tests/fixtures -name '*.rs' -exec cp {} "$corpus"/ \; 2>/dev/null || true
  for c in serde-1.0.152 regex-1.7.1; do
    find "/usr/share/cargo/registry/$c/src" -name '*.rs' -size -64k 2>/dev/null | head -40 |
      while read -r f; do cp "$f" "$corpus/$(echo "$f" | tr / _)"; done
  done
fi
exec "build-fuzz/fault_injection/$target" -max_total_time="$seconds" -max_len=65536 \
  -timeout=10 "$corpus"
