"""Benchmark: the break-date grid as a user meets it, against a statsmodels refit loop.

Run from the project root (``make bench`` or ``.venv/bin/python benchmarks/bench_robust.py``).
For each case a Poisson ITS with month seasonality (weekly: Fourier terms) and two
level+slope interruptions is fitted at every admissible placement of the two breaks (each
segment at least 3 observations):

* ``cold``: :func:`trends.robust.break_date_grid` called once in a fresh Python process with the
  default environment (no BLAS thread variables: the engine limits BLAS to one thread itself),
  the import of :mod:`trends.robust` included; ``warm``: the second call in that process;
* ``baseline``: :func:`trends.robust.grid.refit_loop` (one ``statsmodels.GLM(...).fit()`` per
  placement, default tolerances) in this process, timed with default BLAS threads and with one
  BLAS thread (the engine's setting); the faster of the two is the baseline.

All three are wall-clock seconds measured in the same run (the machine's load is printed).
The loop is timed on a seeded random sample of placements (``--baseline-sample``, default 300;
0 = every placement) and scaled linearly to the full grid (every placement is one fit of the
same size, so the time per placement does not depend on which are sampled), which the output
states. ``max_abs_diff`` is
the largest absolute difference, over the sampled placements, between the grid's table (from
the cold call) and the loop in llf, AIC, BIC and the four level/slope estimates.

Cases: (a) the embedded national PICSS monthly attack series (``data/processed/panel.csv``;
a labelled simulated stand-in with gaps if absent), interruptions 2021-08 and 2021-11; then
simulated monthly series of 60, 120, 240, 480 and 960 months and a weekly series of 1040 weeks
(``--cases`` selects).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import trends

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "data" / "processed" / "panel.csv"
INTERRUPTIONS = {"takeover": "2021-08", "ceasefire_end": "2021-11"}


def embedded_series() -> tuple[pd.DataFrame, str]:
    """The PICSS national monthly attack series, or a labelled simulated stand-in."""
    if PANEL.exists():
        panel = pd.read_csv(PANEL, dtype=str)
        sel = panel[
            (panel["region"] == "national")
            & (panel["group"] == "all")
            & (panel["measure"] == "attacks")
            & (panel["source"].str.lower() == "picss")
        ]
        if len(sel) >= 24:
            df = pd.DataFrame({"month": sel["month"].to_numpy(),
                               "attacks": pd.to_numeric(sel["value"]).to_numpy()})
            df = df.dropna().sort_values("month").reset_index(drop=True)
            label = (f"embedded PICSS national attacks, data/processed/panel.csv "
                     f"({len(df)} observed months, {df['month'].iloc[0]}..{df['month'].iloc[-1]})")
            return df, label
    rng = np.random.default_rng(20210815)
    months = pd.period_range("2008-01", "2023-12", freq="M")
    t = np.arange(len(months))
    mu = np.exp(3.3 - 0.01 * t + 0.6 * (months >= pd.Period("2021-08", "M"))
                + 0.15 * np.cos(2 * np.pi * t / 12))
    y = rng.poisson(mu).astype(float)
    keep = rng.random(len(months)) > 0.15  # published monthly counts have gaps...
    # ... but not around the interruptions
    keep |= (months >= pd.Period("2021-05", "M")) & (months <= pd.Period("2022-02", "M"))
    df = pd.DataFrame({"month": months.astype(str)[keep], "attacks": y[keep]})
    return df, (f"SIMULATED stand-in (data/processed/panel.csv not available): "
                f"{len(df)} observed months of 2008-01..2023-12")


def simulated(n: int, freq: str = "M") -> tuple[pd.DataFrame, str]:
    """A seeded Poisson series of ``n`` months (or weeks) with a level and slope change."""
    rng = np.random.default_rng(2004 + n)
    periods = pd.period_range("1940-01" if freq == "M" else "2000-01-03", periods=n, freq=freq)
    t = np.arange(n)
    season = 12 if freq == "M" else 52
    mu = np.exp(2.5 + 1.0 / n * t + 0.5 * (t >= int(0.88 * n))
                - 2.0 / n * np.maximum(t - int(0.9 * n), 0)
                + 0.2 * np.sin(2 * np.pi * t / season))
    labels = periods.astype(str) if freq == "M" else periods.start_time.strftime("%Y-%m-%d")
    df = pd.DataFrame({"month": labels, "attacks": rng.poisson(mu).astype(float)})
    unit = "months" if freq == "M" else "weeks"
    return df, f"simulated {n}-{unit[:-1]} Poisson series ({n} {unit})"


CASES = ("a", "m60", "m120", "m240", "m480", "m960", "w1040")


def case_model(name: str):
    """The unfitted model of case ``name`` and its label."""
    if name == "a":
        df, label = embedded_series()
        return trends.ITS(df, outcome="attacks", date="month", interruptions=INTERRUPTIONS,
                          family="poisson", seasonality="month"), label
    freq = "W" if name.startswith("w") else "M"
    n = int(name[1:])
    df, label = simulated(n, freq)
    dates = df["month"].tolist()
    inter = {"first": dates[int(0.6 * n)], "second": dates[int(0.88 * n)]}
    seasonality = "month" if freq == "M" else "fourier:2:52"
    return trends.ITS(df, outcome="attacks", date="month", interruptions=inter,
                      family="poisson", seasonality=seasonality, freq=freq), label


def child(name: str, sample_seed: int, sample: int) -> dict:
    """Cold and warm grid in this fresh process; the grid's rows at the sampled placements."""
    model, _ = case_model(name)
    t0 = time.perf_counter()
    from trends.robust import break_date_grid

    grid = break_date_grid(model)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    break_date_grid(model)
    warm = time.perf_counter() - t0
    from trends.robust.problem import admissible_placements, problem_from_model

    problem = problem_from_model(model)
    placements = admissible_placements(problem, 3)
    idx = _sample(len(placements), sample, sample_seed)
    labels = np.asarray(problem.periods.astype(str), dtype=object)
    keys = pd.DataFrame({"break_1": labels[placements[idx, 0]],
                         "break_2": labels[placements[idx, 1]]})
    rows = keys.merge(grid, on=["break_1", "break_2"], how="left")
    cols = ["llf", "aic", "bic", *problem.break_terms]
    return {"cold": cold, "warm": warm, "B": len(placements),
            "values": rows[cols].to_numpy(dtype=float).tolist()}


