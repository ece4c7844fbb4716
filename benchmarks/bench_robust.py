"""Benchmark: vectorised break-date grid against a statsmodels refit loop, in one run.

Run from the project root (``make bench`` or ``.venv/bin/python benchmarks/bench_robust.py``).
For each case it fits a Poisson ITS with month seasonality at every admissible placement of two
interruptions (each segment at least 3 observations), once with :func:`trends.robust.grid.
refit_loop` (one ``statsmodels.GLM(...).fit()`` per placement, default tolerances) and once
with :func:`trends.robust.break_date_grid`'s engine, and prints::

    baseline_s=...  trends_s=...  speedup=...x  max_abs_diff=...

``max_abs_diff`` is the largest absolute difference over every placement of the
log-likelihood, AIC, BIC and the four level/slope estimates. Times are CPU seconds of the
process with single-threaded BLAS (``time.process_time``), so that other load on a shared
machine does not distort the ratio; wall-clock times are printed too. Both paths are warmed up
on five placements first.

Cases
-----
(a) the embedded national PICSS monthly attack series from ``data/processed/panel.csv``
    (region ``national``, group ``all``, measure ``attacks``, source ``picss``), interruptions
    2021-08 and 2021-11; missing months are dropped for estimation but keep their place in the
    calendar. If the panel is not there, a simulated series of 2008-01..2023-12 with the same
    gaps pattern is used instead and the output says so.
(b) a simulated 20-year monthly series (240 months, no gaps).

The loop refits every placement. The vectorised grid fits all at once, and fits placements that
differ only in where a break falls inside a run of missing months once (they span the same
design; see :func:`trends.robust.grid.fit_placements`), which matters for the gappy series (a).

Options: ``--baseline-sample N`` times the loop on N evenly spaced placements only and
extrapolates the baseline time (reported as such), for a quick run; ``--family`` runs the same
cases with another family (gaussian: OLS loop; negbin: statsmodels' discrete NB2 with the
dispersion re-estimated per placement, as :func:`trends.robust.grid.refit_loop`).
"""

from __future__ import annotations

import os

# Time algorithms, not core counts: both paths run with single-threaded BLAS (set before numpy
# is imported). Override by exporting OPENBLAS_NUM_THREADS yourself.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import trends  # noqa: E402
from trends.robust.grid import fit_placements, refit_loop  # noqa: E402
from trends.robust.problem import admissible_placements, problem_from_model  # noqa: E402

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


def simulated_20y() -> tuple[pd.DataFrame, str]:
    rng = np.random.default_rng(2004)
    months = pd.period_range("2004-01", periods=240, freq="M")
    t = np.arange(240)
    mu = np.exp(2.5 + 0.004 * t + 0.5 * (t >= 212) - 0.01 * np.maximum(t - 215, 0)
                + 0.2 * np.sin(2 * np.pi * t / 12))
    df = pd.DataFrame({"month": months.astype(str), "attacks": rng.poisson(mu).astype(float)})
    return df, "simulated 20-year monthly Poisson series (240 months)"


def run_case(name: str, df: pd.DataFrame, label: str, sample: int | None,
             family: str = "poisson") -> None:
    model = trends.ITS(df, outcome="attacks", date="month", interruptions=INTERRUPTIONS,
                       family=family, seasonality="month")
    problem = problem_from_model(model)
    placements = admissible_placements(problem, 3)
    B = len(placements)
    print(f"case {name}: {label}; family {family}, month seasonality")
    print(f"  {B} placements of 2 breaks, {len(problem.y)} observations, "
          f"{problem.base.shape[1] + 4} coefficients")

    # warm-up (imports, caches) on a few placements, untimed, for both paths
    fit_placements(problem, placements[:5])
    refit_loop(problem, placements[:5])

    c0, t0 = time.process_time(), time.perf_counter()
    fast = fit_placements(problem, placements)
    trends_cpu, trends_wall = time.process_time() - c0, time.perf_counter() - t0

    idx = np.arange(B) if sample is None or sample >= B else np.linspace(
        0, B - 1, sample).round().astype(int)
    c0, t0 = time.process_time(), time.perf_counter()
    ref = refit_loop(problem, placements[idx])
    loop_cpu, loop_wall = time.process_time() - c0, time.perf_counter() - t0
    scale = B / len(idx)
    if len(idx) < B:
        print(f"  baseline timed on {len(idx)} placements and extrapolated to {B}")

    params, llf, aic, bic = fast[:4]
    diffs = [np.abs(ref[0] - params[idx]), np.abs(ref[1] - llf[idx]),
             np.abs(ref[2] - aic[idx]), np.abs(ref[3] - bic[idx])]
    max_abs_diff = max(float(np.nanmax(d)) for d in diffs)
    n_nan = int(np.isnan(llf).sum())
    if n_nan:
        print(f"  note: {n_nan} placements not identifiable (NaN) in the vectorised grid")
    # CPU seconds of this (single-threaded) process: robust to other load on the machine
    baseline_s, trends_s = loop_cpu * scale, trends_cpu
    print(f"  baseline_s={baseline_s:.3f}")
    print(f"  trends_s={trends_s:.3f}")
    print(f"  speedup={baseline_s / trends_s:.1f}x")
    print(f"  max_abs_diff={max_abs_diff:.3g}")
    print(f"  (wall clock: baseline {loop_wall * scale:.3f} s, trends {trends_wall:.3f} s, "
          f"speedup {loop_wall * scale / trends_wall:.1f}x)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-sample", type=int, default=None, metavar="N",
                        help="time the statsmodels loop on N placements and extrapolate")
    parser.add_argument("--family", default="poisson",
                        choices=["poisson", "gaussian", "negbin", "quasipoisson"],
                        help="model family (the issue's benchmark: poisson)")
    args = parser.parse_args(argv)
    for name, (df, label) in (("a", embedded_series()), ("b", simulated_20y())):
        run_case(name, df, label, args.baseline_sample, args.family)
    return 0


if __name__ == "__main__":
    sys.exit(main())
