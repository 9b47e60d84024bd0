#!/usr/bin/env python3
"""kausa PC vs causal-learn PC on the same generated data, in one run.

Run with the reference venv's python (it needs numpy and causal-learn):

  .venv-ref/bin/python bench/pc_bench.py                      # full grid
  .venv-ref/bin/python bench/pc_bench.py --quick --markdown   # p 50,100  n 1000
  .venv-ref/bin/python bench/pc_bench.py --p 100 --n 10000 --degree 4 --reps 5 \
      --threads 1,2 --timeout 300 --out results.json

Grid (default): p in 50,100,200,500 x n in 1000,10000 x average degree 2,4;
PC-stable, Fisher-z, alpha 0.01, data seed fixed (--seed).  Data files come
from <anchors>/gen_linear.py and are cached in bench/.data/ (git-ignored).

What is measured, per cell:
- kausa (`kausa discover DATA.csv --method pc --alpha A --test fisherz --threads T
  --json`, default --compat pcalg), --reps times per thread count, medians of:
  the internal correlation+search seconds (stats.seconds in its JSON), the
  internal total, and the wall time of the whole process (CSV read included).
- causal-learn (<anchors>/run_pc_causallearn.py, BLAS pinned to 1 thread), run
  once: `seconds` = pc() alone.  Killed after --timeout s ("> T s", no ratio).
  Cells the anchors README lists as > 300 s are skipped unless --force-reference.
- ratio = causal-learn pc() s / kausa correlation+search s (and / whole
  process s), kausa at the smallest --threads value.
- speedup xT = median internal total at the smallest thread count / at T.
- identical: kausa run once more with --compat causal-learn (not timed); yes
  when its edge set {(from, to, type)} equals causal-learn's exactly.
Figures for the repo go to BENCHMARKS.md (see bench/README.md).
"""
import argparse
import datetime
import itertools
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYMMETRIC = {"---", "<->", "o-o"}
# (p, n, degree) cells where the anchors README measured causal-learn at > 300 s.
SLOW_REFERENCE = {(500, 10000, 4)}


def ints(s):
    return [int(x) for x in s.split(",") if x.strip()]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--p", type=ints, help="variables, comma separated (default 50,100,200,500)")
    ap.add_argument("--n", type=ints, help="samples (default 1000,10000)")
    ap.add_argument("--degree", type=ints, help="average degree (default 2,4)")
    ap.add_argument("--quick", action="store_true", help="p 50,100 and n 1000 only")
    ap.add_argument("--reps", type=int, default=3, help="kausa repetitions per thread count (default 3)")
    ap.add_argument("--threads", type=ints, default=[1, 2], help="kausa thread counts (default 1,2)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per process (default 300)")
    ap.add_argument("--alpha", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=1, help="data seed (default 1)")
    ap.add_argument("--kausa", default=os.path.join(ROOT, "target", "release", "kausa"))
    ap.add_argument("--anchors", default="/work/shared/anchors", help="dir with gen_linear.py etc.")
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "bench", ".data"))
    ap.add_argument("--out", help="write all results as JSON here")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table for BENCHMARKS.md")
    ap.add_argument("--skip-reference", action="store_true", help="do not run causal-learn")
    ap.add_argument("--force-reference", action="store_true", help="run causal-learn on known-slow cells too")
    a = ap.parse_args()
    a.p = a.p or ([50, 100] if a.quick else [50, 100, 200, 500])
    a.n = a.n or ([1000] if a.quick else [1000, 10000])
    a.degree = a.degree or [2, 4]
    a.threads = sorted(set(a.threads))
    return a


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    except OSError:
        pass
    return {"nproc": len(os.sched_getaffinity(0)), "cpu": model, "os": platform.platform(),
            "python": platform.python_version()}


