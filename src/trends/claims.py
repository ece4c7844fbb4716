"""Check claims made in public commentary against the cleaned data.

A claims file (``data/claims.csv``) has one row per checkable *part* of a claim: who said it and
where (``claimant``, ``url``), which published series it is read against (``source_org``,
``period``, ``region``, ``group``, ``measure``) and what it asserts (``quantity`` compared with
``threshold`` by ``comparator``). Quantities:

``value``
    the published figure itself;
``pct_change``
    percentage change from ``base_period`` to ``period`` (same source, region, group, measure);
``share_pct``
    the figure as a percentage of the same period's figure for ``base_region``/``base_group``;
``max_since``
    the figure minus the largest monthly figure from ``base_period`` to the month before
    (``> 0`` means "the highest since"); it needs every one of those months, unless one of them
    already reaches the figure (then the claim is refuted whatever the gaps hold).

Periods are ``YYYY-MM`` (monthly panel), ``YYYY``, ``YYYY-Qn``, ``YYYY-Hn`` (published period
totals), or a month range ``YYYY-MM/YYYY-MM`` (summed from the monthly panel only when every month
is present). A period total that was not published is summed from monthly values only when all of
its months are present, and the result says so. Nothing is interpolated.

``estimand``
    a verdict from the analysis, not from a published figure: the row names an estimand
    (``estimand`` column, e.g. ``window:2021-08/2022-10``) of the results table passed to
    :func:`check_claims` as ``estimands`` (columns ``estimand, outcome, model, ratio,
    ratio_low, ratio_high``; ``outcome`` = the row's ``measure``, ``model`` = the row's
    ``model`` or ``primary``). ``threshold`` is the ratio compared (1 for "intensified"): the
    part is ``supported`` when the interval lies above it (``comparator`` ``>``), ``not
    supported`` when it lies below, ``cannot tell`` when it contains it, and ``pending analysis``
    while no such result is given (never a hard-coded verdict).

Optional columns: ``bound_group`` (a group whose figure contains the claimed group's, e.g.
``all`` for ``ttp``: when the claimed group's figure is not published, a ``value`` claim is
decided by that upper bound when it can be: "more than 500 killed by the TTP" is contradicted
by 419 killed in all attacks), ``base_measure`` (``share_pct`` of another measure of the same
cell, e.g. ``security_forces_killed`` of ``killed``) and ``computed_by_source`` (``yes`` when
the claimed percentage was computed by the source itself from one of its releases: if a later
revision changes the verdict, the part is ``consistent with the release cited`` when the
superseded earlier-release figure supports it).

Verdicts: ``supported``, ``not supported``, ``cannot tell`` (with the reason), ``consistent with
the release cited``, ``pending analysis``. A claim with several parts is ``not supported`` if any
part is refuted, ``supported`` if all parts are supported, ``pending analysis`` if a part awaits
the analysis and none is refuted, ``consistent with the release cited`` if every part is
supported or so, and ``cannot tell`` otherwise.
"""

from __future__ import annotations

import math
import operator
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from trends.errors import InputError

SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"
CANNOT_TELL = "cannot tell"
CONSISTENT_WITH_RELEASE = "consistent with the release cited"
PENDING = "pending analysis"
VERDICTS: tuple[str, ...] = (SUPPORTED, NOT_SUPPORTED, CANNOT_TELL, CONSISTENT_WITH_RELEASE,
                             PENDING)

REQUIRED_COLUMNS: tuple[str, ...] = (
    "claim_id", "claim", "claimant", "url", "source_org", "period", "region", "group", "measure",
    "quantity", "comparator", "threshold",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("part", "tolerance", "base_period", "base_region",
                                     "base_group", "base_measure", "bound_group",
                                     "computed_by_source", "estimand", "model", "note")
QUANTITIES: tuple[str, ...] = ("value", "pct_change", "share_pct", "max_since", "estimand")
COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq,
}
_PERIOD_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[1-2]))?$")
_RANGE_RE = re.compile(r"^(\d{4}-(0[1-9]|1[0-2]))/(\d{4}-(0[1-9]|1[0-2]))$")
#: A published figure for exact dates (``START..END``), e.g. PIPS's 15 August - 14 August years.
_DATES_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}$")


