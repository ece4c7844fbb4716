"""The canonical monthly panel: reconciliation rules, month grids, headline series, file I/O.

Reconciliation rule (defaults in ``trends/data/rules.json``, key ``reconcile_order``)
--------------------------------------------------------------------------------------
Figures are compared per *cell* ``source x period x region x group x measure``. All rows that
report the same value form one candidate (their URLs are merged). When a cell has several
candidate values, these steps are applied in order until one value is left:

1. ``non_suspect`` -- a value backed by at least one row without a suspect flag
   (``suspect_flags``) beats values backed only by flagged rows;
2. ``latest_release`` -- a later revision beats an earlier release. Each row's release is its
   ``vintage`` (the period the release reports on, read from the page's quotes or URL by the
   data build; a restatement in a later report carries that report's period) and its
   ``published`` date. A candidate's release is the latest among its rows. When every value has
   a vintage, the value whose vintage ends strictly after every other's wins; values tied at
   the latest vintage (or, when some vintage is unknown, all values) are then compared by
   publication date: the value whose latest report appeared strictly after every other
   value's latest report wins, when every one of them is dated;
3. ``own_publication`` -- a value found on the source's own site (``own_domains``) beats values
   found only in press reprints;
4. ``most_reports`` -- the value reported by the most distinct URLs wins.

When no step decides, the cell is **unresolved**: it is a gap in the panel (``value`` empty,
``flag`` ``unresolved``), every candidate stays in the alternatives table with ``decided_by``
``unresolved`` and the audit marks the rows ``unresolved``. ``highest_value`` (and
``lowest_value``) remain available as explicit steps for a sensitivity run (e.g. ``trends clean
--rules`` with ``"reconcile_order": [..., "highest_value"]``, or :func:`resolve_unresolved`),
but are not a default: the higher of two releases is not the truer one. Also available:
``latest_publication`` (publication dates only, the step ``latest_release`` falls back on).

Losing values are kept in the alternatives table; nothing is averaged or filled.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from trends.atomic import write_csv
from trends.errors import InputError, SpecificationError
from trends.periods import month_range
from trends.schema import ALL_GROUPS, NATIONAL, PANEL_COLUMNS, PANEL_KEYS

#: Provenance columns written after :data:`~trends.schema.PANEL_COLUMNS` in ``panel.csv``.
PANEL_EXTRA: tuple[str, ...] = ("n_reports", "n_alternatives", "flag")
#: Columns of the non-monthly table ``periods.csv``.
PERIODS_COLUMNS: tuple[str, ...] = (
    "period", "period_type", "start", "end", "region", "group", "measure", "source", "value",
    "url", "n_reports", "n_alternatives", "flag",
)
#: Columns of ``alternatives.csv``.
ALTERNATIVES_COLUMNS: tuple[str, ...] = (
    "period", "region", "group", "measure", "source", "value", "chosen", "decided_by",
    "suspect", "own_publication", "published", "vintage", "n_reports", "flag", "url", "rows",
)
#: Reconciliation steps known to :func:`reconcile`.
STEPS: tuple[str, ...] = (
    "non_suspect", "latest_release", "own_publication", "latest_publication", "most_reports",
    "highest_value", "lowest_value",
)
#: Default order of the reconciliation steps (as in ``trends/data/rules.json``).
DEFAULT_ORDER: tuple[str, ...] = ("non_suspect", "latest_release", "own_publication",
                                  "most_reports")
#: ``decided_by`` / ``flag`` / audit status of a cell that no step decides.
UNRESOLVED = "unresolved"
#: Sort order of panel rows (series by series, months ascending).
PANEL_SORT: tuple[str, ...] = ("source", "measure", "region", "group", "month")
CELL_KEYS: tuple[str, ...] = ("source", "period", "region", "group", "measure")


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rules:
    """Cleaning and reconciliation rules (defaults: ``trends/data/rules.json``).

    Attributes
    ----------
    period_horizon
        Latest acceptable period label, or ``None`` for December of next year.
    min_year
        Earliest acceptable year.
    missing_tokens
        Cell texts meaning "not reported" (compared case-insensitively).
    total_labels
        Region/group texts that mark a total row.
    source_aliases
        Normalised source name -> canonical name (e.g. ``"piccs"`` -> ``"PICSS"``).
    own_domains
        Source -> web domains of its own publications.
    suspect_flags
        Flag codes that make a row suspect.
    reconcile_order
        Steps of the reconciliation rule (see the module docstring).
    region_rules
        Source-specific region re-codings (``name, source_org, region, from, to, becomes,
        reason``).
    headline_priority
        Source order of :func:`headline`.
    region_partitions
        Lists of region codes that each add up to the national total; a national total row is
        checked against the sum of the parts of the list that covers most of its table's
        regions (empty: all non-national regions in the table).
    yyyy_yy
        How a ``YYYY-YY`` period whose ``YY`` is the next year (``2009-10``, as Pakistani
        reports print fiscal years) is read: ``"auto"`` (default: as a month in a file that
        writes other ``YYYY-MM`` months such as ``2009-03``, else refused as ambiguous),
        ``"refuse"``, ``"month"`` (October 2009) or ``"fiscal"`` (July 2009 to June 2010); see
        :mod:`trends.periods`.

    Parameters
    ----------
    **fields
        The attributes above (usually built by :func:`load_rules`).

    Examples
    --------
    >>> load_rules().reconcile_order
    ('non_suspect', 'latest_release', 'own_publication', 'most_reports')
    """

    period_horizon: str | None = None
    min_year: int = 1970
    missing_tokens: tuple[str, ...] = ()
    total_labels: tuple[str, ...] = ()
    source_aliases: dict[str, str] = field(default_factory=dict)
    own_domains: dict[str, tuple[str, ...]] = field(default_factory=dict)
    suspect_flags: tuple[str, ...] = ()
    reconcile_order: tuple[str, ...] = DEFAULT_ORDER
    region_rules: tuple[dict[str, Any], ...] = ()
    headline_priority: tuple[str, ...] = ()
    region_partitions: tuple[tuple[str, ...], ...] = ()
    yyyy_yy: str = "auto"

    def is_suspect(self, flag: str) -> bool:
        """True if any code in ``flag`` (``;``-separated) is a suspect flag."""
        return any(f.strip() in self.suspect_flags for f in flag.split(";") if f.strip())

    def is_own(self, source: str, url: str) -> bool:
        """True if ``url`` lies on one of ``source``'s own domains."""
        host = urlparse(url.strip()).netloc.lower().split(":")[0]
        return any(host == d or host.endswith("." + d) for d in self.own_domains.get(source, ()))