def _sample(B: int, sample: int, seed: int) -> np.ndarray:
    if sample <= 0 or sample >= B:
        return np.arange(B)
    return np.sort(np.random.default_rng(seed).choice(B, size=sample, replace=False))


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def run_case(name: str, sample: int, seed: int) -> None:
    from trends.robust.grid import refit_loop
    from trends.robust.problem import admissible_placements, problem_from_model

    model, label = case_model(name)
    problem = problem_from_model(model)
    placements = admissible_placements(problem, 3)
    B = len(placements)
    print(f"case {name}: {label}; poisson, {problem.base.shape[1] + 4} coefficients, "
          f"{len(problem.y)} observations, {B} placements of 2 level+slope breaks", flush=True)
    out = subprocess.run([sys.executable, __file__, "--child", name, "--seed", str(seed),
                          "--baseline-sample", str(sample)],
                         check=True, capture_output=True, text=True, env=_env())
    got = json.loads(out.stdout.strip().splitlines()[-1])
    idx = _sample(B, sample, seed)
    from trends.robust._threads import blas_threads_limited

    refit_loop(problem, placements[:3])  # statsmodels' own first-call imports, untimed
    # the loop timed both ways, with default BLAS threads and with one thread (the engine's
    # own setting): the baseline is the faster of the two, so the ratio is never inflated by
    # BLAS threads stalling the loop's small products on a busy machine
    t0 = time.perf_counter()
    ref = refit_loop(problem, placements[idx])
    loop_default = (time.perf_counter() - t0) * B / len(idx)
    with blas_threads_limited():
        t0 = time.perf_counter()
        refit_loop(problem, placements[idx])
        loop_single = (time.perf_counter() - t0) * B / len(idx)
    loop_s = min(loop_default, loop_single)
    fast = np.asarray(got["values"])
    refv = np.column_stack([ref[1], ref[2], ref[3], ref[0]])
    max_abs_diff = float(np.nanmax(np.abs(fast - refv)))
    n_nan = int(np.isnan(fast[:, 0]).sum())
    if len(idx) < B:
        print(f"  baseline timed on {len(idx)} placements (seeded sample, seed {seed}) and "
              f"scaled to {B}")
    if n_nan:
        print(f"  note: {n_nan} sampled placements not identifiable (NaN) in the grid")
    print(f"  baseline_s={loop_s:.3f} (statsmodels refit loop, this process; faster of "
          f"default BLAS threads {loop_default:.3f} s and one thread {loop_single:.3f} s; "
          f"per-placement time x {B} placements)")
    print(f"  cold_s={got['cold']:.3f} (first call, fresh process, default env)  "
          f"speedup_cold={loop_s / got['cold']:.1f}x")
    print(f"  warm_s={got['warm']:.3f} (second call)                          "
          f"speedup_warm={loop_s / got['warm']:.1f}x")
    print(f"  max_abs_diff={max_abs_diff:.3g} (llf, aic, bic, level/slope; sampled placements)",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-sample", type=int, default=300, metavar="N",
                        help="time the statsmodels loop on N seeded placements and scale "
                        "(0: every placement)")
    parser.add_argument("--seed", type=int, default=17, help=argparse.SUPPRESS)
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated cases among {', '.join(CASES)}")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.seed, args.baseline_sample)))
        return 0
    print(f"# break-date grid vs statsmodels refit loop; wall clock; load "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    for name in args.cases.split(","):
        run_case(name, args.baseline_sample, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
