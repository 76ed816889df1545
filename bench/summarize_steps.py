#!/usr/bin/env python3
"""Median per width and engine of bench/step_table.sh's JSON lines (stdin) as a Markdown table."""
import json
import statistics
import sys
from collections import defaultdict

rows = defaultdict(lambda: defaultdict(list))
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    d = json.loads(line)
    if "compare" in d:
        for c in d["compare"]:
            rows[c["width"]][c["backend"]].append(c["ms_per_step"])
    else:
        rows[d["width"]]["pytorch"].append(d["ms_per_step"])
print("| width | kernels (ms) | jax-js (ms) | PyTorch (ms) | kernels vs jax | kernels vs PyTorch |")
print("|---|---|---|---|---|---|")
for w in sorted(rows):
    k = statistics.median(rows[w]["kernels"])
    j = statistics.median(rows[w]["jax"])
    t = statistics.median(rows[w]["pytorch"]) if rows[w]["pytorch"] else float("nan")
    print(f"| {w} | {k:.1f} | {j:.1f} | {t:.1f} | {j / k:.2f}x | {t / k:.2f}x |")
