"""Regenerates the exposure-screen golden case: SciPy's HiGHS solves the
time-to-survive and performance-impact linear programs of every disruption of
the example company (seed 1, 40 days to recover, alternates at +20%), built
here from the raw program data kausa writes with `--write-lp` — so both of
kausa's answers are checked: its exact breakpoint walk for TTS and its
microlp solution of the impact program.

Run from the repository root after `cargo build`, with a Python that has SciPy:

    .venv-ref/bin/python golden/exposure/make_golden.py

Writes golden/exposure/example-seed1.json and golden/exposure/versions.txt.
"""
import json
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np
import scipy
from scipy.optimize import linprog

KAUSA = os.environ.get("KAUSA", "target/debug/kausa")
CAP = 1e6  # a time to survive beyond this is "never"


def tts(p):
    """max t over (u, t): u_j >= d_j t - s_j, bom u <= s + a t, minutes_w u <= C_w t."""
    nf, npur = len(p["finished"]), len(p["purchased"])
    c = np.zeros(nf + 1)
    c[-1] = -1.0
    rows, rhs = [], []
    for j in range(nf):
        r = np.zeros(nf + 1)
        r[j], r[-1] = -1.0, p["demand"][j]
        rows.append(r)
        rhs.append(p["finished_stock"][j])
    for k in range(npur):
        r = np.zeros(nf + 1)
        r[:nf] = p["bom"][k]
        r[-1] = -p["supply"][k]
        rows.append(r)
        rhs.append(p["stock"][k])
    for minutes, capacity in zip(p["minutes"], p["capacity"]):
        r = np.zeros(nf + 1)
        r[:nf] = minutes
        r[-1] = -capacity
        rows.append(r)
        rhs.append(0.0)
    res = linprog(c, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=[(0, None)] * nf + [(0, CAP)], method="highs")
    assert res.status == 0, res.message
    t = res.x[-1]
    return None if t > CAP * 0.999 else t


def impact(p, t):
    """min sum f_j l_j over (u, l): u_j + l_j >= d_j t - s_j, bom u <= s + a t, minutes_w u <= C_w t."""
    nf, npur = len(p["finished"]), len(p["purchased"])
    c = np.concatenate([np.zeros(nf), np.array(p["margin"])])
    rows, rhs = [], []
    for j in range(nf):
        r = np.zeros(2 * nf)
        r[j], r[nf + j] = -1.0, -1.0
        rows.append(r)
        rhs.append(-(p["demand"][j] * t - p["finished_stock"][j]))
    for k in range(npur):
        r = np.zeros(2 * nf)
        r[:nf] = p["bom"][k]
        rows.append(r)
        rhs.append(p["stock"][k] + p["supply"][k] * t)
    for minutes, capacity in zip(p["minutes"], p["capacity"]):
        r = np.zeros(2 * nf)
        r[:nf] = minutes
        rows.append(r)
        rhs.append(capacity * t)
    res = linprog(c, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=[(0, None)] * (2 * nf), method="highs")
    assert res.status == 0, res.message
    return res.fun


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        export, lp = os.path.join(tmp, "export"), os.path.join(tmp, "lp")
        run = lambda *a: subprocess.run([KAUSA, "--no-audit", *a], check=True, capture_output=True, text=True)
        run("supply", "example", export, "--seed", "1")
        run("supply", "exposure", export, "--ttr", "40", "--flex", "0.2", "--write-lp", lp)
        out = {}
        for name in sorted(os.listdir(lp)):
            p = json.load(open(os.path.join(lp, name)))
            out[f'{p["kind"]}:{p["name"]}'] = {"tts_days": tts(p), "lost_margin": impact(p, p["ttr_days"])}
    json.dump(out, open(os.path.join(here, "example-seed1.json"), "w"), indent=1, sort_keys=True)
    with open(os.path.join(here, "versions.txt"), "w") as f:
        f.write(f"python {platform.python_version()}\nnumpy {np.__version__}\nscipy {scipy.__version__}\n")
    print(f"wrote {len(out)} disruptions", file=sys.stderr)


if __name__ == "__main__":
    main()
