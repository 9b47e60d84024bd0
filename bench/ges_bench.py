#!/usr/bin/env python3
"""kausa GES against causal-learn and antecedent on the same generated files, in one run.

  .venv-ref/bin/python bench/ges_bench.py [--cases 10:1000:2,50:1000:4,1000:10000:2]
      [--ant-python VENV/bin/python] [--timeout 300] [--cl-max-p 50]

Data: ../shared/anchors/gen_linear.py (linear Gaussian, seed 1), cached in bench/.data/.
Every tool scores with the linear-Gaussian BIC (penalty discount 1).
- kausa: `discover --method ges --json`, median of 5 runs of its own whole-run
  total (reading the CSV included), 1 thread and 2 threads.
- causal-learn: ../shared/anchors/run_ges_causallearn.py, one run, the ges()
  call alone; only for p <= --cl-max-p (it takes 76-116 s at p = 50, degree 4).
- antecedent (a virtual environment with `pip install antecedent pandas`,
  given by --ant-python): `discovery.GES().run(df, threads=1)` alone, median of 3.
Prints a Markdown table with the ratios and how many node pairs differ between
kausa's CPDAG and each reference's (0 = identical edge for edge).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import antecedent_run  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANCHORS = os.path.join(ROOT, "..", "shared", "anchors")

def result_line(stdout):
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError("no RESULT line in:\n" + stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="10:1000:2,10:1000:4,20:1000:2,20:1000:4,50:1000:2,50:1000:4,1000:10000:2")
    ap.add_argument("--kausa", default=os.path.join(ROOT, "target", "release", "kausa"))
    ap.add_argument("--ant-python", default=None)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--cl-max-p", type=int, default=50)
    a = ap.parse_args()
    print("| p | n | degree | kausa 1 thread s | kausa 2 threads s | causal-learn s | ratio | pairs differing | "
          "antecedent s | ratio | pairs differing |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case in a.cases.split(","):
        p, n, deg = (int(v) for v in case.split(":"))
        d = os.path.join(ROOT, "bench", ".data", "p%d_n%d_d%d_s1" % (p, n, deg))
        path = os.path.join(d, "data.csv")
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(ANCHORS, "gen_linear.py"), "--p", str(p), "--n", str(n),
                            "--degree", str(deg), "--seed", "1", "--out", d], check=True, stdout=subprocess.DEVNULL)
        secs, graph = {}, None
        for t in (1, 2):
            runs = []
            for _ in range(5 if p <= 200 else 3):
                out = json.loads(subprocess.run([a.kausa, "discover", path, "--method", "ges", "--threads", str(t),
                                                 "--json"], capture_output=True, text=True, check=True).stdout)
                runs.append(out["stats"]["seconds"]["total"])
                graph = out["graph"]["edges"]
            secs[t] = statistics.median(runs)
        cl = ("not run", "", "")
        if p <= a.cl_max_p:
            with tempfile.TemporaryDirectory() as tmp:
                gpath = os.path.join(tmp, "g.json")
                try:
                    r = subprocess.run([sys.executable, os.path.join(ANCHORS, "run_ges_causallearn.py"), path,
                                        "--out", gpath], capture_output=True, text=True, timeout=a.timeout, check=True)
                    s = result_line(r.stdout)["seconds"]
                    ref = json.load(open(gpath))["edges"]
                    cl = ("%.3g" % s, "%.0fx" % (s / secs[1]), str(antecedent_run.differing_pairs(graph, ref)))
                except subprocess.TimeoutExpired:
                    cl = ("> %d" % a.timeout, "", "")
        ant = ("not run", "", "")
        if a.ant_python:
            res = antecedent_run.run(a.ant_python, "GES", path, reps=3 if p <= 200 else 1, timeout=a.timeout * 3)
            if res is None:
                ant = ("> %d" % (a.timeout * 3), "", "")
            else:
                ant = ("%.3g" % res[0], "%.0fx" % (res[0] / secs[1]), str(antecedent_run.differing_pairs(graph, res[1])))
        print("| %d | %d | %d | %.3g | %.3g | %s | %s | %s | %s | %s | %s |"
              % ((p, n, deg, secs[1], secs[2]) + cl + ant), flush=True)


if __name__ == "__main__":
    main()
