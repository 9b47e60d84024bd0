#!/usr/bin/env python3
"""The same small supply network in kausa and in SupplyNetPy: wall time for N Monte-Carlo runs and fill rate.

  python3 bench/supplynetpy_bench.py --python /work/notes/venv-snp/bin/python [--runs 100] [--reps 3]

`--python` names an interpreter that has `supplynetpy` (PyPI; SimPy-based) installed, e.g. a venv made with
`python3 -m venv VENV && VENV/bin/pip install supplynetpy`; the script re-runs itself under it. Run directly
under such an interpreter, `--python` is not needed. kausa is `target/release/kausa` (or `--kausa`).

The network (one finished product, one purchased part, one supplier):

    supplier S-DE-1 (infinite) --lane L-1, log-normal lead time--> plant PLANT1: FG-01 = 1 x P-001 --> customers

* Demand: one order a workday (Mon-Fri), qty = round(m + s*Z), Z ~ N(0,1); promised the same day
  (kausa `quoted_days = 0`). Nothing on weekends.
* Lead time of a purchase order: round(median * exp(sigma*Z)), at least 1 day.
* Ordering (kausa's rule, sim.rs `run`): every Monday after shipping, order
  ceil(target - stock of P-001 - on order), target = m * 5/7 * (median + 7) * 1.3.
  kausa's production turns P-001 into FG-01 each workday up to the backlog plus floor(5m) units (capacity
  here is 1,440 units a day, never binding; no scrap), so the stock of P-001 after shipping is
  max(0, total stock - floor(5m)).
* Fill rate (kausa's `fill_rate` KPI): units of the order lines shipped complete on or before their promise
  over the units of the lines due inside the horizon.

Both tools get the same parameters: the script writes an ERP export (a year of history drawn from the true
m = 10, s = 3, median = 10 d, sigma = 0.5), asks `kausa supply learn` what it learned (weekly mean and sd of
demand, lead-time median and sigma of log-days) and gives exactly those numbers to SupplyNetPy, so the
comparison is of the two simulators, not of kausa's estimates against the truth. Both start from the same
stock (the export's last snapshot: P-001 and FG-01) with nothing on order and no backlog, on a Monday.

How each tool expresses it:
* kausa: the export (16 CSV tables + manifest, `kausa supply check` reports 0 errors) and a scenario
  (`kausa-scenario/1`, no events, `quoted_days = 0`, `parameter_uncertainty = false`: the point estimates
  SupplyNetPy gets), `kausa supply whatif --json`; the fill rate is the mean
  over the runs of the `no_events` reference. Without variants kausa adds an empty `do_nothing` variant,
  which (no events, no actions) is the reference's runs: kausa simulates them once, so N runs for N requested.
* SupplyNetPy 0.5.1: `Supplier(node_type="infinite_supplier", raw_material=P-001)` --`Link(lead_time=...)`-->
  `Manufacturer(product=FG-01 with raw_materials=[(P-001, 1)], manufacturing_time=0, batch_size=1e9,
  capacity=inf)` <-- `Demand(order_arrival_model = 1 day, 3 days after a Friday; order_quantity_model =
  max(1, round(m + s*Z)); tolerance=inf, order_min_split_ratio=1e-9)`. Its built-in policies ((s,S), (R,Q),
  periodic) cannot express kausa's rule, so the Manufacturer gets a custom `InventoryReplenishment`
  subclass (the extension point SupplyNetPy documents) that, every 7 days, orders
  ceil(target - max(0, level - floor(5m)) - on order) with on order = `inventory.on_hand - inventory.level`.
  Times: customers arrive at integer days, deliveries arrive at day + 0.5 (lead time - 0.25 after an order
  at Monday + 0.75), the policy reviews at Monday + 0.75: the same order of events within a day as kausa's
  (arrivals, demand, production, shipping, Monday purchasing). Waiting customers accept partial deliveries
  (`order_min_split_ratio` near 0), so stock that arrives goes to the waiting orders in the order they wait,
  as kausa ships its open lines first in, first out, partly when short. SupplyNetPy reports no on-time fill
  rate, so `Demand` is subclassed only to note each order's arrival and (last) delivery time; an order counts
  as on time when it is complete on its arrival day. Each replication builds a fresh `simpy.Environment` and
  network, seeded per replication; logging is off.

Two start stocks: at the base stock (P-001 at kausa's target, FG-01 at five days' demand; fill rate near 1),
and a lean start (no P-001, two days of FG-01) that runs short for the first weeks and so exercises the
backlog (fill rate near 0.85).

Differences that remain:
* SupplyNetPy holds the purchased part as planned production: the Manufacturer orders raw material only for
  units it plans, and turns it into FG-01 the moment it arrives, so it has a single stock (FG-01) where kausa
  has two (P-001 and FG-01, the latter capped at backlog + 5 days). The custom policy orders what kausa would
  order from the same total stock, so the order quantities are the same.
* A customer order of 0 units is impossible in SupplyNetPy (`validate_positive`); it draws max(1, q), kausa
  skips the day. With m = 10 and s = 3 that happens with probability < 0.001.
* Backorders: with partial deliveries a waiting SupplyNetPy customer takes whatever arrives, in the order the
  customers wait, as kausa ships its oldest line first; SupplyNetPy's default, whole deliveries only
  (`order_min_split_ratio=1`), lets a later small order overtake a waiting large one, and then the lean
  start's fill rate came out about 0.013 higher than kausa's (0.865 vs 0.853 at 1,000 runs). With partial
  deliveries the gap is within the Monte-Carlo error.
* Production on weekends: kausa makes nothing on Saturday/Sunday; SupplyNetPy turns a weekend delivery into
  FG-01 at once. No demand falls on weekends, so no line is on time in one tool and late in the other.
* Random numbers: different generators and draw orders (kausa: streams keyed by run, purpose, day;
  SupplyNetPy: Python's `random`), so the runs are not paired: the fill rates agree in distribution, not run
  by run. Checked beyond this script's sizes: kausa at 20,000 runs 0.8557 (lean) and 0.9957 (steady);
  SupplyNetPy at 5,000 replications 0.8537 +- 0.0021 and 0.9958 +- 0.0003.

Timing: kausa is timed as the whole command (process start, reading the export, learning, simulating) and
by the simulation's own `seconds`; SupplyNetPy in process (building and running the network per replication).
"""
import argparse
import csv
import datetime as dt
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The truth the export's history is drawn from.
TRUE_DEMAND_MEAN, TRUE_DEMAND_SD = 10.0, 3.0  # units per workday
TRUE_LEAD_MEDIAN, TRUE_LEAD_SIGMA = 10.0, 0.5  # days, sd of log(days)
START = dt.date(2025, 1, 6)  # a Monday: the first simulated day
EXPORT_DATE = START - dt.timedelta(days=1)


