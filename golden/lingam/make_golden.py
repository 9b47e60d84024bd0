"""Regenerates the DirectLiNGAM golden cases: data from gen_linear.py with
non-Gaussian noise, and the `lingam` package's DirectLiNGAM causal order and
adjacency matrix on them.

Run from the repository root with a Python that has lingam 1.13.0:

    python3 -m venv .venv-lingam && .venv-lingam/bin/pip install lingam==1.13.0
    .venv-lingam/bin/python golden/lingam/make_golden.py [--anchors ../shared/anchors]

Writes golden/lingam/cases.json, data/<case>.csv.gz and expected/<case>.json
(order as column names, B[i][j] = coefficient of x_j in the equation of x_i,
at full precision), and versions.txt.
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

import lingam
import numpy as np
import sklearn

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    # name, p, n, degree, noise, seed
    ("u5", 5, 1000, 2, "uniform", 1),
    ("u8", 8, 1000, 2, "uniform", 2),
    ("u10", 10, 1000, 2, "uniform", 3),
    ("u20", 20, 1000, 2, "uniform", 4),
    ("e6", 6, 2000, 3, "exp", 5),
    ("e10", 10, 500, 2, "exp", 6),
    ("e15", 15, 1000, 3, "exp", 7),
    ("l7", 7, 1000, 2, "laplace", 8),
    ("l12", 12, 2000, 3, "laplace", 9),
    ("l20", 20, 1000, 2, "laplace", 10),
    ("u30", 30, 1000, 2, "uniform", 11),
    ("e25", 25, 2000, 2, "exp", 12),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anchors", default=os.path.join(HERE, "..", "..", "..", "shared", "anchors"))
    a = ap.parse_args()
    os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    cases = []
    for name, p, n, deg, noise, seed in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, os.path.join(a.anchors, "gen_linear.py"), "--p", str(p), "--n", str(n),
                            "--degree", str(deg), "--noise", noise, "--seed", str(seed), "--out", tmp],
                           check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(tmp, "data.csv"), "rb") as f, \
                    gzip.GzipFile(os.path.join(HERE, "data", name + ".csv.gz"), "wb", mtime=0) as g:
                shutil.copyfileobj(f, g)
            names = open(os.path.join(tmp, "data.csv")).readline().strip().split(",")
            X = np.loadtxt(os.path.join(tmp, "data.csv"), delimiter=",", skiprows=1)
        model = lingam.DirectLiNGAM()
        model.fit(X)
        expected = {
            "order": [names[int(i)] for i in model.causal_order_],
            "nodes": names,
            "b": [[float(v) for v in row] for row in model.adjacency_matrix_],
        }
        with open(os.path.join(HERE, "expected", name + ".json"), "w") as f:
            json.dump(expected, f, indent=1)
        cases.append({"name": name, "p": p, "n": n, "degree": deg, "noise": noise, "seed": seed})
        print(name, "order", expected["order"][:5], "...", file=sys.stderr)
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    with open(os.path.join(HERE, "versions.txt"), "w") as f:
        f.write("lingam %s\nscikit-learn %s\nnumpy %s\n" % (lingam.__version__, sklearn.__version__, np.__version__))


if __name__ == "__main__":
    main()
