"""Regenerates the same-folds DoubleML golden values: for each effect-estimation
golden case, a fold split drawn here and DoubleML's partially linear (PLR) and,
for a binary treatment, interactive (IRM) estimates on exactly that split, with
learners that are the same models as kausa's linear ones (ordinary least squares;
an unpenalised logistic regression fitted to convergence).

Run from the repository root with the Python of make_golden.py:

    .venv-dowhy/bin/python golden/estimate/make_samefolds.py

Writes golden/estimate/<case>.samefolds.json: the fold of every row, the
covariates, and DoubleML's estimate and standard error. The Rust test adds the
folds to the data as a column and runs `kausa estimate --fold-column`.
"""
import json
import os

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = ["dowhy_linear_binary_n1000_s0", "dowhy_linear_binary_n1000_s1", "dowhy_linear_continuous_n1000_s2"]
# kausa's default adjustment set on these graphs (the optimal set: the confounders W
# and, where the case has one, the outcome's other cause X0).
COVARIATES = ["W0", "W1", "W2", "W3", "W4", "X0"]
FOLDS = 5


def main():
    import doubleml as dml
    import sklearn
    from sklearn.linear_model import LinearRegression, LogisticRegression

    for i, name in enumerate(CASES):
        df = pd.read_csv(os.path.join(HERE, name + ".csv.gz"))
        df["v0"] = df["v0"].astype(float)
        covariates = [c for c in COVARIATES if c in df.columns]
        n = len(df)
        order = np.random.default_rng(1000 + i).permutation(n)
        fold = np.empty(n, dtype=int)
        fold[order] = np.arange(n) * FOLDS // n
        smpls = [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(FOLDS)]
        data = dml.DoubleMLData(df[covariates + ["v0", "y"]], y_col="y", d_cols="v0", x_cols=covariates)
        out = {"folds": fold.tolist(), "covariates": covariates}
        plr = dml.DoubleMLPLR(data, LinearRegression(), LinearRegression(), n_folds=FOLDS,
                              draw_sample_splitting=False)
        plr.set_sample_splitting(smpls)
        plr.fit()
        out["doubleml_plr"] = {"estimate": float(plr.coef[0]), "se": float(plr.se[0])}
        if set(df["v0"].unique()) <= {0.0, 1.0}:
            logit = LogisticRegression(C=np.inf, solver="newton-cg", tol=1e-12, max_iter=10000)
            irm = dml.DoubleMLIRM(data, LinearRegression(), logit, n_folds=FOLDS, trimming_threshold=0.01,
                                  draw_sample_splitting=False)
            irm.set_sample_splitting(smpls)
            irm.fit()
            out["doubleml_irm"] = {"estimate": float(irm.coef[0]), "se": float(irm.se[0])}
        out["versions"] = {"doubleml": dml.__version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__}
        with open(os.path.join(HERE, name + ".samefolds.json"), "w") as f:
            json.dump(out, f)
        print(name, {k: v for k, v in out.items() if k != "folds"})


if __name__ == "__main__":
    main()
