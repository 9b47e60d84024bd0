#!/usr/bin/env python3
"""Regenerate the PC-stable golden reference graphs under golden/pc/ from scratch.

What it does
------------
1. Generates 24 linear-Gaussian data sets with the anchors' gen_linear.py
   (p = 5..50, average degree 2/3/4, n = 500..2000, fixed seeds) and keeps
   only `linear/<name>.csv.gz` (data.csv, `gzip -9 -n`) and
   `linear/<name>.truth_cpdag.json`.
2. For every case of the manifest, runs the reference tools (one at a time,
   single-threaded BLAS) on a comma-separated copy of the data in a temp dir:
     * pcalg semantics   -> expected/<case>.pcalg.json
         Fisher-z: anchors' ref_pc.py --sepset first --orient pcalg
                   (= R pcalg pc(skel.method="stable", u2pd="relaxed", solve.confl=FALSE))
         G^2     : ref_pc_discrete.py (same skeleton/orientation code, pcalg disCItest/gSquareDis)
     * causal-learn      -> expected/<case>.causal-learn.json
         anchors' run_pc_causallearn.py (pc(stable=True, uc_rule=0, uc_priority=2))
   Absolute paths and wall-clock timings are removed from `meta` so that the
   output is byte-identical from run to run.
3. Writes cases.json (the manifest read by the Rust tests) and versions.txt.

Data of the shared causal-learn test suite is NOT copied: the manifest refers
to it as `shared:<path relative to the data root>`; it is decompressed to a
temp dir only for the reference tools.

How to run (from the repository root; 6-8 minutes on 2 cores)
----------
    .venv-ref/bin/python golden/pc/make_golden.py \
        [--data-root DIR]   # default: $KAUSA_DATA, else <repo>/../shared/data
        [--anchors DIR]     # default: <repo>/../shared/anchors
        [--python PY]       # interpreter for the reference tools (default: this one)

Versions used to produce the committed files (also in versions.txt):
    Python 3.11.7, causal-learn 0.1.4.8, numpy 2.4.6, scipy 1.17.1, pandas 3.1.1
The script refuses to run with a different causal-learn version unless
--allow-other-versions is given.
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS"):
    os.environ[_v] = "1"

HERE = os.path.dirname(os.path.abspath(__file__))          # <repo>/golden/pc
REPO = os.path.dirname(os.path.dirname(HERE))              # <repo>
EXPECTED_VERSIONS = {"causal-learn": "0.1.4.8", "numpy": "2.4.6", "scipy": "1.17.1"}

# ---------------------------------------------------------------- case lists
# (p, degree, n, seed) for gen_linear.py; names lin_p<p>_d<deg>_n<n>_s<seed>
LINEAR_SPECS = [
    (5, 2, 2000, 101), (5, 3, 2000, 102), (8, 2, 2000, 103), (8, 3, 1500, 104),
    (10, 2, 2000, 105), (10, 4, 1500, 106), (12, 2, 1500, 107), (12, 3, 2000, 108),
    (15, 2, 1500, 109), (15, 4, 1200, 110), (20, 2, 1200, 111), (20, 3, 1000, 112),
    (25, 2, 1000, 113), (25, 4, 1000, 114), (30, 2, 1000, 115), (30, 3, 800, 116),
    (35, 2, 800, 117), (35, 4, 700, 118), (40, 2, 700, 119), (40, 3, 600, 120),
    (45, 2, 600, 121), (45, 4, 500, 122), (50, 2, 600, 123), (50, 3, 500, 124),
]
LINEAR_ALPHA = 0.01
CL = "causal-learn-testdata/TestData"
# bnlearn nets: the 8 required ones, then the 5 larger ones.  The larger ones were
# kept because causal-learn took at most 15 s on each (chisq, 2-core machine):
# water 0.7 s, hepar2 15 s, win95pts 8 s, hailfinder 4 s, barley 8.6 s.
BNLEARN_NETS = ["asia", "cancer", "earthquake", "sachs", "survey", "child", "insurance", "alarm",
                "water", "hepar2", "win95pts", "hailfinder", "barley"]

# water's data has 6 constant columns (X3..X8: one level in all 10000 rows); pcalg's
# gSquareDis is undefined for them (df = 0), so no pcalg reference for bn_water_gsq
# (ref_pc_discrete.py refuses such data).  causal-learn isolates them (p = 1 when df = 0).
PCALG_UNDEFINED = {"water"}


def linear_name(p, d, n, s):
    return "lin_p%02d_d%d_n%d_s%d" % (p, d, n, s)


def build_cases(data_root):
    cases = []

    def add(name, data, delim, test, alpha, pcalg, cl, truth=None):
        cases.append({"name": name, "data": data, "delimiter": delim, "test": test, "alpha": alpha,
                      "pcalg": "expected/%s.pcalg.json" % name if pcalg else None,
                      "causal_learn": "expected/%s.causal-learn.json" % name if cl else None,
                      "truth_cpdag": truth})
        if any(name.startswith("bn_%s_" % net) for net in PCALG_UNDEFINED):
            # kausa refuses constant columns by design (issue: bad input is an error),
            # so the test expects that refusal instead of a graph.
            cases[-1]["expect_error"] = "is constant"

    for p, d, n, s in LINEAR_SPECS:
        nm = linear_name(p, d, n, s)
        add(nm, "linear/%s.csv.gz" % nm, ",", "fisherz", LINEAR_ALPHA, True, True,
            "linear/%s.truth_cpdag.json" % nm)
    for i in range(1, 11):
        add("cl_linear_%d_fisherz" % i, "shared:%s/data_linear_%d.txt.gz" % (CL, i), "\t", "fisherz", 0.05,
            True, True)
    add("cl_test_pc_sim_fisherz", "shared:%s/test_pc_simulated_linear_gaussian_data.txt.gz" % CL, " ",
        "fisherz", 0.05, True, True)
    for i in range(1, 11):
        add("cl_discrete_%d_gsq" % i, "shared:%s/data_discrete_%d.txt.gz" % (CL, i), "\t", "gsq", 0.05,
            True, True)
    for i in range(1, 11):
        add("cl_discrete_%d_chisq" % i, "shared:%s/data_discrete_%d.txt.gz" % (CL, i), "\t", "chisq", 0.05,
            False, True)
    for net in BNLEARN_NETS:
        rel = "%s/bnlearn_discrete_10000/data/%s.txt" % (CL, net)
        if not os.path.exists(os.path.join(data_root, rel)):
            rel += ".gz"
        add("bn_%s_gsq" % net, "shared:" + rel, " ", "gsq", 0.05, net not in PCALG_UNDEFINED, True)
        add("bn_%s_chisq" % net, "shared:" + rel, " ", "chisq", 0.05, False, True)
    return cases


# ---------------------------------------------------------------- helpers
def run(cmd, timeout=900):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=os.environ.copy())
    secs = time.perf_counter() - t0
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit("command failed (%d): %s" % (r.returncode, " ".join(cmd)))
    return r.stdout, secs


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def gzip_deterministic(src, dst):
    # gzip -9 -n: no name, no timestamp -> identical bytes on every run
    with open(dst, "wb") as out:
        subprocess.run(["gzip", "-9", "-n", "-c", src], stdout=out, check=True)


def to_comma_csv(src, delim, dst):
    """Decompress (if .gz) and rewrite with ',' as the delimiter; values kept as text."""
    opener = gzip.open if src.endswith(".gz") else open
    ncol = None
    with opener(src, "rt") as f, open(dst, "w") as out:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split(delim) if delim != " " else line.split()
            if ncol is None:
                ncol = len(parts)
            elif len(parts) != ncol:
                raise SystemExit("%s: ragged row (%d vs %d fields)" % (src, len(parts), ncol))
            out.write(",".join(parts) + "\n")


def clean_meta(g, case, extra):
    meta = dict(g.get("meta") or {})
    for k in ("seconds", "data"):
        meta.pop(k, None)
    meta.update(extra)
    meta["data"] = case["data"]
    g["meta"] = meta
    return g


def versions(py):
    code = ("import sys, numpy, scipy, pandas; from importlib.metadata import version; "
            "print(sys.version.split()[0]); print(version('causal-learn')); print(numpy.__version__); "
            "print(scipy.__version__); print(pandas.__version__)")
    out = subprocess.run([py, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return {"python": out[0], "causal-learn": out[1], "numpy": out[2], "scipy": out[3], "pandas": out[4]}


def skel(g):
    return {frozenset((e["from"], e["to"])) for e in g["edges"]}


def marks(g):
    return {frozenset((e["from"], e["to"])): (e["from"], e["to"], e["type"]) for e in g["edges"]}


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", default=os.environ.get("KAUSA_DATA")
                    or os.path.join(os.path.dirname(REPO), "shared", "data"))
    ap.add_argument("--anchors", default=os.path.join(os.path.dirname(REPO), "shared", "anchors"))
    ap.add_argument("--python", default=sys.executable, help="interpreter for the reference tools")
    ap.add_argument("--allow-other-versions", action="store_true")
    ap.add_argument("--only", default=None, help="comma-separated case names (debugging; cases.json still full)")
    a = ap.parse_args()
    data_root = os.path.abspath(a.data_root)
    anchors = os.path.abspath(a.anchors)
    for f in ("ref_pc.py", "gen_linear.py", "graphjson.py", "run_pc_causallearn.py"):
        if not os.path.exists(os.path.join(anchors, f)):
            raise SystemExit("anchors dir %s lacks %s" % (anchors, f))
    sys.path.insert(0, anchors)
    import graphjson  # noqa: E402

    t_start = time.perf_counter()
    vers = versions(a.python)
    bad = {k: (vers[k], v) for k, v in EXPECTED_VERSIONS.items() if vers[k] != v}
    if bad and not a.allow_other_versions:
        raise SystemExit("version mismatch (have, expected): %s; use --allow-other-versions" % bad)
    with open(os.path.join(HERE, "versions.txt"), "w") as f:
        for k in ("python", "causal-learn", "numpy", "scipy", "pandas"):
            f.write("%s %s\n" % (k, vers[k]))

    lin_dir = os.path.join(HERE, "linear")
    exp_dir = os.path.join(HERE, "expected")
    cases = build_cases(data_root)
    only = set(a.only.split(",")) if a.only else None
    if only is None:
        # from scratch: stale files from older manifests must not survive
        for d in (lin_dir, exp_dir):
            shutil.rmtree(d, ignore_errors=True)
    os.makedirs(lin_dir, exist_ok=True)
    os.makedirs(exp_dir, exist_ok=True)

    tmp = tempfile.mkdtemp(prefix="kausa_golden_pc_")
    try:
        # 1. linear data sets
        for p, d, n, s in LINEAR_SPECS:
            nm = linear_name(p, d, n, s)
            if only is not None and nm not in only:
                continue
            out = os.path.join(tmp, nm)
            cmd = [a.python, os.path.join(anchors, "gen_linear.py"), "--p", str(p), "--n", str(n),
                   "--degree", str(d), "--seed", str(s), "--out", out]
            run(cmd)
            gzip_deterministic(os.path.join(out, "data.csv"), os.path.join(lin_dir, nm + ".csv.gz"))
            t = graphjson.read(os.path.join(out, "truth_cpdag.json"))
            t["meta"] = {"kind": "CPDAG", "derived_from": "true DAG of gen_linear.py --p %d --n %d --degree %d "
                         "--seed %d (noise gaussian, weights +-U[0.25,1])" % (p, n, d, s)}
            graphjson.write(os.path.join(lin_dir, nm + ".truth_cpdag.json"), t)
            print("data  %-28s p=%d n=%d" % (nm, p, n), flush=True)

        # 2. reference graphs
        prepared = {}
        summary = []
        for c in cases:
            if only is not None and c["name"] not in only:
                continue
            if c["data"].startswith("shared:"):
                src = os.path.join(data_root, c["data"][len("shared:"):])
            else:
                src = os.path.join(HERE, c["data"])
            key = (src, c["delimiter"])
            if key not in prepared:
                dst = os.path.join(tmp, "d%03d.csv" % len(prepared))
                to_comma_csv(src, c["delimiter"], dst)
                prepared[key] = dst
            csv = prepared[key]
            res = {"name": c["name"], "test": c["test"]}
            graphs = {}
            if c["pcalg"]:
                out = os.path.join(tmp, "pcalg.json")
                if c["test"] == "fisherz":
                    cmd = [a.python, os.path.join(anchors, "ref_pc.py"), csv, "--alpha", repr(c["alpha"]),
                           "--sepset", "first", "--orient", "pcalg", "--out", out]
                    cmdline = "ref_pc.py DATA --alpha %r --sepset first --orient pcalg" % c["alpha"]
                elif c["test"] == "gsq":
                    cmd = [a.python, os.path.join(HERE, "ref_pc_discrete.py"), csv, "--alpha", repr(c["alpha"]),
                           "--anchors", anchors, "--out", out]
                    cmdline = "golden/pc/ref_pc_discrete.py DATA --alpha %r" % c["alpha"]
                else:
                    raise SystemExit("no pcalg reference for test %s" % c["test"])
                _, secs = run(cmd)
                g = clean_meta(graphjson.read(out), c, {"reference": "pcalg", "command": cmdline})
                graphjson.write(os.path.join(HERE, c["pcalg"]), g)
                graphs["pcalg"] = g
                res["pcalg_s"] = round(secs, 1)
            if c["causal_learn"]:
                out = os.path.join(tmp, "cl.json")
                cmd = [a.python, os.path.join(anchors, "run_pc_causallearn.py"), csv, "--alpha", repr(c["alpha"]),
                       "--test", c["test"], "--uc-priority", "2", "--out", out]
                cmdline = ("run_pc_causallearn.py DATA --alpha %r --test %s --uc-priority 2"
                           % (c["alpha"], c["test"]))
                _, secs = run(cmd)
                g = clean_meta(graphjson.read(out), c, {"reference": "causal-learn", "command": cmdline})
                graphjson.write(os.path.join(HERE, c["causal_learn"]), g)
                graphs["cl"] = g
                res["cl_s"] = round(secs, 1)
            if "pcalg" in graphs and "cl" in graphs:
                A, B = graphs["pcalg"], graphs["cl"]
                res["skeleton_equal"] = skel(A) == skel(B)
                res["skeleton_diff"] = len(skel(A) ^ skel(B))
                res["identical"] = marks(A) == marks(B)
            for k, g in graphs.items():
                res[k + "_edges"] = len(g["edges"])
            summary.append(res)
            print("graph %-28s %s" % (c["name"], json.dumps({k: v for k, v in res.items() if k != "name"})),
                  flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # 3. manifest
    write_json(os.path.join(HERE, "cases.json"), cases)

    # sanity: no absolute paths in what is committed
    for root, _, files in os.walk(HERE):
        for fn in files:
            if fn.endswith(".json") or fn.endswith(".txt"):
                with open(os.path.join(root, fn)) as f:
                    text = f.read()
                if any(s in text for s in (os.path.dirname(REPO) + os.sep, data_root, anchors, tmp, REPO)):
                    raise SystemExit("absolute path left in %s" % os.path.join(root, fn))

    kinds = {}
    for c in cases:
        k = "%s/%s" % (c["test"], "+".join(x for x in ("pcalg", "causal_learn") if c[x]))
        kinds[k] = kinds.get(k, 0) + 1
    print("\n%d cases: %s" % (len(cases), json.dumps(kinds)))
    diff = [r for r in summary if "identical" in r and not r["skeleton_equal"]]
    print("pcalg vs causal-learn: %d compared, %d identical, %d with different skeletons: %s"
          % (sum(1 for r in summary if "identical" in r), sum(1 for r in summary if r.get("identical")),
             len(diff), ", ".join("%s(%s %d)" % (r["name"], r["test"], r["skeleton_diff"]) for r in diff)))
    print("wall time %.0f s" % (time.perf_counter() - t_start))


if __name__ == "__main__":
    main()
