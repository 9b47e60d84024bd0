#!/usr/bin/env python3
"""kausa DirectLiNGAM vs the lingam package on the same generated files, in one run.

  python3 -m venv .venv-lingam && .venv-lingam/bin/pip install lingam==1.13.0
  .venv-lingam/bin/python bench/lingam_bench.py [--p 10,20,50] [--n 1000] [--anchors ../shared/anchors]
      [--ant-python VENV/bin/python]

Data: gen_linear.py with uniform noise, degree 2, seed 1 (cached in bench/.data/).
lingam: DirectLiNGAM().fit(X) timed once (BLAS pinned to 1 thread). kausa:
`discover --method lingam --threads 1`, median of 3 runs of its internal total.
Prints a Markdown table with the ratio, whether the causal orders are identical,
and the largest coefficient difference. With --ant-python (a virtual environment
with antecedent and pandas): antecedent's `LiNGAM()` on the same file, its time
(the call alone, median of 3) and how many node pairs its DAG has differently
from lingam's.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import lingam  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import antecedent_run  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--p", default="10,20,50")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--anchors", default=os.path.join(ROOT, "..", "shared", "anchors"))
    ap.add_argument("--kausa", default=os.path.join(ROOT, "target", "release", "kausa"))
    ap.add_argument("--ant-python", default=None)
    a = ap.parse_args()
    print("| p | n | lingam fit s | kausa 1 thread s | kausa 2 threads s | ratio (1 thread) | ratio (2 threads) "
          "| same order | max coef diff | antecedent s | antecedent pairs differing from lingam |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for p in [int(v) for v in a.p.split(",")]:
        d = os.path.join(ROOT, "bench", ".data", "lingam_p%d_n%d_u" % (p, a.n))
        if not os.path.exists(os.path.join(d, "data.csv")):
            subprocess.run([sys.executable, os.path.join(a.anchors, "gen_linear.py"), "--p", str(p), "--n", str(a.n),
                            "--degree", "2", "--noise", "uniform", "--seed", "1", "--out", d], check=True,
                           stdout=subprocess.DEVNULL)
        path = os.path.join(d, "data.csv")
        X = np.loadtxt(path, delimiter=",", skiprows=1)
        names = open(path).readline().strip().split(",")
        t0 = time.perf_counter()
        m = lingam.DirectLiNGAM().fit(X)
        ref = time.perf_counter() - t0
        secs = {}
        for t in (1, 2):
            runs = []
            for _ in range(3):
                out = json.loads(subprocess.run([a.kausa, "discover", path, "--method", "lingam", "--threads", str(t),
                                                 "--json"], capture_output=True, text=True, check=True).stdout)
                runs.append(out["stats"]["seconds"]["total"])
            secs[t] = statistics.median(runs)
        order = [names[i] for i in m.causal_order_]
        b = np.zeros((p, p))
        for e in out["graph"]["edges"]:
            b[names.index(e["to"]), names.index(e["from"])] = e["weight"]
        diff = float(np.max(np.abs(b - m.adjacency_matrix_)))
        same = "yes" if out["stats"]["causal_order"] == order else "no"
        ant = ("not run", "")
        if a.ant_python:
            res = antecedent_run.run(a.ant_python, "LiNGAM", path, reps=3, timeout=600)
            lingam_edges = [{"from": names[j], "to": names[i], "type": "-->"}
                            for i in range(p) for j in range(p) if m.adjacency_matrix_[i, j] != 0]
            ant = ("> 600", "") if res is None else ("%.3g" % res[0], str(antecedent_run.differing_pairs(lingam_edges, res[1])))
        print("| %d | %d | %.3g | %.3g | %.3g | %.0fx | %.0fx | %s | %.1e | %s | %s |"
              % ((p, a.n, ref, secs[1], secs[2], ref / secs[1], ref / secs[2], same, diff) + ant), flush=True)


if __name__ == "__main__":
    main()
