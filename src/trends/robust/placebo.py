"""Placebo-in-time tests: the model refitted with its interruptions moved into the pre-period.

If the estimated effects of the real interruptions are no larger than what the same model finds
at dates where nothing happened, they are weak evidence of an effect. Following the in-time
placebo design of Abadie, Diamond & Hainmueller (2015), the model is fitted to the
pre-interruption data only, with the interruptions shifted together (keeping their spacing) to
every admissible earlier date; the real effect is ranked among these placebo effects.

The placebo fits use the pre-period observations only, so no real interruption contaminates
them; all placements are fitted at once with :func:`trends.robust.engine.fit_batch`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import SpecificationError
from trends.robust.grid import _check_min_segment, fit_placements
from trends.robust.problem import BreakProblem, problem_from_model

__all__ = ["placebo_in_time", "PlaceboResult", "plot_placebo"]


@dataclass(frozen=True)
class PlaceboResult:
    """Result of :func:`placebo_in_time`.

    Attributes
    ----------
    effects
        One row per placebo placement: ``break_1..break_k`` (placebo dates), ``llf``, ``aic``,
        ``bic`` and the placebo estimate of every level/slope term.
    observed
        The model's own estimates of the level/slope terms (full data, real dates).
    summary
        Per term: ``observed``, ``n_placebos``, ``placebo_mean``, ``placebo_sd``,
        ``placebo_low``/``placebo_high`` (2.5% and 97.5% quantiles), ``rank`` (1 = the most
        extreme in absolute value among the placebos and the real effect) and ``p_value``
        ``= (1 + #{|placebo| >= |observed|}) / (1 + n_placebos)``.

    Parameters
    ----------
    effects, observed, summary
        As the attributes (built by :func:`placebo_in_time`).

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=36, freq="M"),
    ...                    "y": 10 + rng.normal(0, 1, 36)})
    >>> model = trends.ITS(df, outcome="y", date="month", interruptions={"p": "2021-01"})
    >>> int(placebo_in_time(model).summary.loc["level[p]", "n_placebos"])
    19
    """

    effects: pd.DataFrame
    observed: pd.Series
    summary: pd.DataFrame = field(repr=False)


def placebo_in_time(
    model: Any,
    min_segment: int = 3,
    *,
    alpha: float | None = None,
    progress: bool = False,
) -> PlaceboResult:
    """Move the interruptions into the pre-period and compare placebo with real effects.

    Parameters
    ----------
    model
        An unfitted :class:`trends.ITS` specification (family, offset, seasonality,
        covariates and changes are kept).
    min_segment
        Minimum used observations in each segment of a placebo fit (within the pre-period),
        including the stretch after the last placebo interruption.
    alpha
        negbin only: fixed dispersion (default: re-estimated for every fit).
    progress
        Show a progress bar.

    Returns
    -------
    PlaceboResult

    Raises
    ------
    SpecificationError
        If the pre-period is too short for a single placebo placement.

    Notes
    -----
    The placebo interruptions keep the spacing of the real ones (e.g. 2021-08 and 2021-11
    become any pair three months apart) and lie entirely before the first real interruption.
    Effects are compared on the model's own scale (log rate ratios for count families).

    Examples
    --------
    >>> import numpy as np, pandas as pd, trends
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"month": pd.period_range("2019-01", periods=36, freq="M"),
    ...                    "y": 10 + rng.normal(0, 1, 36)})
    >>> model = trends.ITS(df, outcome="y", date="month", interruptions={"p": "2021-01"})
    >>> res = placebo_in_time(model)
    >>> res.summary.index.tolist(), res.effects.shape
    (['level[p]', 'slope[p]'], (19, 6))
    """
    problem = problem_from_model(model)
    min_segment = _check_min_segment(problem, min_segment)
    hyp = np.asarray(problem.hypothesised, dtype=np.int64)
    real = fit_placements(problem, hyp[None, :], alpha=alpha)
    if not np.isfinite(real[1][0]):
        raise SpecificationError("the model itself could not be fitted at its interruption dates")
    observed = pd.Series(real[0][0], index=problem.break_terms, name="observed")

    pre = problem.positions < hyp[0]
    pre_problem = _restrict(problem, pre)
    spacing = hyp - hyp[0]
    starts = np.arange(len(problem.periods))
    placements = starts[:, None] + spacing[None, :]
    placements = placements[placements[:, -1] < hyp[0]]
    if len(placements):
        counts = pre_problem.segment_counts(placements)
        placements = placements[np.all(counts >= min_segment, axis=1)]
    if len(placements) == 0:
        raise SpecificationError(
            f"the pre-period ({int(pre.sum())} observations before "
            f"{problem.label(hyp[0])}) is too short for a placebo placement with at least "
            f"{min_segment} observations per segment")
    fitted = fit_placements(pre_problem, placements, alpha=alpha, progress=progress,
                            desc="placebo")
    params, llf, aic, bic, conv = fitted[:5]
    data: dict[str, Any] = {f"break_{j + 1}": [problem.label(p) for p in placements[:, j]]
                            for j in range(problem.n_breaks)}
    data.update({"llf": llf, "aic": aic, "bic": bic})
    for i, term in enumerate(problem.break_terms):
        data[term] = params[:, i]
    effects = pd.DataFrame(data)
    ok = np.all(np.isfinite(params), axis=1)
    rows = []
    for i, term in enumerate(problem.break_terms):
        pl = params[ok, i]
        obs = float(observed[term])
        exceed = int(np.sum(np.abs(pl) >= abs(obs)))
        rows.append({
            "term": term,
            "observed": obs,
            "n_placebos": int(len(pl)),
            "placebo_mean": float(np.mean(pl)) if len(pl) else np.nan,
            "placebo_sd": float(np.std(pl, ddof=1)) if len(pl) > 1 else np.nan,
            "placebo_low": float(np.quantile(pl, 0.025)) if len(pl) else np.nan,
            "placebo_high": float(np.quantile(pl, 0.975)) if len(pl) else np.nan,
            "rank": 1 + exceed,
            "p_value": (1 + exceed) / (1 + len(pl)),
        })
    summary = pd.DataFrame(rows).set_index("term")
    return PlaceboResult(effects=effects, observed=observed, summary=summary)


def _restrict(problem: BreakProblem, keep: np.ndarray) -> BreakProblem:
    base = problem.base.loc[keep] if isinstance(problem.base, pd.DataFrame) else problem.base
    # a shared column that is constant zero in the sub-sample cannot be estimated there
    nonzero = [c for c in base.columns if np.any(base[c].to_numpy() != 0)]
    return BreakProblem(
        y=problem.y[keep],
        base=base[nonzero],
        offset=None if problem.offset is None else problem.offset[keep],
        positions=problem.positions[keep],
        periods=problem.periods,
        family=problem.family,
        names=problem.names,
        changes=problem.changes,
        hypothesised=None,  # the real dates lie outside the pre-period
    )


def plot_placebo(result: PlaceboResult, term: str | None = None, ax: Any = None, *,
                 width: str | float = "single", caption: str | None = None
                 ) -> tuple[Any, Any]:
    """Histogram of placebo effects with the real effect marked; returns ``(fig, ax)``.

    ``width`` ``"single"`` (default, 3.5 in) or ``"double"``; ``caption`` goes under the figure.
    """
    from trends import plot

    term = result.observed.index[0] if term is None else term
    if term not in result.observed.index:
        raise SpecificationError(f"unknown term {term!r}; expected one of "
                                 f"{list(result.observed.index)}")
    with plot.style():  # the figure style of trends.plot (Figure API, no pyplot state)
        own = ax is None
        fig, ax = plot.figure(width, 2.6) if own else (ax.figure, ax)
        vals = result.effects[term].dropna().to_numpy()
        ax.hist(vals, bins=min(30, max(5, len(vals) // 3)), color=plot.GAP_COLOUR,
                edgecolor=plot.OKABE_ITO["black"], linewidth=0.4, label="placebo interruptions")
        ax.axvline(float(result.observed[term]), color=plot.OKABE_ITO["vermillion"], lw=1.5,
                   label="real interruption")
        p = result.summary.loc[term, "p_value"]
        ax.set_title(plot.plain(f"Placebo-in-time: {term}\n(p = {p:.3f}, {len(vals)} "
                                "placebos)"))
        ax.set_xlabel("estimate (placebo interruption)")
        ax.set_ylabel("placebo placements")
        if own:
            handles, labels = ax.get_legend_handles_labels()
            plot.layout(fig, legend=list(zip(handles, labels, strict=True)), caption=caption)
        else:
            ax.legend(frameon=False)
    return fig, ax
