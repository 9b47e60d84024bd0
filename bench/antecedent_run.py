"""Runs antecedent (https://pypi.org/project/antecedent/) on a CSV file in its own virtual environment.

antecedent is not a kausa dependency: the benchmarks call it through the Python
of a virtual environment made with `pip install antecedent pandas`, in a
subprocess, and time the discovery call alone (median of `reps` runs, threads=1).
"""
import json
import subprocess

SCRIPT = r"""
import json, sys, time
import pandas as pd
from antecedent import discovery
path, reps, kind, kwargs = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
df = pd.read_csv(path, sep=None, engine="python") if not path.endswith(".csv") else pd.read_csv(path)
algo = getattr(discovery, kind)(**kwargs)
runs, res = [], None
for _ in range(reps):
    t0 = time.perf_counter()
    res = algo.run(df, seed=0, threads=1)
    runs.append(time.perf_counter() - t0)
marks = {"tail": "-", "arrow": ">", "circle": "o"}
types = {("-", ">"): "-->", ("-", "-"): "---", (">", ">"): "<->", ("o", ">"): "o->", ("o", "o"): "o-o"}
edges = []
for e in res.graph_edges:
    a, b = marks.get(e.at_source, "?"), marks.get(e.at_target, "?")
    if (a, b) in types:
        edges.append({"from": e.source, "to": e.target, "type": types[(a, b)]})
    elif (b, a) in types:
        edges.append({"from": e.target, "to": e.source, "type": types[(b, a)]})
    else:
        edges.append({"from": e.source, "to": e.target, "type": "?"})
runs.sort()
print("RESULT " + json.dumps({"seconds": runs[len(runs) // 2], "edges": edges}))
"""


def run(python, kind, path, reps=3, timeout=None, **kwargs):
    """`(seconds, edges)` of `antecedent.discovery.<kind>(**kwargs).run(...)`, or None on a timeout."""
    try:
        r = subprocess.run([python, "-c", SCRIPT, path, str(reps), kind, json.dumps(kwargs)],
                           capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
            return res["seconds"], res["edges"]
    raise RuntimeError("antecedent printed no result:\n" + r.stdout + r.stderr)


def pairs(edges):
    """Node pair -> edge type read from the smaller name, for canonical edge lists."""
    flip = {"-->": "<--", "o->": "<-o"}
    out = {}
    for e in edges:
        a, b, t = e["from"], e["to"], e["type"]
        out[(a, b) if a < b else (b, a)] = t if a < b or t not in flip else flip[t]
    return out


def differing_pairs(x, y):
    """How many node pairs carry different edges (or an edge in one graph only)."""
    px, py = pairs(x), pairs(y)
    return sum(1 for k in set(px) | set(py) if px.get(k) != py.get(k))