def _default_rules_dict() -> dict[str, Any]:
    ref = resources.files("trends") / "data" / "rules.json"
    return json.loads(ref.read_text(encoding="utf-8"))


def _is_texts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


#: JSON type each rules key must have: (test, what the message says is expected).
_RULE_TYPES: dict[str, tuple[Any, str]] = {
    "period_horizon": (lambda v: v is None or isinstance(v, str),
                       'a period label such as "2030-12", or null'),
    "min_year": (lambda v: isinstance(v, int) and not isinstance(v, bool),
                 "a whole year such as 1970"),
    "missing_tokens": (_is_texts, 'a list of texts ["-", "n/a", ...]'),
    "total_labels": (_is_texts, 'a list of texts ["total", ...]'),
    "suspect_flags": (_is_texts, 'a list of texts ["typo", ...]'),
    "headline_priority": (_is_texts, 'a list of source names ["PICSS", ...]'),
    "reconcile_order": (_is_texts, 'a list of step names ["non_suspect", ...]'),
    "source_aliases": (lambda v: isinstance(v, dict) and all(isinstance(x, str)
                                                             for x in v.values()),
                       'an object of texts {"alias": "SOURCE", ...}'),
    "own_domains": (lambda v: isinstance(v, dict) and all(_is_texts(x) for x in v.values()),
                    'an object of lists {"SOURCE": ["example.org"], ...}'),
    "region_rules": (lambda v: isinstance(v, list) and all(
        isinstance(r, dict)
        and all(isinstance(r.get(k), str) for k in ("source_org", "region", "becomes"))
        and all(r.get(k) is None or isinstance(r.get(k), str) for k in ("from", "to"))
        for r in v),
        'a list of objects {"source_org": TEXT, "region": TEXT, "becomes": TEXT, '
        '"from": PERIOD or null, "to": PERIOD or null, ...}'),
    "region_partitions": (lambda v: isinstance(v, list) and all(_is_texts(p) for p in v),
                          'a list of lists of region codes [["north", "south"], ...]'),
    "yyyy_yy": (lambda v: v in ("auto", "refuse", "month", "fiscal"),
                'one of "auto", "refuse", "month", "fiscal"'),
}


def rule_type_problem(key: str, value: object) -> str | None:
    """What ``value`` of rules key ``key`` should be, if its JSON type is wrong, else ``None``."""
    check = _RULE_TYPES.get(key)
    if check is None or check[0](value):
        return None
    return check[1]


def load_rules(rules: Rules | dict[str, Any] | str | os.PathLike[str] | None = None, *,
               base: dict[str, Any] | None = None) -> Rules:
    """Build :class:`Rules` from the packaged defaults (or ``base``) overridden by ``rules``.

    Parameters
    ----------
    rules
        ``None`` (defaults), a :class:`Rules`, a dict of overrides, or a JSON file of overrides.
    base
        The rules overridden (default: the packaged ``trends/data/rules.json``), e.g. those of
        a :mod:`vocabulary <trends.vocabulary>`.

    Returns
    -------
    Rules

    Examples
    --------
    >>> load_rules({"min_year": 1990}).min_year
    1990

    Raises
    ------
    InputError
        For an unreadable rules file or an unknown key / reconciliation step.
    """
    if isinstance(rules, Rules):
        return rules
    data = dict(base) if base is not None else _default_rules_dict()
    label = "trends/data/rules.json"
    override: dict[str, Any] = {}
    text = ""
    if rules is not None:
        if isinstance(rules, dict):
            override, label = rules, "<rules>"
        else:
            label = str(rules)
            path = Path(rules)
            if not path.is_file():
                raise InputError("rules file not found", path=label,
                                 expected="a JSON file of rule overrides")
            try:
                text = path.read_text(encoding="utf-8-sig")
                override = json.loads(text)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                line = getattr(exc, "lineno", None)
                raise InputError(f"not valid JSON ({exc.__class__.__name__})", path=label,
                                 line=line, expected="a JSON object") from None
            if not isinstance(override, dict):
                raise InputError("rules file must hold a JSON object", path=label,
                                 expected="{\"key\": value, ...}")
        data.update(override)
    known = {f.name for f in fields(Rules)}
    for key in data:
        if key not in known and not key.startswith("_"):
            raise InputError("unknown rules key", path=label, field=key,
                             expected="one of " + ", ".join(sorted(known)))
        wanted = None if key.startswith("_") else rule_type_problem(key, data[key])
        if wanted is not None:
            where = label if key in override else (
                "trends/data/rules.json" if base is None else "<vocabulary rules>")
            at = None
            if where == label and text:
                found = re.search(rf'"{re.escape(key)}"\s*:', text)
                at = text.count("\n", 0, found.start()) + 1 if found else None
            raise InputError("wrong type for rules key", path=where, line=at, field=key,
                             value=json.dumps(data[key], ensure_ascii=False)[:200],
                             expected=wanted)
    order = tuple(data.get("reconcile_order", DEFAULT_ORDER))
    for step in order:
        if step not in STEPS:
            raise InputError("unknown reconciliation step", path=label, field="reconcile_order",
                             value=step, expected="one of " + ", ".join(STEPS))
    return Rules(
        period_horizon=data.get("period_horizon"),
        min_year=int(data.get("min_year", 1970)),
        missing_tokens=tuple(str(t).casefold() for t in data.get("missing_tokens", ())),
        total_labels=tuple(str(t).casefold() for t in data.get("total_labels", ())),
        source_aliases={str(k).casefold(): str(v)
                        for k, v in data.get("source_aliases", {}).items()},
        own_domains={str(k): tuple(v) for k, v in data.get("own_domains", {}).items()},
        suspect_flags=tuple(data.get("suspect_flags", ())),
        reconcile_order=order,
        region_rules=tuple(data.get("region_rules", ())),
        headline_priority=tuple(data.get("headline_priority", ())),
        region_partitions=tuple(tuple(str(c) for c in part)
                                for part in data.get("region_partitions", ())),
        yyyy_yy=str(data.get("yyyy_yy", "auto")),
    )


