#!/usr/bin/env python3
"""kausa FCI vs causal-learn FCI on causal-learn's own test data, in one run.

  .venv-ref/bin/python bench/fci_bench.py [--data ../shared/data] [--reps 3]

For each data set: causal-learn `fci(X, test, 0.05)` timed once (fci() alone,
BLAS pinned to 1 thread), and kausa `discover --method fci --compat causal-learn`
on each of --threads (default 1 and 2), median of --reps runs of its internal
total (reading included), and of that total less reading the file (fci() is
handed the array in memory). Prints a Markdown table with the ratios and whether
the PAGs are identical (every thread count; causal-learn as installed uses the
current rule R9, so kausa runs with it too).
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
from causallearn.search.ConstraintBased.FCI import fci  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import antecedent_run  # noqa: E402
EDGE = {(-1, 1): "-->", (1, 1): "<->", (2, 1): "o->", (2, 2): "o-o", (-1, -1): "---"}


def cl_edges(g, names):
    out = set()
    m = g.graph
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            a, b = int(m[i, j]), int(m[j, i])
            if (a, b) == (0, 0):
                continue
            out.add((names[i], EDGE[(a, b)], names[j]) if (a, b) in EDGE else (names[j], EDGE[(b, a)], names[i]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", default="1,2", help="kausa thread counts, comma-separated")
    ap.add_argument("--kausa", default=os.path.join(ROOT, "target", "release", "kausa"))
    ap.add_argument("--ant-python", default=None, help="a Python with antecedent and pandas (Fisher-z cases only)")
    ap.add_argument("--ant-timeout", type=float, default=300)
    a = ap.parse_args()
    td = os.path.join(a.data, "causal-learn-testdata", "TestData")
    cases = [("linear_10", os.path.join(td, "data_linear_10.txt.gz"), "fisherz")]
    for net in ["asia", "sachs", "child", "insurance", "alarm", "hailfinder", "win95pts"]:
        f = os.path.join(td, "bnlearn_discrete_10000", "data", net + ".txt")
        cases.append((net, f if os.path.exists(f) else f + ".gz", "chisq"))
    threads = [int(t) for t in a.threads.split(",")]
    head = "".join("| kausa %d thr s | ratio | after reading s | ratio " % t for t in threads)
    print("| data | p | n | test | causal-learn fci() s " + head + "| identical | antecedent s | antecedent pairs differing |")
    print("|---|---:|---:|---|---:" + "|---:|---:|---:|---:" * len(threads) + "|---|---:|---:|")
    for name, path, test in cases:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt") as f:
            X = np.loadtxt(f, skiprows=1)
        n, p = X.shape
        names = ["X%d" % (i + 1) for i in range(p)]
        t0 = time.perf_counter()
        g, _ = fci(X, test, 0.05, verbose=False, show_progress=False)
        ref = time.perf_counter() - t0
        cells, same = [], "yes"
        for t in threads:
            cmd = [a.kausa, "discover", path, "--method", "fci", "--test", test, "--alpha", "0.05", "--compat",
                   "causal-learn", "--threads", str(t), "--json"]
            if test != "fisherz":
                cmd += ["--discrete", ",".join(names)]
            runs, mem = [], []
            for _ in range(a.reps):
                out = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
                sec = out["stats"]["seconds"]
                runs.append(sec["total"])
                mem.append(sec["total"] - sec["read"])
            k, km = statistics.median(runs), statistics.median(mem)
            cells.append("%.3g | %.0fx | %.3g | %.0fx" % (k, ref / k, km, ref / km))
            got = set()
            for e in out["graph"]["edges"]:
                x, y, ty = e["from"], e["to"], e["type"]
                if ty in ("<->", "o-o", "---") and names.index(x) > names.index(y):
                    x, y = y, x
                got.add((x, ty, y))
            if got != cl_edges(g, names):
                same = "no (%d with %d threads)" % (len(got ^ cl_edges(g, names)), t)
        ant = ("not run", "")
        if a.ant_python and test == "fisherz":
            # antecedent has only its partial-correlation test; unlimited depth, no FDR, as causal-learn.
            csv_path = os.path.join(ROOT, "bench", ".data", name + ".csv")
            np.savetxt(csv_path, X, delimiter=",", header=",".join(names), comments="")
            res = antecedent_run.run(a.ant_python, "FCI", csv_path, reps=1, timeout=a.ant_timeout, alpha=0.05, fdr=False,
                                     max_cond_size=p)
            cl = [{"from": x, "to": y, "type": t} for x, t, y in cl_edges(g, names)]
            ant = ("> %g" % a.ant_timeout, "") if res is None else ("%.3g" % res[0], str(antecedent_run.differing_pairs(cl, res[1])))
        print("| %s | %d | %d | %s | %.3g | %s | %s | %s | %s |" % ((name, p, n, test, ref, " | ".join(cells), same) + ant),
              flush=True)


if __name__ == "__main__":
    main()
