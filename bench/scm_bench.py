#!/usr/bin/env python3
"""kausa's structural causal models against DoWhy gcm and antecedent, workload A of
../shared/anchors/inference/results.md (the supply-chain root-cause example,
`linear` variant), in one run.

  python3 -m venv .venv-dowhy && .venv-dowhy/bin/pip install dowhy==0.14
  python3 -m venv .venv-ant && .venv-ant/bin/pip install antecedent==2.4.1
  cargo build --release && cargo build --release --example scm_timing
  .venv-dowhy/bin/python bench/scm_bench.py --n 1000,100000 [--ant-python .venv-ant/bin/python] [--reps 3]

Data: the notebook's generator as the anchors' bench_supply_chain.py writes it
(np.random.default_rng(10); week 1 then week 2, n rows each, rounded), in
bench/.data/scm/. The anomalous row is week 2's row with the largest `received`.

kausa (whole process, reading the CSV or model file included, median of --reps, 2 threads):
  fit --mechanisms linear; sample 100k rows under --shift demand+1, --do constraint=0 and
  without intervention (--json: a summary of each column, no rows written); attribute change (mechanism-change tests,
  20,000 draws per coalition) without and with 100 bootstrap refits; attribute anomaly
  for the one row (3,000 draws, Shapley over the 5 nodes); counterfactual --shift demand-1
  for that row and for the first 1,000 rows of week 1; attribute arrows and intrinsic;
  effect do(demand=5) vs do(demand=4) with 100 bootstrap refits on the training rows.
kausa in-process: the same library calls timed inside one process by the example
  crates/kausa-scm/examples/scm_timing.rs (median of --reps; data already in memory),
  like for like with the in-process DoWhy and antecedent calls. Ratios use this column.
DoWhy (in process, the same calls as the anchors' script, once each; --no-dowhy skips it).
antecedent (with --ant-python): fit_gcm(candidates=["linear"]) on week 1; sample_do 100k;
attribute_distribution_change(n_samples=2000) on the stacked weeks (refits inside);
anomaly_attribution (IT scores of every row, no per-node attribution);
counterfactual_ite(demand, received, -1, 0) (every training row); attribute_intrinsic_influence;
median of --reps.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODES = ["demand", "constraint", "submitted", "confirmed", "received"]
EDGES = [("demand", "submitted"), ("constraint", "submitted"), ("submitted", "confirmed"), ("confirmed", "received")]


def buying_data(rng, n, alpha, beta, demand_mean):
    constraint = rng.gamma(1, scale=1, size=n)
    demand = rng.gamma(demand_mean, scale=1, size=n)
    submitted = demand - constraint + rng.gamma(1, scale=1, size=n)
    confirmed = alpha * submitted + rng.gamma(0.1, scale=1, size=n)
    received = beta * confirmed + rng.gamma(0.1, scale=1, size=n)
    return pd.DataFrame(dict(demand=np.round(demand), constraint=np.round(constraint), submitted=np.round(submitted),
                             confirmed=np.round(confirmed), received=np.round(received)))


def make_data(n):
    folder = os.path.join(ROOT, "bench", ".data", "scm", f"n{n}")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(10)
    w1 = buying_data(rng, n, 1, 1, 2)
    w2 = buying_data(rng, n, 2, 1, 4)
    paths = {k: os.path.join(folder, f"{k}.csv") for k in ["w1", "w2", "row", "rows1000", "graph"]}
    w1.to_csv(paths["w1"], index=False)
    w2.to_csv(paths["w2"], index=False)
    w2.loc[[w2.received.idxmax()]].to_csv(paths["row"], index=False)
    w1.iloc[:1000].to_csv(paths["rows1000"], index=False)
    pd.DataFrame(EDGES, columns=["cause", "effect"]).to_csv(paths["graph"], index=False)
    return w1, w2, paths


def run_kausa(binary, args, reps):
    walls, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        p = subprocess.run([binary, *args], capture_output=True, text=True)
        walls.append(time.perf_counter() - t0)
        if p.returncode != 0:
            sys.exit(f"kausa {' '.join(args)} failed: {p.stderr}")
        out = p.stdout
    return statistics.median(walls), out


def kausa_steps(binary, paths, reps, threads, tmp):
    model = os.path.join(tmp, "model.kausa")
    t = ["--threads", str(threads)]
    steps = {}
    steps["A1 fit"], _ = run_kausa(binary, ["fit", "--graph", paths["graph"], "--data", paths["w1"], "--out", model,
                                            "--mechanisms", "linear", "--json", *t], reps)
    for name, extra in [("A2 100k interventional, soft", ["--shift", "demand+1"]),
                        ("A3 100k interventional, atomic", ["--do", "constraint=0"]), ("A4 100k observational", [])]:
        steps[name], _ = run_kausa(binary, ["sample", model, "--n", "100000", "--json", *extra, *t], reps)
    change = ["attribute", "change", model, "--target", "received", "--before", paths["w1"], "--after", paths["w2"],
              "--json", *t]
    steps["A5 distribution change + tests"], text = run_kausa(binary, [*change, "--bootstrap", "0"], reps)
    steps["A5b + 100 bootstrap refits"], text_b = run_kausa(binary, change, reps)
    steps["A6 anomaly attribution, 1 row"], text_a = run_kausa(
        binary, ["attribute", "anomaly", model, "--target", "received", "--rows", paths["row"], "--json", *t], reps)
    cf = ["counterfactual", model, "--shift", "demand-1", "--out", os.path.join(tmp, "cf.csv")]
    steps["A7 counterfactual, 1 row"], _ = run_kausa(binary, [*cf, "--rows", paths["row"]], reps)
    steps["A8 counterfactual, 1000 rows"], _ = run_kausa(binary, [*cf, "--rows", paths["rows1000"]], reps)
    for name, kind in [("A9 arrow strength", "arrows"), ("A10 intrinsic causal influence", "intrinsic")]:
        steps[name], _ = run_kausa(binary, ["attribute", kind, model, "--target", "received", "--json", *t], reps)
    steps["effect + 100 bootstrap refits"], text_e = run_kausa(
        binary, ["effect", model, "--do", "demand=5", "--vs", "demand=4", "--target", "received", "--data", paths["w1"],
                 "--json", *t], reps)
    answers = {"change": json.loads(text_b), "anomaly": json.loads(text_a), "effect": json.loads(text_e),
               "model_bytes": os.path.getsize(model)}
    return steps, answers


def dowhy_steps(w1, w2, anomaly, rows1000):
    import networkx as nx
    import dowhy.gcm as gcm
    from dowhy.gcm.ml import create_linear_regressor
    gcm.config.disable_progress_bars()
    gcm.util.general.set_random_seed(10)
    scm = gcm.InvertibleStructuralCausalModel(nx.DiGraph(EDGES))
    for n in ["demand", "constraint"]:
        scm.set_causal_mechanism(n, gcm.EmpiricalDistribution())
    for n in ["submitted", "confirmed", "received"]:
        scm.set_causal_mechanism(n, gcm.AdditiveNoiseModel(create_linear_regressor()))
    steps, answers = {}, {}

    def timed(name, f):
        t0 = time.perf_counter()
        out = f()
        steps[name] = time.perf_counter() - t0
        return out

    timed("A1 fit", lambda: gcm.fit(scm, w1))
    timed("A2 100k interventional, soft",
          lambda: gcm.interventional_samples(scm, {"demand": lambda x: x + 1}, num_samples_to_draw=100_000))
    timed("A3 100k interventional, atomic",
          lambda: gcm.interventional_samples(scm, {"constraint": lambda x: 0}, num_samples_to_draw=100_000))
    timed("A4 100k observational", lambda: gcm.draw_samples(scm, 100_000))
    answers["change"] = timed("A5 distribution change + tests", lambda: gcm.distribution_change(
        scm, w1, w2, "received", num_samples=2000, difference_estimation_func=lambda a, b: np.mean(b) - np.mean(a)))
    answers["anomaly"] = timed("A6 anomaly attribution, 1 row",
                               lambda: gcm.attribute_anomalies(scm, "received", anomaly_samples=anomaly))
    timed("A7 counterfactual, 1 row",
          lambda: gcm.counterfactual_samples(scm, {"demand": lambda x: x - 1}, observed_data=anomaly))
    timed("A8 counterfactual, 1000 rows",
          lambda: gcm.counterfactual_samples(scm, {"demand": lambda x: x - 1}, observed_data=rows1000))
    timed("A9 arrow strength", lambda: gcm.arrow_strength(scm, "received"))
    timed("A10 intrinsic causal influence",
          lambda: gcm.intrinsic_causal_influence(scm, "received", num_samples_randomization=250))
    return steps, {k: {n: float(np.ravel(v)[0]) for n, v in d.items()} for k, d in answers.items()}


ANT_SCRIPT = r"""
import json, statistics, sys, time
import numpy as np, pandas as pd
from antecedent import _native
w1, w2, reps = pd.read_csv(sys.argv[1]), pd.read_csv(sys.argv[2]), int(sys.argv[3])
names = ["demand", "constraint", "submitted", "confirmed", "received"]
edges = [("demand", "submitted"), ("constraint", "submitted"), ("submitted", "confirmed"), ("confirmed", "received")]
stacked = pd.concat([w1, w2], ignore_index=True)
n = len(w1)
steps, answers = {}, {}
def timed(name, f):
    secs, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter(); out = f(); secs.append(time.perf_counter() - t0)
    steps[name] = statistics.median(secs)
    return out
