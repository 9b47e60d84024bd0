"""Regenerates the structural-causal-model golden cases: DoWhy gcm's answers on
the two root-cause data sets of ../shared/data/dowhy-rca, with fixed mechanisms
(empirical roots, additive-noise models with linear regression), so kausa's
`kausa fit --mechanisms linear` model is the same model.

Run from the repository root with a Python that has DoWhy 0.14:

    python3 -m venv .venv-dowhy && .venv-dowhy/bin/pip install dowhy==0.14
    .venv-dowhy/bin/python golden/scm/make_golden.py [DATA_DIR]

DATA_DIR defaults to ../shared/data. Writes golden/scm/supply_chain.json,
golden/scm/microservice.json and golden/scm/versions.txt. Monte-Carlo answers
are repeated under several seeds, so the files carry their spread.
"""
import gzip
import json
import os
import platform
import sys
import time
import warnings

import networkx as nx
import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
import dowhy  # noqa: E402
import dowhy.gcm as gcm  # noqa: E402
from dowhy.gcm.ml import create_linear_regressor  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "..", "shared", "data")
gcm.config.disable_progress_bars()


def linear_scm(graph):
    scm = gcm.InvertibleStructuralCausalModel(graph)
    for node in graph.nodes:
        if graph.in_degree(node) == 0:
            scm.set_causal_mechanism(node, gcm.EmpiricalDistribution())
        else:
            scm.set_causal_mechanism(node, gcm.AdditiveNoiseModel(create_linear_regressor()))
    return scm


def to_py(d):
    return {str(k): float(np.ravel(v)[0]) for k, v in d.items()}


def spread(runs):
    keys = runs[0].keys()
    return {k: {"runs": [r[k] for r in runs], "mean": float(np.mean([r[k] for r in runs])),
                "sd": float(np.std([r[k] for r in runs], ddof=1))} for k in keys}


def supply_chain():
    folder = os.path.join(DATA, "dowhy-rca", "supply-chain")
    data = pd.read_csv(os.path.join(folder, "supply_chain_week_over_week.csv"))
    edges = pd.read_csv(os.path.join(folder, "true_graph_edges.csv"))
    graph = nx.DiGraph(list(zip(edges.iloc[:, 0], edges.iloc[:, 1])))
    nodes = list(graph.nodes)
    w1 = data[data.week == "w1"][nodes].astype(float).reset_index(drop=True)
    w2 = data[data.week == "w2"][nodes].astype(float).reset_index(drop=True)
    out = {"observed_mean_change_received": float(w2.received.mean() - w1.received.mean())}
    gcm.util.general.set_random_seed(0)
    scm = linear_scm(graph)
    gcm.fit(scm, w1)
    diff = lambda a, b: np.mean(b) - np.mean(a)  # noqa: E731

    t = time.perf_counter()
    att, changed, _, _ = gcm.distribution_change(scm, w1, w2, "received", num_samples=2000,
                                                 difference_estimation_func=diff, return_additional_info=True)
    out["distribution_change"] = to_py(att)
    out["distribution_change_seconds"] = time.perf_counter() - t
    out["mechanism_changed"] = {str(k): bool(v) for k, v in changed.items()}
    print("distribution change", out["distribution_change"], out["mechanism_changed"], flush=True)

    median, interval = gcm.confidence_intervals(
        gcm.bootstrap_sampling(gcm.distribution_change, scm, w1, w2, "received", num_samples=2000,
                               difference_estimation_func=diff),
        confidence_level=0.95, num_bootstrap_resamples=10)
    out["distribution_change_bootstrap"] = {
        "note": "gcm.bootstrap_sampling: 10 reruns on the same data (Monte-Carlo spread only)",
        "median": to_py(median), "interval": {str(k): [float(x) for x in v] for k, v in interval.items()}}
    print("bootstrap", out["distribution_change_bootstrap"], flush=True)

    anomaly = w2.loc[[w2.received.idxmax()]]
    out["anomaly_row"] = {k: float(v) for k, v in anomaly.iloc[0].items()}
    runs = []
    for seed in range(5):
        gcm.util.general.set_random_seed(seed)
        runs.append(to_py(gcm.attribute_anomalies(scm, "received", anomaly_samples=anomaly)))
    out["anomaly_attribution"] = spread(runs)
    print("anomaly", out["anomaly_attribution"], flush=True)

    means = []
    for seed in range(3):
        gcm.util.general.set_random_seed(seed)
        means.append({
            "observational": float(gcm.draw_samples(scm, 100_000).received.mean()),
            "do_demand_plus_1": float(gcm.interventional_samples(
                scm, {"demand": lambda x: x + 1}, num_samples_to_draw=100_000).received.mean()),
            "do_constraint_0": float(gcm.interventional_samples(
                scm, {"constraint": lambda x: 0}, num_samples_to_draw=100_000).received.mean()),
        })
    out["interventional_mean_received"] = spread(means)
    cf = gcm.counterfactual_samples(scm, {"demand": lambda x: x - 1}, observed_data=anomaly)
    out["counterfactual_demand_minus_1"] = {k: float(v) for k, v in cf.iloc[0].items()}
    out["coefficients"] = {
        n: [float(c) for c in scm.causal_mechanism(n).prediction_model.sklearn_model.coef_] +
           [float(scm.causal_mechanism(n).prediction_model.sklearn_model.intercept_)]
        for n in nodes if graph.in_degree(n) > 0}
    out["arrow_strength"] = {f"{a}->{b}": float(v) for (a, b), v in gcm.arrow_strength(scm, "received").items()}
    gcm.util.general.set_random_seed(0)
    out["intrinsic_causal_influence"] = to_py(gcm.intrinsic_causal_influence(
        scm, "received", num_samples_randomization=250))
    print("arrow, icc", out["arrow_strength"], out["intrinsic_causal_influence"], flush=True)
    return out


def microservice():
    folder = os.path.join(DATA, "dowhy-rca", "microservice-latency")
    normal = pd.read_csv(os.path.join(folder, "rca_microservice_architecture_latencies.csv.gz"))
    anomaly = pd.read_csv(os.path.join(folder, "rca_microservice_architecture_anomaly.csv"))
    edges = pd.read_csv(os.path.join(folder, "true_graph_edges.csv"))
    graph = nx.DiGraph(list(zip(edges.iloc[:, 0], edges.iloc[:, 1])))
    gcm.util.general.set_random_seed(0)
    scm = linear_scm(graph)
    gcm.fit(scm, normal)
    runs = []
    for seed in range(5):
        gcm.util.general.set_random_seed(seed)
        runs.append(to_py(gcm.attribute_anomalies(scm, "Website", anomaly_samples=anomaly)))
    out = {"anomaly_attribution": spread(runs)}
    out["top_root_cause"] = max(out["anomaly_attribution"].items(), key=lambda kv: kv[1]["mean"])[0]
    print("microservice", out["top_root_cause"], flush=True)
    return out


def main():
    for name, fn in [("microservice", microservice), ("supply_chain", supply_chain)]:
        with open(os.path.join(HERE, f"{name}.json"), "w") as f:
            json.dump(fn(), f, indent=1, sort_keys=True)
    with open(os.path.join(HERE, "versions.txt"), "w") as f:
        f.write(f"python {platform.python_version()}\ndowhy {dowhy.__version__}\nnumpy {np.__version__}\n"
                f"pandas {pd.__version__}\n")


if __name__ == "__main__":
    main()
