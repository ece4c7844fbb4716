"""Break-date search: refit an ITS model for every admissible placement of its interruptions.

"Would the answer change if the break were elsewhere?" :func:`break_date_grid` answers it by
fitting the model, exactly as specified (family, offset, seasonality, covariates), with its
interruptions moved to every admissible set of dates, all fits at once
(:func:`trends.robust.engine.fit_batch`). :func:`profile` moves one interruption at a time
around its hypothesised date, and :func:`plot_grid` draws the result. :func:`refit_loop` is
the naive reference (one statsmodels fit per placement) used by the tests and the benchmark.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import SpecificationError
from trends.families import get_family
from trends.robust._threads import single_blas_thread
from trends.robust.engine import BatchFit, BreakColumns, fit_batch
from trends.robust.problem import (
    BreakProblem,
    admissible_placements,
    min_segment_floor,
    problem_from_model,
)

__all__ = ["break_date_grid", "profile", "plot_grid", "refit_loop", "fit_placements"]

#: floats of break columns per batch (``m n`` per fit): small enough for every ``B x n`` array
#: of a batch to stay in cache (larger batches are slower, not faster)
_CHUNK_FLOATS = 600_000


class _NoBar:
    """Stand-in for a disabled tqdm bar (tqdm is not imported when no bar is shown)."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        return None


def progress_bar(show: bool, **kwargs: Any) -> Any:
    """A ``tqdm.std`` bar when ``show``, else a no-op: ``tqdm.auto`` would import asyncio (0.1 s
    on a first call) to offer notebook bars, and a hidden bar needs no tqdm at all."""
    if not show:
        return _NoBar()
    from tqdm.std import tqdm

    return tqdm(**kwargs)


def _check_min_segment(problem: BreakProblem, min_segment: int) -> int:
    if isinstance(min_segment, bool) or not isinstance(min_segment, (int, np.integer)):
        raise SpecificationError(f"min_segment must be an integer (saw {min_segment!r})")
    floor = min_segment_floor(problem.changes)
    if min_segment < floor:
        raise SpecificationError(
            f"min_segment={min_segment} leaves some placements unidentifiable; "
            f"expected at least {floor} when slopes change"
        )
    return int(min_segment)