def read_claims(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate a claims file (see the module docstring for the columns).

    Raises
    ------
    InputError
        Naming the file, line and field of the first bad cell.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        raise InputError("empty claims file", path=path, line=1,
                         expected="a header " + ",".join(REQUIRED_COLUMNS)) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise InputError("missing column", path=path, line=1, field=missing[0],
                         expected="columns " + ",".join(REQUIRED_COLUMNS))
    for col in OPTIONAL_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    if "part" in df.columns:
        df["part"] = df["part"].replace("", "1")
    for i, row in enumerate(df.itertuples(index=False), start=2):
        r = row._asdict()
        if not r["claim_id"].strip():
            raise InputError("empty claim id", path=path, line=i, field="claim_id",
                             value="", expected="an identifier such as C01")
        if r["quantity"] not in QUANTITIES:
            raise InputError("unknown quantity", path=path, line=i, field="quantity",
                             value=r["quantity"], expected=" | ".join(QUANTITIES))
        if r["comparator"] not in (*COMPARATORS, "approx"):
            raise InputError("unknown comparator", path=path, line=i, field="comparator",
                             value=r["comparator"], expected="> >= < <= == approx")
        for field in ("threshold", "tolerance"):
            text = r[field].strip()
            if field == "tolerance" and not text:
                continue
            try:
                x = float(text)
            except ValueError:
                raise InputError("not a number", path=path, line=i, field=field, value=text,
                                 expected="a number such as 100 or 27.5") from None
            if not math.isfinite(x) or (field == "tolerance" and x < 0):
                raise InputError("not a finite number", path=path, line=i, field=field,
                                 value=text, expected="a finite non-negative number")
        for field in ("period", "base_period"):
            text = r[field].strip()
            if field == "base_period" and not text:
                if r["quantity"] in ("pct_change", "max_since"):
                    raise InputError(f"{r['quantity']} needs a base period", path=path, line=i,
                                     field="base_period", value="",
                                     expected="YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY-MM/YYYY-MM")
                continue
            if not (_PERIOD_RE.match(text) or _RANGE_RE.match(text) or _DATES_RE.match(text)):
                raise InputError("bad period", path=path, line=i, field=field, value=text,
                                 expected="YYYY, YYYY-MM, YYYY-Qn, YYYY-Hn, YYYY-MM/YYYY-MM or "
                                 "YYYY-MM-DD..YYYY-MM-DD")
        if r["quantity"] == "share_pct" and not (r["base_region"] or r["base_group"]
                                                 or r["base_measure"]):
            raise InputError("share_pct needs base_region, base_group or base_measure",
                             path=path, line=i, field="base_region", value="",
                             expected="a region, group or measure code")
        if r["quantity"] == "estimand" and not r["estimand"].strip():
            raise InputError("estimand claim needs an estimand name", path=path, line=i,
                             field="estimand", value="",
                             expected="the estimand of results/estimands.csv it is read against")
        if r["computed_by_source"].strip().lower() not in ("", "yes", "no"):
            raise InputError("bad computed_by_source", path=path, line=i,
                             field="computed_by_source", value=r["computed_by_source"],
                             expected="yes, no or empty")
    return df


@dataclass(frozen=True)
class Figure:
    """A figure found in the data: its value, where it came from, and how it was obtained."""

    value: float
    how: str
    url: str = ""


class _Missing(Exception):
    """No figure for the requested cell (the message is the reason shown to the reader)."""


class ClaimData:
    """Look-ups of published figures in the cleaned panel and the non-monthly periods table.

    Parameters
    ----------
    panel : DataFrame
        Monthly panel with ``month, region, group, measure, source, value`` (and ``url``).
    periods : DataFrame, optional
        Non-monthly published totals with ``period, region, group, measure, source, value``.
    """

    def __init__(self, panel: pd.DataFrame, periods: pd.DataFrame | None = None,
                 alternatives: pd.DataFrame | None = None) -> None:
        self.panel = _prepare(panel, "month")
        self.periods = _prepare(periods, "period") if periods is not None else None
        self.alternatives = _prepare(alternatives, "period") if alternatives is not None else None
        #: cell -> value used instead of the reconciled one (to test alternative figures)
        self.overrides: dict[tuple[str, str, str, str, str], float] = {}
        #: cells read since the last :meth:`reset`
        self.accessed: list[tuple[str, str, str, str, str]] = []
        sources = set(self.panel["source"])
        if self.periods is not None:
            sources |= set(self.periods["source"])
        self._sources = {_norm(s): s for s in sorted(sources)}

    def reset(self) -> None:
        """Forget overrides and the record of cells read."""
        self.overrides = {}
        self.accessed = []

    def alternatives_for(self, cell: tuple[str, str, str, str, str]) -> list[tuple[float, str]]:
        """Values other than the chosen one reported for ``cell``, with their URLs."""
        if self.alternatives is None:
            return []
        src, period, region, group, measure = cell
        a = self.alternatives
        sel = a[(a["source"] == src) & (a["period"] == period) & (a["region"] == region)
                & (a["group"] == group) & (a["measure"] == measure)].dropna(subset=["value"])
        if "chosen" in sel.columns:
            sel = sel[~sel["chosen"].astype(str).str.lower().isin(["true", "1"])]
        return [(float(v), str(u).split(" | ")[0]) for v, u in zip(sel["value"], sel["url"],
                                                                    strict=True)]

    def source(self, name: str) -> str:
        """The data's spelling of source ``name`` (case and punctuation ignored)."""
        key = _norm(name)
        if key in self._sources:
            return self._sources[key]
        raise _Missing(f"no figures from source {name!r} in the data")

    def figure(self, source: str, period: str, region: str, group: str, measure: str) -> Figure:
        """The published figure for one cell, or raise :class:`_Missing` with the reason."""
        src = self.source(source)
        cell = f"{src} {measure} ({region}, group {group}) for {period}"
        m = _RANGE_RE.match(period)
        if m:
            return self._sum_months(src, pd.period_range(m.group(1), m.group(3), freq="M"),
                                    region, group, measure, cell)
        if re.fullmatch(r"\d{4}-\d{2}", period):
            val = self._monthly(src, pd.Period(period, freq="M"), region, group, measure)
            if val is None:
                raise _Missing(f"no figure: {cell}")
            return val
        if self.periods is not None:
            sel = self.periods[(self.periods["period"] == period)
                               & (self.periods["source"] == src)
                               & (self.periods["region"] == region)
                               & (self.periods["group"] == group)
                               & (self.periods["measure"] == measure)].dropna(subset=["value"])
            if len(sel) > 1:
                raise _Missing(f"several figures for {cell}; reconcile first")
            if len(sel) == 1:
                r = sel.iloc[0]
                key = (src, period, region, group, measure)
                self.accessed.append(key)
                value = self.overrides.get(key, float(r["value"]))
                return Figure(value, "published total", str(r.get("url", "")))
        if _DATES_RE.match(period):
            raise _Missing(f"no published figure: {cell} (a period of exact dates is never "
                           "built from months)")
        months = _months_of(period)
        return self._sum_months(src, months, region, group, measure, cell,
                                note="no published total; ")

    def monthly_series(self, source: str, region: str, group: str, measure: str) -> pd.Series:
        """The monthly values of one cell (index: Period months present in the panel)."""
        src = self.source(source)
        sel = self.panel[(self.panel["source"] == src) & (self.panel["region"] == region)
                         & (self.panel["group"] == group) & (self.panel["measure"] == measure)]
        s = pd.Series(sel["value"].to_numpy(dtype=float),
                      index=pd.PeriodIndex(sel["month"], freq="M"))
        return s.sort_index()

    def _monthly(self, src: str, month: pd.Period, region: str, group: str,
                 measure: str) -> Figure | None:
        sel = self.panel[(self.panel["month"] == str(month)) & (self.panel["source"] == src)
                         & (self.panel["region"] == region) & (self.panel["group"] == group)
                         & (self.panel["measure"] == measure)].dropna(subset=["value"])
        if sel.empty:
            return None
        if len(sel) > 1:
            raise _Missing(f"several monthly figures for {src} {measure} {month}; reconcile first")
        r = sel.iloc[0]
        key = (src, str(month), region, group, measure)
        self.accessed.append(key)
        return Figure(self.overrides.get(key, float(r["value"])), "monthly figure",
                      str(r.get("url", "")))

    def _sum_months(self, src: str, months: pd.PeriodIndex, region: str, group: str,
                    measure: str, cell: str, note: str = "") -> Figure:
        vals = [self._monthly(src, m, region, group, measure) for m in months]
        missing = [str(m) for m, v in zip(months, vals, strict=True) if v is None]
        if missing:
            shown = ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
            raise _Missing(f"no figure: {cell} ({note}{len(missing)} of {len(months)} months "
                           f"missing: {shown})")
        total = float(sum(v.value for v in vals if v is not None))
        return Figure(total, f"{note}sum of {len(months)} monthly figures")


def read_nonstandard(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """Figures for periods of exact dates (``data/raw/nonstandard/*.csv``) as period rows.

    The cleaner does not read these tables (the panel has only months, quarters, halves and
    years); claims about such periods are checked against them as published, unchanged.
    Returns columns ``period, region, group, measure, source, value, url`` (empty when the
    folder holds no table).
    """
    cols = ["period", "region", "group", "measure", "source", "value", "url"]
    frames = []
    for f in sorted(Path(folder).glob("*.csv")) if Path(folder).is_dir() else []:
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        for i, p in enumerate(df["period"], start=2):
            if not _DATES_RE.match(p):
                raise InputError("bad period", path=f, line=i, field="period", value=p,
                                 expected="YYYY-MM-DD..YYYY-MM-DD")
        frames.append(df.rename(columns={"source_org": "source"})[cols])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def with_nonstandard(periods: pd.DataFrame | None, folder: str | os.PathLike[str]
                     ) -> pd.DataFrame | None:
    """``periods`` plus the exact-date figures of :func:`read_nonstandard` (for claims only)."""
    extra = read_nonstandard(folder)
    if extra.empty:
        return periods
    if periods is None:
        return extra
    return pd.concat([periods, extra], ignore_index=True)


def _prepare(df: pd.DataFrame, key: str) -> pd.DataFrame:
    need = [key, "region", "group", "measure", "source", "value"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError("missing column", field=missing[0], expected=", ".join(need))
    out = df.copy()
    for c in (key, "region", "group", "measure", "source"):
        out[c] = out[c].astype(str)
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    if "url" not in out.columns:
        out["url"] = ""
    out["url"] = out["url"].fillna("").astype(str)
    return out


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", str(text).lower())


def _months_of(period: str) -> pd.PeriodIndex:
    if re.fullmatch(r"\d{4}", period):
        return pd.period_range(f"{period}-01", f"{period}-12", freq="M")
    year, sub = period.split("-")
    if sub.startswith("Q"):
        q = int(sub[1])
        return pd.period_range(f"{year}-{3 * q - 2:02d}", f"{year}-{3 * q:02d}", freq="M")
    h = int(sub[1])
    return pd.period_range(f"{year}-{6 * h - 5:02d}", f"{year}-{6 * h:02d}", freq="M")


def _fmt(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def evaluate_part(row: pd.Series | dict, data: ClaimData,
                  estimands: pd.DataFrame | None = None) -> dict[str, object]:
    """Evaluate one claim part; returns ``observed``, ``detail``, ``verdict`` and ``reason``."""
    r = dict(row)
    q = r["quantity"]
    src, period, region, group, measure = (r["source_org"], r["period"], r["region"],
                                           r["group"], r["measure"])
    threshold = float(r["threshold"])
    if q == "estimand":
        return _from_estimand(r, estimands)
    try:
        try:
            fig = data.figure(src, period, region, group, measure)
        except _Missing as exc:
            bound = str(r.get("bound_group", "") or "").strip()
            if q != "value" or not bound:
                raise
            return _from_bound(r, data, bound, str(exc))
        if q == "value":
            observed = fig.value
            detail = f"{_fmt(fig.value)} ({fig.how})"
        elif q == "pct_change":
            base = data.figure(src, r["base_period"], region, group, measure)
            if base.value == 0:
                raise _Missing(f"base figure for {r['base_period']} is zero")
            observed = 100.0 * (fig.value - base.value) / base.value
            detail = (f"{_fmt(fig.value)} in {period} vs {_fmt(base.value)} in "
                      f"{r['base_period']}: {observed:+.1f}%")
        elif q == "share_pct":
            b_region = r.get("base_region") or region
            b_group = r.get("base_group") or group
            b_measure = r.get("base_measure") or measure
            base = data.figure(src, period, b_region, b_group, b_measure)
            if base.value == 0:
                raise _Missing("base figure is zero")
            observed = 100.0 * fig.value / base.value
            what = f"{b_region}, group {b_group}" + (f", {b_measure}" if b_measure != measure
                                                     else "")
            detail = f"{_fmt(fig.value)} of {_fmt(base.value)} ({what}): {observed:.1f}%"
        else:  # max_since
            return _max_since(r, fig, data)
    except _Missing as exc:
        return {"observed": np.nan, "detail": "", "verdict": CANNOT_TELL, "reason": str(exc)}
    ok = _compare(observed, r["comparator"], threshold, _tolerance(r))
    verdict = SUPPORTED if ok else NOT_SUPPORTED
    reason = f"{detail}; claim: {r['comparator']} {_fmt(threshold)}"
    if r["comparator"] == "approx":
        reason += f" (within {_fmt(_tolerance(r))})"
    return {"observed": observed, "detail": detail, "verdict": verdict, "reason": reason}


def _from_bound(r: dict, data: ClaimData, bound: str, missing: str) -> dict[str, object]:
    """A ``value`` claim about a group decided from the figure of a group containing it."""
    total = data.figure(r["source_org"], r["period"], r["region"], bound, r["measure"])
    threshold, comp = float(r["threshold"]), r["comparator"]
    ub = total.value  # the claimed group's figure is at most the containing group's
    detail = (f"{r['group']} {r['measure']} not published; at most {_fmt(ub)} (group {bound}, "
              f"{total.how}) in {r['period']}")
    if comp in (">", ">=") and not _compare(ub, comp, threshold, 0.0):
        return {"observed": np.nan, "detail": detail, "verdict": NOT_SUPPORTED,
                "reason": f"contradicted by bounds: {detail}; claim: {comp} {_fmt(threshold)}"}
    if comp in ("<", "<=") and _compare(ub, comp, threshold, 0.0):
        return {"observed": np.nan, "detail": detail, "verdict": SUPPORTED,
                "reason": f"supported by bounds: {detail}; claim: {comp} {_fmt(threshold)}"}
    return {"observed": np.nan, "detail": detail, "verdict": CANNOT_TELL,
            "reason": f"{missing}; the bound ({detail}) does not decide {comp} "
                      f"{_fmt(threshold)}"}


def _from_estimand(r: dict, estimands: pd.DataFrame | None) -> dict[str, object]:
    """A claim part whose verdict comes from an analysis result (see the module docstring)."""
    name, outcome = str(r["estimand"]).strip(), r["measure"]
    model = str(r.get("model", "") or "").strip() or "primary"
    what = f"estimand {name!r}, outcome {outcome!r}, model {model!r}"
    if estimands is None:
        return {"observed": np.nan, "detail": "", "verdict": PENDING,
                "reason": f"awaits the analysis: {what} (results/estimands.csv)"}
    e = estimands
    sel = e[(e["estimand"].astype(str) == name) & (e["outcome"].astype(str) == outcome)
            & (e["model"].astype(str) == model)]
    if len(sel) != 1:
        return {"observed": np.nan, "detail": "", "verdict": PENDING,
                "reason": f"no single result for {what} in the estimands table ({len(sel)})"}
    x = sel.iloc[0]
    ratio, lo, hi = float(x["ratio"]), float(x["ratio_low"]), float(x["ratio_high"])
    threshold, comp = float(r["threshold"]), r["comparator"]
    method = str(x.get("interval_method", "") or "")
    detail = (f"{what}: ratio {ratio:.2f} ({lo:.2f}-{hi:.2f}"
              + (f", {method}" if method else "") + ")")
    above, below = lo > threshold, hi < threshold
    if comp in (">", ">="):
        verdict = SUPPORTED if above else (NOT_SUPPORTED if below else CANNOT_TELL)
    elif comp in ("<", "<="):
        verdict = SUPPORTED if below else (NOT_SUPPORTED if above else CANNOT_TELL)
    else:
        raise InputError("estimand claims compare with >, >=, < or <=", field="comparator",
                         value=comp, expected="> >= < <=")
    tail = "" if verdict != CANNOT_TELL else f"; the interval contains {_fmt(threshold)}"
    return {"observed": ratio, "detail": detail, "verdict": verdict,
            "reason": f"{detail}; claim: ratio {comp} {_fmt(threshold)}{tail}"}


def _tolerance(r: dict) -> float:
    text = str(r.get("tolerance", "") or "").strip()
    return float(text) if text else 0.0


def _compare(observed: float, comparator: str, threshold: float, tol: float) -> bool:
    if comparator == "approx":
        return abs(observed - threshold) <= tol + 1e-9
    return bool(COMPARATORS[comparator](observed, threshold))


def _max_since(r: dict, fig: Figure, data: ClaimData) -> dict[str, object]:
    month = pd.Period(r["period"], freq="M")
    months = pd.period_range(pd.Period(r["base_period"], freq="M"), month - 1, freq="M")
    s = data.monthly_series(r["source_org"], r["region"], r["group"], r["measure"])
    prior = s.reindex(months)
    observed_max = float(prior.max()) if prior.notna().any() else np.nan
    n_missing = int(prior.isna().sum())
    observed = fig.value - observed_max if not math.isnan(observed_max) else np.nan
    detail = (f"{_fmt(fig.value)} in {month}; highest of {len(months) - n_missing} months with "
              f"data since {months[0]}: "
              + (_fmt(observed_max) if not math.isnan(observed_max) else "none"))
    threshold = float(r["threshold"])
    if not math.isnan(observed) and not _compare(observed, r["comparator"], threshold,
                                                  _tolerance(r)):
        return {"observed": observed, "detail": detail, "verdict": NOT_SUPPORTED,
                "reason": detail + " (refuted whatever the missing months hold)"}
    if n_missing:
        return {"observed": observed, "detail": detail, "verdict": CANNOT_TELL,
                "reason": f"{detail}; {n_missing} of {len(months)} earlier months have no figure"}
    return {"observed": observed, "detail": detail, "verdict": SUPPORTED, "reason": detail}


def combine(verdicts: list[str]) -> str:
    """Verdict of a claim from the verdicts of its parts."""
    if any(v == NOT_SUPPORTED for v in verdicts):
        return NOT_SUPPORTED
    if verdicts and all(v == SUPPORTED for v in verdicts):
        return SUPPORTED
    if any(v == PENDING for v in verdicts):
        return PENDING
    if verdicts and all(v in (SUPPORTED, CONSISTENT_WITH_RELEASE) for v in verdicts):
        return CONSISTENT_WITH_RELEASE
    return CANNOT_TELL


def check_claims(claims: pd.DataFrame | str | os.PathLike[str], panel: pd.DataFrame,
                 periods: pd.DataFrame | None = None,
                 alternatives: pd.DataFrame | None = None,
                 estimands: pd.DataFrame | None = None) -> pd.DataFrame:
    """Evaluate every claim part against the data.

    Parameters
    ----------
    claims : DataFrame or path
        The claims table (read with :func:`read_claims` when a path).
    panel : DataFrame
        The cleaned monthly panel.
    periods : DataFrame, optional
        Published non-monthly totals (quarters, halves, years).
    alternatives : DataFrame, optional
        Values that lost reconciliation (``alternatives.csv``). When substituting one of them
        for a figure the claim uses would change the verdict, ``alternative`` says so (the
        verdict itself always uses the reconciled figures), except for parts marked
        ``computed_by_source``: a percentage the source computed from an earlier release that a
        later revision superseded (``decided_by`` ``latest_release``) is ``consistent with the
        release cited`` when that release's figure supports it.
    estimands : DataFrame, optional
        Analysis results (``results/estimands.csv``) for ``estimand`` parts; without it they
        are ``pending analysis``.

    Returns
    -------
    DataFrame
        One row per claim part, in file order: ``claim_id, part, claim, claimant, url,
        source_org, period, region, group, measure, quantity, comparator, threshold, observed,
        verdict, reason, alternative``.
    """
    table = claims if isinstance(claims, pd.DataFrame) else read_claims(claims)
    data = ClaimData(panel, periods, alternatives)
    rows = []
    for _, r in table.iterrows():
        data.reset()
        res = evaluate_part(r, data, estimands)
        if (res["verdict"] == NOT_SUPPORTED
                and str(r.get("computed_by_source", "")).strip().lower() == "yes"):
            res = _release_cited(r, data, res)
        res["alternative"] = _alternative_note(r, data, res["verdict"])
        rows.append({**{c: r.get(c, "") for c in ("claim_id", "part", "claim", "claimant", "url",
                                                   "source_org", "period", "region", "group",
                                                   "measure", "quantity", "comparator",
                                                   "threshold")},
                     "observed": res["observed"], "verdict": res["verdict"],
                     "reason": res["reason"], "alternative": res["alternative"]})
    return pd.DataFrame(rows)


def _release_cited(row: pd.Series, data: ClaimData, res: dict[str, object]) -> dict[str, object]:
    """Re-check a source-computed percentage with the superseded earlier-release figures."""
    cells = list(dict.fromkeys(data.accessed))
    a = data.alternatives
    if a is None or not cells:
        return res
    for cell in cells:
        src, period, region, group, measure = cell
        sel = a[(a["source"] == src) & (a["period"] == period) & (a["region"] == region)
                & (a["group"] == group) & (a["measure"] == measure)]
        if "decided_by" not in sel.columns:
            continue
        earlier = sel[(sel["decided_by"].astype(str) == "latest_release")
                      & ~sel["chosen"].astype(str).str.lower().isin(["true", "1"])]
        for value, url in zip(earlier["value"], earlier["url"], strict=True):
            data.overrides = {cell: float(value)}
            data.accessed = []
            alt = evaluate_part(row, data)
            if alt["verdict"] == SUPPORTED:
                data.overrides, data.accessed = {}, cells
                return {**res, "verdict": CONSISTENT_WITH_RELEASE,
                        "reason": f"{alt['reason']} with the release cited ({src} {measure} "
                                  f"{period} = {_fmt(value)}, {str(url).split(' | ')[0]}); "
                                  f"the later revision gives {res['reason']}"}
    data.overrides, data.accessed = {}, cells
    return res


def _alternative_note(row: pd.Series, data: ClaimData, verdict: str) -> str:
    """Say which alternative published figure would change the verdict, if any."""
    cells = list(dict.fromkeys(data.accessed))
    notes = []
    for cell in cells:
        for value, url in data.alternatives_for(cell):
            data.overrides = {cell: value}
            data.accessed = []
            alt = evaluate_part(row, data)["verdict"]
            if alt != verdict:
                src, period, region, group, measure = cell
                notes.append(f"{alt} if {src} {measure} {period} ({region}, group {group}) is "
                             f"taken as {_fmt(value)}, as reported at {url}")
    data.reset()
    return "; ".join(notes)


def summarise(parts: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: ``claim_id, claim, claimant, url, verdict, reason, alternative``.

    ``reason`` joins the parts' reasons (``part k: ...``) when there are several.
    """
    out = []
    for cid, grp in parts.groupby("claim_id", sort=False):
        verdicts = grp["verdict"].tolist()
        if len(grp) == 1:
            reason = str(grp["reason"].iloc[0])
        else:
            reason = " | ".join(f"part {p}: {v}, {why}" for p, v, why in
                                zip(grp["part"], grp["verdict"], grp["reason"], strict=True))
        first = grp.iloc[0]
        alt = "; ".join(a for a in grp.get("alternative", pd.Series(dtype=str)).fillna("") if a)
        out.append({"claim_id": cid, "claim": first["claim"], "claimant": first["claimant"],
                    "url": first["url"], "verdict": combine(verdicts), "reason": reason,
                    "alternative": alt})
    return pd.DataFrame(out, columns=["claim_id", "claim", "claimant", "url", "verdict", "reason",
                                      "alternative"])


__all__ = ["CANNOT_TELL", "CONSISTENT_WITH_RELEASE", "NOT_SUPPORTED", "PENDING", "SUPPORTED",
           "VERDICTS", "ClaimData", "check_claims", "read_nonstandard",
           "with_nonstandard",
           "combine", "evaluate_part", "read_claims", "summarise"]
