#!/usr/bin/env python3
"""chain-bench, two builds side by side: runs OLD and NEW alternately RUNS times (each run
300,000 iterations x 3 rounds, pinned to CPU 0) and prints, per figure, the median and the
minimum over the runs; "chain adds" is each run's chain minus its bare router.

Alternating keeps the VM's drift out of the comparison, as chain-cost.sh does by running
both servers at once. Build the old one in a worktree:
    git worktree add /tmp/old <commit> && (cd /tmp/old && swift build -c release --product chain-bench)
    benchmarks/chain-bench-ab.py /tmp/old/.build/release/chain-bench .build/release/chain-bench 12
CHAIN_BENCH_ONLY=sync (or async, children, traced) in the environment runs one kind, for builds that know it.
"""
import os
import re
import statistics
import subprocess
import sys

old, new = sys.argv[1], sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 8
figures = {old: {}, new: {}}
for _ in range(runs):
    for binary in (old, new):
        out = subprocess.run(["taskset", "-c", "0", binary, "300000", "3"], capture_output=True,
                             text=True, env=dict(os.environ)).stdout
        kind = None
        for line in out.splitlines():
            if line.startswith("async"):
                kind = "async"
            elif line.startswith("synchronous"):
                kind = "sync"
            elif line.startswith("children"):
                kind = "children"
            elif line.startswith("traced"):
                kind = "traced"
            elif line.startswith("parts"):
                kind = None
            match = re.match(r"\s+(bare router|diagnostic chain|\+ user header mw|traced 1\.0|traced 0\.01):\s+([0-9.]+)", line)
            if match and kind:
                figures[binary].setdefault(f"{kind} {match.group(1)}", []).append(float(match.group(2)))

for binary in (old, new):
    print(binary)
    series = figures[binary]
    for kind in ("async", "sync", "children"):
        if f"{kind} bare router" not in series:
            continue
        series[f"{kind} chain adds"] = [c - b for c, b in zip(series[f"{kind} diagnostic chain"], series[f"{kind} bare router"])]
    for name, values in sorted(series.items()):
        print(f"  {name:28} median {statistics.median(values):8.1f} ns  min {min(values):8.1f} ns")
