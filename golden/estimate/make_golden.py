"""Regenerates the effect-estimation golden cases: DoWhy's linear data set (the
example of DoWhy's README) and DoWhy's `backdoor.linear_regression` estimate on it.

Run from the repository root with a Python that has DoWhy 0.14 and DoubleML 0.11:

    python3 -m venv .venv-dowhy && .venv-dowhy/bin/pip install dowhy==0.14 doubleml==0.11.4
    .venv-dowhy/bin/python golden/estimate/make_golden.py

For each case writes golden/estimate/<case>.csv.gz (the rows, at full
precision), <case>.gml (DoWhy's graph) and <case>.json (DoWhy's estimate, its
analytic interval where DoWhy has one, the true effect, and DoubleML's partially
linear and (binary treatment) interactive estimates with linear learners, 5 folds,
on kausa's default adjustment set W0..W4 and the effect modifiers), and versions.txt.
"""
import gzip
import io
import json
import os
import platform
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import dowhy  # noqa: E402
import dowhy.datasets  # noqa: E402
from dowhy import CausalModel  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    # name, rows, seed, binary treatment, effect modifiers, beta, common causes, instruments
    ("dowhy_linear_binary_n1000_s0", 1000, 0, True, 1, 10, 5, 2),
    ("dowhy_linear_binary_n1000_s1", 1000, 1, True, 1, 10, 5, 2),
    ("dowhy_linear_continuous_n1000_s2", 1000, 2, False, 0, 10, 5, 2),
    # Good overlap: with beta = 1 DoWhy draws the confounders' effects on the treatment
    # from (0, 1) instead of (0, 5.5), so no propensity is extreme and every estimator,
    # weighting ones included, should cover the truth.
    ("dowhy_linear_binary_overlap_n2000_s3", 2000, 3, True, 0, 1, 2, 1),
]


def binary_draw(x, stochastic=True):
    # DoWhy 0.14's convert_to_binary returns a 1-element array, which NumPy 2.4 refuses
    # to put in a scalar slot; the same draw (one uniform per unit), as a scalar.
    p = dowhy.datasets.sigmoid(x)
    return int(np.random.choice([0, 1], 1, p=[1 - p, p])[0]) if stochastic else int(p > 0.5)


def main():
    dowhy.datasets.convert_to_binary = binary_draw
    for name, n, seed, binary, modifiers, beta, causes, instruments in CASES:
        np.random.seed(seed)
        ds = dowhy.datasets.linear_dataset(beta=beta, num_common_causes=causes, num_instruments=instruments,
                                           num_effect_modifiers=modifiers, num_samples=n,
                                           treatment_is_binary=binary)
        df = ds["df"]
        # mtime=0: the same rows give the same bytes.
        with gzip.GzipFile(os.path.join(HERE, name + ".csv.gz"), "wb", mtime=0) as raw, \
                io.TextIOWrapper(raw, encoding="utf-8") as f:
            df.to_csv(f, index=False)
        with open(os.path.join(HERE, name + ".gml"), "w") as f:
            f.write(ds["gml_graph"])
        model = CausalModel(data=df, treatment=ds["treatment_name"], outcome=ds["outcome_name"],
                            graph=ds["gml_graph"])
        estimand = model.identify_effect(proceed_when_unidentifiable=True)
        est = model.estimate_effect(estimand, method_name="backdoor.linear_regression")
        out = {
            "treatment": ds["treatment_name"][0] if isinstance(ds["treatment_name"], list) else ds["treatment_name"],
            "outcome": ds["outcome_name"],
            "true_effect": float(ds["ate"]),
            "backdoor_set": sorted(estimand.get_backdoor_variables()),
            "effect_modifiers": sorted(model.get_effect_modifiers()),
            "estimate": float(est.value),
        }
        if not out["effect_modifiers"]:
            ci = model.estimate_effect(estimand, method_name="backdoor.linear_regression",
                                       confidence_intervals=True).get_confidence_intervals()
            out["interval"] = np.asarray(ci).ravel().tolist()
        import doubleml as dml
        from sklearn.linear_model import LinearRegression, LogisticRegression
        x_cols = sorted(estimand.get_backdoor_variables()) + sorted(model.get_effect_modifiers())
        dml_data = dml.DoubleMLData(df.astype(float), y_col="y", d_cols="v0", x_cols=x_cols)
        np.random.seed(0)
        plr = dml.DoubleMLPLR(dml_data, LinearRegression(), LinearRegression(), n_folds=5).fit()
        out["doubleml_plr"] = {"estimate": float(plr.coef[0]), "se": float(plr.se[0])}
        if binary:
            np.random.seed(0)
            irm = dml.DoubleMLIRM(dml_data, LinearRegression(), LogisticRegression(max_iter=1000), n_folds=5,
                                  trimming_threshold=0.01).fit()
            out["doubleml_irm"] = {"estimate": float(irm.coef[0]), "se": float(irm.se[0])}
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump(out, f, indent=1)
        print(name, out)
    with open(os.path.join(HERE, "versions.txt"), "w") as f:
        import doubleml as dml
        import sklearn
        f.write("python %s\ndowhy %s\ndoubleml %s\nscikit-learn %s\nnumpy %s\n"
                % (platform.python_version(), dowhy.__version__, dml.__version__, sklearn.__version__, np.__version__))


if __name__ == "__main__":
    main()