def dataset(a, p, n, deg):
    """Path of the cached data file for a cell, generating it if missing."""
    d = os.path.join(a.data_dir, "p%d_n%d_d%d_s%d" % (p, n, deg, a.seed))
    path = os.path.join(d, "data.csv")
    if not os.path.exists(path):
        log("generating %s" % d)
        subprocess.run([sys.executable, os.path.join(a.anchors, "gen_linear.py"), "--p", str(p), "--n", str(n),
                        "--degree", str(deg), "--seed", str(a.seed), "--out", d],
                       check=True, stdout=subprocess.DEVNULL)
    return path


def edge_set(g):
    """{(from, to, type)} with symmetric edges put in node order."""
    idx = {v: i for i, v in enumerate(g["nodes"])}
    out = set()
    for e in g["edges"]:
        x, y, t = e["from"], e["to"], e["type"]
        if t == "<--":
            x, y, t = y, x, "-->"
        if t in SYMMETRIC and idx[x] > idx[y]:
            x, y = y, x
        out.add((x, y, t))
    return out


def run_kausa(a, data, threads, compat=None):
    """One kausa run: (parsed JSON, wall seconds); raises RuntimeError on failure."""
    cmd = [a.kausa, "discover", data, "--method", "pc", "--alpha", str(a.alpha), "--test", "fisherz",
           "--threads", str(threads), "--json"] + (["--compat", compat] if compat else [])
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError("timeout > %g s" % a.timeout)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError("exit %d: %s" % (r.returncode, r.stderr.strip()[-300:]))
    return json.loads(r.stdout), wall


def bench_kausa(a, data):
    """{threads: {medians...}} over a.reps runs per thread count."""
    res = {}
    for t in a.threads:
        runs = [run_kausa(a, data, t) for _ in range(a.reps)]
        secs = [j["stats"]["seconds"] for j, _ in runs]
        res[t] = {"corr_search": statistics.median(s["correlation"] + s["search"] for s in secs),
                  "total": statistics.median(s["total"] for s in secs),
                  "read": statistics.median(s["read"] for s in secs),
                  "process": statistics.median(w for _, w in runs),
                  "ci_tests": runs[0][0]["stats"].get("ci_tests"),
                  "edges": len(runs[0][0]["graph"]["edges"])}
    return res


def run_reference(a, data, tmpdir):
    """causal-learn once: dict with seconds/ci_calls/graph, or {"timeout": True} / {"error": ...}."""
    out = os.path.join(tmpdir, "cl.json")
    env = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[v] = "1"
    cmd = [sys.executable, os.path.join(a.anchors, "run_pc_causallearn.py"), data, "--alpha", str(a.alpha),
           "--test", "fisherz", "--out", out]
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    wall = time.perf_counter() - t0
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if r.returncode != 0 or line is None:
        return {"error": "exit %d: %s" % (r.returncode, r.stderr.strip()[-300:])}
    res = json.loads(line[len("RESULT "):])
    with open(out) as f:
        graph = json.load(f)
    return {"seconds": res["seconds"], "process": wall, "ci_calls": res.get("ci_calls"),
            "ci_unique": res.get("ci_unique"), "edges": res.get("edges"), "version": res.get("version"),
            "graph": graph}


def bench_cell(a, p, n, deg):
    cell = {"p": p, "n": n, "degree": deg}
    data = dataset(a, p, n, deg)
    log("cell p=%d n=%d degree=%d: kausa x%d, threads %s" % (p, n, deg, a.reps, a.threads))
    try:
        cell["kausa"] = bench_kausa(a, data)
    except (RuntimeError, ValueError, KeyError) as e:
        cell["kausa_error"] = str(e)
        log("  kausa failed: %s" % e)
    if a.skip_reference:
        return cell
    if (p, n, deg) in SLOW_REFERENCE and not a.force_reference:
        cell["reference"] = {"skipped": True}
        return cell
    log("  causal-learn (timeout %g s)" % a.timeout)
    with tempfile.TemporaryDirectory() as tmp:
        ref = run_reference(a, data, tmp)
    cell["reference"] = ref
    if "graph" in ref and "kausa" in cell:
        try:
            g, _ = run_kausa(a, data, a.threads[-1], compat="causal-learn")
            ks, cs = edge_set(g["graph"]), edge_set(ref["graph"])
            cell["identical"] = ks == cs
            cell["edges_differing"] = len(ks ^ cs)
        except (RuntimeError, ValueError, KeyError) as e:
            cell["identical_error"] = str(e)
    ref.pop("graph", None)  # keep --out small
    return cell