def _chunks(n_rows: int, per_row: int) -> Iterator[slice]:
    size = max(1, _CHUNK_FLOATS // max(per_row, 1))
    for start in range(0, n_rows, size):
        yield slice(start, min(start + size, n_rows))


@single_blas_thread
def fit_placements(
    problem: BreakProblem,
    placements: np.ndarray,
    *,
    alpha: float | None = None,
    progress: bool = False,
    desc: str = "placements",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Fit ``problem`` at many placements; return ``params, llf, aic, bic, converged, alpha``.

    ``params`` holds only the break (level/slope) coefficients, in ``problem.break_terms``
    order. Work is done in chunks of bounded memory; ``KeyboardInterrupt`` propagates between
    chunks with nothing written anywhere.

    Placements that differ only in where, inside a run of missing months, a break falls span
    the same design (same observations on each side; for a ``level+slope`` break the slope
    column moves by a multiple of the level column) and so give the same fit: each such class
    is fitted once, at the first observed period, and the level estimates of the others follow
    exactly, ``level(b) = level(b_r) - slope (b_r - b)``. Slope-only breaks are not merged.

    Count families are fitted coarse to fine (:func:`_continuation`): a sparse subset of the
    designs from the fit without breaks, then each remaining design from the coefficients
    interpolated between its two nearest already fitted neighbours (same earlier breaks, last
    break moved), which are close to its optimum, so that Newton's method needs few steps.
    Starting values change the number of iterations only, not the optimum.
    """
    placements = np.asarray(placements, dtype=np.int64).reshape(len(placements), -1)
    reps, inverse = _representatives(problem, placements)
    B = len(reps)
    m = len(problem.break_terms)
    n = len(problem.y)
    q = problem.base.shape[1]
    base = problem.base.to_numpy(dtype=float)
    full = np.full((B, q + m), np.nan)
    llf, aic, bic = np.empty(B), np.empty(B), np.empty(B)
    conv = np.empty(B, dtype=bool)
    fam = get_family(problem.family)
    alphas = np.empty(B) if fam.estimates_dispersion else None
    qscale = quasi_scale(problem) if fam.pearson_scale else None
    stages: list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]]
    if fam.closed_form or (fam.estimates_dispersion and alpha is None):
        # closed form, or coefficients alternating with the dispersion (whose start is the fit
        # without breaks): no use for interpolated starting values
        stages = [(np.arange(B), None, None, None)]
    elif B < _CONTINUATION_MIN:
        # a small grid: one batch from the fit without breaks (a few more Newton steps each)
        # costs less than the Python overhead of the coarse-to-fine stages
        stages = [(np.arange(B), None, None, None)]
    else:
        stages = _continuation(reps)
    # quadratic convergence (Newton): the grid's tolerance; NB2 with its dispersion estimated
    # alternates coefficient and dispersion updates, which converge linearly: the engine's own
    tol = 1e-7 if fam.estimates_dispersion and alpha is None else GRID_TOL
    weight = np.bincount(inverse, minlength=B)
    with progress_bar(progress, total=len(placements), desc=desc, unit="fit") as bar:
        # gaussian fits cost O(m q) floats each (cumulative sums, no n-length columns)
        per_fit = m * (q + m) if problem.family == "gaussian" else m * n
        for rows, lo, hi, frac in stages:
            for sl in _chunks(len(rows), per_fit):
                idx = rows[sl]
                start = None
                if lo is not None and hi is not None and frac is not None:
                    start = full[lo[sl]] + (full[hi[sl]] - full[lo[sl]]) * frac[sl, None]
                cols = BreakColumns(problem.positions, reps[idx], problem.changes)
                res: BatchFit = fit_batch(
                    problem.y, base, cols,
                    family=problem.family, offset=problem.offset, alpha=alpha,
                    quasi_scale=qscale, start=start, tol=tol,
                )
                full[idx] = res.params
                llf[idx], aic[idx], bic[idx], conv[idx] = (res.llf, res.aic, res.bic,
                                                           res.converged)
                if alphas is not None and res.alpha is not None:
                    alphas[idx] = res.alpha
                bar.update(int(weight[idx].sum()))
    params = full[:, q:]
    # back to every placement; shift level estimates to each placement's own break date
    out = params[inverse].copy()
    i = 0
    for j, ch in enumerate(problem.changes):
        if "level" in ch and "slope" in ch:
            il, isl = i + ch.index("level"), i + ch.index("slope")
            shift = (reps[inverse, j] - placements[:, j]).astype(float)
            out[:, il] = out[:, il] - out[:, isl] * shift
        i += len(ch)
    return (out, llf[inverse], aic[inverse], bic[inverse], conv[inverse],
            None if alphas is None else alphas[inverse])


#: Newton-step tolerance of the count-family grid fits. Newton's method converges
#: quadratically, so the relative coefficient error left after a step of relative size ``d`` is
#: of order ``d^2``: 1e-5 leaves ~1e-10, three orders below the error of statsmodels' own
#: default fit (which agrees with the grid to ~1e-8 in the coefficients and ~1e-11 in llf,
#: tests/test_robust_grid_speed.py) and saves 10-25% of the Newton steps of a large grid
#: (the engine's default, 1e-7, serves single fits, bootstrap replicates, and NB2 grids with
#: the dispersion estimated, whose alternating updates converge linearly)
GRID_TOL = 1e-5

#: coarsest spacing (in designs along the last break) of the coarse-to-fine fitting order
_STRIDE = 8
#: fewest distinct designs fitted coarse to fine (measured crossover: ~7000 designs of 60-120
#: months; below it one batch is faster)
_CONTINUATION_MIN = 5000


def _continuation(reps: np.ndarray
                  ) -> list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None,
                                  np.ndarray | None]]:
    """Coarse-to-fine order of the (lexicographically sorted) designs ``reps``.

    Designs sharing all but the last break form a run, sorted by the last break. The coarse
    level holds every ``_STRIDE``-th design of each run and its last one; level ``l`` the designs
    at multiples of ``_STRIDE / 2**l`` not fitted yet, each with the indices ``lo``, ``hi`` of its
    nearest fitted neighbours on either side and the fraction ``frac`` of the way from ``lo`` to
    ``hi`` (linear interpolation in the break date). With several breaks the coarse level is
    itself ordered the same way along the previous break (designs at the same place in their
    runs), so that only a small fraction starts from the fit without breaks.
    Returns ``(rows, lo, hi, frac)`` per stage (``None``s for the first).
    """
    B, k = reps.shape
    pos = np.arange(B)
    new_run = np.ones(B, dtype=bool)
    if B > 1:
        new_run[1:] = np.any(reps[1:, :-1] != reps[:-1, :-1], axis=1)
    stages, r, last = _strided(pos, new_run, reps[:, -1].astype(float))
    if k < 2 or B < 2:
        return stages
    rows0 = stages[0][0]
    # place in its run (the run's last design apart): designs at the same place in runs that
    # differ in the previous break only are neighbours along that break
    label = np.where(last, -1, r)[rows0]
    keys = np.column_stack([label, reps[rows0, :-2]])
    order = np.lexsort((reps[rows0, -2],) + tuple(keys.T[::-1]))
    rows0, keys = rows0[order], keys[order]
    new_group = np.ones(len(rows0), dtype=bool)
    new_group[1:] = np.any(keys[1:] != keys[:-1], axis=1)
    sub, _, _ = _strided(rows0, new_group, reps[rows0, -2].astype(float))
    return sub + stages[1:]


def _strided(rows: np.ndarray, new_group: np.ndarray, x: np.ndarray
             ) -> tuple[list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None,
                                   np.ndarray | None]], np.ndarray, np.ndarray]:
    """Stages of :func:`_continuation` for ``rows`` in order, in groups starting where
    ``new_group``, each group sorted by (strictly increasing) ``x``. Also returns each row's
    place in its group and whether it is its group's last."""
    n = len(rows)
    pos = np.arange(n)
    gstart = np.maximum.accumulate(np.where(new_group, pos, 0))
    glast = np.flatnonzero(np.append(new_group[1:], True))[np.cumsum(new_group) - 1]
    r = pos - gstart
    is_last = pos == glast
    done = (r % _STRIDE == 0) | is_last
    stages: list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]]
    stages = [(rows[done], None, None, None)]
    h = _STRIDE // 2
    while h >= 1:
        sel = np.flatnonzero(~done & (r % h == 0))
        if len(sel):
            lo = sel - h
            hi = np.minimum(sel + h, glast[sel])
            frac = (x[sel] - x[lo]) / (x[hi] - x[lo])
            stages.append((rows[sel], rows[lo], rows[hi], frac))
            done = done.copy()
            done[sel] = True
        h //= 2
    return stages, r, is_last


