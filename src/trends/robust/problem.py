"""The fixed part of a robustness problem: an ITS design with its break columns taken out.

A :class:`BreakProblem` holds everything a break-date search, a placebo test or a bootstrap
needs from an unfitted :class:`trends.ITS` specification: the outcome and offset at the used
rows, the shared design columns (intercept, trend, seasonal terms, covariates), the calendar
position of every used row, and for each interruption its name, hypothesised position and which
changes (level, slope) it carries. Level and slope columns are rebuilt for any placement with
the model's own convention (Stata ``itsa``, Linden 2015): ``level = 1`` from the break on, and
``slope = t - t_break`` from the break on (0 before it and in its first period), with ``t``
counting calendar periods, so missing months keep their place in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from trends.calendar import break_columns
from trends.errors import SpecificationError
from trends.robust.engine import check_family


@dataclass(frozen=True)
class BreakProblem:
    """An ITS design split into shared columns and per-break level/slope columns.

    Attributes
    ----------
    y
        Outcome at the used rows.
    base
        Shared design columns at the used rows (DataFrame, term names as columns).
    offset
        Log offset at the used rows, or ``None``.
    positions
        Calendar position (0-based index into ``periods``) of each used row.
    periods
        The full calendar index of the model.
    family
        Model family.
    names
        Name of each break (the interruption names of the model, or ``break_1``...).
    changes
        For each break, the tuple of changes it carries (``"level"``, ``"slope"``).
    hypothesised
        Calendar position of each break in the model as specified (``None`` if unknown).
    """

    y: np.ndarray
    base: pd.DataFrame
    offset: np.ndarray | None
    positions: np.ndarray
    periods: pd.PeriodIndex
    family: str
    names: tuple[str, ...]
    changes: tuple[tuple[str, ...], ...]
    hypothesised: tuple[int, ...] | None

    @property
    def n_breaks(self) -> int:
        """Number of breaks placed in each fit."""
        return len(self.names)

    @property
    def break_terms(self) -> list[str]:
        """Names of the break columns, in the order :meth:`break_columns` builds them."""
        return [f"{c}[{name}]" for name, ch in zip(self.names, self.changes, strict=True)
                for c in ch]

    def break_columns(self, placements: np.ndarray) -> np.ndarray:
        """Level/slope columns for many placements: ``B x m x n`` for ``B x k`` positions."""
        placements = np.asarray(placements, dtype=np.int64)
        return break_columns(self.positions, placements, self.changes)

    def design(self, placement: Sequence[int]) -> pd.DataFrame:
        """The full design (shared + break columns) for one placement, as a DataFrame."""
        cols = self.break_columns(np.asarray([placement]))[0]
        X = self.base.copy()
        for name, col in zip(self.break_terms, cols, strict=True):
            X[name] = col
        return X

    def label(self, position: int) -> str:
        """Calendar label (e.g. ``2021-08``) of a position."""
        return str(self.periods[int(position)])

    def segment_counts(self, placements: np.ndarray) -> np.ndarray:
        """Used observations in each segment: ``B x (k+1)``."""
        placements = np.asarray(placements, dtype=np.int64)
        cum = np.searchsorted(self.positions, placements, side="left")
        edges = np.concatenate(
            [np.zeros((len(placements), 1), dtype=np.int64), cum,
             np.full((len(placements), 1), len(self.positions), dtype=np.int64)], axis=1)
        return np.diff(edges, axis=1)


def min_segment_floor(changes: Sequence[Sequence[str]]) -> int:
    """Smallest ``min_segment`` that keeps every placement identifiable.

    A segment between two breaks that both carry a slope change needs two points to separate
    the slopes; with level changes only one point suffices.
    """
    return 2 if any("slope" in ch for ch in changes) else 1


def problem_from_model(model: Any, n_breaks: int | None = None) -> BreakProblem:
    """Build a :class:`BreakProblem` from an unfitted :class:`trends.ITS` specification.

    Parameters
    ----------
    model
        An object with a ``design()`` method returning a :class:`trends.design.Design` (an
        unfitted :class:`trends.ITS`), or fitted results with such a ``spec``.
    n_breaks
        Number of breaks to place; default the number of interruptions of the model. When it
        differs, the breaks are named ``break_1``... and all carry the model's (common) changes.

    Raises
    ------
    SpecificationError
        If ``model`` is not an ITS specification, has AR errors or a comparison series, has no
        interruptions, or has per-interruption changes that cannot be carried over to a
        different number of breaks.
    """
    spec = getattr(model, "spec", None)  # a fitted ITSResults: use its specification
    if not callable(getattr(model, "design", None)) and callable(getattr(spec, "design", None)):
        model = spec
    if not callable(getattr(model, "design", None)):
        raise SpecificationError(
            f"expected an unfitted trends.ITS specification, got {type(model).__name__}"
        )
    errors = getattr(model, "errors", None)
    if errors not in (None, "none"):
        raise SpecificationError(
            "break-date search, placebo and bootstrap support independent errors only; "
            f"drop errors={errors!r} (use cov= for autocorrelation-robust standard errors)"
        )
    design = model.design()
    if getattr(model, "aggregates", None) is not None or hasattr(design, "source_labels"):
        # trends.aggregates / trends.sources: the break engine fits monthly rows of one series
        raise SpecificationError(
            "published totals (aggregates=) and several sources (source=) are not supported "
            "by the break-date search, placebo and bootstrap yet; fit the single monthly series"
        )
    if getattr(design, "unit", None) is not None:
        raise SpecificationError(
            "a controlled ITS (comparison series) is not supported by trends.robust; "
            "fit the treated series alone"
        )
    family = check_family(str(design.family))
    interruptions = dict(getattr(design, "interruptions", {}) or {})
    changes_map = {k: tuple(v) for k, v in (getattr(design, "changes", {}) or {}).items()}
    if not interruptions:
        raise SpecificationError("the model has no interruptions to move")
    periods = pd.PeriodIndex(design.periods)
    used = np.asarray(design.used, dtype=bool)
    positions = np.flatnonzero(used)
    X = design.X
    break_cols = [c for c in X.columns if str(c).startswith(("level[", "slope["))]
    inter_cols = [c for c in X.columns
                  if any(f"[{name}]" in str(c) for name in interruptions) and c not in break_cols]
    if inter_cols:
        raise SpecificationError(
            f"terms {inter_cols} depend on the interruptions in a way trends.robust cannot "
            "move; expected only level[NAME] and slope[NAME] terms"
        )
    base = X.drop(columns=break_cols)
    names = tuple(interruptions)
    changes = tuple(changes_map.get(n, ()) for n in names)
    if any(len(ch) == 0 for ch in changes):
        raise SpecificationError("every interruption must carry a level and/or slope change")
    hyp: tuple[int, ...] | None = tuple(int(periods.get_loc(interruptions[n])) for n in names)
    k = len(names) if n_breaks is None else int(n_breaks)
    if k < 1:
        raise SpecificationError(f"n_breaks must be at least 1 (saw {n_breaks!r})")
    if k != len(names):
        if len(set(changes)) != 1:
            raise SpecificationError(
                "the interruptions carry different changes; with n_breaks different from the "
                "number of interruptions give one common `changes` to the model"
            )
        changes = (changes[0],) * k
        names = tuple(f"break_{i + 1}" for i in range(k))
        hyp = None
    offset = None if design.offset is None else np.asarray(design.offset, dtype=float)
    return BreakProblem(
        y=np.asarray(design.y, dtype=float),
        base=base,
        offset=offset,
        positions=positions,
        periods=periods,
        family=family,
        names=names,
        changes=changes,
        hypothesised=hyp,
    )


def admissible_placements(
    problem: BreakProblem, min_segment: int, *, candidates: np.ndarray | None = None
) -> np.ndarray:
    """Every increasing placement of the breaks whose segments all hold ``min_segment`` points.

    Breaks may sit on any calendar period (a missing month included); segments are counted in
    used observations. Returns a ``B x k`` array of calendar positions in lexicographic order.
    """
    k = problem.n_breaks
    n_periods = len(problem.periods)
    pos = problem.positions
    cand = np.arange(n_periods) if candidates is None else np.asarray(candidates)
    most = len(pos) // min_segment - 1
    if k > most:
        raise SpecificationError(
            f"{k} breaks need at least {(k + 1) * min_segment} observations with "
            f"min_segment={min_segment}; the model has {len(pos)} (at most {max(most, 0)} "
            "break(s) possible)")
    total = count_placements(problem, min_segment, candidates=cand)
    if total > MAX_PLACEMENTS:
        raise SpecificationError(
            f"{total} placements of {k} breaks would be fitted (limit {MAX_PLACEMENTS}); "
            "use fewer breaks or a larger min_segment")
    # used observations before each candidate position
    before = np.searchsorted(pos, cand, side="left")
    n = len(pos)
    out = cand[before >= min_segment][:, None]
    for _ in range(k - 1):
        if out.size == 0:
            break
        last_before = np.searchsorted(pos, out[:, -1], side="left")
        ok = (before[None, :] - last_before[:, None] >= min_segment) & (
            cand[None, :] > out[:, -1][:, None])
        i, j = np.nonzero(ok)
        out = np.concatenate([out[i], cand[j][:, None]], axis=1)
    if out.size:
        tail = n - np.searchsorted(pos, out[:, -1], side="left")
        out = out[tail >= min_segment]
    return out.reshape(-1, k).astype(np.int64)


#: refuse grids larger than this many placements (memory and time)
MAX_PLACEMENTS = 5_000_000


def count_placements(
    problem: BreakProblem, min_segment: int, *, candidates: np.ndarray | None = None
) -> int:
    """Number of admissible placements, counted by dynamic programming (nothing enumerated)."""
    pos = problem.positions
    cand = np.arange(len(problem.periods)) if candidates is None else np.asarray(candidates)
    cand = np.sort(cand)
    before = np.searchsorted(pos, cand, side="left")  # used observations before each candidate
    n = len(pos)
    # ways[c]: admissible sequences of breaks so far ending at candidate c (Python ints: exact)
    ways = (before >= min_segment).astype(object)
    for _ in range(problem.n_breaks - 1):
        # the previous break c' needs before[c] - before[c'] >= h (which implies c' < c);
        # `before` is non-decreasing, so that is a prefix of the candidates
        csum = np.concatenate([[0], np.cumsum(ways)]).astype(object)
        upto = np.searchsorted(before, before - min_segment, side="right")
        ways = csum[upto]
    tail = (n - before) >= min_segment
    return int(ways[tail].sum())
