"""Tables as CSV, Markdown and LaTeX with deterministic number formatting.

All three renderings of a table come from one formatted copy of the frame (every number turned
into text once, with a fixed number of decimals per column), so the CSV, the Markdown and the
LaTeX show the same digits, and re-running gives the same bytes. Files are written through
:mod:`trends.atomic`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trends.atomic import write_text
from trends.errors import SpecificationError, escape_markdown

#: Text written for a missing value in every format.
MISSING = ""
_FORMATS = ("csv", "md", "tex")


def format_number(value: Any, digits: int = 3) -> str:
    """Fixed-point text for ``value`` (``digits`` decimals); integers stay integers.

    ``NaN``/``None`` become :data:`MISSING`; ``-0.000`` is written ``0.000``; infinities as
    ``inf``/``-inf``. Booleans and strings pass through as ``str``.
    """
    if value is None or value is pd.NA:
        return MISSING
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if math.isnan(x):
            return MISSING
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        text = f"{x:.{digits}f}"
        if float(text) == 0.0:
            text = text.lstrip("-")
        return text
    return str(value)


def format_frame(df: pd.DataFrame, digits: int | Mapping[str, int] = 3,
                 index: bool = False) -> pd.DataFrame:
    """Return a copy of ``df`` with every cell as text (see :func:`format_number`).

    Parameters
    ----------
    df : DataFrame
        The table.
    digits : int or mapping column -> int
        Decimals for float columns (default 3; a mapping may name some columns only).
    index : bool
        Keep the index as the first column(s).
    """
    frame = df.reset_index() if index else df.copy()
    out = {}
    for col in frame.columns:
        d = digits.get(col, 3) if isinstance(digits, Mapping) else digits
        out[str(col)] = [format_number(v, d) for v in frame[col].tolist()]
    return pd.DataFrame(out, columns=[str(c) for c in frame.columns], dtype=object)


def to_csv_text(text_frame: pd.DataFrame) -> str:
    """CSV of an all-text frame (``\\n`` line ends, quoting only where needed)."""
    return text_frame.to_csv(index=False, lineterminator="\n")


def to_markdown(text_frame: pd.DataFrame) -> str:
    """GitHub-flavoured Markdown table; numeric-looking columns are right-aligned."""
    cols = list(text_frame.columns)

    esc = escape_markdown

    numeric = [_numeric_column(text_frame[c]) for c in cols]
    lines = ["| " + " | ".join(esc(c) for c in cols) + " |",
             "|" + "|".join("---:" if n else ":---" for n in numeric) + "|"]
    for row in text_frame.itertuples(index=False):
        lines.append("| " + " | ".join(esc(str(v)) for v in row) + " |")
    return "\n".join(lines) + "\n"


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}"}


def tex_escape(text: str) -> str:
    """Escape LaTeX special characters."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)


def to_latex(text_frame: pd.DataFrame, caption: str | None = None, label: str | None = None,
             align: str | None = None) -> str:
    """A ``booktabs`` table (``table`` float with optional caption and label).

    Parameters
    ----------
    text_frame
        The table, cells as text (see :func:`format_frame`).
    caption, label
        Optional ``\\caption`` (escaped) and ``\\label``.
    align
        Column alignment (e.g. ``"lrr"``); default ``r`` for numeric columns, ``l`` otherwise.

    Returns
    -------
    str

    Examples
    --------
    >>> print(to_latex(pd.DataFrame({"x^2": ["1"]})).splitlines()[4])
    x\\textasciicircum{}2 \\\\
    """
    cols = list(text_frame.columns)
    if align is None:
        align = "".join("r" if _numeric_column(text_frame[c]) else "l" for c in cols)
    out = ["\\begin{table}[htbp]", "\\centering"]
    if caption:
        out.append(f"\\caption{{{tex_escape(caption)}}}")
    if label:
        out.append(f"\\label{{{label}}}")
    out += [f"\\begin{{tabular}}{{{align}}}", "\\toprule",
            " & ".join(tex_escape(c) for c in cols) + " \\\\", "\\midrule"]
    for row in text_frame.itertuples(index=False):
        out.append(" & ".join(tex_escape(str(v)) for v in row) + " \\\\")
    out += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
    return "\n".join(out) + "\n"


def _numeric_column(col: pd.Series) -> bool:
    vals = [v for v in col.tolist() if v != MISSING]
    if not vals:
        return False
    try:
        [float(v) for v in vals]
    except (TypeError, ValueError):
        return False
    return True


def markdown(df: pd.DataFrame, digits: int | Mapping[str, int] = 3, index: bool = False) -> str:
    """``df`` as a Markdown table with fixed decimals (for notebooks and reports).

    Printing this rather than the DataFrame keeps notebook output identical across platforms
    (pandas' own repr adapts its precision and width to the values and the display options).
    """
    return to_markdown(format_frame(df, digits, index=index))