def epoch(d):
    return (d - dt.date(1970, 1, 1)).days


def args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--python", help="an interpreter with supplynetpy installed; the script re-runs itself under it")
    ap.add_argument("--kausa", default=os.path.join(ROOT, "target", "release", "kausa"))
    ap.add_argument("--runs", type=int, default=100, help="Monte-Carlo runs for both tools (default 100)")
    ap.add_argument("--big-runs", type=int, default=1000, help="kausa alone at this many runs as well (0: skip)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of each timing; medians are shown")
    ap.add_argument("--horizon", type=int, default=120, help="days simulated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "bench", ".data", "supplynetpy"))
    return ap.parse_args()


# ---------------------------------------------------------------- the export and the scenario


def write_export(out, seed, p0, fg0):
    """A year of history of the one-product network, drawn from the truth above, and the start stock."""
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)

    def table(name, header, rows):
        with open(os.path.join(out, name + ".csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)

    with open(os.path.join(out, "manifest.toml"), "w") as f:
        f.write('# One supplier, one plant, one product: the network of bench/supplynetpy_bench.py.\n'
                'format = "kausa-export/1"\n'
                f'export_date = "{EXPORT_DATE}"\n'
                'erp = "bench/supplynetpy_bench.py"\ncurrency = "EUR"\ndecimal = "."\n')
    table("sites", ["site_id", "site_type", "name", "country"],
          [["PLANT1", "plant", "Plant", "DE"], ["S-DE-1", "supplier_site", "Parts works", "DE"]])
    table("suppliers", ["supplier_id", "name", "country"], [["SUP-1", "Parts supplier", "DE"]])
    table("supplier_sites", ["supplier_id", "site_id"], [["SUP-1", "S-DE-1"]])
    table("parts", ["part_id", "description", "part_type", "base_uom", "std_cost", "list_price"],
          [["P-001", "purchased part", "purchased", "PC", "5.00", ""],
           ["FG-01", "finished product", "finished", "PC", "20.00", "40.00"]])
    table("bom", ["plant_id", "parent_part_id", "component_part_id", "qty_per"], [["PLANT1", "FG-01", "P-001", 1]])
    table("routings", ["plant_id", "part_id", "op_seq", "work_center_id", "run_min_per_unit"],
          [["PLANT1", "FG-01", 10, "ASSY1", 1]])
    # 3 shifts x 8 h = 1,440 minutes a workday at 1 minute a unit: never the bottleneck.
    table("work_centers", ["work_center_id", "plant_id", "machines", "std_shifts_per_day", "hours_per_shift"],
          [["ASSY1", "PLANT1", 1, 3, 8]])
    table("sourcing", ["part_id", "plant_id", "supplier_site_id", "quota_share", "unit_price",
                       "planned_lead_time_days", "lane_id"],
          [["P-001", "PLANT1", "S-DE-1", 1, "5.00", int(TRUE_LEAD_MEDIAN), "L-1"]])
    table("lanes", ["lane_id", "from_site_id", "to_site_id", "mode", "transit_countries", "planned_transit_days"],
          [["L-1", "S-DE-1", "PLANT1", "road", "DE", 1]])

    # History: kausa buckets weeks as days-since-1970 div 7 (Thursday to Wednesday), so the sales history
    # runs over whole buckets: 52 of them, the last ending on the Wednesday before Christmas.
    first = dt.date(2024, 1, 4)
    assert epoch(first) % 7 == 0
    days = [first + dt.timedelta(days=i) for i in range(52 * 7)]
    workdays = [d for d in days if d.weekday() < 5]
    sales, deliveries, production, shifts = [], [], [], []
    for i, d in enumerate(workdays):
        q = max(0, math.floor(rng.gauss(TRUE_DEMAND_MEAN, TRUE_DEMAND_SD) + 0.5))
        shifts.append([d, "PLANT1", "ASSY1", 3, 24, 0])
        if q == 0:
            continue
        so = f"SO{i + 1:06d}"
        ship = d + dt.timedelta(days=2)
        sales.append([so, 10, "C-1", "PLANT1", "FG-01", d, ship, ship, q, "40.00", "closed"])
        deliveries.append([so, 10, f"D{i + 1:06d}", ship, q])
        production.append([f"PR{i + 1:06d}", "FG-01", "PLANT1", "ASSY1", d, d, d, d, q, q, 0, "early"])
    table("sales_orders", ["so_id", "so_line", "customer_id", "ship_from_plant_id", "part_id", "order_date",
                           "requested_date", "promised_date", "qty", "unit_price", "status"], sales)
    table("deliveries", ["so_id", "so_line", "delivery_id", "ship_date", "qty_shipped"], deliveries)
    table("production_orders", ["prod_order_id", "part_id", "plant_id", "work_center_id", "planned_start",
                                "planned_end", "actual_start", "actual_end", "qty_planned", "qty_good", "qty_scrap",
                                "shift_type"], production)
    table("shift_calendar", ["date", "plant_id", "work_center_id", "shifts_planned", "hours_planned",
                             "overtime_hours"], shifts)
    # Purchase orders: one line every workday up to the end of October, each with a log-normal lead time;
    # all received before the export date (nothing is open at the start).
    pos, receipts = [], []
    for i, d in enumerate(d for d in workdays if d <= dt.date(2024, 10, 31)):
        lead = max(1, math.floor(TRUE_LEAD_MEDIAN * math.exp(TRUE_LEAD_SIGMA * rng.gauss(0, 1)) + 0.5))
        got = d + dt.timedelta(days=lead)
        assert got < EXPORT_DATE
        po = f"45{i + 1:07d}"
        pos.append([po, 10, 1, "P-001", "S-DE-1", "PLANT1", "L-1", d, d + dt.timedelta(days=int(TRUE_LEAD_MEDIAN)),
                    10, "5.00", "closed"])
        receipts.append([po, 10, f"R{i + 1:06d}", got, 10, 0])
    table("purchase_orders", ["po_id", "po_line", "schedule_line", "part_id", "supplier_site_id", "plant_id",
                              "lane_id", "order_date", "requested_date", "qty", "unit_price", "status"], pos)
    table("po_receipts", ["po_id", "po_line", "receipt_id", "receipt_date", "qty_received", "qty_rejected"], receipts)
    # Stock snapshots every Monday, the last one on the export date: the start stock of both simulations.
    snaps = []
    d = dt.date(2024, 1, 1)
    while d < EXPORT_DATE:
        snaps += [[d, "PLANT1", "P-001", p0, 0], [d, "PLANT1", "FG-01", fg0, 0]]
        d += dt.timedelta(days=7)
    snaps += [[EXPORT_DATE, "PLANT1", "P-001", p0, 0], [EXPORT_DATE, "PLANT1", "FG-01", fg0, 0]]
    table("inventory_snapshots", ["date", "site_id", "part_id", "on_hand", "safety_stock"], snaps)


def write_scenario(path, runs, horizon, seed):
    with open(path, "w") as f:
        f.write(f'''# No events: the no_events reference is the run compared with SupplyNetPy.
format = "kausa-scenario/1"

[scenario]
id = "supplynetpy-bench"
title = "One supplier, one plant, one product; no events"
start = {START}
horizon_days = {horizon}
runs = {runs}
seed = {seed}
quoted_days = 0
# SupplyNetPy gets the learned point estimates: so does kausa here.
parameter_uncertainty = false
''')


def kausa_json(kausa, *cmd):
    out = subprocess.run([kausa, "--no-audit", *cmd, "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def kausa_check(kausa, export):
    """`kausa supply check --json`: (exit code, errors, the report)."""
    out = subprocess.run([kausa, "--no-audit", "supply", "check", export, "--json"], capture_output=True, text=True)
    report = json.loads(out.stdout)
    return out.returncode, report["errors"], report


def find_kpi(v, name):
    """The `no_events` reference's mean of KPI `name` in `whatif --json` output."""
    plan = next(p for p in v["variants"] if p["variant"] == v["reference"])
    return plan["kpis"][name]["mean"]


# ---------------------------------------------------------------- SupplyNetPy


def snp_model():
    """The SupplyNetPy side: returns run(params, seed) -> (units due, units on time)."""
    import simpy
    import SupplyNetPy.Components as scm

    scm.global_logger.disable_logging()

    class KausaMonday(scm.InventoryReplenishment):
        """kausa's purchasing rule: every Monday after shipping, order up to `target` of the purchased part,
        its stock being the node's stock beyond the finished-goods buffer."""

        _param_keys = ("target", "buffer", "first_review_delay", "period")

        def run(self):
            target, buffer = self.params["target"], self.params["buffer"]
            yield self.env.timeout(self.params["first_review_delay"])
            while True:
                inv = self.node.inventory
                parts = max(0.0, inv.level - buffer)
                on_order = inv.on_hand - inv.level
                q = math.ceil(max(0.0, target - parts - on_order))
                if q > 0:
                    self.node.place_order(q)
                yield self.env.timeout(self.params["period"])

    class TimedDemand(scm.Demand):
        """SupplyNetPy's Demand, noting when each order arrives and is delivered (for the on-time fill rate)."""

        def customer(self, customer_id, order_quantity):
            self.arrived[customer_id] = (self.env.now, order_quantity)
            yield from super().customer(customer_id, order_quantity)

        def _process_delivery(self, order_quantity, customer_id, get_event=None):
            yield from super()._process_delivery(order_quantity, customer_id, get_event)
            self.delivered[customer_id] = self.env.now

    def run(p, seed):
        rng = random.Random(seed)
        env = simpy.Environment()
        m, sd, med, sig = p["m"], p["sd"], p["median"], p["sigma"]
        part = scm.RawMaterial(ID="P-001", name="purchased part", extraction_quantity=1, extraction_time=1,
                               mining_cost=0, cost=5)
        product = scm.Product(ID="FG-01", name="finished product", manufacturing_cost=1, manufacturing_time=0,
                              sell_price=40, raw_materials=[(part, 1)], batch_size=10**9)
        supplier = scm.Supplier(env=env, ID="S-DE-1", name="supplier", node_type="infinite_supplier",
                                raw_material=part, logging=False)
        plant = scm.Manufacturer(env=env, ID="PLANT1", name="plant", capacity=float("inf"),
                                 initial_level=p["initial"], inventory_holding_cost=0, product_sell_price=40,
                                 replenishment_policy=KausaMonday,
                                 policy_param={"target": p["target"], "buffer": p["buffer"],
                                               "first_review_delay": 0.75, "period": 7},
                                 product=product, logging=False)
        # Ordered at Monday + 0.75, a delivery arrives at day + 0.5 of the day kausa's would.
        scm.Link(env=env, ID="L-1", source=supplier, sink=plant, cost=0,
                 lead_time=lambda: max(1, math.floor(med * math.exp(sig * rng.gauss(0, 1)) + 0.5)) - 0.25)
        demand = TimedDemand(env=env, ID="D-1", name="customers",
                             order_arrival_model=lambda: 3 if int(env.now) % 7 == 4 else 1,  # day 0 is a Monday
                             order_quantity_model=lambda: max(1, math.floor(m + sd * rng.gauss(0, 1) + 0.5)),
                             demand_node=plant, tolerance=float("inf"), order_min_split_ratio=1e-9, logging=False)
        demand.arrived, demand.delivered = {}, {}  # filled once env.run starts the customers
        env.run(until=p["horizon"])
        due = on_time = 0.0
        for cid, (t, q) in demand.arrived.items():
            due += q
            got = demand.delivered.get(cid)
            if got is not None and math.floor(got) <= math.floor(t):
                on_time += q
        return due, on_time

    return run


# ---------------------------------------------------------------- main


def main():
    a = args()
    try:
        from importlib.metadata import version
        snp_version, simpy_version = version("supplynetpy"), version("simpy")
    except Exception:
        if a.python and os.environ.get("SUPPLYNETPY_BENCH_REEXEC") != "1":
            # Not here: run this script under the interpreter that has it (a venv's python resolves to the
            # same binary, so compare by what it can import, not by path).
            os.environ["SUPPLYNETPY_BENCH_REEXEC"] = "1"
            os.execv(a.python, [a.python, os.path.abspath(__file__), *sys.argv[1:]])
        sys.exit("supplynetpy is not installed for this interpreter: pass --python VENV/bin/python")

    print(f"SupplyNetPy {snp_version} (SimPy {simpy_version}), Python {sys.version.split()[0]}; "
          f"kausa {a.kausa}; {os.cpu_count()} CPUs; horizon {a.horizon} days; medians of {a.reps} repetitions")
    # Start stock: at the base stock (P-001 at kausa's target, FG-01 at five days' demand), and a lean start
    # (no P-001, two days' FG-01) that runs short in the first weeks and so tests the backlog handling.
    steady = (int(round(TRUE_DEMAND_MEAN * 5 / 7 * (TRUE_LEAD_MEDIAN + 7) * 1.3)), int(5 * TRUE_DEMAND_MEAN))
    cases = [("steady start", "steady", *steady), ("lean start", "lean", 0, int(2 * TRUE_DEMAND_MEAN))]
    run = snp_model()
    sizes = [a.runs] + ([a.big_runs] if a.big_runs and a.big_runs != a.runs else [])
    for title, key, p0, fg0 in cases:
        export = os.path.join(a.data_dir, key, "export")
        write_export(export, a.seed, p0, fg0)
        rc, errors, check_report = kausa_check(a.kausa, export)
        if rc != 0 or errors:
            sys.exit(f"kausa supply check found errors in {export}:\n{json.dumps(check_report, indent=1)}")
        learned = kausa_json(a.kausa, "supply", "learn", export)
        d = next(x for x in learned["demand"] if x["part"] == "FG-01")
        lt = next(x for x in learned["lead_times"] if x["supplier_site"] == "S-DE-1")
        m, sd = d["mean_per_week"] / 5.0, d["sd_per_week"] / math.sqrt(5.0)
        med, sig = lt["median_days"], lt["sigma_log"]
        params = {"m": m, "sd": sd, "median": med, "sigma": sig, "horizon": a.horizon, "initial": p0 + fg0,
                  "target": m * 5.0 / 7.0 * (med + 7.0) * 1.3, "buffer": math.floor(5.0 * m)}
        print()
        print(f"## {title}: start stock P-001 {p0}, FG-01 {fg0}")
        print(f"export {export}: `kausa supply check` 0 errors; learned and given to both: demand {m:.3f} +- "
              f"{sd:.3f} a workday (truth {TRUE_DEMAND_MEAN:g} +- {TRUE_DEMAND_SD:g}), lead time median {med:g} d, "
              f"sigma {sig:.3f} (truth {TRUE_LEAD_MEDIAN:g}, {TRUE_LEAD_SIGMA:g}); base stock {params['target']:.1f} "
              f"of P-001, FG-01 buffer {params['buffer']}")
        print()
        print("| tool | runs | wall time | simulation alone | per run | fill rate (mean over runs) |")
        print("|---|---:|---:|---:|---:|---:|")
        result = {}
        for n in sizes:
            # SupplyNetPy: n replications in this process, each a fresh environment and network.
            walls = []
            for _ in range(a.reps):
                t0 = time.perf_counter()
                res = [run(params, a.seed * 1_000_003 + r) for r in range(n)]
                walls.append(time.perf_counter() - t0)
            fills = [ot / due for due, ot in res]
            snp = (statistics.median(walls), statistics.mean(fills), statistics.stdev(fills) / math.sqrt(n))
            print(f"| SupplyNetPy {snp_version} | {n} | {snp[0]:.3f} s | = wall | {snp[0] / n * 1e3:.2f} ms | "
                  f"{snp[1]:.4f} +- {snp[2]:.4f} |")
            sc = os.path.join(a.data_dir, key, f"scenario-{n}.toml")
            write_scenario(sc, n, a.horizon, a.seed)
            for threads in sorted({1, os.cpu_count()}):
                walls, sims = [], []
                for _ in range(a.reps):
                    t0 = time.perf_counter()
                    v = kausa_json(a.kausa, "supply", "whatif", export, sc, "--threads", str(threads))
                    walls.append(time.perf_counter() - t0)
                    sims.append(v["seconds"])
                k = (statistics.median(walls), statistics.median(sims), find_kpi(v, "fill_rate"))
                # The empty do_nothing variant is the reference's runs, simulated once: n runs.
                print(f"| kausa, {threads} thread{'s' if threads > 1 else ''} | {n} | {k[0]:.3f} s | "
                      f"{k[1]:.4f} s | {k[1] / n * 1e3:.4f} ms | {k[2]:.4f} |")
                result[(n, threads)] = (snp, k)
        print()
        for n in sizes:
            snp, k = result[(n, 1)]
            k2 = result[(n, 2)][1]
            # The standard error of the difference: SupplyNetPy's, times sqrt 2 for kausa's own (same spread).
            se = snp[2] * math.sqrt(2)
            print(f"{n} runs: SupplyNetPy / kausa = {snp[0] / k[0]:.0f}x (whole command, 1 thread), "
                  f"{snp[0] / k2[0]:.0f}x (whole command, 2 threads), {snp[0] / k[1]:.0f}x (simulation alone, 1 thread); "
                  f"fill rate kausa {k[2]:.4f} vs SupplyNetPy {snp[1]:.4f}: difference {k[2] - snp[1]:+.4f} "
                  f"= {(k[2] - snp[1]) / se:+.1f} standard errors")
    print()
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M}; command: {os.path.basename(sys.executable)} "
          f"{' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
