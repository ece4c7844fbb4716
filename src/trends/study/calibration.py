"""Calibration of the study's interval methods on its own design (docs/analysis_plan.md, 3).

:func:`calibration_table` runs :func:`trends.robust.calibrate` (1000 replicates, seed 0) on

* the primary model (NB2 with PICSS's period totals, level+slope per interruption) with every
  candidate covariance defined for it (:data:`CANDIDATES`; HAC is not defined with aggregate
  observations) -> the covariance chosen by :func:`choose_cov` gets ``role="primary"``, the
  others ``"sensitivity"``;
* the previous analysis' model (monthly only, takeover level, 2021-11 level+slope) with HAC(3)
  (``role="superseded"``) and the alternatives on that design (``"sensitivity"``);
* the primary model under a latent AR(1) on the log mean (``latent_ar``; ``"sensitivity"``).

The minimum detectable effect (:func:`trends.robust.mde`, power 0.8) of the takeover level
term of the primary model goes into the ``mde_ratio`` column of its primary rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import SpecificationError

__all__ = ["CANDIDATES", "SUPERSEDED_COV", "SIZE_RANGE", "CALIBRATION_COLUMNS", "choose_cov",
           "primary_size", "calibration_table", "latent_sd", "size_of"]

#: Candidate covariances of the primary intervals, in the plan's tie-break order.
CANDIDATES: tuple[str, ...] = ("nonrobust", "hac:3:calendar:small", "HC0")
#: The previous analysis' covariance.
SUPERSEDED_COV = "hac:3"
#: Accepted simulated size at nominal 5%.
SIZE_RANGE = (0.03, 0.08)
N_SIMS, SEED, RHO = 1000, 0, 0.3

CALIBRATION_COLUMNS = ["role", "model", "term", "cov", "size", "mc_se", "se_ratio", "n_sims",
                       "n_failed", "latent_ar", "within_3_8", "mde_ratio"]


def size_of(table: pd.DataFrame, cov: str) -> float:
    """The largest simulated size over the tested terms of ``cov`` in a calibrate table."""
    sel = table[table["cov"].astype(str) == str(cov)]
    return float(sel["size"].max()) if len(sel) else math.nan


def primary_size(table: pd.DataFrame) -> float:
    """The largest simulated size of the primary rows of a :func:`calibration_table`."""
    return float(table.loc[table["role"] == "primary", "size"].max())


def choose_cov(table: pd.DataFrame, candidates: Sequence[str] = CANDIDATES,
               size_range: tuple[float, float] = SIZE_RANGE) -> str | None:
    """The candidate whose largest size over terms lies in ``size_range`` and is closest to
    5%, ties in ``candidates`` order; ``None`` if none qualifies.

    Examples
    --------
    >>> t = pd.DataFrame({"cov": ["a", "a", "b"], "size": [0.05, 0.07, 0.055]})
    >>> choose_cov(t, ["a", "b"])
    'b'
    """
    best, dist = None, math.inf
    for c in candidates:
        s = size_of(table, c)
        if np.isfinite(s) and size_range[0] <= s <= size_range[1] and abs(s - 0.05) < dist:
            best, dist = c, abs(s - 0.05)
    return best


def latent_sd(results: Any) -> float:
    """Standard deviation of ``log((y + 0.5) / mu)`` over the observed pre-period months: an
    upper bound for the latent AR(1) innovation scale of the sensitivity run (it includes the
    count noise)."""
    d = results.design
    first = min(d.interruptions.values())
    f = results.fitted()
    y = pd.Series(d.y_full[results._rows], index=results._index())
    pre = (y.index < first) & y.notna().to_numpy()
    return float(np.log((y[pre] + 0.5) / f[pre].to_numpy()).std(ddof=1))


def _cal(results: Any, covs: Sequence[str], **kw: Any) -> pd.DataFrame:
    from trends.robust import calibrate

    ok = []
    for c in covs:
        try:
            calibrate(results, covs=[c], n_sims=100, seed=SEED, terms=results.design
                      .interruption_terms[:1])
        except SpecificationError:
            continue
        ok.append(c)
    return calibrate(results, covs=ok, n_sims=N_SIMS, seed=SEED, **kw).table()


def calibration_table(inputs: Any, measure: str = "attacks", mde: bool = True
                      ) -> tuple[pd.DataFrame, str]:
    """The calibration table (columns :data:`CALIBRATION_COLUMNS`) and the chosen covariance.

    Raises
    ------
    SpecificationError
        If no candidate keeps its size within :data:`SIZE_RANGE` (the plan then prescribes
        the parametric bootstrap, which is not automated here).
    """
    from trends.robust import mde as mde_fn
    from trends.study import analysis
    from trends.study.estimands import MODELS, fit_model

    ints, ch = MODELS["primary"]
    primary = fit_model(inputs, measure, ints, changes=ch, cov="nonrobust")
    tab = _cal(primary, CANDIDATES)
    chosen = choose_cov(tab)
    if chosen is None:
        raise SpecificationError(f"no candidate covariance in {CANDIDATES} has a simulated "
                                 f"size within {SIZE_RANGE} on the {measure} design")
    tab["role"] = np.where(tab["cov"].astype(str) == chosen, "primary", "sensitivity")
    tab["model"] = f"{measure}: NB2 + PICSS period totals (primary)"
    tab["latent_ar"] = ""
    old = analysis.fit(inputs, analysis.MAIN[0].with_(measure=measure, cov=SUPERSEDED_COV))
    t_old = _cal(old, [SUPERSEDED_COV, "nonrobust", "hac:3:calendar:small", "HC0"])
    t_old["role"] = np.where(t_old["cov"].astype(str) == SUPERSEDED_COV, "superseded",
                             "sensitivity")
    t_old["model"] = f"{measure}: NB2 monthly only (previous analysis)"
    t_old["latent_ar"] = ""
    sd = latent_sd(primary)
    t_ar = _cal(primary, [chosen], latent_ar=(RHO, sd))
    t_ar["role"] = "sensitivity"
    t_ar["model"] = f"{measure}: NB2 + PICSS period totals (primary)"
    t_ar["latent_ar"] = f"rho={RHO}, sd={sd:.3f}"
    out = pd.concat([tab, t_old, t_ar], ignore_index=True)
    out["cov"] = out["cov"].astype(str)
    out["within_3_8"] = (out["size"] >= SIZE_RANGE[0]) & (out["size"] <= SIZE_RANGE[1])
    out["mde_ratio"] = math.nan
    if mde:
        m = mde_fn(primary, term="level[takeover]", power=0.8, n_sims=N_SIMS, seed=SEED)
        hit = (out["role"] == "primary") & (out["term"] == "level[takeover]")
        out.loc[hit, "mde_ratio"] = m
    return out[CALIBRATION_COLUMNS], chosen