def write_table(df: pd.DataFrame, stem: str | os.PathLike[str],
                formats: Sequence[str] = _FORMATS, *, digits: int | Mapping[str, int] = 3,
                index: bool = False, caption: str | None = None,
                label: str | None = None) -> list[Path]:
    """Write ``df`` as ``stem.csv``, ``stem.md`` and ``stem.tex`` (atomically, deterministically).

    Parameters
    ----------
    df : DataFrame
        The table.
    stem : path-like
        Target path without extension.
    formats : sequence of {"csv", "md", "tex"}
        Which renderings to write.
    digits : int or mapping column -> int
        Decimals for float columns.
    index : bool
        Write the index as leading column(s).
    caption, label : str, optional
        LaTeX caption and label (the Markdown file gets the caption as a first line).

    Returns
    -------
    list of Path
        Files written, in the order of ``formats``.
    """
    bad = [f for f in formats if f not in _FORMATS]
    if bad:
        raise SpecificationError(f"unknown table format {bad[0]!r}; expected one of "
                                 f"{', '.join(_FORMATS)}")
    text = format_frame(df, digits, index=index)
    stem = Path(stem)
    written = []
    for fmt in formats:
        target = stem.with_name(f"{stem.name}.{fmt}")
        if fmt == "csv":
            body = to_csv_text(text)
        elif fmt == "md":
            body = (f"{caption}\n\n" if caption else "") + to_markdown(text)
        else:
            body = to_latex(text, caption=caption, label=label)
        written.append(write_text(target, body))
    return written


# --------------------------------------------------------------------------- effects table

#: Columns of :func:`effects_table`.
EFFECTS_COLUMNS: tuple[str, ...] = (
    "model", "interruption", "month", "level_rr", "level_rr_low", "level_rr_high", "level_p",
    "slope_rr", "slope_rr_low", "slope_rr_high", "slope_p",
)


