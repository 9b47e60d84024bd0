#!/usr/bin/env python3
"""Accuracy of kausa's discovery methods, and of causal-learn's on the same files.

  .venv-ref/bin/python bench/accuracy.py [--nets asia,sachs,child,insurance,alarm,hepar2,win95pts]
      [--n 1000,10000] [--seeds 1,2,3,4,5] [--methods pc,fci,ges] [--timeout 300]
      [--skip-reference] [--sachs] [--lingam-python .venv-lingam/bin/python]

For each bnlearn network (../shared/data/bnlearn-bif): `kausa sample` draws n rows
(seeded), coded as integers so both tools read the same file; kausa runs PC (G²),
FCI (G²) and GES (BDeu), in its default (pcalg) semantics and, for PC and FCI,
with --compat causal-learn; causal-learn runs pc / fci / ges through the anchors
scripts; every learned graph is scored with `kausa compare` against the true
class from `kausa graph` (CPDAG for PC and GES, PAG for FCI): SHD, adjacency F1
and arrowhead F1, averaged over seeds. Results are cached in bench/.data/accuracy/;
a Markdown table goes to stdout. With --sachs, the real Sachs data (the 853
observational cd3/cd28 rows) is scored against the 17-edge consensus graph: PC and
FCI with Fisher-z, GES with BIC, and DirectLiNGAM against the DAG itself (lingam
too when --lingam-python names a Python that has it).
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KAUSA = os.path.join(ROOT, "target", "release", "kausa")


def sh(cmd, timeout=None):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd[:3]), r.stderr[-400:]))
    return r.stdout


def score(truth, learned):
    c = json.loads(sh([KAUSA, "compare", truth, learned, "--json"]))
    f1 = lambda p, r: 0.0 if p + r == 0 else 2 * p * r / (p + r)
    return {"shd": c["shd"], "adj_f1": f1(c["adj_precision"], c["adj_recall"]),
            "arrow_f1": f1(c["arrow_precision"], c["arrow_recall"])}


def coded_copy(src, dst):
    """Integer codes per column (levels in order of first appearance) for tools that read numbers only."""
    with open(src) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    maps = [{} for _ in header]
    with open(dst, "w") as f:
        f.write(",".join(header) + "\n")
        for r in body:
            f.write(",".join(str(maps[j].setdefault(v, len(maps[j]))) for j, v in enumerate(r)) + "\n")


def sachs_rows(a, cache):
    """PC, FCI, GES and DirectLiNGAM on the real Sachs data against the consensus graph."""
    src = os.path.join(a.data, "sachs")
    data = os.path.join(cache, "sachs_real.csv")
    with open(os.path.join(src, "sachs.2005.cd3cd28.observational.continuous.txt")) as f, open(data, "w") as g:
        for line in f:
            g.write(",".join(line.split()) + "\n")
    names = open(data).readline().strip().split(",")
    with open(os.path.join(src, "sachs.consensus.17edges.bnlearn.csv")) as f:
        edges = [tuple(r) for r in list(csv.reader(f))[1:]]
    dag = os.path.join(cache, "sachs_real.truth_dag.json")
    json.dump({"nodes": names, "edges": [{"from": c, "to": e, "type": "-->"} for c, e in edges]}, open(dag, "w"))
    truth = {}
    for k in ("cpdag", "pag"):
        truth[k] = os.path.join(cache, "sachs_real.truth_%s.json" % k)
        sh([KAUSA, "graph", dag, "--kind", k, "--out", truth[k]])
    truth["dag"] = dag
    rows = []
    plan = [("pc", "cpdag", ["--test", "fisherz"]), ("fci", "pag", ["--test", "fisherz"]), ("ges", "cpdag", []),
            ("lingam", "dag", [])]
    for m, kind, extra in plan:
        runs = [("kausa", [KAUSA, "discover", data, "--method", m, "--alpha", str(a.alpha)] + extra)]
        if not a.skip_reference:
            if m == "lingam":
                if a.lingam_python:
                    runs.append(("lingam", [a.lingam_python, os.path.join(a.anchors, "run_directlingam.py"), data]))
            else:
                script = {"pc": "run_pc_causallearn.py", "fci": "run_fci_causallearn.py", "ges": "run_ges_causallearn.py"}[m]
                cmd = [sys.executable, os.path.join(a.anchors, script), data]
                cmd += [] if m == "ges" else ["--alpha", str(a.alpha), "--test", "fisherz"]
                runs.append(("causal-learn", cmd))
        for tool, cmd in runs:
            out = os.path.join(cache, "sachs_real.%s.%s.json" % (m, tool))
            if sh(cmd + ["--out", out], timeout=a.timeout) is None:
                rows.append(("sachs (real)", 853, m, tool, "> %g s" % a.timeout, "", "", 0, 1))
                continue
            s_ = score(truth[kind], out)
            rows.append(("sachs (real)", 853, m, tool, "%.1f" % s_["shd"], "%.2f" % s_["adj_f1"], "%.2f" % s_["arrow_f1"], 1, 1))
    return rows


def constant_columns(path):
    """Names of the columns of a CSV file whose value never changes."""
    with open(path) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    return [name for j, name in enumerate(header) if len({r[j] for r in body}) == 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nets", default="asia,sachs,child,insurance,alarm,hepar2,win95pts")
    ap.add_argument("--n", default="1000,10000")
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--methods", default="pc,fci,ges")
    ap.add_argument("--alpha", type=float, default=0.01)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--skip-reference", action="store_true")
    ap.add_argument("--sachs", action="store_true")
    ap.add_argument("--lingam-python", default=None)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--anchors", default=os.path.join(ROOT, "..", "shared", "anchors"))
    a = ap.parse_args()
    cache = os.path.join(ROOT, "bench", ".data", "accuracy")
    os.makedirs(cache, exist_ok=True)
    rows = []
    cl_script = {"pc": "run_pc_causallearn.py", "fci": "run_fci_causallearn.py", "ges": "run_ges_causallearn.py"}
    for net in a.nets.split(","):
        bif = os.path.join(a.data, "bnlearn-bif", net + ".bif")
        if not os.path.exists(bif):
            bif += ".gz"
        truth = {k: os.path.join(cache, "%s.truth_%s.json" % (net, k)) for k in ("cpdag", "pag")}
        for k, path in truth.items():
            if not os.path.exists(path):
                sh([KAUSA, "graph", bif, "--kind", k, "--out", path])
        for n in [int(v) for v in a.n.split(",")]:
            results = {}
            for seed in [int(v) for v in a.seeds.split(",")]:
                base = os.path.join(cache, "%s_n%d_s%d" % (net, n, seed))
                if not os.path.exists(base + ".coded.csv"):
                    sh([KAUSA, "sample", bif, "--n", str(n), "--seed", str(seed), "--out", base + ".csv"])
                    coded_copy(base + ".csv", base + ".coded.csv")
                names = open(base + ".coded.csv").readline().strip().split(",")
                constant = constant_columns(base + ".coded.csv")
                for m in a.methods.split(","):
                    t = truth["pag" if m == "fci" else "cpdag"]
                    for tool in ("kausa", "kausa --compat causal-learn", "causal-learn"):
                        if tool == "causal-learn" and a.skip_reference:
                            continue
                        if tool == "kausa --compat causal-learn" and m == "ges":
                            continue  # GES has one semantics
                        out = "%s.%s.%s.json" % (base, m, tool.replace(" --compat ", "-"))
                        if tool == "causal-learn" and any("timeout" in r for r in results.get((m, tool), [])):
                            # It ran out of time on an earlier seed of this cell: the later ones would too.
                            results[(m, tool)].append({"timeout": a.timeout})
                            continue
                        if not os.path.exists(out):
                          try:
                            if tool.startswith("kausa"):
                                cmd = [KAUSA, "discover", base + ".coded.csv", "--method", m, "--alpha", str(a.alpha),
                                       "--discrete", ",".join(names), "--out", out]
                                if m != "ges":
                                    cmd += ["--test", "gsq"]
                                if tool != "kausa":
                                    # The anchors call fci(X) without names: causal-learn then orders by X1, X2, ...
                                    cmd += ["--compat", "causal-learn", "--causal-learn-names", "default"]
                                if constant:
                                    # kausa refuses a column that never varies; it is left out and
                                    # scored as an isolated node (every true edge at it counts as missed).
                                    cmd += ["--ignore", ",".join(constant)]
                                sh(cmd)
                                if constant:
                                    g = json.load(open(out))
                                    g["nodes"] = names
                                    json.dump(g, open(out, "w"))
                            else:
                                cmd = [sys.executable, os.path.join(a.anchors, cl_script[m]), base + ".coded.csv", "--out", out]
                                cmd += ["--score", "local_score_BDeu"] if m == "ges" else ["--alpha", str(a.alpha), "--test", "gsq"]
                                if sh(cmd, timeout=a.timeout) is None:
                                    json.dump({"timeout": a.timeout}, open(out, "w"))
                          except RuntimeError as e:
                            # For example a state that never occurs in a small sample: a constant column.
                            json.dump({"error": str(e)[-200:]}, open(out, "w"))
                        got = json.load(open(out))
                        key = (m, tool)
                        if "timeout" in got or "error" in got:
                            results.setdefault(key, []).append(got)
                        else:
                            results.setdefault(key, []).append(score(t, out))
            for (m, tool), scores in sorted(results.items()):
                done = [s for s in scores if "shd" in s]
                if not done:
                    why = "> %g s" % a.timeout if any("timeout" in s for s in scores) else "refused (constant column)"
                    rows.append((net, n, m, tool, why, "", "", 0, len(scores)))
                    continue
                mean = lambda k: statistics.mean(s[k] for s in done)
                rows.append((net, n, m, tool, "%.1f" % mean("shd"), "%.2f" % mean("adj_f1"), "%.2f" % mean("arrow_f1"),
                             len(done), len(scores)))
            print("done %s n=%d" % (net, n), file=sys.stderr, flush=True)
    if a.sachs:
        rows.extend(sachs_rows(a, cache))
    print("| network | n | method | tool | SHD | adjacency F1 | arrowhead F1 | runs |")
    print("|---|---:|---|---|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %d | %s | %s | %s | %s | %s | %d/%d |" % r)


if __name__ == "__main__":
    main()
