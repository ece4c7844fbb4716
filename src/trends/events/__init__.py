"""Event-level data (UCDP GED, ACLED, GTD) into the canonical monthly and weekly panels.

``read_events(inputs, "ucdp-ged" | "acled" | "gtd", country="Pakistan")`` reads each dataset's own
public CSV export (only the needed columns, typed, with pyarrow), applies a stated attack rule and
date rule, maps regions and groups through the alias tables, and returns monthly and weekly panels
with the columns of :data:`trends.schema.PANEL_COLUMNS` (the weekly panel has ``week`` instead of
``month``) plus a per-event audit.

Rules (details in :func:`read_events`):

* **attacks** = events that count as militant attacks under the dataset's rule
  (:class:`GedRule`, :class:`AcledRule`, :class:`GtdRule`); **killed** etc. are summed over the
  same events.
* **dates**: an event is counted in the month (ISO week) its date range lies in; a range that
  spans months is counted in its start's month and week (flagged), unless ``imprecise="exclude"``;
  an event whose month is unknown (GTD ``imonth`` 0) is in the annual totals only.
* **zeros**: within the dataset's coverage a month without an event is a true 0; months outside
  the coverage are absent (GED 22.1 ends 2021-12-31, so 2022 never appears as zeros).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from trends import atomic
from trends.errors import InputError
from trends.schema import ALL_GROUPS, NATIONAL

from . import _audit, _core, _dates, acled, ged, gtd
from ._audit import ANNUAL_COLUMNS, AUDIT_COLUMNS  # noqa: F401 (re-exported)
from ._core import DEFAULT_DERIVED_REGIONS, OTHER_GROUP, UNKNOWN_GROUP, Coverage
from ._dates import week_start
from ._io import read_header, record_lines, require_columns, write_csv
from .acled import AcledRule
from .ged import GedRule
from .gtd import GtdRule

__all__ = [
    "FORMATS", "AUDIT_COLUMNS", "AcledRule", "Coverage", "EventsResult", "GedRule", "GtdRule",
    "OTHER_GROUP", "UNKNOWN_GROUP", "read_events", "run_clean", "week_start", "write_outputs",
]

#: Supported ``fmt`` values and their adapter modules.
FORMATS: dict[str, object] = {"ucdp-ged": ged, "acled": acled, "gtd": gtd}
_RULES = {"ucdp-ged": GedRule, "acled": AcledRule, "gtd": GtdRule}
@dataclass(frozen=True, eq=False)
class EventsResult:
    """Panels and audit built from event-level files by :func:`read_events`.

    Attributes
    ----------
    monthly
        Long panel, columns :data:`~trends.schema.PANEL_COLUMNS` (``month`` as ``YYYY-MM``).
    weekly
        The same for ISO weeks: column ``week`` (``YYYY-Www``, e.g. ``2021-W35``; Monday start,
        see :func:`week_start`) in place of ``month``.
    audit
        One row per data record of every input (columns :data:`AUDIT_COLUMNS`): what became of
        it (``kept`` = counted in the monthly panel, ``dropped`` with the reason). Built on
        first access (it costs more than the panels on large files).
    annual
        Per year (national, all groups): totals over every counted event including those whose
        month is unknown, and how much of it is in the monthly panel.
    coverage
        Period covered by the dataset (true zeros inside, absent outside).
    source
        Dataset label used in the ``source`` column, e.g. ``UCDP GED 22.1``.
    rule
        Statement of the attack rule and date rule used.
    files
        The input files, in the order read.
    records
        Number of data records read (all countries).
    """

    monthly: pd.DataFrame
    weekly: pd.DataFrame
    annual: pd.DataFrame
    coverage: Coverage
    source: str
    rule: str = ""
    files: tuple[str, ...] = field(default_factory=tuple)
    records: int = 0
    _build_audit: Callable[[], pd.DataFrame] | None = field(default=None, repr=False)

    @functools.cached_property
    def audit(self) -> pd.DataFrame:
        """Per-record audit (see the class docstring); computed once, on first access."""
        if self._build_audit is None:  # pragma: no cover - always set by read_events
            return pd.DataFrame(columns=list(AUDIT_COLUMNS))
        return self._build_audit()

    def series(self, measure: str = "attacks", region: str = NATIONAL, group: str = ALL_GROUPS,
               freq: Literal["month", "week"] = "month") -> pd.DataFrame:
        """One series as a frame with a ``date`` column (month or ISO-week start) and ``value``.

        Ready for :class:`trends.ITS` (``date="date", outcome="value"``).
        """
        panel = self.monthly if freq == "month" else self.weekly
        col = "month" if freq == "month" else "week"
        sel = panel[(panel["measure"] == measure) & (panel["region"] == region)
                    & (panel["group"] == group)]
        if sel.empty:
            raise KeyError(f"no series {measure}/{region}/{group} in the {freq}ly panel")
        date = (pd.to_datetime(sel[col], format="%Y-%m") if freq == "month"
                else week_start(sel[col]).set_axis(sel.index))
        return pd.DataFrame({"date": date.to_numpy(), "value": sel["value"].to_numpy()})


def _files(inputs: str | Path | Sequence[str | Path]) -> list[Path]:
    items = [inputs] if isinstance(inputs, (str, Path)) else list(inputs)
    if not items:
        raise InputError("no input files given", expected="one or more CSV exports")
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.iterdir()
                           if q.suffix.lower() == ".csv" and not q.name.startswith("."))
            for q in found:  # a broken link or FIFO named .csv is refused, not skipped
                if not q.is_file():
                    raise InputError("not a regular file (a broken link, FIFO, device or "
                                     "folder)", path=q, expected="a CSV export")
            if not found:
                raise InputError("folder holds no .csv file", path=p, expected="CSV exports")
            out.extend(found)
        elif not p.exists():
            raise FileNotFoundError(2, "No such file or directory", str(p))
        elif not p.is_file():
            raise InputError("not a regular file (a FIFO, socket or device)", path=p,
                             expected="a CSV export")
        else:
            out.append(p)
    return sorted(dict.fromkeys(out))  # sorted: the result does not depend on argument order


def _concat(parts: list[_core.Adapted]) -> _core.Adapted:
    if len(parts) == 1:
        return parts[0]
    kw: dict[str, object] = {}
    for f in dataclasses.fields(_core.Adapted):
        vals = [getattr(p, f.name) for p in parts]
        if f.name in ("path", "lines"):
            kw[f.name] = "" if f.name == "path" else None
        elif f.name == "measures":
            kw[f.name] = {m: np.concatenate([v[m] for v in vals]) for m in vals[0]}
        elif f.name == "region_overrides":
            kw[f.name] = vals[0]
        elif f.name == "date_text":
            kw[f.name] = functools.partial(
                lambda fs: union_categoricals([g() for g in fs]), vals)
        elif isinstance(vals[0], pd.Categorical):
            kw[f.name] = union_categoricals(vals)
        elif isinstance(vals[0], pa.ChunkedArray):
            kw[f.name] = pa.chunked_array([c for v in vals for c in v.chunks], type=vals[0].type)
        else:
            kw[f.name] = np.concatenate(vals)
    return _core.Adapted(**kw)


def _duplicated(ids: pa.ChunkedArray) -> np.ndarray:
    """True for every id seen earlier in the array (the first occurrence is False)."""
    if pa.types.is_integer(ids.type) and ids.null_count == 0:
        codes = ids.to_numpy()
        first = np.zeros(len(codes), dtype=bool)
        first[np.unique(codes, return_index=True)[1]] = True
        return ~first
    codes = pc.dictionary_encode(ids).combine_chunks().indices
    codes = pc.fill_null(codes, -1).to_numpy()
    first = np.zeros(len(codes), dtype=bool)
    _, index = np.unique(codes, return_index=True)
    first[index] = True
    return ~first & (codes >= 0)


def read_events(
    inputs: str | Path | Sequence[str | Path],
    fmt: str,
    *,
    country: str | None = "Pakistan",
    rule: GedRule | AcledRule | GtdRule | None = None,
    imprecise: Literal["start", "exclude"] = "start",
    coverage: tuple[str, str] | Coverage | None = None,
    source: str | None = None,
    derived_regions: Mapping[str, Sequence[str]] | None = None,
) -> EventsResult:
    """Read event-level exports into monthly and weekly panels with an audit.

    Parameters
    ----------
    inputs
        One or more CSV files (or folders of ``*.csv``) in the dataset's own export layout. Several
        files are read as parts of one dataset (e.g. yearly ACLED exports) and must be the same
        release; they are processed in sorted path order.
    fmt
        ``"ucdp-ged"`` (UCDP GED or Candidate events), ``"acled"`` or ``"gtd"``.
    country
        Keep events of this country (``country`` / ``country_txt`` column, case-insensitive; for
        GED a numeric value also matches ``country_id``, e.g. ``"770"``). ``None`` keeps all.
        Records of other countries are in the audit as dropped.
    rule
        Attack rule; defaults to the dataset's default (:class:`GedRule`, :class:`AcledRule`,
        :class:`GtdRule`).
    imprecise
        Events whose date range spans months (GED ranges; ACLED ``time_precision`` ranges) are
        counted in the month and ISO week of their start date and flagged ``month_from_start``
        (``"start"``, default), or kept out of the monthly and weekly panels (``"exclude"``).
        Either way they stay in the annual totals and the audit.
    coverage
        ``(first_day, last_day)`` covered, overriding the default (GED, GTD: whole calendar years
        of the file's year column, GTD without 1993; ACLED and UCDP Candidate: first to last
        event date). Events outside are dropped (audit reason ``outside coverage``).
    source
        Label of the ``source`` column; default from the dataset (``UCDP GED 22.1`` from a file
        name like ``ged221`` or ``GEDEvent_v22_1``, ``ACLED``, ``GTD``).
    derived_regions
        Extra regions summed from others (default: ``khyber_pakhtunkhwa_incl_ex_fata`` from
        ``khyber_pakhtunkhwa`` and ``ex_fata``).

    Returns
    -------
    EventsResult

    Raises
    ------
    InputError
        Missing required column, duplicated column, unparseable date or number, impossible value,
        no events for ``country``, mixed releases; each names file, line and field.

    Notes
    -----
    Date rule, in order: (1) date range inside one month and one ISO week: counted there
    (``exact``); (2) inside one month, spanning ISO weeks: month, and the week of its start
    (``week_from_start``); (3) spanning months with a reported start date (GED ``date_start``):
    counted at the start (``month_from_start``) or excluded (``imprecise="exclude"``); (4) month
    known but no day (GTD ``iday`` 0, ACLED ``time_precision`` 3): monthly panel only
    (``month_only``); (5) month unknown (GTD ``imonth`` 0): annual totals only
    (``annual_only``). The weekly panel therefore sums to the monthly panel less the
    ``month_only`` events. Weeks are ISO 8601 weeks (Monday to Sunday, labelled ``2021-W35``);
    a week that straddles the start or end of the coverage is kept and is partial (GED 22.1's
    last week, ``2021-W52``, runs to 2 January 2022 but holds events to 31 December only).

    Regions come from the region alias table (GED ``adm_1``, ACLED ``admin1``, GTD
    ``provstate``); an unmapped or empty region is counted in ``national`` only (which is the sum
    over all events, not over mapped regions). Groups come from the group alias table applied to
    the perpetrator (GED: the non-state side; ACLED: the non-state armed actor; GTD: ``gname``);
    names not in the table become ``other``, missing ones ``unknown``; group ``all`` sums every
    event. Killed/injured sum the values reported; a period whose events all lack the value is
    NaN, a period with no event is 0.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown event format {fmt!r}", field="format", value=fmt,
                         expected=" or ".join(FORMATS))
    if imprecise not in ("start", "exclude"):
        raise InputError("unknown rule for imprecise dates", field="imprecise", value=imprecise,
                         expected="'start' or 'exclude'")
    module = FORMATS[fmt]
    rule = rule if rule is not None else _RULES[fmt]()
    if not isinstance(rule, _RULES[fmt]):
        raise InputError(f"rule {type(rule).__name__} does not apply to format {fmt!r}",
                         field="rule", expected=_RULES[fmt].__name__)
    files = _files(inputs)
    parts, labels, per_file = [], [], []
    for path in files:
        names = read_header(path)
        require_columns(path, names, module.REQUIRED, fmt)
        ad = module.read(path, country, rule, names)
        if ad.n == 0:
            raise InputError("file has a header but no data rows", path=path, line=2,
                             expected="one event per row")
        parts.append(ad)
        labels.append(ged.source_label(path) if fmt == "ucdp-ged" else module.SOURCE)
        per_file.append((str(path), ad.n))
    if len(set(labels)) > 1 and source is None:
        raise InputError("input files are different releases: " + ", ".join(sorted(set(labels))),
                         path=files[0], expected="files of one release per run (or pass source=)")
    label = source or labels[0]
    ad = _concat(parts)
    file_col = pd.Categorical.from_codes(
        np.repeat(np.arange(len(per_file)), [n for _, n in per_file]),
        categories=[f for f, _ in per_file])
    record = np.concatenate([np.arange(1, n + 1) for _, n in per_file])

    if country is not None and not ad.in_country.any():
        seen = pd.Series(ad.country).value_counts().index[:5].tolist()
        raise InputError(f"no events for country {country!r}", path=files[0], field="country",
                         value=country, expected="one of " + ", ".join(map(str, seen)))

    cov = _coverage(fmt, label, ad, coverage)
    start_days = ad.start.astype(np.int64)
    # duplicated event ids (e.g. overlapping exports): the first in sorted file order counts
    dup = _duplicated(ad.event_id) & ad.in_country
    inside = cov.contains(start_days)
    counted = ad.in_country & ~dup & ad.attack & inside
    when = _core.assign_periods(ad, imprecise)
    in_month = counted & (when.month >= 0)
    in_week = counted & (when.week >= 0)

    region = _core.map_regions(ad.region_raw, ad.region_overrides)
    group = _core.map_groups(ad.group_raw)
    derived = DEFAULT_DERIVED_REGIONS if derived_regions is None else dict(derived_regions)
    measures = {"attacks": np.ones(ad.n), **ad.measures}

    def panel(mask: np.ndarray, keys: np.ndarray, periods: np.ndarray, col: str,
              labeller: Callable[[np.ndarray], np.ndarray], step: int) -> pd.DataFrame:
        return _core.build_panel(keys[mask], periods, labeller(periods), col,
                                 region[mask], group[mask],
                                 {m: v[mask] for m, v in measures.items()}, derived, label,
                                 module.URL, step)

    monthly = panel(in_month, when.month, cov.month_keys(), "month", _dates.month_labels, 1)
    weekly = panel(in_week, when.week, cov.week_keys(), "week", _dates.week_labels, 7)
    annual = _audit.annual(counted, in_month, ad.start, measures, label)

    def build_audit() -> pd.DataFrame:
        lines = np.concatenate([record_lines(Path(f), n) for f, n in per_file])
        return _audit.audit(dataclasses.replace(ad, lines=lines), file_col, record, when,
                            counted, in_month, dup, inside, region, group, country, imprecise)

    text = (f"{rule.describe()}. Dates: imprecise={imprecise!r}. Coverage: {cov.describe()}; "
            "months without events inside it are 0.")
    return EventsResult(monthly=monthly, weekly=weekly, annual=annual, coverage=cov,
                        source=label, rule=text, files=tuple(map(str, files)), records=ad.n,
                        _build_audit=build_audit)