def effects_table(models: Mapping[str, Any], horizons: Sequence[int] = (6, 12),
                  interruptions: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """One row per model x interruption: level and slope rate ratios with 95% CIs, excess counts.

    Parameters
    ----------
    models : mapping name -> ITSResults
        Fitted results (log-link families report rate ratios; gaussian ones report the
        estimates in the ``*_rr`` columns' place under ``level_est``/``slope_est``).
    horizons : sequence of int
        Periods after each interruption at which ``effects(horizons=...)`` is read; the
        absolute effect (observed-scale excess) and its CI are added as ``excess_<h>``,
        ``excess_<h>_low``, ``excess_<h>_high``.
    interruptions : mapping model name -> {interruption name: 'YYYY-MM'}, optional
        Month of each interruption per model, for the ``month`` column (default: read
        ``results.interruptions`` when available).

    Returns
    -------
    DataFrame
        Rows in the order of ``models`` and of each model's interruptions.
    """
    rows: list[dict[str, Any]] = []
    for name, res in models.items():
        table = res.table()
        names = _interruption_names(table)
        months = (interruptions or {}).get(name) or _interruption_months(res)
        eff = _effects_frame(res, horizons) if horizons else None
        for itv in names:
            row: dict[str, Any] = {"model": name, "interruption": itv,
                                   "month": str(months.get(itv, ""))}
            for kind in ("level", "slope"):
                term = f"{kind}[{itv}]"
                if term in table.index:
                    t = table.loc[term]
                    if "ratio" in table.columns:
                        row[f"{kind}_rr"] = float(t["ratio"])
                        row[f"{kind}_rr_low"] = float(t["ratio_low"])
                        row[f"{kind}_rr_high"] = float(t["ratio_high"])
                    else:
                        row[f"{kind}_est"] = float(t["estimate"])
                        row[f"{kind}_low"] = float(t["ci_low"])
                        row[f"{kind}_high"] = float(t["ci_high"])
                    row[f"{kind}_p"] = float(t["p_value"])
            if eff is not None:
                row.update(_excess_for(eff, itv, horizons))
            rows.append(row)
    out = pd.DataFrame(rows)
    ordered = [c for c in EFFECTS_COLUMNS if c in out.columns]
    return out[ordered + [c for c in out.columns if c not in ordered]]


def _interruption_months(res: Any) -> dict[str, str]:
    named = getattr(res, "interruptions", None)
    if named is None and getattr(res, "spec", None) is not None:
        named = getattr(res.spec, "interruptions", None)
    return {str(k): str(v) for k, v in (named or {}).items()}


def _interruption_names(table: pd.DataFrame) -> list[str]:
    names: list[str] = []
    for term in map(str, table.index):
        for kind in ("level[", "slope["):
            if term.startswith(kind) and term.endswith("]"):
                itv = term[len(kind):-1]
                if itv not in names:
                    names.append(itv)
    return names


def _effects_frame(res: Any, horizons: Sequence[int]) -> pd.DataFrame:
    eff = res.effects(horizons=list(horizons))
    return eff.reset_index() if not isinstance(eff.index, pd.RangeIndex) else eff


def _excess_for(eff: pd.DataFrame, itv: str, horizons: Sequence[int]) -> dict[str, float]:
    """Absolute effect and CI at each horizon for one interruption, from ``effects()``.

    Reads ``interruption``, ``horizon``, ``abs_effect``, ``abs_low``, ``abs_high`` (the columns of
    :meth:`trends.results.ITSResults.effects`).
    """
    cols = {c.lower(): c for c in eff.columns}
    i_col = cols.get("interruption")
    h_col = cols.get("horizon")
    abs_col = next((cols[c] for c in ("abs_effect", "absolute", "absolute_effect", "excess")
                    if c in cols), None)
    if h_col is None or abs_col is None:
        raise SpecificationError("effects() lacks 'horizon' or an absolute-effect column; saw "
                                 f"{', '.join(map(str, eff.columns))}")
    sub = eff[eff[i_col].astype(str) == itv] if i_col else eff
    out: dict[str, float] = {}
    for h in horizons:
        r = sub[sub[h_col].astype(int) == int(h)]
        if r.empty:
            out[f"excess_{h}"] = np.nan
            continue
        r = r.iloc[0]
        out[f"excess_{h}"] = float(r[abs_col])
        for suffix in ("low", "high"):
            # ITSResults.effects names the bounds abs_low/abs_high
            c = cols.get(f"{abs_col.lower()}_{suffix}") or cols.get(f"abs_{suffix}")
            out[f"excess_{h}_{suffix}"] = float(r[c]) if c else np.nan
    return out


def to_html(text_frame: pd.DataFrame) -> str:
    """An HTML ``table`` of an all-text frame (cells escaped).

    Parameters
    ----------
    text_frame
        The table, cells as text.

    Returns
    -------
    str

    Examples
    --------
    >>> to_html(pd.DataFrame({"a": ["<1"]}))
    '<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>&lt;1</td></tr></tbody></table>'
    """
    import html

    cols = "".join(f"<th>{html.escape(str(c))}</th>" for c in text_frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in text_frame.itertuples(index=False))
    return f"<table><thead><tr>{cols}</tr></thead><tbody>{body}</tbody></table>"


# ------------------------------------------------ fixed-width and padded tables (summaries)
def format_sig(x: Any) -> str:
    """Deterministic number formatting for summaries: 6 significant digits, 'NA' for missing.

    Parameters
    ----------
    x
        A number (or text, returned as is).

    Returns
    -------
    str

    Examples
    --------
    >>> format_sig(3.14159265), format_sig(float("nan")), format_sig(1e-6)
    ('3.14159', 'NA', '1.000e-06')
    """
    if isinstance(x, str):
        return x
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "NA"
    if v == 0:
        return "0"
    if abs(v) < 1e-4:
        return f"{v:.3e}"
    return f"{v:.6g}"


def format_markdown_table(df: pd.DataFrame) -> str:
    """A padded GitHub-flavoured Markdown table of ``df`` (columns as given, no index), values
    as strings escaped by :func:`trends.errors.escape_markdown` (``|``, ``<``, ``>``, ``&``,
    backticks); text left-aligned, everything else right-aligned.

    Parameters
    ----------
    df
        The table (cells rendered with ``str``).

    Returns
    -------
    str

    Examples
    --------
    >>> print(format_markdown_table(pd.DataFrame({"a": ["x"], "b": ["1.5"]})))
    | a   |   b |
    | --- | --: |
    | x   | 1.5 |
    """
    cols = [escape_markdown(c) for c in df.columns]
    rows = [[escape_markdown(v) for v in r] for r in df.itertuples(index=False)]
    numeric = [all(_looks_numeric(r[j]) for r in rows) if rows else False for j in range(len(cols))]
    widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(cols)]
    widths = [max(w, 3) for w in widths]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(cells, widths, numeric, strict=True)
        ) + " |"

    sep = "| " + " | ".join(("-" * (w - 1) + ":") if num else "-" * w
                            for w, num in zip(widths, numeric, strict=True)) + " |"
    return "\n".join([line(cols), sep, *[line(r) for r in rows]])


def format_text_table(df: pd.DataFrame) -> str:
    """A plain fixed-width text table of ``df`` (no index; numbers by :func:`format_sig`).

    Parameters
    ----------
    df
        The table.

    Returns
    -------
    str

    Examples
    --------
    >>> print(format_text_table(pd.DataFrame({"term": ["a"], "estimate": [0.5]})))
    term  estimate
    ----  --------
    a          0.5
    """
    cols = [str(c) for c in df.columns]
    rows = [[format_sig(v) for v in r] for r in df.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[j]) for r in rows]) for j, c in enumerate(cols)]
    out = ["  ".join(c.rjust(w) if j else c.ljust(w)
                     for j, (c, w) in enumerate(zip(cols, widths, strict=True)))]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(c.rjust(w) if j else c.ljust(w)
                             for j, (c, w) in enumerate(zip(r, widths, strict=True))))
    return "\n".join(out)


def _looks_numeric(s: str) -> bool:
    if s == "NA":
        return True
    try:
        float(s)
    except ValueError:
        return False
    return True


__all__ = ["EFFECTS_COLUMNS", "effects_table", "format_frame", "format_markdown_table",
           "format_number", "format_sig", "format_text_table", "markdown", "tex_escape", "to_html",
           "to_latex", "to_markdown", "write_table"]
