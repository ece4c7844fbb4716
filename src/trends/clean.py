"""Clean PIPS-style count tables into the canonical monthly panel with an audit trail.

:func:`clean` reads files/folders (:mod:`trends.io`), then for every raw data row

1. normalises the text: source names (``source_aliases``), periods (:mod:`trends.periods`),
   regions, groups and measures through the alias tables (:mod:`trends.aliases`), numbers
   written ``1,234``, ``45*``, ``45(a)``, missing-value marks (``—``, ``-``, ``n/a``...),
   stray whitespace;
2. validates it (non-negative whole numbers, valid periods, known regions and measures) and
   stops at the first bad cell with an :class:`~trends.errors.InputError` naming file, line,
   field, the value seen and what was expected;
3. applies the source-specific region rules (e.g. PIPS Khyber Pakhtunkhwa from 2019 includes
   the merged districts);
4. recognises total rows (region/group ``Total``) and *Total* columns, checks them against the
   sum of their parts in the same table and keeps the source's own total (never a computed
   one), so nothing is double-counted;
5. reconciles duplicated and conflicting figures by the rule in :mod:`trends.panel`.

Monthly figures form the panel; quarterly, half-yearly and annual figures go to a separate tidy
table (``periods``), because the panel is monthly and sub-annual figures are never split.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from trends import aliases
from trends.atomic import OutputSet, pause_point
from trends.errors import InputError
from trends.io import LOCATION_COLUMNS, RAW_COLUMNS, read_inputs
from trends.panel import (
    ALTERNATIVES_COLUMNS,
    CELL_KEYS,
    PERIODS_COLUMNS,
    Rules,
    complete_months,
    load_rules,
    reconcile,
    records,
)
from trends.periods import Period, is_yyyy_mm_month, parse_period
from trends.schema import ALL_GROUPS, CORE_MEASURES, NATIONAL
from trends.vocabulary import Vocabulary, default_vocabulary, load_vocabulary

pause_point("import")  # test hook: kill-safety tests signal a run while this module imports

#: Columns of the audit table, in order.
AUDIT_COLUMNS: tuple[str, ...] = (
    "file", "line", "field", "source_org", "period", "region", "group", "measure", "value_raw",
    "status", "reason", "table", "source", "period_clean", "region_code", "group_code",
    "measure_code", "value",
)
_FOOTNOTE = re.compile(r"\s*(\*+|[\u2020\u2021\u00a7#]+|\(\s*[a-z0-9]{1,2}\s*\)|\[\s*[a-z0-9]{1,3}\s*\]"
                       r"|[\u00b9\u00b2\u00b3\u2070-\u2079]+)$", re.I)
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
#: Audit status and panel flag of a month a table prints as missing (``-``, ``n/a``, empty).
MISSING = "missing"
#: Largest accepted count (fits the panel's 64-bit integer column with room to sum).
MAX_COUNT = 10**12


@dataclass(frozen=True)
class CleanResult:
    """Output of :func:`clean`.

    Attributes
    ----------
    panel
        Monthly panel, one row per ``month x region x group x measure x source`` on each
        series' full month grid (``value`` ``<NA>`` where missing); columns ``month, region,
        group, measure, source, value, url, n_reports, n_alternatives, flag``: ``url`` lists
        every page reporting the chosen value (joined by `` | ``), ``n_reports`` counts those
        pages, ``n_alternatives`` counts the other values reported for the cell (shown in
        ``alternatives``) and ``flag`` holds the flags of the rows reporting the chosen value.
    audit
        One row per raw data row (:data:`AUDIT_COLUMNS`): where it came from and what became
        of it (``kept``, ``merged``, ``superseded``, ``unresolved``, ``missing``: a month
        printed as ``-``/``n/a``, a gap row of the panel flagged ``missing``, or ``dropped``)
        and why.
    alternatives
        Every candidate value of cells where reports disagree, with ``chosen``/``decided_by``.
    periods
        Non-monthly figures (quarters, half-years, years) in their own tidy table.
    """

    panel: pd.DataFrame
    audit: pd.DataFrame
    alternatives: pd.DataFrame
    periods: pd.DataFrame


# --------------------------------------------------------------------------- values


def parse_count(
    text: object, *, rules: Rules, path: str | None = None, line: int | None = None,
    field: str | None = "value",
) -> int | None:
    """Parse a count cell: ``None`` for a missing mark, else a non-negative ``int``.

    Accepts thousands separators (``1,234``, ``1 234``), trailing footnote marks (``45*``,
    ``45(a)``, ``45[1]``, ``45†``) and whole-number floats (``12.0``, as spreadsheets write
    them).

    Raises
    ------
    InputError
        For negative, fractional or non-numeric values.
    """
    raw = "" if text is None else str(text)
    s = _SPACES.sub(" ", raw.replace("\ufeff", "")).strip()
    if s.casefold() in rules.missing_tokens:
        return None
    expected = "a non-negative whole number (or empty, '-', '—', 'n/a' for missing)"
    prev = None
    while prev != s:
        prev, s = s, _FOOTNOTE.sub("", s).strip()
    if re.fullmatch(r"\d{1,3}([, ]\d{3})+", s):
        s = s.replace(",", "").replace(" ", "")
    if re.fullmatch(r"\d+(\.0+)?", s):
        n = int(s.split(".")[0])
        if n > MAX_COUNT:
            raise InputError("count too large", path=path, line=line, field=field, value=raw,
                             expected=f"a whole number up to {MAX_COUNT:,}")
        return n
    if re.fullmatch(r"[-\u2212]\s*\d+([.,]\d+)?", s):
        raise InputError("negative count", path=path, line=line, field=field, value=raw,
                         expected=expected)
    if re.fullmatch(r"\d+[.,]\d+", s):
        raise InputError("not a whole number", path=path, line=line, field=field, value=raw,
                         expected=expected)
    raise InputError("not a number", path=path, line=line, field=field, value=raw,
                     expected=expected)


def _lookup(kind: str, text: str, *, path: str, line: int, field: str,
            vocab: Vocabulary) -> str:
    table = vocab.table(kind)
    code = table.lookup(text)
    if code is not None:
        return code
    hint = table.suggest(text)
    message = f"unknown {kind}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    raise InputError(message, path=path, line=line, field=field, value=text,
                     expected=f"a {kind} listed in {table.source} (or pass --vocabulary DIR "
                     "for another country's names)")


def _measure(text: str, *, path: str, line: int, vocab: Vocabulary) -> str:
    """Known measure alias -> code; other snake_case codes pass through unless near-misses."""
    table = vocab.measures
    code = table.lookup(text)
    if code is not None:
        return code
    key = aliases.normalise_key(text)
    near = [m for m in (table.codes or CORE_MEASURES) if _ratio(key, m) >= 0.8]
    if _IDENT.match(key) and not near:
        return key
    hint = near or table.suggest(text)
    message = "unknown measure" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    raise InputError(message, path=path, line=line, field="measure", value=text,
                     expected=f"{', '.join(table.codes[:5])} (or an alias in "
                     f"{table.source}), or another measure code in snake_case such as "
                     "killed_all")


def _group(text: str, *, path: str, line: int, vocab: Vocabulary) -> str:
    """Known group alias -> code; unknown groups pass through as a code unless near-misses."""
    table = vocab.groups
    code = table.lookup(text)
    if code is not None:
        return code
    key = aliases.normalise_key(text)
    hint = [h for h in table.suggest(text) if _ratio(key, h) >= 0.85]
    if hint or not key:
        raise InputError("unknown group" + (f" (did you mean {hint[0]!r}?)" if hint else ""),
                         path=path, line=line, field="group", value=text,
                         expected=f"a group listed in {table.source}")
    return re.sub(r"[^a-z0-9]+", "_", key).strip("_")


def _ratio(a: str, b: str) -> float:
    import difflib

    return difflib.SequenceMatcher(None, a, b).ratio()


def _source(text: str, rules: Rules, *, path: str, line: int) -> str:
    s = _SPACES.sub(" ", text).strip()
    if not s:
        raise InputError("empty source_org", path=path, line=line, field="source_org",
                         value=text, expected="the organisation that published the figure")
    return rules.source_aliases.get(s.casefold(), s)


def _published(text: str, *, path: str, line: int) -> str:
    s = text.strip()
    if not s:
        return ""
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", s):
        parts = [int(p) for p in s.split("-")]
        if (len(parts) < 2 or 1 <= parts[1] <= 12) and (len(parts) < 3 or 1 <= parts[2] <= 31):
            return s
    raise InputError("bad publication date", path=path, line=line, field="published", value=text,
                     expected="YYYY-MM-DD, YYYY-MM, YYYY or empty")


def _vintage(text: str, rules: Rules, *, path: str, line: int) -> str:
    """Release period of a row (``vintage`` column): a period label or empty."""
    s = (text or "").strip()
    if not s:
        return ""
    return parse_period(s, horizon=rules.period_horizon, min_year=rules.min_year, path=path,
                        line=line, field="vintage",
                        yyyy_yy="month" if rules.yyyy_yy == "auto" else rules.yyyy_yy).label


def _region_rule(rules: Rules, source: str, region: str, period: Period) -> tuple[str, str]:
    for rule in rules.region_rules:
        if rule.get("source_org") != source or rule.get("region") != region:
            continue
        lo, hi = rule.get("from"), rule.get("to")
        if lo and period.start < parse_period(lo, horizon="9999", min_year=0,
                                              yyyy_yy="month").start:
            continue
        if hi and period.start > parse_period(hi, horizon="9999", min_year=0,
                                              yyyy_yy="month").end:
            continue
        return rule["becomes"], f"region rule '{rule.get('name', '?')}': {rule.get('reason', '')}"
    return region, ""


# --------------------------------------------------------------------------- main


def normalise_rows(raw: pd.DataFrame, rules: Rules,
                   vocab: Vocabulary | None = None) -> pd.DataFrame:
    """Normalise and validate the raw long frame (see the module docstring, steps 1-3).

    Returns one row per raw row with ``raw_id`` and the cleaned fields ``source, period
    (label), period_type, region, group, measure, value`` (``None`` when missing), plus
    ``is_total`` and ``note`` (audit remarks).
    """
    vocab = vocab or default_vocabulary()
    horizon = rules.period_horizon
    out: list[dict[str, Any]] = []
    memo: dict[tuple[str, str], Any] = {}  # distinct texts are few: normalise each once

    def once(kind: str, text: str, func: Any) -> Any:
        key = (kind, text)
        if key not in memo:
            memo[key] = func()  # errors are raised (with this row's location), not cached
        return memo[key]

    rows_ = records(raw)
    reading: dict[str, str] = {}  # file -> how its YYYY-YY fiscal-year look-alikes are read
    if rules.yyyy_yy == "auto":
        months_files = {r["file"] for r in rows_ if is_yyyy_mm_month(r["period"])}
        reading = {f: "month" for f in months_files}
    for rec in rows_:
        path, row_line = rec["file"], int(rec["line"])
        # a key taken from a wide table's column header is fixed at the header line
        header_kind = rec.get("from_header", "")
        header_line = int(rec.get("header_line", row_line) or row_line)

        def at(key: str) -> int:
            return header_line if key == header_kind else row_line  # noqa: B023

        line = row_line
        value_field = rec["field"] or "value"
        src = once("source", rec["source_org"],
                   lambda: _source(rec["source_org"], rules, path=path, line=line))
        region_text = _SPACES.sub(" ", rec["region"]).strip()
        group_text = _SPACES.sub(" ", rec["group"]).strip()
        region_total = once("total", region_text,
                            lambda: aliases.normalise_key(region_text) in rules.total_labels)
        group_total = once("total", group_text,
                           lambda: aliases.normalise_key(group_text) in rules.total_labels)
        if not region_text:
            raise InputError("empty region", path=path, line=line, field="region", value="",
                             expected=f"a region, e.g. {NATIONAL!r} or 'Balochistan'")
        region = NATIONAL if region_total else once(
            "region", region_text,
            lambda: _lookup("region", region_text, path=path, line=at("region"), field="region",
                            vocab=vocab))
        if not group_text:
            raise InputError("empty group", path=path, line=line, field="group", value="",
                             expected=f"a group, e.g. {ALL_GROUPS!r} or 'TTP'")
        group = ALL_GROUPS if group_total else once(
            "group", group_text, lambda: _group(group_text, path=path, line=at("group"), vocab=vocab))
        if not rec["measure"].strip():
            raise InputError("empty measure", path=path, line=line, field="measure", value="",
                             expected="attacks, killed, injured or another measure code")
        measure = once("measure", rec["measure"],
                       lambda: _measure(rec["measure"], path=path, line=at("measure"), vocab=vocab))
        value = parse_count(rec["value"], rules=rules, path=path, line=line, field=value_field)
        published = _published(rec.get("published", ""), path=path, line=line)
        vintage = _vintage(rec.get("vintage", ""), rules, path=path, line=line)
        notes = []
        period_total = rec.get("role") == "total_column" or once(
            "total", rec["period"],
            lambda: aliases.normalise_key(rec["period"]) in rules.total_labels)
        if period_total:
            period_label, period_type = "", ""
        else:
            mode = reading.get(path, rules.yyyy_yy)
            period = once(f"period:{mode}", rec["period"], lambda: parse_period(
                rec["period"], horizon=horizon, min_year=rules.min_year, path=path,
                line=at("period"), field="period", yyyy_yy=mode))  # noqa: B023
            period_label, period_type = period.label, period.freq
            region, why = _region_rule(rules, src, region, period)
            if why:
                notes.append(why)
        out.append({
            "raw_id": rec["raw_id"], "file": path, "line": line, "field": rec["field"],
            "role": rec.get("role", ""), "source": src, "period": period_label,
            "period_type": period_type, "region": region, "group": group, "measure": measure,
            "value": value, "url": _SPACES.sub(" ", rec.get("url", "")).strip(),
            "flag": rec.get("flag", "").strip(), "published": published, "vintage": vintage,
            "is_total": bool(region_total or group_total or period_total),
            "total_of": "period" if period_total else (
                "region" if region_total else ("group" if group_total else "")),
            "total_column": rec.get("role") == "total_column",
            "note": "; ".join(notes),
        })
    return pd.DataFrame(out)


def _check_totals(rows: pd.DataFrame, rules: Rules) -> dict[int, str]:
    """Compare each total row with the sum of its parts in the same table."""
    remarks: dict[int, str] = {}
    if rows.empty:
        return remarks
    totals = rows[rows["is_total"] & rows["value"].notna()]
    for t in records(totals):
        same = rows[(rows["file"] == t["file"]) & (rows["source"] == t["source"])
                    & (rows["measure"] == t["measure"]) & ~rows["is_total"]
                    & rows["value"].notna()]
        if t["total_of"] == "period":
            parts = same[(same["region"] == t["region"]) & (same["group"] == t["group"])
                         & (same["period_type"] == "M")]
            if t["total_column"]:
                parts = parts[parts["line"] == t["line"]]
            what = "the months in its table"
        elif t["total_of"] == "region":
            parts = same[(same["period"] == t["period"]) & (same["group"] == t["group"])]
            parts = parts[parts["region"] != NATIONAL]
            if rules.region_partitions:  # the partition covering most of the table's rows
                options = [parts[parts["region"].isin(p)] for p in rules.region_partitions]
                parts = max(options, key=len)  # ties: the first listed
            what = "the regions in its table"
        else:
            parts = same[(same["period"] == t["period"]) & (same["region"] == t["region"])
                         & (same["group"] != ALL_GROUPS)]
            what = "the groups in its table"
        if parts.empty:
            remarks[t["raw_id"]] = "total row (no parts in its table to check)"
            continue
        s = int(parts["value"].sum())
        kept = ("not a panel value (no double counting)" if t["total_of"] == "period"
                else "the source's own total is kept")
        if s == t["value"]:
            remarks[t["raw_id"]] = f"total row: equals the sum of parts ({what}: {s}); {kept}"
        else:
            remarks[t["raw_id"]] = (f"total row: {t['value']} differs from sum of parts "
                                    f"({what} sum to {s}); {kept}")
    return remarks


def _as_raw_frame(inputs: Any, fmt: str, base: Any, vocab: Vocabulary) -> pd.DataFrame:
    if isinstance(inputs, pd.DataFrame):
        df = inputs.copy()
        if "file" not in df.columns:
            df["file"] = "<frame>"
        if "line" not in df.columns:
            df["line"] = range(2, len(df) + 2)
        for c in ("field", "role", "from_header", *RAW_COLUMNS):
            if c not in df.columns:
                df[c] = "value" if c == "field" else ""
        if "header_line" not in df.columns:
            df["header_line"] = 1
        missing = [c for c in ("source_org", "period", "region", "group", "measure", "value")
                   if c not in inputs.columns]
        if missing:
            raise InputError("missing required column", path="<frame>", field=missing[0])
        cols = [*LOCATION_COLUMNS, *RAW_COLUMNS]
        out = df[cols].copy()
        for c in cols:
            if c not in ("line", "header_line"):
                out[c] = out[c].astype("str").fillna("")
        out[["line", "header_line"]] = out[["line", "header_line"]].astype("int64")
        return out
    return read_inputs(inputs, format=fmt, base=base, vocabulary=vocab)


def clean(
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | pd.DataFrame,
    *,
    rules: Rules | dict[str, Any] | str | os.PathLike[str] | None = None,
    format: str = "auto",
    base: str | os.PathLike[str] | None = None,
    vocabulary: Vocabulary | str | os.PathLike[str] | None = None,
) -> CleanResult:
    """Clean PIPS-style tables into the monthly panel, the audit and the side tables.

    Parameters
    ----------
    inputs
        Files and/or folders (CSV/TSV/.xlsx; long or wide layout), or a raw long frame with
        the long-table columns.
    rules
        Rule overrides (a JSON file, a dict or :class:`~trends.panel.Rules`); defaults in
        ``trends/data/rules.json``.
    format
        ``"auto"``, ``"long"`` or ``"wide"`` (see :func:`trends.io.grid_to_long`).
    base
        Folder that audit file names are made relative to (default: paths as given).
    vocabulary
        Alias tables and rules of the country or dataset (a folder laid out as described in
        :mod:`trends.vocabulary`, or a :class:`~trends.vocabulary.Vocabulary`); default
        Pakistan's. ``rules`` then override the vocabulary's rules.

    Returns
    -------
    CleanResult

    Raises
    ------
    InputError
        At the first invalid cell, naming file, line, field, value and what was expected.
    """
    if vocabulary is None:
        rules_ = load_rules(rules)
        vocab = default_vocabulary()
    else:
        vocab = load_vocabulary(vocabulary).with_rules(rules)
        rules_ = vocab.rules
    vocab = Vocabulary(vocab.regions, vocab.groups, vocab.measures, rules_, vocab.source)
    raw = _as_raw_frame(inputs, format, base, vocab)
    order = raw.assign(_pos=range(len(raw)))
    order = order.sort_values(["file", "line", "_pos"], kind="stable").reset_index(drop=True)
    order["raw_id"] = range(len(order))
    rows = normalise_rows(order.drop(columns="_pos"), rules_, vocab)
    if rows.empty:
        raise InputError("no data rows", expected="at least one data row")
    remarks = _check_totals(rows, rules_)
    usable = rows[rows["value"].notna() & (rows["period"] != "")]
    rec = reconcile(usable[["raw_id", "file", "line", "source", "period", "region", "group",
                            "measure", "value", "url", "flag", "published", "vintage"]], rules_)
    gaps, gap_ids = _published_gaps(rows, rec.cells)
    # audit -------------------------------------------------------------------------------
    audit_rows = []
    for r, o in zip(records(rows), records(order), strict=True):
        if r["raw_id"] in gap_ids:
            status, reason = MISSING, (f"value missing ({o['value'].strip()!r}): a gap row in "
                                       f"the panel (flag {MISSING!r}), never a number")
        elif r["value"] is None or pd.isna(r["value"]):
            why = ("a total over periods" if r["period"] == "" else
                   "a non-monthly period" if r["period_type"] != "M" else
                   "other reports of the cell give values")
            status, reason = "dropped", f"value missing ({o['value'].strip()!r}; {why})"
        elif r["period"] == "":
            status, reason = "dropped", "total over periods"
        else:
            status, reason = rec.status[r["raw_id"]]
        extra = "; ".join(x for x in (reason, r["note"], remarks.get(r["raw_id"], "")) if x)
        table = "" if status in ("dropped", "superseded") or r["period"] == "" else (
            "panel" if r["period_type"] == "M" else "periods")
        audit_rows.append({
            "file": o["file"], "line": o["line"], "field": o["field"],
            "source_org": o["source_org"], "period": o["period"], "region": o["region"],
            "group": o["group"], "measure": o["measure"], "value_raw": o["value"],
            "status": status, "reason": extra, "table": table, "source": r["source"],
            "period_clean": r["period"], "region_code": r["region"], "group_code": r["group"],
            "measure_code": r["measure"],
            "value": "" if r["value"] is None or pd.isna(r["value"]) else str(int(r["value"])),
        })
    audit = pd.DataFrame(audit_rows, columns=list(AUDIT_COLUMNS))
    audit["line"] = audit["line"].astype("int64")
    # panel and periods -------------------------------------------------------------------
    cells = rec.cells.merge(
        usable[["source", "period", "period_type"]].drop_duplicates(),
        on=["source", "period"], how="left", validate="m:1")
    monthly = cells[cells["period_type"] == "M"].rename(columns={"period": "month"})
    if not gaps.empty:
        monthly = pd.concat([monthly, gaps], ignore_index=True)
    panel = complete_months(monthly.drop(columns="period_type"))
    other = cells[cells["period_type"] != "M"].copy()
    periods = _periods_table(other)
    alts = rec.alternatives.copy()
    alts = alts.sort_values(["source", "measure", "region", "group", "period", "value"],
                            kind="stable").reset_index(drop=True)[list(ALTERNATIVES_COLUMNS)]
    return CleanResult(panel=panel, audit=audit, alternatives=alts, periods=periods)


def _published_gaps(rows: pd.DataFrame, cells: pd.DataFrame) -> tuple[pd.DataFrame, set[int]]:
    """Panel rows of months a table prints as missing (``-``, ``n/a``...) that no report fills.

    Such a month is in the table, so it is a row of the panel with an empty ``value``, the
    pages that print it as missing in ``url`` and the flag :data:`MISSING`, not a dropped row
    (a month merely absent from every table has an empty flag). Returns the rows (panel
    columns, ``month`` for ``period``) and the ``raw_id`` of every raw row they come from.
    """
    miss = rows[rows["value"].isna() & (rows["period_type"] == "M") & ~rows["is_total"]]
    if miss.empty:
        return pd.DataFrame(), set()
    key = list(CELL_KEYS)
    filled = set(map(tuple, cells[key].astype(str).itertuples(index=False, name=None))) \
        if not cells.empty else set()
    out, ids = [], set()
    for cell, g in miss.groupby(key, sort=True):
        if tuple(map(str, cell)) in filled:
            continue
        urls = sorted({u for u in g["url"] if u})
        flags = sorted({f for f in g["flag"] if f})
        out.append({**dict(zip(key, cell, strict=True)), "value": pd.NA,
                    "url": " | ".join(urls), "n_reports": max(1, len(urls)),
                    "n_alternatives": 0, "flag": ";".join([MISSING, *flags])})
        ids.update(int(i) for i in g["raw_id"])
    return pd.DataFrame(out).rename(columns={"period": "month"}), ids


def _periods_table(cells: pd.DataFrame) -> pd.DataFrame:
    if cells.empty:
        df = pd.DataFrame(columns=list(PERIODS_COLUMNS))
    else:
        ps = [parse_period(p, horizon="9999", min_year=0, yyyy_yy="month")
              for p in cells["period"]]
        df = cells.assign(
            period_type=[{"Q": "quarter", "H": "half", "Y": "year", "F": "fiscal_year"}[p.freq]
                         for p in ps],
            start=[p.start for p in ps], end=[p.end for p in ps],
        )[list(PERIODS_COLUMNS)]
    for c in ("value", "n_reports", "n_alternatives"):
        df[c] = pd.to_numeric(df[c]).astype("Int64")
    for c in df.columns:
        if c not in ("value", "n_reports", "n_alternatives"):
            df[c] = df[c].astype("str")
    return df.sort_values(["source", "measure", "region", "group", "start", "end"],
                          kind="stable").reset_index(drop=True)


def write_result(result: CleanResult, out: str | os.PathLike[str]) -> dict[str, str]:
    """Write ``panel.csv``, ``audit.csv``, ``alternatives.csv`` and ``periods.csv`` to ``out``.

    Each file is staged as a hidden temporary file (``.trends-tmp-*``) beside its target; the
    four are renamed onto their targets together, only once all are complete. An interrupted
    or failed run therefore leaves the earlier outputs in place (never a new panel beside an
    old audit), no partial file, and (except after SIGKILL) no temporary file. SIGINT/SIGTERM
    are deferred only while a temporary file is created and while the four renames run.
    """
    from trends.panel import panel_for_output

    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError("output path exists and is not a folder", path=folder,
                         expected="a folder (created if missing)")
    frames = {
        "panel": lambda: panel_for_output(result.panel), "audit": lambda: result.audit,
        "alternatives": lambda: result.alternatives, "periods": lambda: result.periods,
    }
    with OutputSet() as staged:  # all four renamed together, only once all are complete
        for name, frame in frames.items():
            staged.write_csv(folder / f"{name}.csv", frame())
    return {n: str(folder / f"{n}.csv") for n in frames}
