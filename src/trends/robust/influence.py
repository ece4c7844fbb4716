"""Influence of single observations: each term's estimate with one observed period left out.

Every refit uses the vectorised engine (:func:`trends.robust._replicates.refit`, the same
family rules as :meth:`trends.ITS.fit`: an NB2 refit without overdispersion is the Poisson
fit), one fit per left-out period with the design's other rows unchanged (the calendar, and so
the trend and slope columns, stay as they are: leaving a period out is the same as it being
missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import SpecificationError
from trends.robust._replicates import refit

__all__ = ["leave_one_out"]


def leave_one_out(results: Any, *, terms: Sequence[str] | None = None) -> pd.DataFrame:
    """Refit without each observed period and report the change in each term's estimate.

    Parameters
    ----------
    results
        A fitted :class:`~trends.results.ITSResults` (no ARMA errors).
    terms
        Terms to report (default: the interruption terms).

    Returns
    -------
    DataFrame
        ``period, term, estimate, change``: one row per left-out period and term, with the
        estimate of the refit and ``change = estimate - full-data estimate`` (NaN where the
        refit fails, e.g. a term no longer identified).

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> from trends.robust import leave_one_out
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=24, freq="M"),
    ...                    "y": rng.poisson(20, 24)})
    >>> res = trends.ITS(df, outcome="y", date="month", interruptions={"p": "2020-01"},
    ...                  family="poisson").fit()
    >>> loo = leave_one_out(res, terms=["level[p]"])
    >>> len(loo), list(loo.columns)
    (24, ['period', 'term', 'estimate', 'change'])
    """
    if results.spec.errors is not None:
        raise SpecificationError(f"results: leave_one_out needs a model without ARMA errors "
                                 f"(saw errors={results.spec.errors!r}); expected errors=None")
    if terms is None:
        terms_ = list(results.design.interruption_terms) or list(results.terms)
    else:
        terms_ = [terms] if isinstance(terms, str) else list(terms)
        bad = [t for t in terms_ if t not in results.terms]
        if bad or not terms_:
            raise SpecificationError(f"terms={terms!r} names unknown term(s) {bad}; expected "
                                     f"some of {results.terms}")
    d = results.design
    X = d.X.to_numpy()
    y = d.y
    n = len(y)
    cols = [results.terms.index(t) for t in terms_]
    est = np.full((n, len(cols)), np.nan)
    for i in range(n):
        keep = np.arange(n) != i
        Xi = X[keep]
        if np.linalg.matrix_rank(Xi) < X.shape[1]:
            continue  # a term is no longer identified without this row
        off = None if d.offset is None else d.offset[keep]
        f = refit(y[keep][None, :], Xi, d.family, off)
        est[i] = f.params[0, cols]
    full = results.params.to_numpy()[cols]
    periods = np.repeat(np.asarray(d.X.index, dtype=object), len(cols))
    return pd.DataFrame({
        "period": pd.PeriodIndex(periods, freq=d.X.index.freq) if len(periods) else periods,
        "term": np.tile(terms_, n),
        "estimate": est.ravel(),
        "change": (est - full[None, :]).ravel(),
    })