def _representatives(problem: BreakProblem, placements: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Distinct designs among ``placements``: representatives and the index of each one's."""
    pos = problem.positions
    reps = placements.copy()
    for j, ch in enumerate(problem.changes):
        if "level" in ch:  # level-only or level+slope: merge breaks inside a gap
            idx = np.searchsorted(pos, placements[:, j], side="left")
            reps[:, j] = pos[np.minimum(idx, len(pos) - 1)]
    return _unique_rows(reps, len(problem.periods))


def _unique_rows(rows: np.ndarray, radix: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(rows, axis=0, return_inverse=True)`` for non-negative integer rows below
    ``radix``: each row is encoded as one integer (mixed radix, so the order is the same), and
    the 1-D unique is a plain integer sort instead of a sort of row records (20x faster on the
    450 000 placements of two breaks in 960 months)."""
    B, k = rows.shape
    if B == 0 or radix ** k >= 2**62:
        uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
        return uniq, np.asarray(inverse).reshape(-1)
    code = np.zeros(B, dtype=np.int64)
    for j in range(k):
        code *= radix
        code += rows[:, j]
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return rows[first], np.asarray(inverse).reshape(-1)


def quasi_scale(problem: BreakProblem) -> float:
    """Common dispersion for quasi-Poisson criteria: the Pearson scale of the model as specified
    (its interruptions at their dates) or, without hypothesised dates, of the model without
    breaks. Dividing every placement's Poisson log-likelihood by the same value makes the
    resulting QAIC comparable across placements (Burnham & Anderson 2002, sec. 2.5)."""
    base = problem.base.to_numpy(dtype=float)
    extra = None if problem.hypothesised is None else problem.break_columns(
        np.asarray([problem.hypothesised]))
    res = fit_batch(problem.y, base, extra, family="quasipoisson", offset=problem.offset)
    c = float(res.scale[0])
    if not np.isfinite(c) or c <= 0:
        raise SpecificationError("the quasi-Poisson dispersion of the model is not finite")
    return c


def period_labels(problem: BreakProblem) -> np.ndarray:
    """Calendar label of every position (``labels[p] == problem.label(p)``), as an object
    array of ``str``: the break columns of a grid are then one fancy-indexing each instead of a
    pandas lookup per placement."""
    return np.asarray(problem.periods.astype(str), dtype=object)


def _table(
    problem: BreakProblem,
    placements: np.ndarray,
    fitted: tuple[Any, ...],
) -> pd.DataFrame:
    params, llf, aic, bic, conv, alphas = fitted
    data: dict[str, Any] = {}
    # the labels as pandas' default string array once, then one (pyarrow) take per break
    labels = pd.Series(period_labels(problem)).array  # the dtype pandas infers for text
    for j in range(problem.n_breaks):
        data[f"break_{j + 1}"] = labels.take(placements[:, j])
    data["llf"] = llf
    data["aic"] = aic
    data["bic"] = bic
    for i, term in enumerate(problem.break_terms):
        data[term] = params[:, i]
    if alphas is not None:
        data["alpha"] = alphas
    out = pd.DataFrame(data)
    if not np.all(conv):
        warnings.warn(
            f"{int((~conv).sum())} of {len(conv)} placements did not converge or were "
            "not identifiable; their rows hold NaN",
            RuntimeWarning,
            stacklevel=3,
        )
    return out


def break_date_grid(
    model: Any,
    n_breaks: int | None = None,
    min_segment: int = 3,
    progress: bool = False,
    *,
    alpha: float | None = None,
) -> pd.DataFrame:
    """Fit the model at every admissible placement of its interruptions.

    Parameters
    ----------
    model
        An unfitted :class:`trends.ITS` specification. Family, offset, seasonality, covariates
        and the changes of each interruption (level, slope or both) are kept as given; only the
        dates move.
    n_breaks
        Number of breaks to place (default: the number of interruptions of the model). With a
        different number the breaks are named ``break_1``... and carry the model's changes,
        which must then be the same for every interruption.
    min_segment
        Minimum number of *used* observations in every segment (before the first break,
        between breaks, after the last).
    progress
        Show a tqdm progress bar.
    alpha
        negbin only: hold the NB2 dispersion fixed at this value (``GLM`` convention). By
        default it is re-estimated by maximum likelihood at every placement.

    Returns
    -------
    pandas.DataFrame
        One row per placement, sorted by ``aic`` (ties by date): ``break_1..break_k`` (period
        labels, e.g. ``2021-08``), ``llf``, ``aic``, ``bic``, the level/slope estimates named
        like the model's terms (``level[NAME]``, ``slope[NAME]``) and, for negbin, ``alpha``.

    Raises
    ------
    SpecificationError
        Bad model, ``min_segment`` too small to identify slopes, or no admissible placement
        (too few observations for ``n_breaks`` breaks with ``min_segment`` points each).

    Notes
    -----
    Breaks may sit on any calendar period, including a missing month; segments are counted in
    used observations. For ``quasipoisson`` (no likelihood) ``llf`` is the quasi-log-likelihood
    with the dispersion of the model as specified held common to all placements (see
    :func:`quasi_scale`), so ``aic``/``bic`` are QAIC/QBIC. Gaussian fits are closed-form least
    squares; count families are fitted by batched IRLS to a relative tolerance of 1e-10 (see
    :mod:`trends.robust.engine`), which agrees with a statsmodels refit of each placement to
    about 1e-8.

    Examples
    --------
    >>> grid = break_date_grid(trends.ITS(df, outcome="attacks", date="month"))  # doctest: +SKIP
    >>> grid.head(3)  # doctest: +SKIP
    """
    problem = problem_from_model(model, n_breaks)
    min_segment = _check_min_segment(problem, min_segment)
    placements = admissible_placements(problem, min_segment)
    if len(placements) == 0:
        raise SpecificationError(
            f"no admissible placement of {problem.n_breaks} break(s) with at least "
            f"{min_segment} observations per segment in {len(problem.y)} observations"
        )
    fitted = fit_placements(problem, placements, alpha=alpha, progress=progress,
                            desc="break-date grid")
    # sort before the table is built (one gather of numbers, not of every string column)
    order = np.argsort(fitted[2], kind="stable")  # by aic; enumeration order breaks ties
    params, llf, aic, bic, conv, alphas = fitted
    return _table(problem, placements[order],
                  (params[order], llf[order], aic[order], bic[order], conv[order],
                   None if alphas is None else alphas[order]))


def profile(
    model: Any,
    width: int = 12,
    min_segment: int = 3,
    *,
    alpha: float | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Fit quality as each interruption moves around its hypothesised date, the others fixed.

    Parameters
    ----------
    model
        An unfitted :class:`trends.ITS` specification.
    width
        Move each interruption up to ``width`` periods either side of its date.
    min_segment
        Minimum number of used observations per segment (placements violating it are skipped).
    alpha
        negbin only: fixed dispersion (default: re-estimated at every placement).
    progress
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        Columns ``interruption``, ``date``, ``shift`` (periods from the hypothesised date),
        ``llf``, ``aic``, ``bic``, ``delta_aic`` (relative to the hypothesised placement) and
        the level/slope estimates; sorted by interruption then shift.
    """
    problem = problem_from_model(model)
    min_segment = _check_min_segment(problem, min_segment)
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise SpecificationError(f"width must be a positive integer (saw {width!r})")
    hyp = np.asarray(problem.hypothesised)
    rows, who, shifts = [], [], []
    for j in range(problem.n_breaks):
        for s in range(-width, width + 1):
            pl = hyp.copy()
            pl[j] += s
            if 0 <= pl[j] < len(problem.periods):
                rows.append(pl)
                who.append(problem.names[j])
                shifts.append(s)
    placements = np.array(rows, dtype=np.int64).reshape(-1, problem.n_breaks)
    ok = _admissible(problem, placements, min_segment)
    if not ok[[i for i, s in enumerate(shifts) if s == 0]].all():
        raise SpecificationError(
            f"the model's own interruption dates leave a segment with fewer than {min_segment} "
            "observations"
        )
    placements = placements[ok]
    who = [w for w, k in zip(who, ok, strict=True) if k]
    shifts = [s for s, k in zip(shifts, ok, strict=True) if k]
    fitted = fit_placements(problem, placements, alpha=alpha, progress=progress, desc="profile")
    table = _table(problem, placements, fitted)
    j_of = {name: j for j, name in enumerate(problem.names)}
    dates = [problem.label(placements[i, j_of[w]]) for i, w in enumerate(who)]
    aic0 = table["aic"].to_numpy()[np.asarray(shifts) == 0][0]
    out = pd.DataFrame({"interruption": who, "date": dates, "shift": shifts})
    out = pd.concat([out, table.drop(columns=[f"break_{j + 1}" for j in range(problem.n_breaks)])],
                    axis=1)
    out.insert(out.columns.get_loc("bic") + 1, "delta_aic", out["aic"] - aic0)
    return out


def _admissible(problem: BreakProblem, placements: np.ndarray, min_segment: int) -> np.ndarray:
    if len(placements) == 0:
        return np.zeros(0, dtype=bool)
    increasing = np.all(np.diff(placements, axis=1) > 0, axis=1)
    counts = problem.segment_counts(placements)
    return increasing & np.all(counts >= min_segment, axis=1)


def plot_grid(grid: pd.DataFrame, ax: Any = None, *, criterion: str = "aic",
              hypothesised: Any = None, title: str | None = None, caption: str | None = None,
              width: str | float = "double") -> tuple[Any, Any]:
    """Plot a break-date grid: the criterion against the date (one break) or a heat map (two).

    The best placement (lowest criterion) and, when given, the hypothesised one are marked and
    named in the legend, so a reader sees how far the data's preferred date is from the one
    the analysis assumed.

    Parameters
    ----------
    grid
        Output of :func:`break_date_grid`.
    ax
        Matplotlib axes to draw on (a new figure otherwise; no layout or caption then).
    criterion
        Column to show relative to its minimum: ``"aic"``, ``"bic"`` or ``"llf"`` (shown as
        ``max(llf) - llf``).
    hypothesised
        The hypothesised placement: a period label (``"2021-08"``) or Period for one break,
        a pair for two.
    title, caption
        Title (default ``"Break-date grid (N placements)"``) and caption under the figure.
    width
        ``"single"`` (3.5 in, the one-column version), ``"double"`` or inches.

    Returns
    -------
    (matplotlib.figure.Figure, matplotlib.axes.Axes)
        The figure and axes; the figure is not shown.
    """
    from trends import plot

    if criterion not in ("aic", "bic", "llf") or criterion not in grid.columns:
        raise SpecificationError(f"criterion must be a column of the grid: aic, bic or llf "
                                 f"(saw {criterion!r})")
    breaks = [c for c in grid.columns if c.startswith("break_")]
    if not breaks:
        raise SpecificationError("not a break-date grid: no break_1 column")
    values = grid[criterion].to_numpy(dtype=float)
    delta = values.max() - values if criterion == "llf" else values - np.nanmin(values)
    label = f"Δ{criterion.upper()} from best" if criterion != "llf" else "log-likelihood below best"
    hyp = _hypothesised(hypothesised, len(breaks))
    with plot.style():  # the figure style of trends.plot (Figure API, no pyplot state)
        own = ax is None
        if own:
            w = plot._width_inches(width)
            fig, ax = plot.figure(w, 2.8 if w <= plot.SINGLE_COLUMN else 4.5)
        else:
            fig = ax.figure
        _draw_grid(grid, ax, fig, breaks, delta, label, hyp, criterion)
        ax.set_title(plot.plain(title) if title else f"Break-date grid ({len(grid)} placements)")
        if own:
            handles, labels = ax.get_legend_handles_labels()
            plot.layout(fig, legend=list(zip(handles, labels, strict=True)), caption=caption)
    return fig, ax


def _hypothesised(value: Any, n_breaks: int) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = (value,) if n_breaks == 1 and not isinstance(value, tuple | list) else tuple(value)
    if len(items) != n_breaks:
        raise SpecificationError(f"hypothesised must give {n_breaks} break(s) (saw {value!r})")
    from trends.plot import period_label

    return tuple(period_label(v) if isinstance(v, pd.Period) else str(v) for v in items)


def _draw_grid(grid: pd.DataFrame, ax: Any, fig: Any, breaks: list[str], delta: np.ndarray,
               label: str, hyp: tuple[str, ...] | None = None, criterion: str = "aic"
               ) -> None:
    from trends.plot import MIN_FONT, OKABE_ITO

    best = int(np.nanargmin(delta))
    crit = criterion.upper() if criterion != "llf" else "log-likelihood"
    best_name = " / ".join(str(grid[b].iloc[best]) for b in breaks)
    best_label = f"best ({'lowest' if criterion != 'llf' else 'highest'} {crit}): {best_name}"
    hyp_label = f"hypothesised: {' / '.join(hyp)}" if hyp else None
    if len(breaks) == 1:
        # period labels (YYYY-MM, YYYYQn, ...) sort chronologically as text
        order = np.argsort(grid["break_1"].to_numpy(dtype=str), kind="stable")
        x = grid["break_1"].astype(str).to_numpy()[order]
        d = delta[order]
        ax.plot(np.arange(len(x)), d, marker="o", ms=3, lw=1, color=OKABE_ITO["blue"],
                label=f"{label}")
        ticks = np.linspace(0, len(x) - 1, min(len(x), 7)).round().astype(int)
        ax.set_xticks(ticks, [x[i] for i in ticks], rotation=45, ha="right")
        ib = int(np.flatnonzero(x == str(grid["break_1"].iloc[best]))[0])
        ax.plot([ib], [d[ib]], marker="v", ms=6, linestyle="none",
                color=OKABE_ITO["vermillion"], label=best_label, zorder=4)
        if hyp:
            pos = np.flatnonzero(x == hyp[0])
            if pos.size == 0:
                raise SpecificationError(f"hypothesised placement {hyp[0]!r} is not in the "
                                         "grid")
            ax.axvline(int(pos[0]), color=OKABE_ITO["black"], linestyle="--", lw=0.8,
                       label=f"{hyp_label} (Δ = {d[int(pos[0])]:.2f})", zorder=1)
        ax.set_xlabel("break date")
        ax.set_ylabel(label)
    elif len(breaks) == 2:
        d1 = sorted(grid["break_1"].astype(str).unique())
        d2 = sorted(grid["break_2"].astype(str).unique())
        mat = np.full((len(d2), len(d1)), np.nan)
        i1 = {v: i for i, v in enumerate(d1)}
        i2 = {v: i for i, v in enumerate(d2)}
        for a, b, v in zip(grid["break_1"].astype(str), grid["break_2"].astype(str), delta,
                           strict=True):
            mat[i2[b], i1[a]] = v
        im = ax.imshow(mat, origin="lower", aspect="auto", cmap="viridis_r",
                       interpolation="nearest")
        cb = fig.colorbar(im, ax=ax)
        cb.set_label(label, fontsize=MIN_FONT)
        t1 = np.linspace(0, len(d1) - 1, min(len(d1), 7)).round().astype(int)
        t2 = np.linspace(0, len(d2) - 1, min(len(d2), 7)).round().astype(int)
        ax.set_xticks(t1, [d1[i] for i in t1], rotation=45, ha="right")
        ax.set_yticks(t2, [d2[i] for i in t2])
        ax.plot(i1[str(grid["break_1"].iloc[best])], i2[str(grid["break_2"].iloc[best])],
                marker="+", ms=10, mew=1.5, linestyle="none", color=OKABE_ITO["vermillion"],
                label=best_label)
        if hyp:
            if hyp[0] not in i1 or hyp[1] not in i2:
                raise SpecificationError(f"hypothesised placement {hyp} is not in the grid")
            ax.plot(i1[hyp[0]], i2[hyp[1]], marker="o", ms=7, mfc="none", mew=1.2,
                    linestyle="none", color=OKABE_ITO["black"], label=hyp_label)
        ax.set_xlabel("break 1")
        ax.set_ylabel("break 2")
    else:
        ax.plot(np.arange(len(delta)), np.sort(delta), lw=1)
        ax.set_xlabel("placement rank")
        ax.set_ylabel(label)


def refit_loop(
    problem: BreakProblem,
    placements: np.ndarray,
    *,
    alpha: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reference implementation: one statsmodels fit per placement (slow; for tests/benchmarks).

    Uses ``OLS`` (gaussian), ``GLM`` Poisson (poisson; quasipoisson with the common
    ``scale=quasi_scale(problem)``), and for negbin the
    discrete ``NegativeBinomial(loglike_method="nb2")`` with the dispersion re-estimated at each
    placement (``alpha=None``, Newton's method) or ``GLM`` ``NegativeBinomial(alpha)`` when
    ``alpha`` is fixed; all with statsmodels' default tolerances.

    Returns
    -------
    params, llf, aic, bic
        Break coefficients (``B x m``) and the criteria, as :func:`fit_placements` returns.
    """

    base = problem.base.to_numpy(dtype=float)
    q = base.shape[1]
    y, off = problem.y, problem.offset
    fam = get_family(problem.family)
    qscale = quasi_scale(problem) if fam.pearson_scale else None
    B = len(placements)
    params = np.empty((B, len(problem.break_terms)))
    llf, aic, bic = np.empty(B), np.empty(B), np.empty(B)
    for i in range(B):
        X = np.column_stack([base, problem.break_columns(placements[i: i + 1])[0].T])
        res = fam.reference_fit(y, X, off, alpha=alpha, scale=qscale)
        params[i] = np.asarray(res.params)[q: q + params.shape[1]]
        llf[i], aic[i], bic[i] = res.llf, res.aic, res.bic
    return params, llf, aic, bic
