"""Known-truth simulation for aggregate observations (issue 12).

Each replicate draws 60 monthly counts from an ITS model with the headline design (level
change at month 32, level + slope change at month 35), hides 18 months (the PICSS pattern of
2019-2023: months without a published figure), publishes the five calendar-year totals and
fits ``trends.ITS(..., aggregates=...)``. It reports, per term, the share of replicates whose
95% interval covers the truth (Monte Carlo standard error ~ sqrt(.95 .05 / S)), the mean
estimate's bias, and the same for the fit that drops the hidden months (no aggregates), so the
gain in precision (mean interval width) is visible.

Usage: ``python benchmarks/sim_aggregates_coverage.py [--family negbin] [--seeds 500]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import trends

TRUTH = {"intercept": 2.8, "trend": 0.01, "level[takeover]": 0.45,
         "level[ceasefire_end]": -0.3, "slope[ceasefire_end]": 0.03}
INTS = {"takeover": "2021-08", "ceasefire_end": "2021-11"}
CHANGES = {"takeover": "level", "ceasefire_end": "level+slope"}
#: months without a published PICSS figure in 2019-2023 (0-based positions, from panel.csv)
HIDDEN = [1, 2, 3, 9, 10, 13, 18, 19, 20, 21, 22, 23, 24, 29, 30, 41, 53, 59]


def replicate(seed: int, family: str, alpha: float,
              fits: tuple[str, ...] = ("aggregates", "months only")) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 60
    t = np.arange(1, n + 1, dtype=float)
    eta = (TRUTH["intercept"] + TRUTH["trend"] * t + TRUTH["level[takeover]"] * (t >= 32)
           + TRUTH["level[ceasefire_end]"] * (t >= 35)
           + TRUTH["slope[ceasefire_end]"] * np.maximum(t - 35, 0))
    mu = np.exp(eta)
    lam = rng.gamma(1 / alpha, alpha * mu) if family == "negbin" else mu
    y = rng.poisson(lam).astype(float)
    months = pd.period_range("2019-01", periods=n, freq="M").astype(str)
    agg = pd.DataFrame({"start": [f"{yr}-01" for yr in range(2019, 2024)],
                        "end": [f"{yr}-12" for yr in range(2019, 2024)],
                        "value": [int(y[12 * i:12 * (i + 1)].sum()) for i in range(5)]})
    obs = y.copy()
    obs[HIDDEN] = np.nan
    df = pd.DataFrame({"month": months, "y": obs})
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for label, a in (("aggregates", agg), ("months only", None)):
            if label not in fits:
                continue
            res = trends.ITS(df, outcome="y", date="month", interruptions=INTS,
                             changes=CHANGES, family=family, aggregates=a).fit()
            out[label] = res.table()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--family", default="poisson", choices=["poisson", "negbin", "quasipoisson"])
    p.add_argument("--alpha", type=float, default=0.05, help="NB2 dispersion of the truth")
    p.add_argument("--seeds", type=int, default=500)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    rows = []
    for seed in range(args.seeds):
        for label, tab in replicate(seed, args.family, args.alpha).items():
            for term, truth in TRUTH.items():
                r = tab.loc[term]
                rows.append({"fit": label, "term": term, "estimate": r["estimate"],
                             "covered": r["ci_low"] <= truth <= r["ci_high"],
                             "width": r["ci_high"] - r["ci_low"], "truth": truth})
    df = pd.DataFrame(rows)
    df["error"] = df["estimate"] - df["truth"]
    summ = df.groupby(["fit", "term"], sort=False).agg(
        coverage=("covered", "mean"), bias=("error", "mean"), mean_width=("width", "mean"))
    mcse = np.sqrt(0.95 * 0.05 / args.seeds)
    print(f"family={args.family} seeds={args.seeds} (95% intervals; Monte Carlo s.e. of a "
          f"coverage {mcse:.3f}); {time.perf_counter() - t0:.1f} s")
    print(summ.round(4).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