# --------------------------------------------------------------------------- reconcile


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (much faster than ``to_dict`` on Arrow strings)."""
    cols = list(df.columns)
    columns = [df[c].tolist() for c in cols]
    return [dict(zip(cols, vals, strict=True)) for vals in zip(*columns, strict=True)]


@dataclass
class _Candidate:
    value: int
    rows: list[dict[str, Any]]
    urls: list[str]
    suspect: bool
    own: bool
    pub: tuple[str, str] | None  # (earliest possible, latest possible) date of latest report
    flags: list[str]
    pub_text: str = ""  # that latest publication date as written (YYYY-MM-DD or YYYY-MM)
    release: str = ""  # last month (YYYY-MM) of the latest vintage among the rows, or ""
    release_text: str = ""  # that vintage as written (a period label)

    @property
    def n_reports(self) -> int:
        return max(1, len(self.urls))


def _pub_range(text: str) -> tuple[str, str] | None:
    text = text.strip()
    if not text:
        return None
    if len(text) == 10:
        return text, text
    if len(text) == 7:
        return f"{text}-01", f"{text}-31"
    return f"{text}-01-01", f"{text}-12-31"


def _release_end(text: str) -> str:
    """Last month (``YYYY-MM``) of a vintage period label, or ``""``."""
    from trends.periods import parse_period

    text = text.strip()
    if not text:
        return ""
    return parse_period(text, horizon="9999", min_year=0, yyyy_yy="month").end


def _latest_dated(cands: list[_Candidate]) -> list[_Candidate]:
    """The candidate published strictly after every other (all dated), else ``[]``."""
    if len(cands) < 2 or any(c.pub is None for c in cands):
        return []
    return [c for c in cands
            if all(c.pub[0] > o.pub[1] for o in cands if o is not c)]  # type: ignore[index]


def _latest_release(cands: list[_Candidate]) -> list[_Candidate]:
    """Step ``latest_release`` (see the module docstring)."""
    pool = cands
    if all(c.release for c in cands):
        top = max(c.release for c in cands)
        pool = [c for c in cands if c.release == top]
        if len(pool) == 1:
            return pool
    return _latest_dated(pool) or pool


def _candidates(rows: list[dict[str, Any]], rules: Rules) -> list[_Candidate]:
    by_value: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_value.setdefault(int(r["value"]), []).append(r)
    out = []
    contested = len(by_value) > 1  # suspect/own only matter when values compete
    for value, rs in sorted(by_value.items()):
        urls = sorted({u.strip() for r in rs for u in str(r["url"]).split(" | ") if u.strip()})
        dated = [(_pub_range(str(r.get("published", ""))), str(r.get("published", "")).strip())
                 for r in rs]
        dated = [(rng, text) for rng, text in dated if rng]
        pubs = [rng for rng, _ in dated if rng is not None]
        flags = sorted({f.strip() for r in rs for f in str(r.get("flag", "")).split(";")
                        if f.strip()})
        vintages = [(_release_end(str(r.get("vintage", ""))), str(r.get("vintage", "")).strip())
                    for r in rs]
        vintages = [(end, text) for end, text in vintages if end]
        release = max(vintages) if vintages else ("", "")
        out.append(_Candidate(
            value=value, rows=rs, urls=urls,
            suspect=contested and all(rules.is_suspect(str(r.get("flag", ""))) for r in rs),
            own=contested and any(rules.is_own(r["source"], u) for r in rs
                                  for u in str(r["url"]).split(" | ") if u.strip()),
            pub=max(pubs) if pubs else None, flags=flags,
            pub_text=max(dated)[1] if dated else "",
            release=release[0], release_text=release[1],
        ))
    return out


def _apply_step(step: str, cands: list[_Candidate]) -> list[_Candidate]:
    if step == "non_suspect":
        keep = [c for c in cands if not c.suspect]
    elif step == "own_publication":
        keep = [c for c in cands if c.own]
    elif step == "latest_release":
        keep = _latest_release(cands)
    elif step == "latest_publication":
        keep = _latest_dated(cands)
    elif step == "most_reports":
        best = max(c.n_reports for c in cands)
        keep = [c for c in cands if c.n_reports == best]
    elif step == "highest_value":
        best_v = max(c.value for c in cands)
        keep = [c for c in cands if c.value == best_v]
    elif step == "lowest_value":
        low_v = min(c.value for c in cands)
        keep = [c for c in cands if c.value == low_v]
    else:  # pragma: no cover - load_rules validates steps
        raise SpecificationError(f"unknown reconciliation step {step!r}")
    return keep or cands


def _loc(r: dict[str, Any]) -> str:
    return f"{r['file']}:{r['line']}"


def _check_one_publication(rows: list[dict[str, Any]], rules: Rules) -> None:
    """Refuse one file that gives a cell two values for the same URL (or both without URL).

    The rule arbitrates between publications and between files (a second file is a revision
    or another transcription), not inside one file: there a second value for the same page is
    a typo or a mislabelled row that a person must flag (``flag`` column) or correct.
    """
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        if rules.is_suspect(str(r.get("flag", ""))):
            continue
        pub = (str(r["file"]), str(r["url"]).strip())
        prev = first.setdefault(pub, r)
        if int(prev["value"]) != int(r["value"]):
            where = f"line {prev['line']}"
            raise InputError(
                f"the same cell has two values in one publication: {prev['value']} on {where} "
                f"and {r['value']} here",
                path=r["file"], line=int(r["line"]), field="value", value=str(r["value"]),
                expected="one value per cell and url in a file (correct the row, flag it as "
                "suspect in a 'flag' column, or give a revision its own url or file)")


def _alternative(cell: dict[str, Any], c: _Candidate, chosen: bool, decided_by: str
                 ) -> dict[str, Any]:
    return {
        **cell, "value": c.value, "chosen": chosen, "decided_by": decided_by,
        "suspect": c.suspect, "own_publication": c.own, "published": c.pub_text,
        "vintage": c.release_text, "n_reports": c.n_reports, "flag": ";".join(c.flags),
        "url": " | ".join(c.urls), "rows": " ".join(_loc(r) for r in c.rows),
    }


def _unresolved(cell: dict[str, Any], cands: list[_Candidate], remaining: list[_Candidate],
                out_by: dict[int, str], status: dict[int, tuple[str, str]],
                cells: list[dict[str, Any]], alts: list[dict[str, Any]]) -> None:
    """Record a cell no rule step decides: a gap with every candidate kept as an alternative.

    The values left standing get ``decided_by`` ``unresolved``; values an earlier step ruled
    out get ``unresolved (ruled out by STEP)``.
    """
    values = ", ".join(str(c.value) for c in remaining)
    for c in cands:
        for r in c.rows:
            if c in remaining:
                status[r["raw_id"]] = (
                    UNRESOLVED, f"values {values} left unresolved: no reconciliation step "
                    "decides between them (both kept in alternatives.csv; the cell is a gap)")
            else:
                status[r["raw_id"]] = (
                    "superseded", f"value {c.value} ruled out by {out_by[c.value]} (the cell is "
                    f"unresolved between {values})")
    urls = sorted({u for c in remaining for u in c.urls})
    cells.append({**cell, "value": None, "url": " | ".join(urls), "n_reports": len(urls),
                  "n_alternatives": len(cands), "flag": UNRESOLVED})
    for c in cands:
        why = UNRESOLVED if c in remaining else f"{UNRESOLVED} (ruled out by {out_by[c.value]})"
        alts.append(_alternative(cell, c, False, why))


@dataclass(frozen=True)
class Reconciled:
    """Output of :func:`reconcile`.

    Parameters
    ----------
    cells
        One row per cell: ``CELL_KEYS`` and ``value, url, n_reports, n_alternatives, flag``.
    status
        ``raw_id -> (status, reason)``.
    alternatives
        Every candidate value of the cells with more than one.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"raw_id": [1, 2], "file": "a.csv", "line": [2, 3],
    ...     "source": "A", "period": "2020-01", "region": "national", "group": "all",
    ...     "measure": "attacks", "value": [5, 5], "url": ["u1", "u2"]})
    >>> reconcile(rows).cells["value"].tolist()
    [5]
    """

    cells: pd.DataFrame  # one row per cell: CELL_KEYS + value, url, n_reports, ...
    status: dict[int, tuple[str, str]]  # raw_id -> (status, reason)
    alternatives: pd.DataFrame


def reconcile(rows: pd.DataFrame, rules: Rules | None = None) -> Reconciled:
    """Choose one value per cell by the stated rule; say what became of every row.

    Parameters
    ----------
    rows
        Normalised rows with columns ``raw_id, file, line, source, period, region, group,
        measure, value`` (int) and optional ``url, flag, published``.
    rules
        Rules (default :func:`load_rules`).

    Returns
    -------
    Reconciled
        ``cells`` (chosen value per cell with merged URLs), ``status`` (per ``raw_id``:
        kept / merged / superseded / unresolved and why) and ``alternatives`` (every candidate
        value of cells with more than one value, with ``chosen`` and ``decided_by``).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"raw_id": [1, 2], "file": "a.csv", "line": [2, 3],
    ...     "source": "A", "period": "2020-01", "region": "national", "group": "all",
    ...     "measure": "attacks", "value": [5, 5], "url": ["u1", "u2"]})
    >>> reconcile(rows).status
    {1: ('kept', ''), 2: ('merged', 'same value as a.csv:2 (another report)')}
    """
    rules = rules or load_rules()
    status: dict[int, tuple[str, str]] = {}
    cells: list[dict[str, Any]] = []
    alts: list[dict[str, Any]] = []
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in records(rows):
        for col in ("url", "flag", "published", "vintage"):
            r.setdefault(col, "")
        groups.setdefault(tuple(r[k] for k in CELL_KEYS), []).append(r)
    for key in sorted(groups):
        rs = sorted(groups[key], key=lambda r: r["raw_id"])
        if len(rs) > 1:
            _check_one_publication(rs, rules)
        cands = _candidates(rs, rules)
        remaining, decided_by = cands, "single value"
        out_by: dict[int, str] = {}  # value -> step that ruled it out
        if len(cands) > 1:
            decided_by = UNRESOLVED
            for step in rules.reconcile_order:
                kept = _apply_step(step, remaining)
                out_by.update({c.value: step for c in remaining if c not in kept})
                remaining = kept
                if len(remaining) == 1:
                    decided_by = step
                    break
        cell = dict(zip(CELL_KEYS, key, strict=True))
        if len(remaining) > 1:  # no step decides: the cell is a gap, every value kept
            _unresolved(cell, cands, remaining, out_by, status, cells, alts)
            continue
        win = remaining[0]
        others = [c for c in cands if c is not win]
        first = win.rows[0]
        status[first["raw_id"]] = (
            "kept",
            "" if not others else "chosen over " + ", ".join(str(c.value) for c in others)
            + f" by {decided_by}",
        )
        seen: dict[tuple[str, str], dict[str, Any]] = {
            (str(first["url"]), str(first["flag"])): first}
        for r in win.rows[1:]:
            dup = seen.get((str(r["url"]), str(r["flag"])))
            if dup is not None:
                status[r["raw_id"]] = ("merged", f"duplicate of {_loc(dup)} (same value, url)")
            else:
                seen[(str(r["url"]), str(r["flag"]))] = r
                status[r["raw_id"]] = ("merged", f"same value as {_loc(first)} (another report)")
        for c in others:
            for r in c.rows:
                status[r["raw_id"]] = (
                    "superseded", f"value {c.value} superseded by {win.value} ({decided_by})")
        cells.append({**cell, "value": win.value, "url": " | ".join(win.urls),
                      "n_reports": win.n_reports, "n_alternatives": len(others),
                      "flag": ";".join(win.flags)})
        if others:
            for c in cands:
                alts.append(_alternative(cell, c, c is win, decided_by))
    cell_df = pd.DataFrame(cells, columns=[*CELL_KEYS, "value", "url", "n_reports",
                                           "n_alternatives", "flag"])
    alt_df = pd.DataFrame(alts, columns=list(ALTERNATIVES_COLUMNS))
    return Reconciled(cell_df, status, alt_df)


def resolve_unresolved(table: pd.DataFrame, alternatives: pd.DataFrame, how: str) -> pd.DataFrame:
    """Sensitivity run: fill the cells the rule left unresolved with one of their values.

    Parameters
    ----------
    table
        The panel (column ``month``) or the periods table (column ``period``) of a
        :class:`~trends.clean.CleanResult`.
    alternatives
        Its alternatives table.
    how
        ``"highest"`` or ``"lowest"``: which of the competing values each unresolved cell takes.

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` in which every cell flagged ``unresolved`` holds the chosen value and
        the flag ``unresolved;sensitivity_highest`` (or ``_lowest``); other cells unchanged.
        Running the pair (``"lowest"``, ``"highest"``) brackets every result that depends on
        these cells. Same as cleaning with ``reconcile_order`` ending in ``highest_value`` /
        ``lowest_value`` (``data/rules/*.json``).

    Examples
    --------
    >>> import pandas as pd
    >>> from trends.panel import reconcile
    >>> rows = pd.DataFrame({"raw_id": [0, 1], "file": "t.csv", "line": [2, 3],
    ...     "source": "PICSS", "period": "2025", "region": "national", "group": "all",
    ...     "measure": "attacks", "value": [81, 82], "url": ["https://a.org/x", "https://b.org/y"]})
    >>> rec = reconcile(rows)
    >>> rec.cells["flag"].tolist(), rec.cells["value"].tolist()
    (['unresolved'], [None])
    >>> table = rec.cells.assign(value=pd.array(rec.cells["value"], dtype="Int64"))
    >>> resolve_unresolved(table, rec.alternatives, "highest")["value"].tolist()
    [82]
    """
    if how not in ("highest", "lowest"):
        raise SpecificationError(f"how must be 'highest' or 'lowest', not {how!r}")
    col = "month" if "month" in table.columns else "period"
    out = table.copy()
    # the values left standing (not those an earlier step ruled out)
    alts = alternatives[alternatives["decided_by"].astype(str) == UNRESOLVED]
    if alts.empty:
        return out
    pick = alts.groupby(list(CELL_KEYS), sort=False)["value"].agg("max" if how == "highest"
                                                                  else "min")
    mask = out["flag"].astype(str).str.split(";").map(lambda f: UNRESOLVED in f)
    for i in out.index[mask.to_numpy()]:
        key = tuple(out.at[i, k if k != "period" else col] for k in CELL_KEYS)
        if key in pick.index:
            out.at[i, "value"] = int(pick.loc[key])
            out.at[i, "flag"] = f"{UNRESOLVED};sensitivity_{how}"
    return out


# --------------------------------------------------------------------------- panel


def complete_months(records: pd.DataFrame) -> pd.DataFrame:
    """Lay each series on its full calendar month grid, with missing months as NaN.

    A series is one ``region x group x measure x source``; its grid runs from its first to
    its last reported month. Months without a figure get an empty ``value`` (``<NA>``), empty
    ``url`` and ``flag``; nothing is filled or interpolated.

    Parameters
    ----------
    records
        Rows with at least the panel columns (``month`` as ``YYYY-MM``).

    Returns
    -------
    pandas.DataFrame
        Panel rows sorted by :data:`PANEL_SORT`, columns of :data:`PANEL_COLUMNS` then
        :data:`PANEL_EXTRA` (extras present in ``records`` only).

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"month": ["2020-01", "2020-03"], "region": "national",
    ...     "group": "all", "measure": "attacks", "source": "A", "value": [3, 5], "url": ""})
    >>> complete_months(rec)["value"].tolist()
    [3, <NA>, 5]
    """
    cols = [*PANEL_COLUMNS, *[c for c in PANEL_EXTRA if c in records.columns]]
    if records.empty:
        return _typed_panel(pd.DataFrame(columns=cols))
    series_keys = ["region", "group", "measure", "source"]
    frames = []
    for key, g in records.groupby(series_keys, sort=True):
        months = month_range(g["month"].min(), g["month"].max())
        grid = pd.DataFrame({"month": months})
        for k, v in zip(series_keys, key, strict=True):
            grid[k] = v
        frames.append(grid.merge(g, on=["month", *series_keys], how="left", validate="1:1"))
    out = pd.concat(frames, ignore_index=True)[cols]
    return _typed_panel(out)


def _typed_panel(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:
        if c in ("value", "n_reports", "n_alternatives"):
            df[c] = pd.to_numeric(df[c]).astype("Int64")
        else:
            df[c] = df[c].fillna("").astype("str")
    return df.sort_values(list(PANEL_SORT), kind="stable").reset_index(drop=True)


def panel_for_output(df: pd.DataFrame) -> pd.DataFrame:
    """The panel in output form: :data:`PANEL_COLUMNS` first, typed, sorted.

    Parameters
    ----------
    df
        Panel rows (extra columns are kept after the panel columns).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"month": ["2020-01", "2020-03"], "region": "national",
    ...     "group": "all", "measure": "attacks", "source": "A", "value": [3, 5], "url": ""})
    >>> panel_for_output(rec[["value", *PANEL_KEYS, "url"]]).columns.tolist()
    ['month', 'region', 'group', 'measure', 'source', 'value', 'url']
    """
    missing = [c for c in PANEL_COLUMNS if c not in df.columns]
    if missing:
        raise SpecificationError(f"panel lacks columns {missing}")
    extra = [c for c in df.columns if c not in PANEL_COLUMNS]
    return _typed_panel(df[[*PANEL_COLUMNS, *extra]])


def write_panel(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a panel atomically with deterministic order and integer formatting.

    Parameters
    ----------
    df
        The panel.
    path
        Target ``.csv`` file.

    Returns
    -------
    pathlib.Path
        The written path.

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"month": ["2020-01", "2020-03"], "region": "national",
    ...     "group": "all", "measure": "attacks", "source": "A", "value": [3, 5], "url": ""})
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "panel.csv"
    >>> read_panel(write_panel(complete_months(rec), path))["value"].tolist()
    [3, <NA>, 5]
    """
    return write_csv(panel_for_output(df), path)


def read_panel(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``panel.csv`` written by :func:`write_panel` (value as nullable ``Int64``).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    pandas.DataFrame
        Text columns as ``str``, counts as ``Int64``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "panel.csv"
    >>> _ = path.write_text("month,region,group,measure,source,value,url\\n"
    ...                     "2020-01,national,all,attacks,A,3,\\n")
    >>> read_panel(path)["value"].tolist()
    [3]

    Raises
    ------
    InputError
        If the file lacks a panel column or holds a non-integer value.
    """
    label = str(path)
    df = pd.read_csv(path, dtype="str", keep_default_na=False)
    for c in PANEL_COLUMNS:
        if c not in df.columns:
            raise InputError("missing panel column", path=label, line=1, field=c,
                             expected="columns " + ",".join(PANEL_COLUMNS))
    for c in ("value", "n_reports", "n_alternatives"):
        if c in df.columns:
            bad = ~df[c].str.fullmatch(r"\d*")
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError("not a non-negative integer", path=label, line=i + 2, field=c,
                                 value=df[c].iloc[i], expected="a whole number or empty")
            df[c] = pd.to_numeric(df[c].replace("", None)).astype("Int64")
    return df


def _sources_of(table: pd.DataFrame, measure: str, region: str, group: str) -> list[str]:
    sel = table[(table["measure"] == measure) & (table["region"] == region)
                & (table["group"] == group)]
    return sorted(map(str, set(sel["source"].dropna())))


def _only_source(table: pd.DataFrame, measure: str, region: str, group: str,
                 who: str) -> str:
    """The one source of a series, for ``source=None`` (no source is preferred by default)."""
    have = _sources_of(table, measure, region, group)
    if len(have) == 1:
        return have[0]
    raise SpecificationError(
        f"{who}: source= not given and the table has {len(have)} sources of measure="
        f"{measure!r} region={region!r} group={group!r} ({have}); expected source=<one of them>")


def series(
    panel: pd.DataFrame,
    *,
    measure: str = "attacks",
    region: str = NATIONAL,
    group: str = ALL_GROUPS,
    source: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.Series:
    """One monthly series from the panel.

    Parameters
    ----------
    panel
        The panel (``panel.csv`` of ``trends clean``, see :func:`read_panel`).
    measure, region, group
        Which series.
    source
        Which source; default: the only source of that series in the panel (an error names
        the sources when there are several). Formerly the default was ``"PICSS"``, the
        source of the Pakistan study (:mod:`trends.study`); pass it explicitly.
    start, end
        First and last month (``YYYY-MM``) of the returned calendar.

    Returns
    -------
    pandas.Series
        ``float64`` values indexed by a monthly :class:`pandas.PeriodIndex` (``freq="M"``),
        one entry per calendar month from ``start`` (default: first month in the panel for
        this series) to ``end`` (default: last), with ``NaN`` where no figure was published.
        Use ``s.index.to_timestamp()`` for a month-start ``DatetimeIndex``.

    Raises
    ------
    SpecificationError
        If the panel holds no such series.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"month": ["2020-01", "2020-03"], "region": "national",
    ...     "group": "all", "measure": "attacks", "source": "A", "value": [3, 5]})
    >>> series(panel).tolist()
    [3.0, nan, 5.0]
    >>> series(panel, source="A", start="2019-12").index.astype(str).tolist()
    ['2019-12', '2020-01', '2020-02', '2020-03']
    """
    if source is None:
        source = _only_source(panel, measure, region, group, "series")
    sel = panel[(panel["measure"] == measure) & (panel["region"] == region)
                & (panel["group"] == group) & (panel["source"] == source)]
    if sel.empty:
        have = sorted(set(panel.loc[panel["measure"] == measure, "source"]))
        raise SpecificationError(
            f"no series measure={measure!r} region={region!r} group={group!r} "
            f"source={source!r} in the panel (sources with {measure!r}: {have})")
    values = pd.to_numeric(sel["value"]).astype("float64").to_numpy()
    idx = pd.PeriodIndex(sel["month"].to_numpy(), freq="M")
    s = pd.Series(values, index=idx, name=f"{source}:{region}:{group}:{measure}")
    s = s.groupby(level=0).first().sort_index()
    lo = pd.Period(start, freq="M") if start else s.index.min()
    hi = pd.Period(end, freq="M") if end else s.index.max()
    full = pd.period_range(lo, hi, freq="M")
    out = s.reindex(full)
    out.index.name = "month"
    return out


def headline(
    panel: pd.DataFrame,
    priority: Sequence[str] | None = None,
    *,
    measure: str = "attacks",
    region: str = NATIONAL,
    group: str = ALL_GROUPS,
) -> pd.DataFrame:
    """Cross-source headline series: per month, the first source in ``priority`` with a figure.

    Parameters
    ----------
    panel
        The panel.
    priority
        Source order (default ``headline_priority`` of the packaged rules: PICSS, PIPS, CRSS,
        SATP). Sources measure differently (PICSS "militant attacks" vs PIPS "terrorist
        attacks"), so read the ``source`` column before comparing months.

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (``YYYY-MM``), ``value`` (``Int64``, ``<NA>`` where no source has a
        figure), ``source`` and ``url`` of the chosen figure; every month from the first to the
        last month any listed source covers.

    Examples
    --------
    >>> import pandas as pd
    >>> rec = pd.DataFrame({"month": ["2020-01", "2020-03"], "region": "national",
    ...     "group": "all", "measure": "attacks", "source": "A", "value": [3, 5], "url": ""})
    >>> headline(complete_months(rec), ["B", "A"])["source"].tolist()
    ['A', '', 'A']
    """
    priority = list(priority if priority is not None else load_rules().headline_priority)
    sel = panel[(panel["measure"] == measure) & (panel["region"] == region)
                & (panel["group"] == group) & panel["source"].isin(priority)
                & panel["value"].notna()]
    if sel.empty:
        return pd.DataFrame({"month": pd.Series(dtype="str"),
                             "value": pd.Series(dtype="Int64"),
                             "source": pd.Series(dtype="str"), "url": pd.Series(dtype="str")})
    rank = {s: i for i, s in enumerate(priority)}
    sel = sel.assign(_rank=sel["source"].map(rank)).sort_values(["month", "_rank"])
    best = sel.drop_duplicates("month", keep="first").set_index("month")
    months = month_range(sel["month"].min(), sel["month"].max())
    out = pd.DataFrame({"month": months})
    out["value"] = pd.array(best["value"].reindex(months).to_numpy(), dtype="Int64")
    out["source"] = best["source"].reindex(months).fillna("").astype("str").to_numpy()
    out["url"] = best["url"].reindex(months).fillna("").astype("str").to_numpy()
    return out


#: period types of the periods table, finest first: the default order of preference of
#: :func:`period_totals`
PERIOD_KINDS: tuple[str, ...] = ("quarter", "half", "year")


def period_totals(
    periods: pd.DataFrame,
    *,
    measure: str = "attacks",
    region: str = NATIONAL,
    group: str = ALL_GROUPS,
    source: str | Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
    kinds: Sequence[str] = PERIOD_KINDS,
    exclude_flags: Sequence[str] = ("approximate",),
) -> pd.DataFrame:
    """Published quarter / half-year / year totals of one series, as ``aggregates`` rows for
    :class:`trends.ITS`.

    Rule for non-overlapping windows: the kinds are taken in the order of ``kinds`` (default
    finest first: quarters, then half-years, then years) and a window is kept only when it
    overlaps no window already kept for that source; windows of one kind are taken in date
    order. The finest figures carry the most information (a year whose halves are both
    published adds nothing but a possible vintage disagreement), and a coarser total still
    covers the months no finer figure covers. ``kinds=("year",)`` keeps annual totals only.

    Parameters
    ----------
    periods
        The periods table (``periods.csv`` of ``trends clean``).
    measure, region, group
        Which series.
    source
        One source or several (each gets its own non-overlapping windows); default: the only
        source of that series in the table (formerly ``"PICSS"``, the Pakistan study's).
    start, end
        Keep only windows lying entirely within ``start..end`` (``YYYY-MM``, inclusive).
    kinds
        Period types to use, in order of preference (``"quarter"``, ``"half"``, ``"year"``).
    exclude_flags
        Rows whose ``flag`` contains one of these words are left out (default: figures the
        cleaning marked ``approximate``, which are not exact totals).

    Returns
    -------
    pandas.DataFrame
        Columns ``start, end, value, source`` (``start``/``end`` as ``YYYY-MM``, ``value``
        ``int64``), indexed by the published period label (e.g. ``2022-H1``), sorted by
        source and start.

    Examples
    --------
    >>> import pandas as pd
    >>> tab = pd.DataFrame({"period": ["2022", "2022-H1", "2022-H2"],
    ...     "period_type": ["year", "half", "half"], "start": ["2022-01", "2022-01", "2022-07"],
    ...     "end": ["2022-12", "2022-06", "2022-12"], "region": "national", "group": "all",
    ...     "measure": "attacks", "source": "PICSS", "value": [380, 151, 228], "flag": ""})
    >>> period_totals(tab, source="PICSS")["value"].tolist()
    [151, 228]
    >>> period_totals(tab, source="PICSS", kinds=("year",))["value"].tolist()
    [380]
    """
    if source is None and "source" in periods.columns:
        source = _only_source(periods, measure, region, group, "period_totals")
    srcs = [source] if isinstance(source, str) else list(source or ())
    kinds = list(kinds)
    unknown = [k for k in kinds if k not in PERIOD_KINDS]
    if unknown:
        raise SpecificationError(
            f"kinds {unknown} are not period types; expected some of {list(PERIOD_KINDS)}")
    for c in ("period", "period_type", "start", "end", "measure", "region", "group", "source",
              "value"):
        if c not in periods.columns:
            raise SpecificationError(f"the periods table has no column {c!r}")
    sel = periods[(periods["measure"] == measure) & (periods["region"] == region)
                  & (periods["group"] == group) & periods["source"].isin(srcs)
                  & periods["period_type"].isin(kinds)].copy()
    sel["value"] = pd.to_numeric(sel["value"], errors="coerce")
    sel = sel[sel["value"].notna()]
    if "flag" in sel.columns and len(exclude_flags):
        flag = sel["flag"].fillna("").astype(str)
        sel = sel[~flag.apply(lambda f: any(x in f for x in exclude_flags))]
    if start is not None:
        sel = sel[sel["start"].astype(str) >= str(start)]
    if end is not None:
        sel = sel[sel["end"].astype(str) <= str(end)]
    rank = {k: i for i, k in enumerate(kinds)}
    sel = sel.assign(_rank=sel["period_type"].map(rank)).sort_values(
        ["source", "_rank", "start", "end"], kind="stable")
    kept: list[Any] = []
    windows: dict[str, list[tuple[str, str]]] = {}
    for idx, r in sel.iterrows():
        lo, hi = str(r["start"]), str(r["end"])
        mine = windows.setdefault(r["source"], [])
        if any(lo <= b and a <= hi for a, b in mine):
            continue
        mine.append((lo, hi))
        kept.append(idx)
    out = sel.loc[kept].sort_values(["source", "start"], kind="stable")
    res = pd.DataFrame({"start": out["start"].astype(str).to_numpy(),
                        "end": out["end"].astype(str).to_numpy(),
                        "value": out["value"].astype("int64").to_numpy(),
                        "source": out["source"].astype(str).to_numpy()},
                       index=pd.Index(out["period"].astype(str).to_numpy(), name="period"))
    return res


def series_frame(
    panel: pd.DataFrame,
    *,
    sources: Sequence[str] | None = None,
    measure: str = "attacks",
    region: str = NATIONAL,
    group: str = ALL_GROUPS,
    start: str | None = None,
    end: str | None = None,
    events: pd.DataFrame | Sequence[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The long multi-source frame of one series: one row per source x month.

    Parameters
    ----------
    panel
        The panel (``panel.csv`` of ``trends clean``).
    sources
        Sources of ``panel`` to include, and of ``events``; default: every source of the
        series in ``panel`` (formerly ``("PICSS",)``, the Pakistan study's), in name order.
    measure, region, group
        Which series.
    events
        Panels of event files (``panel.csv`` of ``trends clean --format ucdp-ged``, ``acled``
        or ``gtd``; same columns), whose sources (e.g. ``"UCDP GED 22.1"``) are added after
        ``sources``; every source of an event panel is included unless ``sources`` names it.
    start, end
        Months (``YYYY-MM``) of the window; default: first / last month of any source.

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (``YYYY-MM``), ``source``, ``y`` (float, NaN where the source has no
        figure) for every month of the window and every source (a source's months outside
        its own coverage are NaN: gaps stay gaps), ready for
        ``trends.ITS(frame, outcome="y", date="month", source="source", ...)``.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"month": ["2020-01", "2020-02", "2020-02"], "region": "national",
    ...     "group": "all", "measure": "attacks", "source": ["A", "A", "B"], "value": [1, 2, 4]})
    >>> series_frame(panel)["y"].tolist()
    [1.0, 2.0, nan, 4.0]
    """
    if sources is None:
        sources = _sources_of(panel, measure, region, group)
    frames = [panel]
    extra_sources: list[str] = []
    if events is not None:
        evs = [events] if isinstance(events, pd.DataFrame) else list(events)
        for ev in evs:
            frames.append(ev)
            for s in sorted(set(ev["source"])):
                if s not in sources and s not in extra_sources:
                    sel = ev[(ev["measure"] == measure) & (ev["region"] == region)
                             & (ev["group"] == group) & (ev["source"] == s)]
                    if not sel.empty:
                        extra_sources.append(s)
    allp = pd.concat([f[["month", "region", "group", "measure", "source", "value"]]
                      for f in frames], ignore_index=True)
    names = list(sources) + extra_sources
    parts = [series(allp, measure=measure, region=region, group=group, source=s)
             for s in names]
    lo = pd.Period(start, freq="M") if start else min(p.index.min() for p in parts)
    hi = pd.Period(end, freq="M") if end else max(p.index.max() for p in parts)
    months = pd.period_range(lo, hi, freq="M")
    rows = [pd.DataFrame({"month": months.astype(str), "source": s,
                          "y": p.reindex(months).to_numpy(dtype=float)})
            for s, p in zip(names, parts, strict=True)]
    return pd.concat(rows, ignore_index=True)


__all__ = [
    "DEFAULT_ORDER", "PANEL_KEYS", "PERIOD_KINDS", "UNRESOLVED", "Reconciled", "Rules",
    "complete_months", "headline", "load_rules", "panel_for_output", "period_totals",
    "read_panel", "reconcile", "resolve_unresolved", "series", "series_frame", "write_panel",
]
