#!/usr/bin/env python3
"""Medians of kausa discover's own phase timings at 1 and 2 threads, in one run.

  python3 bench/threads.py DATA.csv [--reps 7] [--method pc] [--kausa target/release/kausa]

Prints, per thread count, the median over --reps runs of the `stats.seconds`
object of `kausa discover --json` (read, correlation, search, total) and the
ratios 1 thread / 2 threads. Runs alternate between the thread counts. Needs only Python's standard library.
"""
import argparse
import json
import os
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("data")
ap.add_argument("--reps", type=int, default=7)
ap.add_argument("--method", default="pc")
ap.add_argument("--kausa", default=os.path.join(ROOT, "target", "release", "kausa"))
a = ap.parse_args()
# Runs alternate between 1 and 2 threads, so drift in the machine's load hits both alike.
runs = {1: [], 2: []}
for _ in range(a.reps):
    for t in (1, 2):
        out = subprocess.run([a.kausa, "discover", a.data, "--method", a.method, "--threads", str(t), "--json"],
                             capture_output=True, text=True, check=True).stdout
        runs[t].append(json.loads(out)["stats"]["seconds"])
med = {}
for t in (1, 2):
    med[t] = {k: statistics.median(r[k] for r in runs[t]) for k in runs[t][0]}
    print("threads %d: " % t + ", ".join("%s %.3f s" % (k, v) for k, v in med[t].items()))
print("speed-up 2 threads: " + ", ".join("%s %.2fx" % (k, med[1][k] / med[2][k]) for k in med[1]),
      "| correlation+search %.2fx" % ((med[1]["correlation"] + med[1]["search"]) / (med[2]["correlation"] + med[2]["search"])))