def fmt_s(x):
    return "%.3g" % x if x < 100 else "%.0f" % x


def rows(a, cells):
    base = a.threads[0]
    head = ["p", "n", "deg", "threads", "kausa corr+search s", "kausa process s", "causal-learn pc() s",
            "ratio corr+search", "ratio process"] + ["speedup x%d" % t for t in a.threads[1:]] + ["identical"]
    body = []
    for c in cells:
        k = c.get("kausa", {}).get(base)
        ref = c.get("reference", {})
        r = [str(c["p"]), str(c["n"]), str(c["degree"]), ",".join(map(str, a.threads))]
        r += [fmt_s(k["corr_search"]), fmt_s(k["process"])] if k else ["error", "error"]
        if "seconds" in ref:
            r.append(fmt_s(ref["seconds"]))
            r += ["%.0fx" % (ref["seconds"] / k[x]) if k and k[x] > 0 else "-" for x in ("corr_search", "process")]
        else:
            r.append("> %g s" % a.timeout if ref.get("timeout") else "skipped (> 300 s)" if ref.get("skipped")
                     else "not run" if a.skip_reference else "error")
            r += ["-", "-"]
        for t in a.threads[1:]:
            kt = c.get("kausa", {}).get(t)
            r.append("%.2f" % (k["total"] / kt["total"]) if k and kt and kt["total"] > 0 else "-")
        r.append({True: "yes", False: "no (%s edges)" % c.get("edges_differing")}.get(c.get("identical"), "-"))
        body.append(r)
    return head, body


def print_table(head, body, markdown):
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---:" if i < len(head) - 1 else "---" for i in range(len(head))) + "|")
        for r in body:
            print("| " + " | ".join(r) + " |")
        return
    w = [max(len(x) for x in col) for col in zip(head, *body)]
    for r in [head] + body:
        print("  ".join(x.rjust(wi) for x, wi in zip(r, w)))


def main():
    a = parse_args()
    if not (os.path.isfile(a.kausa) and os.access(a.kausa, os.X_OK)):
        sys.exit("kausa binary not found at %s (cargo build --release, or pass --kausa)" % a.kausa)
    info = {"command": shlex.join([sys.executable] + sys.argv), "machine": machine(),
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "kausa": a.kausa, "alpha": a.alpha, "test": "fisherz", "seed": a.seed, "reps": a.reps,
            "threads": a.threads, "timeout": a.timeout}
    try:
        info["kausa_version"] = subprocess.run([a.kausa, "--version"], capture_output=True, text=True,
                                               timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    cells = [bench_cell(a, p, n, d) for p, n, d in itertools.product(a.p, a.n, a.degree)]
    versions = {c["reference"]["version"] for c in cells if c.get("reference", {}).get("version")}
    info["causal_learn_version"] = ",".join(sorted(versions)) or None
    head, body = rows(a, cells)
    m = info["machine"]
    print("command: %s" % info["command"])
    print("machine: %d CPUs, %s (%s)" % (m["nproc"], m["cpu"], m["os"]))
    print("date: %s; kausa: %s; causal-learn %s" % (info["date"], info.get("kausa_version") or a.kausa,
                                                     info["causal_learn_version"] or "-"))
    print("PC-stable Fisher-z alpha %g, seed %d; kausa medians of %d runs at %d thread(s), causal-learn once "
          "(BLAS 1 thread); ratio = causal-learn pc() s / kausa s\n"
          % (a.alpha, a.seed, a.reps, a.threads[0]))
    print_table(head, body, a.markdown)
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"info": info, "cells": cells}, f, indent=1)
            f.write("\n")
        log("wrote %s" % a.out)


if __name__ == "__main__":
    main()
