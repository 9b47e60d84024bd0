#!/usr/bin/env python3
"""Speed of the supply-chain what-if engine on the example company, full and tiny scale.

  python3 bench/supply_bench.py [--reps 5] [--kausa target/release/kausa]

Generates the example company's export (seed 1) at both scales into bench/.data/,
runs `kausa supply whatif` with 1,000 runs of the Polish-strike scenario cut to
three variants (do_nothing, switch, a Saturday shift) plus the no-event reference
over 120 days, on 1 and 2 threads, and prints the medians of the simulation's own
time (the `seconds` of --json) and of the whole command, and the entity-days per
second (entities: finished parts, purchased parts, supplier sites, work centres).
Needs only Python's standard library.
"""
import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--reps", type=int, default=5)
ap.add_argument("--kausa", default=os.path.join(ROOT, "target", "release", "kausa"))
a = ap.parse_args()


def scenario(src, keep, out):
    """The scenario file `src` with 1,000 runs and only the variants in `keep`."""
    text = open(src).read()
    text = re.sub(r"runs = \d+", "runs = 1000", text)
    blocks = text.split("[[variant]]")
    kept = [b for b in blocks[1:] if re.search(r'id = "([^"]+)"', b).group(1) in keep]
    tail = blocks[-1][blocks[-1].index("[output]"):]
    kept = [b.split("[output]")[0] for b in kept]
    open(out, "w").write(blocks[0] + "".join("[[variant]]" + b for b in kept) + tail)


def entities(export):
    rows = lambda f: list(csv.DictReader(open(os.path.join(export, f))))
    parts = rows("parts.csv")
    return (sum(p["part_type"] == "finished" for p in parts) + sum(p["part_type"] == "purchased" for p in parts)
            + len(rows("supplier_sites.csv")) + len(rows("work_centers.csv")))


cases = [
    ("full", os.path.join(ROOT, "examples", "pl-strike-full.toml"), ["do_nothing", "switch", "saturday_p1"]),
    ("tiny", os.path.join(ROOT, "examples", "pl-strike.toml"), ["do_nothing", "switch", "saturday"]),
]
for scale, src, keep in cases:
    data = os.path.join(ROOT, "bench", ".data", f"supply-{scale}")
    export = os.path.join(data, "export")
    subprocess.run([a.kausa, "--no-audit", "example", "beispiel-antriebe", "--scale", scale, "--out", export],
                   check=True, capture_output=True)
    sc = os.path.join(data, "scenario.toml")
    scenario(src, keep, sc)
    n = entities(export)
    sim, wall = {1: [], 2: []}, {1: [], 2: []}
    for _ in range(a.reps):
        for t in (1, 2):
            t0 = time.perf_counter()
            out = subprocess.run([a.kausa, "--no-audit", "supply", "whatif", export, sc, "--threads", str(t), "--json"],
                                 check=True, capture_output=True, text=True).stdout
            wall[t].append(time.perf_counter() - t0)
            v = json.loads(out)
            sim[t].append(v["seconds"])
    plans = len(v["variants"])
    work = n * v["runs"] * plans * v["horizon_days"]
    print(f"{scale}: {n} entities, {v['runs']} runs x {plans} plans ({plans - 1} variants + reference) x {v['horizon_days']} days")
    for t in (1, 2):
        s, w = statistics.median(sim[t]), statistics.median(wall[t])
        print(f"  {t} thread(s): simulation {s:.2f} s (median of {a.reps}), whole command {w:.2f} s, "
              f"{work / s / 1e6:.0f} million entity-days per second")
