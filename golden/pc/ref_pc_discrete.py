#!/usr/bin/env python3
"""pcalg-semantics PC-stable oracle for DISCRETE data with the G^2 test.

  ref_pc_discrete.py DATA.csv [--alpha 0.05] [--out G.json] [--anchors DIR]

The anchors' ref_pc.py only implements Fisher-z.  This script reuses its
skeleton (`skeleton_first`: pcalg skeleton(method="stable"), first separating
set kept, independence when p >= alpha) and orientation (`orient_pcalg`:
pcalg udag2pdagRelaxed(solve.confl=FALSE) + Meek R1-R3), imported from
ref_pc.py in the anchors directory, and supplies a CI test that reproduces
R pcalg `disCItest` -> `gSquareDis(x, y, S, dm, nlev, adaptDF = FALSE)`:

  * every column is mapped to codes 0..k-1 by its sorted distinct values;
    nlev[j] = number of distinct values in column j;
  * df = (nlev[x]-1) * (nlev[y]-1) * prod(nlev[s] for s in S)  (no adaptation);
  * if n < 10 * df: p = 1.0 (pcalg's "n.min" rule, the test is not done);
  * else G^2 = 2 * sum over cells with n_xys > 0 of
                 n_xys * log(n_xys * n_s / (n_xs * n_ys))
    (for S empty, n_s = n), and p = scipy.stats.chi2.sf(G^2, df).

DATA.csv: header row, comma separated (read with graphjson.read_csv_matrix).
Prints one line `RESULT {...}` like ref_pc.py; --out writes canonical graph JSON.

--anchors: directory holding ref_pc.py and graphjson.py; default $KAUSA_ANCHORS,
else ../shared/anchors relative to the repository root (this file lives in
<repo>/golden/pc/, so the default is <repo>/../shared/anchors).

A constant column (nlev 1) makes pcalg's semantics undefined (df = 0; gSquareDis is
documented for variables with at least two levels), so this script refuses such data
(exit status 2) unless --constant-as-independent is given, which makes every test
involving x or y constant return p = 1.0 (causal-learn's convention for df 0).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
from scipy.stats import chi2

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def default_anchors():
    return os.environ.get("KAUSA_ANCHORS") or os.path.join(os.path.dirname(REPO), "shared", "anchors")


class GSquareDis:
    """R pcalg gSquareDis(adaptDF = FALSE) on integer codes."""

    def __init__(self, X):
        n, p = X.shape
        self.n = n
        self.codes = np.empty((n, p), dtype=np.int64)
        self.nlev = np.empty(p, dtype=np.int64)
        for j in range(p):
            u, inv = np.unique(X[:, j], return_inverse=True)
            self.codes[:, j] = inv.reshape(-1)
            self.nlev[j] = len(u)
        self.calls = 0
        self.skipped_small_n = 0

    def __call__(self, x, y, S):
        self.calls += 1
        nl = self.nlev
        S = list(S)
        df = int((nl[x] - 1) * (nl[y] - 1) * math.prod(int(nl[s]) for s in S))
        if self.n < 10 * df:
            self.skipped_small_n += 1
            return 1.0
        if df == 0:
            # x or y constant (only reachable with --constant-as-independent)
            return 1.0
        D = self.codes
        # stratum index over S (mixed radix), then cell index (s, x, y)
        k = np.zeros(self.n, dtype=np.int64)
        ns = 1
        for s in S:
            k = k * nl[s] + D[:, s]
            ns *= int(nl[s])
        nx, ny = int(nl[x]), int(nl[y])
        cell = (k * nx + D[:, x]) * ny + D[:, y]
        nxys = np.bincount(cell, minlength=ns * nx * ny).reshape(ns, nx, ny).astype(np.float64)
        nxs = nxys.sum(axis=2)           # (ns, nx)
        nys = nxys.sum(axis=1)           # (ns, ny)
        n_s = nxys.sum(axis=(1, 2))      # (ns,)
        m = nxys > 0
        sidx, xi, yi = np.nonzero(m)
        c = nxys[m]
        G2 = 2.0 * float(np.sum(c * np.log(c * n_s[sidx] / (nxs[sidx, xi] * nys[sidx, yi]))))
        return float(chi2.sf(G2, df))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--out")
    ap.add_argument("--anchors", default=default_anchors())
    ap.add_argument("--constant-as-independent", action="store_true",
                    help="allow constant columns (p = 1.0 for their tests) instead of refusing the data")
    a = ap.parse_args()

    sys.path.insert(0, os.path.abspath(a.anchors))
    import graphjson  # noqa: E402
    from ref_pc import skeleton_first, orient_pcalg  # noqa: E402

    names, X = graphjson.read_csv_matrix(a.data)
    p = len(names)
    test = GSquareDis(X)
    const = [names[j] for j in range(p) if test.nlev[j] < 2]
    if const and not a.constant_as_independent:
        sys.stderr.write("constant columns (pcalg semantics undefined): %s\n" % ", ".join(const))
        sys.exit(2)
    t0 = time.perf_counter()
    G, sep = skeleton_first(p, test, a.alpha)
    pdag = orient_pcalg(G, sep)
    secs = time.perf_counter() - t0
    edges = []
    for i in range(p):
        for j in range(p):
            if pdag[i, j] == 1 and pdag[j, i] == 1 and i < j:
                edges.append((names[i], names[j], "---"))
            elif pdag[i, j] == 1 and pdag[j, i] == 0:
                edges.append((names[i], names[j], "-->"))
    meta = {"tool": "ref_pc_discrete.py", "test": "gsq (pcalg gSquareDis, adaptDF=FALSE)",
            "sepset": "first", "orient": "pcalg", "alpha": a.alpha, "seconds": round(secs, 4),
            "ci_tests": test.calls, "ci_tests_n_lt_10df": test.skipped_small_n,
            "n": int(X.shape[0]), "p": p, "nlev": [int(v) for v in test.nlev]}
    g = graphjson.canonical(names, edges, meta)
    if a.out:
        graphjson.write(a.out, g)
    res = dict(meta)
    res["edges"] = len(g["edges"])
    print("RESULT " + json.dumps(res))


if __name__ == "__main__":
    main()
