"""Benchmark: :func:`trends.robust.calibrate` against a statsmodels loop, in one run.

Run from the project root (``make bench`` or ``.venv/bin/python benchmarks/bench_calibrate.py``).
The headline design: PICSS national monthly attacks 2019-01..2023-12 from the embedded panel
``data/processed/panel.csv`` (42 of 60 months observed), NB2, interruptions 2021-08 (level) and
2021-11 (level + slope), HAC with 3 lags. ``calibrate`` draws 1000 replicates of the null model
of ``level[takeover]`` and tests with two covariances (``hac:3`` and ``nonrobust``). The
baseline refits the *same* replicates one at a time as :meth:`trends.ITS.fit` does
(statsmodels: Poisson GLM, the overdispersion check, NB2 by BFGS then Newton) and computes both
covariances of each fit (statsmodels' classical and ``cov_hac``). Prints::

    baseline_s=...  trends_s=...  speedup=...x  max_abs_diff=...

``max_abs_diff`` is the largest absolute difference of the ``level[takeover]`` estimates (the
standard errors' largest relative difference is printed too). Times are CPU seconds of this
process with single-threaded BLAS (``time.process_time``; wall-clock printed too); ``trends_s``
is the warm time (a first, cold call is timed and printed separately). ``--baseline-sample N``
times the loop on N replicates only and extrapolates (said so in the output).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import trends  # noqa: E402
from trends.its import _estimate  # noqa: E402
from trends.panel import read_panel, series  # noqa: E402
from trends.robust import calibrate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "data" / "processed" / "panel.csv"
TERM = "level[takeover]"


def headline() -> trends.results.ITSResults:
    """The headline model on the embedded panel."""
    panel = read_panel(PANEL)
    s = series(panel, measure="attacks", region="national", group="all", source="PICSS")
    df = s.loc["2019-01":"2023-12"].rename("attacks").rename_axis("month").reset_index()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return trends.ITS(df, outcome="attacks", date="month",
                          interruptions={"takeover": "2021-08", "ceasefire_end": "2021-11"},
                          changes={"takeover": "level", "ceasefire_end": "level+slope"},
                          family="negbin", cov=("hac", 3)).fit()


def statsmodels_loop(res: trends.results.ITSResults, Y: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Estimate and the two SEs of TERM for every row of Y, one statsmodels fit each."""
    from statsmodels.stats.sandwich_covariance import cov_hac

    d = res.design
    j = res.terms.index(TERM)
    est = np.full(len(Y), np.nan)
    se = np.full((2, len(Y)), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b, y in enumerate(Y):
            r = _estimate(dataclasses.replace(d, y=y), ("nonrobust", None, False), None)
            est[b] = np.asarray(r.params)[j]
            se[0, b] = np.sqrt(cov_hac(r, nlags=3, use_correction=False)[j, j])
            se[1, b] = np.asarray(r.bse)[j]
    return est, se


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-sims", type=int, default=1000)
    ap.add_argument("--baseline-sample", type=int, default=None)
    args = ap.parse_args(argv)
    if not PANEL.exists():
        print(f"bench_calibrate: {PANEL} not found (run `make reproduce` first)")
        return 1
    res = headline()
    print(f"headline design: NB2, {res.nobs} of {res.nperiods} months observed, terms "
          f"{res.terms}; {args.n_sims} replicates of the null of {TERM}, covs hac:3 + nonrobust")
    kw = dict(terms=[TERM], covs=["hac:3", "nonrobust"], n_sims=args.n_sims, seed=0)
    c0, t0 = time.process_time(), time.perf_counter()
    calibrate(res, **kw)
    cold_cpu, cold_wall = time.process_time() - c0, time.perf_counter() - t0
    c0, t0 = time.process_time(), time.perf_counter()
    cal = calibrate(res, **kw)
    trends_cpu, trends_wall = time.process_time() - c0, time.perf_counter() - t0
    Y = cal.outcomes[TERM]
    m = len(Y) if args.baseline_sample is None else min(args.baseline_sample, len(Y))
    idx = np.linspace(0, len(Y) - 1, m).round().astype(int)
    statsmodels_loop(res, Y[:3])  # warm-up
    c0, t0 = time.process_time(), time.perf_counter()
    est, se = statsmodels_loop(res, Y[idx])
    loop_cpu, loop_wall = time.process_time() - c0, time.perf_counter() - t0
    scale = len(Y) / m
    if m < len(Y):
        print(f"  baseline timed on {m} replicates and extrapolated to {len(Y)}")
    draws = cal.draws
    mine = draws[draws["cov"] == "hac:3"]
    mine_nr = draws[draws["cov"] == "nonrobust"]
    max_abs_diff = float(np.nanmax(np.abs(mine["estimate"].to_numpy()[idx] - est)))
    se_rel = max(float(np.nanmax(np.abs(mine["std_error"].to_numpy()[idx] / se[0] - 1))),
                 float(np.nanmax(np.abs(mine_nr["std_error"].to_numpy()[idx] / se[1] - 1))))
    print(cal.table().to_string(index=False))
    print(f"  cold call: cpu {cold_cpu:.3f} s, wall {cold_wall:.3f} s")
    print(f"  wall: baseline {loop_wall * scale:.3f} s, trends {trends_wall:.3f} s")
    print(f"  max relative SE difference: {se_rel:.2e}")
    baseline_s = loop_cpu * scale
    print(f"baseline_s={baseline_s:.3f}  trends_s={trends_cpu:.3f}  "
          f"speedup={baseline_s / trends_cpu:.1f}x  max_abs_diff={max_abs_diff:.3e}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
