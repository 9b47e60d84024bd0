"""Regenerates the FCI golden cases: data with hidden variables, and causal-learn's
fci PAG on them.

Each case draws a random linear SEM with gen_linear.py (Gaussian noise, or
discretized to 3 levels), then hides two variables that have at least two
children, so the observed data have hidden common causes. causal-learn's
`fci(X, test, 0.05)` (as installed: 0.1.4.x, current rule R9) gives the PAG.

Run from the repository root with the reference venv:

    .venv-ref/bin/python golden/fci/make_golden.py [--anchors ../shared/anchors]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from causallearn.search.ConstraintBased.FCI import fci

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [
    # name, p, n, degree, discretize, seed
    ("g12a", 12, 2000, 2.5, 0, 1),
    ("g12b", 12, 2000, 3, 0, 2),
    ("g15a", 15, 3000, 2.5, 0, 3),
    ("g15b", 15, 1000, 3, 0, 4),
    ("g20a", 20, 2000, 2, 0, 5),
    ("g20b", 20, 5000, 3, 0, 6),
    ("g25", 25, 2000, 2.5, 0, 7),
    ("g10", 10, 500, 3, 0, 8),
    ("d12", 12, 5000, 2.5, 3, 9),
    ("d15", 15, 5000, 2, 3, 10),
]
EDGE = {(-1, 1): "-->", (1, 1): "<->", (2, 1): "o->", (2, 2): "o-o", (-1, -1): "---", (2, -1): "o--"}


def pag_edges(g, names):
    m = g.graph
    out = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            a, b = int(m[i, j]), int(m[j, i])
            if a == 0 and b == 0:
                continue
            if (a, b) in EDGE:
                out.append({"from": names[i], "to": names[j], "type": EDGE[(a, b)]})
            else:
                out.append({"from": names[j], "to": names[i], "type": EDGE[(b, a)]})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--anchors", default=os.path.join(HERE, "..", "..", "..", "shared", "anchors"))
    a = ap.parse_args()
    os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    cases = []
    for name, p, n, deg, disc, seed in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, os.path.join(a.anchors, "gen_linear.py"), "--p", str(p), "--n", str(n),
                   "--degree", str(deg), "--seed", str(seed), "--out", tmp]
            if disc:
                cmd += ["--discretize", str(disc)]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            truth = json.load(open(os.path.join(tmp, "truth.json")))
            names = truth["nodes"]
            X = np.loadtxt(os.path.join(tmp, "data.csv"), delimiter=",", skiprows=1)
        children = {v: sum(1 for e in truth["edges"] if e["from"] == v) for v in names}
        rng = np.random.default_rng(seed)
        candidates = [v for v in names if children[v] >= 2]
        hidden = sorted(rng.choice(candidates, size=min(2, len(candidates)), replace=False).tolist())
        keep = [i for i, v in enumerate(names) if v not in hidden]
        Xo = X[:, keep]
        observed = [names[i] for i in keep]
        test = "chisq" if disc else "fisherz"
        G, _ = fci(Xo, test, 0.05, verbose=False, show_progress=False, node_names=observed)
        with gzip.open(os.path.join(HERE, "data", name + ".csv.gz"), "wt", compresslevel=9) as f:
            f.write(",".join(observed) + "\n")
            fmt = "%d" if disc else "%.6g"
            for row in Xo:
                f.write(",".join(fmt % v for v in row) + "\n")
        json.dump({"nodes": observed, "edges": pag_edges(G, observed), "hidden": hidden},
                  open(os.path.join(HERE, "expected", name + ".json"), "w"), indent=1)
        cases.append({"name": name, "test": test, "alpha": 0.05, "hidden": hidden, "p_observed": len(observed), "n": n})
        print(name, "hidden", hidden, "edges", len(pag_edges(G, observed)), file=sys.stderr)
    json.dump(cases, open(os.path.join(HERE, "cases.json"), "w"), indent=1)
    import causallearn
    with open(os.path.join(HERE, "versions.txt"), "w") as f:
        f.write("causal-learn %s\nnumpy %s\n" % (getattr(causallearn, "__version__", "0.1.4.8"), np.__version__))


if __name__ == "__main__":
    main()