cols = lambda df: [df[c].to_numpy(dtype=float) for c in names]
g = timed("A1 fit", lambda: _native.fit_gcm(names, cols(w1), edges, threads=1, candidates=["linear"]))
timed("A2 100k interventional, soft", lambda: g.sample_do({}, 100000, shifts={"demand": 1.0}, seed=0, threads=1))
timed("A3 100k interventional, atomic", lambda: g.sample_do({"constraint": 0.0}, 100000, seed=0, threads=1))
timed("A4 100k observational", lambda: g.sample_do({}, 100000, seed=0, threads=1))
gs = _native.fit_gcm(names, cols(stacked), edges, threads=1, candidates=["linear"])
timed("A5 distribution change + tests",
      lambda: _native.fit_gcm(names, cols(stacked), edges, threads=1, candidates=["linear"])
      .attribute_distribution_change("received", 0, n, n, 2 * n, n_samples=2000, seed=0, threads=1))
timed("A6 anomaly attribution, 1 row", lambda: gs.anomaly_attribution(["received"]))
timed("A8 counterfactual, 1000 rows", lambda: g.counterfactual_ite("demand", "received", -1.0, 0.0, seed=0, threads=1))
timed("A10 intrinsic causal influence", lambda: g.attribute_intrinsic_influence("received", independent_noise=True, seed=0, threads=1))
print(json.dumps({"steps": steps}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="1000,100000", help="rows per week, comma-separated")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--kausa", default=os.path.join(ROOT, "target", "release", "kausa"))
    ap.add_argument("--timing", default=os.path.join(ROOT, "target", "release", "examples", "scm_timing"),
                    help="the in-process timing example (cargo build --release --example scm_timing)")
    ap.add_argument("--ant-python", default=None)
    ap.add_argument("--no-dowhy", action="store_true")
    args = ap.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} · {os.cpu_count()} cores · load {os.getloadavg()[0]:.2f} · "
          f"command: {' '.join(sys.argv)}")
    for n in [int(x) for x in args.n.split(",")]:
        w1, w2, paths = make_data(n)
        with tempfile.TemporaryDirectory() as tmp:
            k, kans = kausa_steps(args.kausa, paths, args.reps, args.threads, tmp)
        d, dans = ({}, {}) if args.no_dowhy else dowhy_steps(w1, w2, pd.read_csv(paths["row"]), w1.iloc[:1000])
        p = subprocess.run([args.timing, paths["w1"], paths["w2"], paths["row"], str(args.reps), str(args.threads)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"scm_timing failed: {p.stderr}")
        lib = json.loads(p.stdout)
        a = {}
        if args.ant_python:
            p = subprocess.run([args.ant_python, "-c", ANT_SCRIPT, paths["w1"], paths["w2"], str(args.reps)],
                               capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"antecedent failed: {p.stderr}")
            a = json.loads(p.stdout.strip().splitlines()[-1])["steps"]
        print(f"\n## n = {n} rows per week (model file {kans['model_bytes'] / 1e6:.2f} MB)\n")
        print("| step | kausa process s | kausa in-process s | antecedent s | DoWhy s | DoWhy / kausa | "
              "antecedent / kausa |")
        print("|---|---|---|---|---|---|---|")
        fmt = lambda v: (f"{v:.4f}" if v >= 1e-4 else f"{v:.1e}") if v is not None else "—"  # noqa: E731
        ratio = lambda x, y: (f"{x / y:.0f}×" if x / y >= 10 else f"{x / y:.2f}×") if x is not None and y else "—"  # noqa: E731
        for step, ks in k.items():
            ds, ans, ls = d.get(step), a.get(step), lib.get(step)
            print(f"| {step} | {fmt(ks)} | {fmt(ls)} | {fmt(ans)} | {fmt(ds)} | {ratio(ds, ls)} | {ratio(ans, ls)} |")
        sort = (f"sorting one column of {n:,} values (integer keys, as fit sorts them for its quantile summary) "
                f"{lib['floor: sort one column'] * 1e3:.3f} ms" if n > 10_000
                else "no quantile summary below 10,000 values, so no sort")
        print(f"\nFloors (in process, one thread): 500,000 uniforms from kausa's generator "
              f"{lib['floor: 500,000 uniforms'] * 1e3:.2f} ms; {sort}.")
        ch = {x["node"]: x for x in kans["change"]["nodes"]}
        print("\nAnswers: distribution change (kausa [95% bootstrap] · DoWhy): " + "; ".join(
            f"{node} {ch[node]['attribution']:.3f} [{ch[node]['interval'][0]:.3f}, {ch[node]['interval'][1]:.3f}]"
            + (f" · {dans['change'][node]:.3f}" if dans else "") for node in NODES))
        print("Changed mechanisms (kausa): " + ", ".join(n for n in NODES if ch[n]["mechanism_changed"]))
        an = kans["anomaly"]["rows"][0]
        print(f"Anomaly score {an['score']:.2f}; attribution (kausa · DoWhy): " + "; ".join(
            f"{node} {an['contributions'][node]:.2f}" + (f" · {dans['anomaly'][node]:.2f}" if dans else "")
            for node in NODES))
        e = kans["effect"]
        print(f"Effect do(demand=5) − do(demand=4) on received: {e['effect']:.4f} "
              f"[{e['interval'][0]:.4f}, {e['interval'][1]:.4f}]")


if __name__ == "__main__":
    main()
