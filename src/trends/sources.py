"""Several sources of one series in one ITS model.

``trends.ITS(long_data, ..., source="source")`` takes one row per source x period. The rows of
each source are laid on the common calendar (first to last period over all sources), stacked
source by source (the reference source first, then the others in sorted order), and share the
regression terms of :mod:`trends.design` (``intercept``, ``trend``, ``level[NAME]``,
``slope[NAME]``, seasonality, covariates). Added terms:

* ``source[S]`` for every source ``S`` but the reference: the log ratio (count families) or
  difference (gaussian) of source ``S``'s level to the reference's. The reference is the first
  source in sorted order, or ``reference=``.
* ``source_trends=True``: ``trend:source[S]``, each source's own trend relative to the
  reference's.
* ``by_source=True``: ``level[NAME]:source[S]`` and ``slope[NAME]:source[S]``: source ``S``'s
  interruption effects minus the reference's (which are the shared ``level[NAME]`` /
  ``slope[NAME]``). :meth:`trends.results.ITSResults.source_heterogeneity` Wald-tests that they
  are all zero.

Missing periods of each source stay missing. The segment rule (at least
:data:`trends.design.MIN_SEGMENT_POINTS` used observations before the first interruption and
after each) applies to the pooled rows, so a source observed only before an interruption is
accepted: it informs its own intercept and the common trend. With ``by_source=True`` each
non-reference source needs that many observations after each interruption too.

Results: ``fitted(source=)``, ``counterfactual(source=)``, ``plot_data(source=)`` and
``predictions(source=)`` describe one source (default: the reference); ``effects()`` and the
other single-series views describe the reference, and :func:`source_view` gives a results
object whose views describe another source (``ITSResults.window_effects`` from the
calibration issue reads the same views, so ``source_view(res, S).window_effects(...)`` is the
per-source form once it exists). The ``trends.robust`` procedures (break grids, placebo,
bootstrap) do not yet know about sources or aggregates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from trends.design import (
    FAMILIES,
    FREQUENCIES,
    MIN_SEGMENT_POINTS,
    Design,
    _check_order,
    _collinear_terms,
    _combined_date,
    _did_you_mean,
    _numeric,
    _require_column,
    calendar_index,
    infer_freq,
    interruption_columns,
    normalise_freq,
    parse_changes,
    parse_seasonality,
    seasonal_columns,
    to_period,
    to_periods,
)
from trends.errors import SpecificationError
from trends.families import FAMILIES as FAMILY_REGISTRY
from trends.families import get_family

__all__ = ["SourceDesign", "build_source_design", "source_heterogeneity", "source_view",
           "predictions"]


@dataclass(frozen=True)
class SourceDesign(Design):
    """A :class:`~trends.design.Design` over several sources, stacked source by source.

    ``treated`` marks the rows of the source that the results' single-series views (fitted,
    counterfactual, plot_data, effects) describe: the reference source by default.

    Attributes
    ----------
    source_labels
        The source of every grid row.
    sources
        The sources, reference first, then the others in sorted order.
    reference
        The reference source.
    source_column
        The data's source column.

    Parameters
    ----------
    **fields
        Those of :class:`~trends.design.Design` and the attributes above (built by
        :func:`build_source_design`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> months = list(pd.period_range("2020-01", periods=24, freq="M").astype(str))
    >>> df = pd.DataFrame({"month": months * 2, "src": ["A"] * 24 + ["B"] * 24,
    ...     "y": np.r_[10 + np.arange(24) % 5, 14 + np.arange(24) % 4].astype(float)})
    >>> d = build_source_design(df, source="src", outcome="y", date="month",
    ...                         interruptions={"x": "2021-01"}, by_source=True)
    >>> d.heterogeneity_terms
    ['level[x]:source[B]', 'slope[x]:source[B]']
    """

    source_labels: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    sources: tuple[Any, ...] = ()
    reference: Any = None
    source_column: str = "source"

    @property
    def heterogeneity_terms(self) -> list[str]:
        """The ``level[..]:source[..]`` / ``slope[..]:source[..]`` terms (``by_source``)."""
        return [t for t in self.terms if re.fullmatch(r"(level|slope)\[.*\]:source\[.*\]", t)]


def _label(s: Any) -> str:
    return str(s)


def build_source_design(
    data: pd.DataFrame,
    *,
    source: str,
    outcome: str,
    date: str | Sequence[str],
    interruptions: Mapping[str, Any],
    changes: str | Mapping[str, str] = "level+slope",
    family: str = "gaussian",
    offset: str | None = None,
    seasonality: Any = None,
    covariates: Sequence[str] | None = None,
    freq: str | None = None,
    reference: Any = None,
    source_trends: bool = False,
    by_source: bool = False,
) -> SourceDesign:
    """Validate a multi-source specification and build its design (see the module docstring).

    Parameters
    ----------
    data, outcome, date, interruptions, changes, family, offset, seasonality, covariates, freq
        As for :class:`trends.ITS`.
    source
        Column naming the source of each row.
    reference, source_trends, by_source
        As for :class:`trends.ITS`: the reference source (default: the first in name order),
        a trend per source, source-specific interruption terms.

    Returns
    -------
    SourceDesign

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> months = list(pd.period_range("2020-01", periods=24, freq="M").astype(str))
    >>> df = pd.DataFrame({"month": months * 2, "src": ["A"] * 24 + ["B"] * 24,
    ...     "y": np.r_[10 + np.arange(24) % 5, 14 + np.arange(24) % 4].astype(float)})
    >>> d = build_source_design(df, source="src", outcome="y", date="month",
    ...                         interruptions={"x": "2021-01"})
    >>> d.sources, d.reference, d.terms
    (('A', 'B'), 'A', ['intercept', 'trend', 'level[x]', 'slope[x]', 'source[B]'])

    Raises
    ------
    SpecificationError
        On any invalid specification (as :func:`trends.design.build_design`), an unknown
        ``reference``, a missing source label, or ``by_source=True`` with one source only or
        a source without enough observations after an interruption.
    """
    if not isinstance(data, pd.DataFrame):
        raise SpecificationError(f"data must be a pandas DataFrame (saw {type(data).__name__})")
    if not isinstance(family, str) or family.lower() not in FAMILIES:
        raise SpecificationError(
            f"family {family!r} is not valid; expected one of {list(FAMILIES)}")
    family = family.lower()
    fam = get_family(family)
    if isinstance(date, (list, tuple)):  # separate year and month/quarter/week columns
        data, date = _combined_date(data, date, freq)
    _require_column(data, source, "source")
    _require_column(data, outcome, "outcome")
    _require_column(data, date, "date")
    assert isinstance(date, str)  # _require_column refuses anything else
    if offset is not None:
        _require_column(data, offset, "offset")
        if not fam.offsets_allowed:
            raise SpecificationError(
                "an offset needs a log-link count family ("
                + ", ".join(n for n, f in FAMILY_REGISTRY.items() if f.offsets_allowed) + ")")
    covariates = [] if covariates is None else (
        [covariates] if isinstance(covariates, str) else list(covariates))
    for c in covariates:
        _require_column(data, c, "covariate")
    if not isinstance(interruptions, Mapping):
        raise SpecificationError(
            "interruptions must be a dict {name: date}, e.g. {'takeover': '2021-08'}")
    names = list(interruptions)
    for n_ in names:
        if not isinstance(n_, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", n_):
            raise SpecificationError(
                f"interruption name {n_!r} is not valid; use letters, digits, '_', '-' or '.'")
    lab = data[source]
    if lab.isna().any():
        pos = int(np.flatnonzero(lab.isna().to_numpy())[0])
        raise SpecificationError(f"source column '{source}' is missing at row {pos}; expected "
                                 "a source name on every row")
    present = sorted(set(lab.tolist()), key=_label)
    if reference is None:
        reference = present[0]
    elif reference not in present:
        raise SpecificationError(
            f"reference={reference!r} is not a source in column '{source}' {present}"
            + _did_you_mean(str(reference), [str(p) for p in present]))
    if by_source and len(present) < 2:
        raise SpecificationError(
            f"by_source=True needs at least two sources; column '{source}' has only "
            f"{present!r}")
    sources = (reference, *[s for s in present if s != reference])

    code = normalise_freq(freq) if freq is not None else infer_freq(data[date])
    pfreq = FREQUENCIES[code]
    periods = to_periods(data[date], code, column=date)
    y_all = _numeric(data, outcome, "outcome")
    off_all = _numeric(data, offset, "offset") if offset is not None else None
    cov_all = {c: _numeric(data, c, "covariate") for c in covariates}
    if off_all is not None:
        bad = np.isfinite(off_all) & (off_all <= 0)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise SpecificationError(
                f"offset column '{offset}' must be positive; saw {off_all[pos]:g} at row {pos}")
    first, last = periods.min(), periods.max()
    grid = calendar_index(first, last)
    n = len(grid)
    t = np.arange(1, n + 1, dtype=float)
    ipers: dict[str, pd.Period] = {}
    for n_, v in interruptions.items():
        p = to_period(v, code, what=f"interruption '{n_}'")
        if p <= first or p > last:
            raise SpecificationError(
                f"interruption '{n_}' ({p}) is outside the data ({first} to {last}); it must be "
                "after the first period and no later than the last")
        if p in ipers.values():
            raise SpecificationError(f"two interruptions are at {p}; give each a distinct date")
        ipers[n_] = p
    chg = parse_changes(changes, names)
    season = parse_seasonality(seasonality, code)
    t_int = {n_: int(p.ordinal - first.ordinal) + 1 for n_, p in ipers.items()}

    src_arr = lab.to_numpy()
    k_src = len(sources)
    y_full = np.full(n * k_src, np.nan)
    off_full = np.full(n * k_src, np.nan) if off_all is not None else None
    cov_full = {c: np.full(n * k_src, np.nan) for c in covariates}
    for b, s in enumerate(sources):
        mask = src_arr == s
        pu = periods[mask]
        _check_order(pu, date, f" for {source}={s!r}")
        pos = b * n + (pu.asi8 - first.ordinal).astype(int)
        y_full[pos] = y_all[mask]
        if off_full is not None and off_all is not None:
            off_full[pos] = off_all[mask]
        for c in covariates:
            cov_full[c][pos] = cov_all[c][mask]
    labels = np.repeat(np.array(sources, dtype=object), n)
    periods_full = pd.PeriodIndex(np.tile(np.asarray(grid), k_src), freq=pfreq, name="period")
    t_full = np.tile(t, k_src)
    cols: dict[str, np.ndarray] = {"intercept": np.ones(n * k_src), "trend": t_full}
    icols = interruption_columns(t_full, t_int, chg)
    cols.update(icols)
    cols.update(seasonal_columns(periods_full, season))
    for c in covariates:
        if c in cols:
            raise SpecificationError(f"covariate '{c}' has the same name as a model term")
        cols[c] = cov_full[c]
    dummies = {s: (labels == s).astype(float) for s in sources[1:]}
    for s, z in dummies.items():
        cols[f"source[{s}]"] = z
    if source_trends:
        for s, z in dummies.items():
            cols[f"trend:source[{s}]"] = z * t_full
    if by_source:
        for name, arr in icols.items():
            for s, z in dummies.items():
                cols[f"{name}:source[{s}]"] = z * arr
    X_full = pd.DataFrame(cols, index=periods_full)
    terms = list(X_full.columns)
    log_off = np.log(off_full) if off_full is not None else None
    used = np.isfinite(y_full)
    if log_off is not None:
        used &= np.isfinite(log_off)
    for c in covariates:
        used &= np.isfinite(cov_full[c])
    if used.sum() == 0:
        raise SpecificationError(f"outcome column '{outcome}' has no usable (non-missing) values")
    if fam.counts:
        yu = y_full[used]
        bad = (yu < 0) | (yu != np.floor(yu))
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise SpecificationError(
                f"family '{family}' needs non-negative integer counts; outcome '{outcome}' is "
                f"{yu[j]:g} at {periods_full[used][j]} ({source}={labels[used][j]!r})")
    for b, s in enumerate(sources):
        if not used[b * n:(b + 1) * n].any():
            raise SpecificationError(
                f"source {s!r} has no used observation; expected at least one (or drop it)")

    bounds = sorted(ipers.items(), key=lambda kv: kv[1])
    starts = [("pre-interruption", first)] + [(f"after '{nm}'", p) for nm, p in bounds]
    used_by_src = used.reshape(k_src, n)
    for j, (label, start) in enumerate(starts):
        lo = int(start.ordinal - first.ordinal)
        hi = int(bounds[j][1].ordinal - first.ordinal) if j < len(bounds) else n
        k = int(used_by_src[:, lo:hi].sum())
        if k < MIN_SEGMENT_POINTS:
            raise SpecificationError(
                f"segment {label} ({start} to {grid[hi - 1]}) has {k} used observation(s) "
                f"pooled over the sources; at least {MIN_SEGMENT_POINTS} are needed per segment")
        if by_source and j > 0:
            for b, s in enumerate(sources[1:], start=1):
                ks = int(used_by_src[b, lo:].sum())
                if ks < MIN_SEGMENT_POINTS:
                    raise SpecificationError(
                        f"by_source=True: source {s!r} has {ks} used observation(s) from "
                        f"{start} ({label}) on; at least {MIN_SEGMENT_POINTS} are needed for "
                        "its own interruption terms (drop by_source or that source)")

    Xu = X_full.to_numpy()[used]
    if Xu.shape[0] <= Xu.shape[1]:
        raise SpecificationError(
            f"{Xu.shape[0]} used observations for {Xu.shape[1]} terms; need more observations "
            "than terms")
    bad_terms = _collinear_terms(Xu, terms)
    if bad_terms:
        raise SpecificationError(
            f"the design is rank deficient: term(s) {bad_terms} are collinear with earlier terms "
            "at the used observations (check the sources' coverage, interruptions and "
            "seasonality)")
    return SourceDesign(
        y=y_full[used].copy(), X=X_full.iloc[np.flatnonzero(used)],
        offset=None if log_off is None else log_off[used].copy(),
        periods=periods_full, used=used, family=family, terms=terms, X_full=X_full,
        y_full=y_full, offset_full=log_off, unit=None, treated=labels == reference,
        freq=code, interruptions=ipers, changes=chg,
        source_labels=labels, sources=sources, reference=reference, source_column=source,
    )


def hac_cov_args(design: SourceDesign, lags: int, small: bool) -> dict[str, Any]:
    """statsmodels ``cov_type="hac-panel"`` arguments: Newey-West lags within each source."""
    codes = np.array([design.sources.index(s) for s in design.source_labels])
    return {"cov_type": "hac-panel", "cov_kwds": {
        "groups": np.asarray(codes)[design.used], "maxlags": int(lags),
        "use_correction": "hac" if small else False}}


# --------------------------------------------------------------------------- results helpers
def _check_source(design: Design, source: Any) -> None:
    if not isinstance(design, SourceDesign):
        raise SpecificationError("source= needs a multi-source model (ITS(..., source=COL))")
    if source not in design.sources:
        raise SpecificationError(
            f"source {source!r} is not a source of the model {list(design.sources)}"
            + _did_you_mean(str(source), [str(s) for s in design.sources]))


def source_view(results: Any, source: Any) -> Any:
    """A copy of ``results`` whose single-series views (``fitted``, ``counterfactual``,
    ``plot_data``, ``effects``) describe ``source`` instead of the reference.

    Parameters
    ----------
    results
        Results of a multi-source model.
    source
        A source label of the design (``None``: ``results`` unchanged).

    Returns
    -------
    ITSResults

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> months = list(pd.period_range("2020-01", periods=24, freq="M").astype(str))
    >>> df = pd.DataFrame({"month": months * 2, "src": ["A"] * 24 + ["B"] * 24,
    ...     "y": np.r_[10 + np.arange(24) % 5, 14 + np.arange(24) % 4].astype(float)})
    >>> res = trends.ITS(df, outcome="y", date="month", source="src",
    ...                  interruptions={"x": "2021-01"}, by_source=True).fit()
    >>> source_view(res, "B").fitted().round(2).iloc[:2].tolist()
    [15.11, 15.18]
    """
    design = results.design
    if source is None:
        return results
    _check_source(design, source)
    return replace(results, view_design=replace(design, treated=design.source_labels == source))


def source_heterogeneity(results: Any) -> pd.DataFrame:
    """Wald test that every ``level[..]:source[..]`` / ``slope[..]:source[..]`` term is zero.

    Returns one row per interruption term (``level[NAME]``, ``slope[NAME]``: the sources share
    it) and a row ``all``: ``statistic`` (chi-squared), ``df``, ``p_value``, ``terms``. Uses the
    results' covariance (chi-squared reference; for gaussian OLS with classical covariance
    the statistic is ``df`` times the F statistic and the p-value is from F).

    Parameters
    ----------
    results
        Results of a multi-source model fitted with ``by_source=True``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``test``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> months = list(pd.period_range("2020-01", periods=24, freq="M").astype(str))
    >>> df = pd.DataFrame({"month": months * 2, "src": ["A"] * 24 + ["B"] * 24,
    ...     "y": np.r_[10 + np.arange(24) % 5, 14 + np.arange(24) % 4].astype(float)})
    >>> res = trends.ITS(df, outcome="y", date="month", source="src",
    ...                  interruptions={"x": "2021-01"}, by_source=True).fit()
    >>> source_heterogeneity(res)["df"].to_dict()
    {'level[x]': 1, 'slope[x]': 1, 'all': 2}
    """
    design = results.design
    if not isinstance(design, SourceDesign) or not design.heterogeneity_terms:
        raise SpecificationError(
            "source_heterogeneity() needs a multi-source model fitted with by_source=True")
    b = results.params
    V = results.cov
    rows = []
    groups: dict[str, list[str]] = {}
    for t in design.heterogeneity_terms:
        groups.setdefault(t.split(":source[")[0], []).append(t)
    groups["all"] = design.heterogeneity_terms
    for name, terms in groups.items():
        bb = b[terms].to_numpy()
        W = float(bb @ np.linalg.solve(V.loc[terms, terms].to_numpy(), bb))
        df = len(terms)
        if results.use_t:
            p = float(stats.f.sf(W / df, df, results.df_resid))
        else:
            p = float(stats.chi2.sf(W, df))
        rows.append({"test": name, "statistic": W, "df": df, "p_value": p,
                     "terms": ", ".join(terms)})
    return pd.DataFrame(rows).set_index("test")


def predictions(results: Any, source: Any = None, alpha: float | None = None) -> pd.DataFrame:
    """Fitted means with bands for every period of one source (default: the reference or the
    single series), with ``observed`` (NaN where missing) and ``kind``: ``"observed"`` where
    the period entered the fit as a monthly observation, ``"model-based"`` elsewhere (with
    ``in_total=True`` where a published total covering the period entered the fit).

    Parameters
    ----------
    results
        Fitted results (one or several sources, with or without aggregates).
    source
        Which source (default: the reference).
    alpha
        Level of the bands (default: the model's).

    Returns
    -------
    pandas.DataFrame
        Columns ``[source,] observed, fitted, fitted_low, fitted_high, kind, in_total``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> months = list(pd.period_range("2020-01", periods=24, freq="M").astype(str))
    >>> df = pd.DataFrame({"month": months * 2, "src": ["A"] * 24 + ["B"] * 24,
    ...     "y": np.r_[10 + np.arange(24) % 5, 14 + np.arange(24) % 4].astype(float)})
    >>> res = trends.ITS(df, outcome="y", date="month", source="src",
    ...                  interruptions={"x": "2021-01"}, by_source=True).fit()
    >>> predictions(res, "B").columns.tolist()
    ['source', 'observed', 'fitted', 'fitted_low', 'fitted_high', 'kind', 'in_total']
    """
    view = source_view(results, source) if source is not None else results
    pdat = view.plot_data(alpha)
    out = pdat[["observed", "fitted", "fitted_low", "fitted_high"]].copy()
    out["kind"] = np.where(pdat["used"].to_numpy(), "observed", "model-based")
    design = view.design
    rows = np.flatnonzero(design.treated)
    covered = np.zeros(len(design.periods), dtype=bool)
    mres = results.model_result
    if getattr(mres, "is_aggregate", False):
        covered[mres.problem.aggregates.hidden_rows] = True
    out["in_total"] = covered[rows]
    if isinstance(design, SourceDesign):
        out.insert(0, "source", design.source_labels[rows])
    return out
