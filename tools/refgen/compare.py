#!/usr/bin/env python3
"""Compare two JSONL(.gz) fact files as multisets (ignoring summary ms)."""
import gzip, json, sys, collections
def load(p):
    op = gzip.open if p.endswith('.gz') else open
    c = collections.Counter()
    with op(p, 'rt') as f:
        for line in f:
            o = json.loads(line)
            if o['k'] == 'summary':
                o.pop('ms', None)
            c[tuple(sorted(o.items()))] += 1
    return c
a, b = load(sys.argv[1]), load(sys.argv[2])
only_a, only_b = a - b, b - a
for k, n in sorted(only_a.items()): print('REF-ONLY', n, dict(k))
for k, n in sorted(only_b.items()): print('OURS-ONLY', n, dict(k))
print('identical' if not only_a and not only_b else f'DIFF ref-only={sum(only_a.values())} ours-only={sum(only_b.values())}', file=sys.stderr)
sys.exit(0 if not only_a and not only_b else 1)