def _coverage(fmt: str, label: str, ad: _core.Adapted,
              given: tuple[str, str] | Coverage | None) -> Coverage:
    if isinstance(given, Coverage):
        return given
    if given is not None:
        try:
            a, b = (pd.Timestamp(x).date() for x in given)
        except (ValueError, TypeError) as exc:
            raise InputError("coverage is not a pair of dates", field="coverage", value=given,
                             expected="('YYYY-MM-DD', 'YYYY-MM-DD')") from exc
        if b < a:
            raise InputError("coverage ends before it starts", field="coverage", value=given,
                             expected="first day <= last day")
        return Coverage(a, b, basis="given")
    if fmt == "gtd":
        return gtd.coverage(ad.years)
    if fmt == "acled" or label.startswith("UCDP Candidate"):
        cov = acled.coverage(ad.start, ad.end)
        return dataclasses.replace(cov, basis=f"{label}: first to last event date in the file")
    return ged.coverage(ad.years, label)


#: The files ``trends clean --format FMT`` writes.
OUTPUT_NAMES = ("panel.csv", "panel_weekly.csv", "annual.csv", "audit.csv")


def write_outputs(result: EventsResult, out_dir: str | Path) -> dict[str, Path]:
    """Write ``panel.csv``, ``panel_weekly.csv``, ``annual.csv`` and ``audit.csv`` atomically.

    Values are written without a trailing ``.0`` (``%.15g``); missing values are empty cells.
    Returns the paths written, by name.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(out))
    written = {}
    with atomic.OutputSet() as staged:  # the four files are committed together or not at all
        for name, df in (("panel.csv", result.monthly), ("panel_weekly.csv", result.weekly),
                         ("annual.csv", result.annual), ("audit.csv", result.audit)):
            # pyarrow-rendered, byte-identical to what staged.write_csv (DataFrame.to_csv)
            # writes, formula-like cells neutralised the same way
            written[name] = staged.write_with(
                out / name, lambda tmp, df=df: write_csv(df, tmp, float_format="%.15g",
                                                         atomic_write=False, neutralise=True))
    return written


def run_clean(inputs: list[str], fmt: str, out: str, country: str | None = "Pakistan") -> int:
    """``trends clean --format FMT INPUT... --out DIR``: read, write, print a summary; exit 0."""
    atomic.check_outputs_not_inputs(inputs, [Path(out) / n for n in OUTPUT_NAMES], out)
    result = read_events(inputs, fmt, country=country)
    write_outputs(result, out)
    counts = result.audit["status"].value_counts()
    rules = result.audit.loc[result.audit["status"] == "kept", "date_rule"].value_counts()
    print(f"{result.source}: {len(result.audit)} records, {counts.get('kept', 0)} counted, "
          f"{counts.get('dropped', 0)} not in the monthly panel; coverage "
          f"{result.coverage.describe()}")
    flagged = {k: int(v) for k, v in rules.items() if k != "exact" and v > 0}
    if flagged:
        print("imprecise dates counted: " + ", ".join(f"{k}={v}" for k, v in sorted(flagged.items())))
    print(f"wrote {Path(out) / 'panel.csv'}, panel_weekly.csv, annual.csv, audit.csv")
    return 0
