"""Benchmark: gaussian break-date grid (cumulative sums) against R's strucchange::breakpoints
and ruptures' exact dynamic programme, with identical optimal breaks.

The series are the ones ``benchmarks/reference/strucchange_breakpoints.R`` generated and timed
(``y ~ t``, every coefficient breaks: level and slope at each of 2 breaks, minimum segment
h = 3). For each size this prints

* ``trends cold``: :func:`trends.robust.break_date_grid` (``family="gaussian"``, the whole grid
  of every placement, sorted) as a first call in a fresh process with the default environment
  (no thread variables), imports of ``trends.robust`` included; ``warm``: the second call;
* ``R``: the stored elapsed time of ``strucchange::breakpoints(y ~ t, h = 3, breaks = 2)``
  (best of 3, with R version and machine load in the stored file's first line): R is not
  needed to run this benchmark;
* ``ruptures``: ``ruptures.Dynp(model="linear", min_size=3, jump=1)`` (exact; the fastest exact
  Python method we could run), timed in this process, when installed (``--ruptures-max-n``
  bounds the sizes it is run at, its time grows as n^2.2: ~70 s at n = 960);

and the ratios, and checks that all three give the same optimal pair of breaks.

Usage: ``python benchmarks/bench_gaussian.py [--sizes 120,240,480,960] [--ruptures-max-n N]``
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

REF = Path(__file__).resolve().parent / "reference"


def _model(n: int):
    import trends

    s = pd.read_csv(REF / f"gaussian_series_n{n}.csv")
    months = pd.period_range("1900-01", periods=n, freq="M")
    df = pd.DataFrame({"month": months.astype(str), "y": s["y"].to_numpy(dtype=float)})
    return trends.ITS(df, outcome="y", date="month", family="gaussian",
                      interruptions={"a": str(months[n // 3]), "b": str(months[2 * n // 3])})


def child(n: int) -> dict:
    model = _model(n)
    t0 = time.perf_counter()
    from trends.robust import break_date_grid

    grid = break_date_grid(model, min_segment=3)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    grid = break_date_grid(model, min_segment=3)
    warm = time.perf_counter() - t0
    months = [str(p) for p in pd.period_range("1900-01", periods=n, freq="M")]
    best = [months.index(grid.loc[0, "break_1"]), months.index(grid.loc[0, "break_2"])]
    return {"cold": cold, "warm": warm, "best": best, "rows": len(grid)}


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="120,240,480,960")
    ap.add_argument("--ruptures-max-n", type=int, default=960)
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    with open(REF / "strucchange_breakpoints.csv") as fh:
        meta = fh.readline().strip("# \n")
    ref = pd.read_csv(REF / "strucchange_breakpoints.csv", comment="#").set_index("n")
    try:
        import ruptures
    except ImportError:
        ruptures = None
    print(f"# gaussian grid, 2 level+slope breaks, h=3; load now {os.getloadavg()[0]:.2f}; "
          f"R reference: {meta}")
    ok = True
    for n in (int(x) for x in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--child", str(n)], check=True,
                             capture_output=True, text=True, env=_env())
        got = json.loads(out.stdout.strip().splitlines()[-1])
        r = ref.loc[n]
        r_best = [int(r["bp1"]), int(r["bp2"])]  # strucchange: last obs (1-based) = our 0-based start
        r_s = float(r["elapsed_min_s"])
        line = (f"n={n}: {got['rows']} placements; trends cold {got['cold']:.3f} s, warm "
                f"{got['warm']:.3f} s; R strucchange {r_s:.3f} s (stored) -> "
                f"ratio cold {r_s / got['cold']:.1f}x, warm {r_s / got['warm']:.1f}x")
        same = got["best"] == r_best
        if ruptures is not None and n <= args.ruptures_max_n:
            s = pd.read_csv(REF / f"gaussian_series_n{n}.csv")
            y = s["y"].to_numpy(dtype=float)
            sig = np.column_stack([y, np.ones(n), np.arange(1, n + 1, dtype=float)])
            t0 = time.perf_counter()
            bk = ruptures.Dynp(model="linear", min_size=3, jump=1).fit(sig).predict(n_bkps=2)
            rp_s = time.perf_counter() - t0
            same &= bk[:2] == r_best
            line += (f"; ruptures Dynp {rp_s:.3f} s -> ratio cold {rp_s / got['cold']:.1f}x, "
                     f"warm {rp_s / got['warm']:.1f}x")
        elif ruptures is None:
            line += "; ruptures not installed (pip install ruptures) -> no Python reference"
        line += f"; optimal breaks {'identical' if same else 'DIFFER'} {r_best}"
        ok &= same
        print(line, flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
