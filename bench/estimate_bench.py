#!/usr/bin/env python3
"""kausa estimate against DoWhy on DoWhy's own linear data set (100,000 rows), in one run.

  python3 -m venv .venv-dowhy && .venv-dowhy/bin/pip install dowhy==0.14
  .venv-dowhy/bin/python bench/estimate_bench.py [--n 100000] [--ci-sims 20] [--reps 3]

Data: dowhy.datasets.linear_dataset(beta=10, num_common_causes=5, num_instruments=2,
num_effect_modifiers=1, treatment_is_binary=True), np.random.seed(0) (the DoWhy
README example, as ../shared/anchors/inference/bench_ate.py makes it), written to
bench/.data/ate/ with DoWhy's GML graph.

DoWhy steps (in process, median of --reps unless noted): backdoor.linear_regression;
the same with confidence_intervals=True, which bootstraps because of the effect
modifier (--ci-sims resamples, timed once; the 399-resample default is extrapolated
linearly and marked so); placebo_treatment_refuter and random_common_cause with 10
simulations each (timed once).
EconML (with --econml): DML with GradientBoostingRegressor nuisances, LassoCV final
model and PolynomialFeatures(1) on the effect modifier (the DoWhy docs' configuration,
EconML's default 2 folds), fit + ate, timed once.
kausa steps (whole process, CSV reading included, median of --reps, 2 threads):
`estimate --compat dowhy --no-refute`; the same with `--bootstrap 399`; and with the
DoWhy's two refuters at 10 simulations each (`--refute-sims 10 --refuters placebo,random-common-cause`),
timed by kausa itself (`refute_seconds`);
`--method dml --learner gbt` (gradient-boosted nuisances, 5 folds).
antecedent (with --ant-python): `analyze(df, query=AverageEffect("v0", "y"), graph=gml edges,
estimator=estimators.LinearAdjustment(bootstrap=None | 399), threads=2, refute="none")`, whole call, once each.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import dowhy  # noqa: E402
import dowhy.datasets  # noqa: E402
import pandas as pd  # noqa: E402
from dowhy import CausalModel  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def binary_draw(x, stochastic=True):
    # DoWhy 0.14 + NumPy 2.4: the same draw as DoWhy's convert_to_binary, as a scalar.
    p = dowhy.datasets.sigmoid(x)
    return int(np.random.choice([0, 1], 1, p=[1 - p, p])[0]) if stochastic else int(p > 0.5)


def timed(f, reps):
    out, secs = None, []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        secs.append(time.perf_counter() - t0)
    return out, statistics.median(secs)


def kausa(args, reps, exe):
    secs, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        r = subprocess.run([exe, "estimate"] + args + ["--json", "--threads", "2"], capture_output=True, text=True, check=True)
        secs.append(time.perf_counter() - t0)
        out = json.loads(r.stdout)
    return out, statistics.median(secs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--ci-sims", type=int, default=20)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--kausa", default=os.path.join(ROOT, "target", "release", "kausa"))
    ap.add_argument("--econml", action="store_true", help="also time EconML's DML with boosted nuisances (about a minute)")
    ap.add_argument("--ant-python", default=None, help="a Python with antecedent and pandas: time its linear adjustment")
    a = ap.parse_args()
    d = os.path.join(ROOT, "bench", ".data", "ate")
    os.makedirs(d, exist_ok=True)
    csv, gml = os.path.join(d, "ate_n%d_s0.csv" % a.n), os.path.join(d, "ate_n%d_s0.gml" % a.n)
    dowhy.datasets.convert_to_binary = binary_draw
    np.random.seed(0)
    ds = dowhy.datasets.linear_dataset(beta=10, num_common_causes=5, num_instruments=2, num_effect_modifiers=1,
                                       num_samples=a.n, treatment_is_binary=True)
    if not os.path.exists(csv):
        ds["df"].to_csv(csv, index=False)
        with open(gml, "w") as f:
            f.write(ds["gml_graph"])
    df = pd.read_csv(csv)
    truth = float(ds["ate"])
    model = CausalModel(data=df, treatment="v0", outcome="y", graph=open(gml).read())
    est = model.identify_effect(proceed_when_unidentifiable=True)
    lr, t_lr = timed(lambda: model.estimate_effect(est, method_name="backdoor.linear_regression"), a.reps)
    ci, t_ci = timed(lambda: model.estimate_effect(est, method_name="backdoor.linear_regression", confidence_intervals=True,
                                                   method_params={"num_simulations": a.ci_sims}), 1)
    _, t_placebo = timed(lambda: model.refute_estimate(est, lr, method_name="placebo_treatment_refuter",
                                                       placebo_type="permute", num_simulations=10), 1)
    _, t_rcc = timed(lambda: model.refute_estimate(est, lr, method_name="random_common_cause", num_simulations=10), 1)
    base = ["--graph", gml, "--data", csv, "--treatment", "v0", "--outcome", "y", "--compat", "dowhy"]
    k_lr, tk_lr = kausa(base + ["--no-refute"], a.reps, a.kausa)
    k_boot, tk_boot = kausa(base + ["--no-refute", "--bootstrap", "399"], a.reps, a.kausa)
    k_ref, tk_ref = kausa(base + ["--refute-sims", "10", "--refuters", "placebo,random-common-cause"], a.reps, a.kausa)
    t_boot399 = t_ci * 399 / a.ci_sims
    k_dml, tk_dml = kausa(base[:-2] + ["--method", "dml", "--learner", "gbt", "--no-refute"], 1, a.kausa)
    econ = None
    if a.econml:
        from econml.dml import DML
        from sklearn.ensemble import GradientBoostingRegressor
        from sklearn.linear_model import LassoCV
        from sklearn.preprocessing import PolynomialFeatures
        w_cols = ["W0", "W1", "W2", "W3", "W4"]
        t0 = time.perf_counter()
        est_e = DML(model_y=GradientBoostingRegressor(), model_t=GradientBoostingRegressor(),
                    model_final=LassoCV(fit_intercept=False), featurizer=PolynomialFeatures(1, include_bias=False),
                    random_state=0)
        est_e.fit(df["y"], df["v0"].astype(float), X=df[["X0"]], W=df[w_cols])
        econ = (float(est_e.ate(X=df[["X0"]])), time.perf_counter() - t0)
    print("| step | DoWhy s | kausa s | ratio | DoWhy value | kausa value |")
    print("|---|---:|---:|---:|---|---|")
    print("| linear adjustment, point estimate and analytic interval | %.3g | %.3g | %.0fx | %.6f | %.6f [%.4f, %.4f] |"
          % (t_lr, tk_lr, t_lr / tk_lr, float(lr.value), k_lr["effect"], *k_lr["interval"]))
    print("| + bootstrap interval, 399 resamples | %.3g (%d timed, x%.1f) | %.3g | %.0fx | [%.4f, %.4f] (%d resamples) | [%.4f, %.4f] |"
          % (t_boot399, a.ci_sims, 399 / a.ci_sims, tk_boot, t_boot399 / tk_boot,
             *np.asarray(ci.get_confidence_intervals()).ravel().tolist(), a.ci_sims, *k_boot["bootstrap"]["interval"]))
    refute_k = k_ref["refute_seconds"]
    print("| refuters, 10 simulations each: placebo treatment + random common cause | %.3g | %.3g | %.0fx | | %s |"
          % (t_placebo + t_rcc, refute_k, (t_placebo + t_rcc) / refute_k,
             ", ".join("%s %s" % (r["name"], "pass" if r["passed"] else "FAIL") for r in k_ref["refutations"])))
    if a.ant_python:
        script = (
            "import sys, time, pandas as pd, antecedent\n"
            "from antecedent import estimators, AverageEffect\n"
            "df = pd.read_csv(sys.argv[1]); df['v0'] = df['v0'].astype(float)\n"
            "edges = [tuple(e) for e in __import__('json').loads(sys.argv[2])]\n"
            "for b in (None, 399):\n"
            "    t0 = time.perf_counter()\n"
            "    r = antecedent.analyze(df, query=AverageEffect('v0', 'y'), graph=edges, seed=0, threads=2, refute='none',\n"
            "                           estimator=estimators.LinearAdjustment(bootstrap=b))\n"
            "    print('RESULT', b, time.perf_counter() - t0, r)\n")
        import re
        gml_text = open(gml).read()
        edges = re.findall(r'source "([^"]+)" target "([^"]+)"', gml_text)
        r = subprocess.run([a.ant_python, "-c", script, csv, json.dumps(edges)], capture_output=True, text=True, timeout=600)
        lines = [l for l in r.stdout.splitlines() if l.startswith("RESULT")]
        if len(lines) == 2:
            t_a = [float(l.split()[2]) for l in lines]
            print("| antecedent 2.4 `analyze` LinearAdjustment, 2 threads: point / with 399 bootstrap resamples "
                  "(antecedent in the reference column) | %.3g / %.3g | %.3g / %.3g | %.1fx / %.1fx | | |"
                  % (t_a[0], t_a[1], tk_lr, tk_boot, t_a[0] / tk_lr, t_a[1] / tk_boot))
        else:
            print("antecedent did not run: " + (r.stderr or r.stdout)[-400:], file=sys.stderr)
    if econ:
        print("| DML, gradient-boosted nuisances (EconML: its default 2 folds; kausa: 5 folds) | %.3g | %.3g | %.0fx | %.4f (EconML) | %.4f ± %.4f |"
              % (econ[1], tk_dml, econ[1] / tk_dml, econ[0], k_dml["effect"], k_dml["se"]))
    print("\ntrue effect %.6f; DoWhy %s, numpy %s" % (truth, dowhy.__version__, np.__version__))
    print("kausa and DoWhy point estimates differ by %.1e" % abs(k_lr["effect"] - float(lr.value)), file=sys.stderr)


if __name__ == "__main__":
    main()
