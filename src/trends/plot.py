"""Deterministic, paper-ready figures.

Every plotting function returns ``(fig, ax)`` and never calls ``plt.show()``; :func:`save_figure`
writes the figure through :mod:`trends.atomic` so that the same input gives byte-identical PNG, SVG
and PDF files: fixed rcParams (bundled DejaVu Sans drawn as paths, a fixed ``svg.hashsalt``), no
timestamps or software strings in the metadata, and a fixed resolution.

Conventions shared by all plots:

* colours come from the Okabe-Ito palette (distinguishable with the common colour-vision
  deficiencies) and every series also differs by marker or line style;
* missing months stay missing: lines are broken at NaN (never drawn through a gap) and months
  without data are shaded grey;
* interruptions are vertical lines labelled with their name and month;
* a caption line under the axes names the source and the data version (a short SHA-256).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import rcsetup
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from trends.atomic import atomic_path
from trends.errors import SpecificationError
from trends.schema import ALL_GROUPS, DEFAULT_INTERRUPTIONS, NATIONAL

#: Okabe & Ito (2008) colour-blind-safe palette, in the order series are coloured.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "orange": "#E69F00",
    "reddish_purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
PALETTE: tuple[str, ...] = tuple(OKABE_ITO.values())
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":")
#: Figure widths in inches for a two-column journal page.
SINGLE_COLUMN: float = 3.5
DOUBLE_COLUMN: float = 7.0
#: Raster resolution of saved PNG files.
DPI: int = 300
GAP_COLOUR = "#DDDDDD"

#: rcParams applied while figures are drawn and saved (fonts, sizes, hashes: all fixed).
RC_PARAMS: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # bundled with matplotlib: same glyphs everywhere
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.0,
    "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": rcsetup.cycler(color=list(PALETTE)),
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "savefig.bbox": "standard",  # 'tight' bbox search could vary with font metrics; keep fixed
    "svg.fonttype": "path",  # glyphs as paths: no font lookup by the viewer, no font ids
    "svg.hashsalt": "trends",  # fixed ids in SVG output
    "svg.image_inline": True,
    "pdf.fonttype": 42,
    "pdf.compression": 6,
    "path.simplify": False,
    "axes.formatter.use_locale": False,
    "date.converter": "auto",
}

#: Metadata per format that removes creation dates and version strings.
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
}


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply :data:`RC_PARAMS` for the duration of the block."""
    with mpl.rc_context(RC_PARAMS):  # type: ignore[arg-type]
        yield


def figure(width: str | float = "single", height: float | None = None, nrows: int = 1,
           ncols: int = 1, sharex: bool = False) -> tuple[Figure, Any]:
    """Create a figure of journal width (``"single"`` 3.5 in, ``"double"`` 7 in, or inches).

    Uses :class:`matplotlib.figure.Figure` directly (not pyplot), so no global figure state is
    touched and nothing is displayed unless the caller asks for it.
    """
    if isinstance(width, str):
        widths = {"single": SINGLE_COLUMN, "double": DOUBLE_COLUMN}
        if width not in widths:
            raise SpecificationError(f"width must be 'single', 'double' or inches; saw {width!r}")
        w = widths[width]
    else:
        w = float(width)
    h = height if height is not None else w * (0.72 if w <= SINGLE_COLUMN else 0.45) * nrows ** 0.8
    with style():
        fig = Figure(figsize=(w, h), dpi=RC_PARAMS["figure.dpi"])
        axes = fig.subplots(nrows, ncols, sharex=sharex, squeeze=True)
    return fig, axes


def save_figure(fig: Figure, path_stem: str | os.PathLike[str],
                formats: Sequence[str] = ("png", "svg"), dpi: int = DPI) -> list[Path]:
    """Write ``fig`` as ``path_stem.<fmt>`` for each format, atomically and deterministically.

    Parameters
    ----------
    fig : Figure
        The figure to save.
    path_stem : path-like
        Target path without extension (e.g. ``figures/its_attacks``).
    formats : sequence of str
        Any of ``"png"``, ``"svg"``, ``"pdf"``.
    dpi : int
        Resolution of raster output.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.
    """
    stem = Path(path_stem)
    written = []
    for fmt in formats:
        if fmt not in _METADATA:
            raise SpecificationError(f"unknown figure format {fmt!r}; expected one of "
                                     f"{', '.join(sorted(_METADATA))}")
        target = stem.with_name(f"{stem.name}.{fmt}")
        with style(), _source_date_epoch(), atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata=dict(_METADATA[fmt]))
        written.append(target)
    return written


@contextlib.contextmanager
def _source_date_epoch() -> Iterator[None]:
    # matplotlib's PDF/PS backends read SOURCE_DATE_EPOCH for any date they still write.
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        yield
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def data_version(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
                 length: int = 12) -> str:
    """Short SHA-256 over the bytes of ``paths`` (sorted), used as a data version in captions."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        files.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda q: q.as_posix()):
        digest.update(f.name.encode())
        digest.update(b"\0")
        digest.update(f.read_bytes())
    return digest.hexdigest()[:length]


def plain(text: object) -> str:
    """``text`` as literal text for matplotlib: a ``$`` (from a source or series name, a
    title given by the caller) is escaped so that it never starts mathtext parsing.

    Examples
    --------
    >>> print(plain("US$ 5 per $head$"))
    US\\$ 5 per \\$head\\$
    """
    return str(text).replace("\\$", "$").replace("$", "\\$")


def caption(fig: Figure, text: str) -> None:
    """Put a one-line caption (source, data version) under the axes."""
    fig.text(0.01, 0.01, plain(text), ha="left", va="bottom", fontsize=6.0, color="#444444",
             wrap=False)


def caption_text(source: str, version: str | None = None) -> str:
    """``"Source: <source>. Data version <version>."``"""
    out = f"Source: {source}."
    if version:
        out += f" Data version {version}."
    return out


# --------------------------------------------------------------------------- helpers


def _to_timestamps(index: pd.Index) -> pd.DatetimeIndex:
    """Month-like index (PeriodIndex, DatetimeIndex or 'YYYY-MM' strings) -> month-start dates."""
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp(how="start")
    if isinstance(index, pd.DatetimeIndex):
        return index
    return pd.PeriodIndex(pd.Index(index).astype(str), freq="M").to_timestamp(how="start")


def _month(value: str | pd.Period | pd.Timestamp) -> pd.Timestamp:
    return pd.Period(value, freq="M").to_timestamp(how="start")


def _as_period(value: str | pd.Period | pd.Timestamp) -> pd.Period:
    """An interruption date as a Period (Periods keep their frequency; text is a month)."""
    return value if isinstance(value, pd.Period) else pd.Period(value, freq="M")


def _mark_interruptions(ax: Axes, interruptions: Mapping[str, Any] | None, label: bool = True,
                        ymax_frac: float = 0.98) -> None:
    if not interruptions:
        return
    items = sorted(((n, _as_period(w)) for n, w in interruptions.items()), key=lambda kv: kv[1])
    for i, (name, when) in enumerate(items):
        x = when.start_time  # the line sits at the start of the interruption's first period
        ax.axvline(x, color=OKABE_ITO["black"], linestyle=LINESTYLES[1 + i % 3], linewidth=0.8,
                   zorder=1)
        if label:
            # alternate label heights so two close interruptions do not overlap, and put the
            # label of the first of a close pair (< 12 months apart) left of its line, so it
            # does not run across the next line
            y = ymax_frac - 0.09 * (i % 2)
            nxt = items[i + 1][1] if i + 1 < len(items) else None
            close = nxt is not None and (
                nxt.asfreq("M", how="start") - when.asfreq("M", how="start")).n < 12
            text = f"{name.replace('_', ' ')}\n{when}"
            if close:
                ax.text(x, y, text.replace("\n", " \n") + " ", transform=ax.get_xaxis_transform(),
                        ha="right", va="top", fontsize=6.0, multialignment="right")
            else:
                ax.text(x, y, " " + text.replace("\n", "\n "),
                        transform=ax.get_xaxis_transform(), ha="left", va="top", fontsize=6.0)


def _shade_gaps(ax: Axes, dates: pd.DatetimeIndex, missing: np.ndarray, label: str | None) -> None:
    """Grey spans over runs of missing months (one legend entry at most)."""
    first = True
    idx = np.flatnonzero(missing)
    if idx.size == 0:
        return
    runs = np.split(idx, np.flatnonzero(np.diff(idx) != 1) + 1)
    for run in runs:
        start = dates[run[0]]
        end = dates[run[-1]] + pd.offsets.MonthBegin(1)
        ax.axvspan(start, end, color=GAP_COLOUR, linewidth=0, zorder=0,
                   label=label if first else None)
        first = False


def _date_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))


def _full_months(start: Any, end: Any) -> pd.PeriodIndex:
    return pd.period_range(pd.Period(start, freq="M"), pd.Period(end, freq="M"), freq="M")


def _select(panel: pd.DataFrame, **where: Any) -> pd.DataFrame:
    out = panel
    for col, val in where.items():
        if val is None:
            continue
        if col not in out.columns:
            raise SpecificationError(f"panel has no column {col!r}; columns are "
                                     f"{', '.join(map(str, out.columns))}")
        if isinstance(val, (list, tuple, set)):
            out = out[out[col].isin(list(val))]
        else:
            out = out[out[col] == val]
    return out


def monthly_wide(panel: pd.DataFrame, columns: str = "source", *, start: Any = None,
                 end: Any = None, **where: Any) -> pd.DataFrame:
    """Pivot a tidy panel (``month, region, group, measure, source, value``) to month x ``columns``.

    The index is the full monthly :class:`~pandas.PeriodIndex` from ``start`` to ``end`` (default:
    the months present), so months absent from the panel appear as NaN rather than vanishing.
    """
    sub = _select(panel, **where)
    if sub.empty:
        raise SpecificationError(f"no rows in the panel for {where}")
    months = pd.PeriodIndex(sub["month"].astype(str), freq="M")
    values = pd.to_numeric(sub["value"], errors="coerce")
    frame = pd.DataFrame({"month": months, "col": sub[columns].astype(str).to_numpy(),
                          "value": values.to_numpy(dtype=float)})
    if frame.duplicated(["month", "col"]).any():
        raise SpecificationError(f"several rows per month and {columns!r} for {where}; select "
                                 "one region, group, measure and source")
    wide = frame.pivot(index="month", columns="col", values="value")
    lo = pd.Period(start, freq="M") if start is not None else wide.index.min()
    hi = pd.Period(end, freq="M") if end is not None else wide.index.max()
    wide = wide.reindex(_full_months(lo, hi))
    wide.index.name = "month"
    wide.columns.name = None
    return wide[sorted(wide.columns)]


# --------------------------------------------------------------------------- plots


def plot_its(results: Any, ax: Axes | None = None, *,
             interruptions: Mapping[str, str] | None = None,
             title: str | None = None, ylabel: str = "attacks per month",
             source: str | None = None, version: str | None = None,
             width: str | float = "double") -> tuple[Figure, Axes]:
    """Observed counts, fitted segments and the no-interruption counterfactual with its CI band.

    Parameters
    ----------
    results : ITSResults or DataFrame
        A fitted result (its ``plot_data()`` is used) or a frame shaped like it: indexed by the
        full calendar period, with columns ``observed, fitted, fitted_low, fitted_high,
        counterfactual, counterfactual_low, counterfactual_high, segment``.
    ax : Axes, optional
        Draw into this axes; a new figure is made otherwise.
    interruptions : mapping name -> 'YYYY-MM', optional
        Default: ``results.interruptions`` if present, else the first period of each segment
        after the first.
    title, ylabel : str
        Title and y-axis label (with units).
    source, version : str, optional
        Caption line: data source and version.

    Returns
    -------
    (Figure, Axes)
    """
    data = results.plot_data() if hasattr(results, "plot_data") else results
    required = {"observed", "fitted", "counterfactual", "segment"}
    missing_cols = required - set(data.columns)
    if missing_cols:
        raise SpecificationError(f"plot data lacks columns {sorted(missing_cols)}")
    if interruptions is None:
        interruptions = _interruption_periods(results, data)
    dates = _to_timestamps(data.index)
    fig, ax = _figure_for(ax, width)
    with style():
        obs = data["observed"].to_numpy(dtype=float)
        _shade_gaps(ax, dates, np.isnan(obs), "no data")
        segments = data["segment"].astype(str).to_numpy()
        seg_labels = list(dict.fromkeys(segments))
        first_seg = seg_labels[0]
        cf = data["counterfactual"].to_numpy(dtype=float)
        post = segments != first_seg
        if {"counterfactual_low", "counterfactual_high"} <= set(data.columns):
            lo = data["counterfactual_low"].to_numpy(dtype=float)
            hi = data["counterfactual_high"].to_numpy(dtype=float)
            ax.fill_between(dates[post], lo[post], hi[post], color=OKABE_ITO["orange"],
                            alpha=0.25, linewidth=0, label="counterfactual 95% CI", zorder=1)
        ax.plot(dates[post], cf[post], color=OKABE_ITO["vermillion"], linestyle="--",
                label="counterfactual (no interruption)", zorder=2)
        fitted = data["fitted"].to_numpy(dtype=float)
        for k, seg in enumerate(seg_labels):  # one line per segment: no line across a break
            m = segments == seg
            ax.plot(dates[m], fitted[m], color=OKABE_ITO["blue"], linestyle="-", zorder=3,
                    label="fitted" if k == 0 else None)
        ax.plot(dates, obs, linestyle="none", marker="o", markersize=2.8,
                color=OKABE_ITO["black"], label="observed", zorder=4)
        _mark_interruptions(ax, interruptions)
        _date_axis(ax)
        ax.set_xlabel("month")
        ax.set_ylabel(plain(ylabel))
        ax.set_ylim(0, np.nanmax(np.r_[obs, fitted, cf, 1.0]) * 1.25)  # room for the labels
        if title:
            ax.set_title(plain(title))
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), ncols=5, fontsize=6.0)
        if source:
            caption(fig, caption_text(source, version))
        fig.subplots_adjust(bottom=0.3, top=0.9)
    return fig, ax


def _interruptions_of(results: Any, data: pd.DataFrame) -> dict[str, str]:
    """Interruption name -> 'YYYY-MM' (see :func:`_interruption_periods`)."""
    return {k: str(v) for k, v in _interruption_periods(results, data).items()}


def _interruption_periods(results: Any, data: pd.DataFrame) -> dict[str, pd.Period]:
    named = getattr(results, "interruptions", None)
    if named is None and getattr(results, "spec", None) is not None:
        named = getattr(results.spec, "interruptions", None)
    if isinstance(named, Mapping) and named:
        return {str(k): _as_period(v) for k, v in named.items()}
    seg = data["segment"].astype(str)
    starts = seg.ne(seg.shift()) & seg.shift().notna()
    idx = data.index[starts.to_numpy()]
    months = pd.PeriodIndex(_to_timestamps(idx), freq="M")
    return {name: m for name, m in zip(seg[starts].tolist(), months, strict=True)}


def _figure_for(ax: Axes | None, width: str | float, height: float | None = None
                ) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.get_figure(root=True), ax  # type: ignore[return-value]
    return figure(width, height)


def plot_series(panel: pd.DataFrame, *, measures: Sequence[str] = ("attacks", "killed", "injured"),
                region: str = NATIONAL, group: str = ALL_GROUPS,
                source: str | Sequence[str] = "PICSS",
                start: Any = "2019-01", end: Any = None,
                interruptions: Mapping[str, str] | None = DEFAULT_INTERRUPTIONS,
                title: str | None = None, version: str | None = None,
                width: str | float = "double", source_label: str | None = None
                ) -> tuple[Figure, np.ndarray]:
    """Monthly series, one panel per measure, one line per source; gaps shaded and not bridged.

    Parameters
    ----------
    panel : DataFrame
        Tidy panel with ``month, region, group, measure, source, value``.
    measures : sequence of str
        One subplot per measure (``"attacks per month"``, ``"killed per month"``...).
    region, group : str
        Which cell of the panel.
    source : str or sequence of str
        One line per source.
    start, end : month-like
        Plotted range (full months; those absent from the panel are gaps).
    source_label : str, optional
        Source named in the caption (default: the sources joined).

    Returns
    -------
    (Figure, ndarray of Axes)
    """
    sources = [source] if isinstance(source, str) else list(source)
    height = 1.55 * len(measures) + 1.2
    fig, axes = figure(width, height=height, nrows=len(measures), sharex=True)
    axes = np.atleast_1d(axes)
    with style():
        for ax, measure in zip(axes, measures, strict=True):
            sub = _select(panel, region=region, group=group, measure=measure, source=sources)
            if sub.empty:
                ax.text(0.5, 0.5, f"no {measure} data", transform=ax.transAxes, ha="center")
                ax.set_ylabel(f"{measure} per month")
                continue
            wide = monthly_wide(sub, "source", start=start, end=end)
            dates = _to_timestamps(wide.index)
            _shade_gaps(ax, dates, wide.isna().all(axis=1).to_numpy(),
                        "no data" if ax is axes[0] else None)
            for i, col in enumerate(wide.columns):
                y = wide[col].to_numpy(dtype=float)
                ax.plot(dates, y, color=PALETTE[i % len(PALETTE)], marker=MARKERS[i % 8],
                        linestyle=LINESTYLES[i % 4], label=plain(col))
            _mark_interruptions(ax, interruptions, label=ax is axes[0])
            ax.set_ylabel(f"{measure} per month")
            ax.set_ylim(0, np.nanmax(np.r_[wide.to_numpy(dtype=float).ravel(), 1.0]) * 1.2)
            _date_axis(ax)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.3 / height),
                   ncols=6)
        axes[-1].set_xlabel("month")
        where = f"{region.replace('_', ' ')}, group: {group}"
        fig.suptitle(title or f"Monthly militant attacks and casualties ({where})", fontsize=9)
        caption(fig, caption_text(source_label or ", ".join(sources), version))
        fig.subplots_adjust(bottom=0.6 / height, top=1 - 0.75 / height, hspace=0.12)
    return fig, axes


def plot_coverage(panel: pd.DataFrame, *, measure: str = "attacks", region: str = NATIONAL,
                  group: str = ALL_GROUPS, start: Any = "2019-01", end: Any = "2023-12",
                  title: str | None = None, version: str | None = None,
                  width: str | float = "double") -> tuple[Figure, Axes]:
    """Month x source heat map: filled where the source gives a value, blank where it does not.

    The count of covered months per source is written at the right of each row.
    """
    sub = _select(panel, region=region, group=group, measure=measure)
    wide = monthly_wide(sub, "source", start=start, end=end) if not sub.empty else None
    if wide is None or wide.shape[1] == 0:
        raise SpecificationError(f"no {measure} rows for region {region!r} group {group!r}")
    present = wide.notna().to_numpy().T.astype(float)  # sources x months
    n_src, n_mon = present.shape
    fig, ax = figure(width, height=1.5 + 0.3 * n_src)
    with style():
        dates = _to_timestamps(wide.index)
        edges = mdates.date2num(list(dates) + [dates[-1] + pd.offsets.MonthBegin(1)])
        cmap = mpl.colors.ListedColormap(["#FFFFFF", OKABE_ITO["blue"]])
        ax.pcolormesh(edges, np.arange(n_src + 1), present, cmap=cmap, vmin=0, vmax=1,
                      edgecolors="#BBBBBB", linewidth=0.2)
        ax.set_yticks(np.arange(n_src) + 0.5, list(wide.columns))
        ax.invert_yaxis()
        ax.xaxis_date()
        _date_axis(ax)
        for i in range(len(wide.columns)):
            ax.text(1.01, 1 - (i + 0.5) / n_src, f"{int(present[i].sum())}/{n_mon}",
                    transform=ax.transAxes, va="center", fontsize=6.5)
        ax.set_xlabel("month (filled = value published; blank = no figure found)")
        ax.set_title(plain(title or f"Coverage of monthly {measure} by source "
                           f"({region.replace('_', ' ')}, group: {group})"))
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
        caption(fig, caption_text("published PIPS, PICSS, CRSS and SATP figures", version))
        _mark_interruptions(ax, DEFAULT_INTERRUPTIONS, label=False)
        fig.subplots_adjust(bottom=0.3 if n_src < 4 else 0.2, top=0.86, right=0.9, left=0.12)
    return fig, ax


def disagreement_frame(values: pd.DataFrame, *, by: str = "source", period: str = "period",
                       value: str = "value") -> pd.DataFrame:
    """Per period, the spread of values published by different ``by`` (sources or reports).

    Returns one row per period with at least two distinct values: ``n``, ``min``, ``max``,
    ``spread`` (max - min), ``rel_spread`` (spread / max) and ``values`` (``"A=1; B=2"``),
    sorted by period.
    """
    v = values[[period, by, value]].copy()
    v[value] = pd.to_numeric(v[value], errors="coerce")
    v = v.dropna(subset=[value])
    rows = []
    for per, grp in v.groupby(period, sort=True):
        if grp[value].nunique() < 2:
            continue
        g = grp.sort_values([by, value])
        vmin, vmax = float(g[value].min()), float(g[value].max())
        rows.append({period: per, "n": len(g), "min": vmin, "max": vmax, "spread": vmax - vmin,
                     "rel_spread": (vmax - vmin) / vmax if vmax else np.nan,
                     "values": "; ".join(f"{s}={x:g}" for s, x in zip(g[by], g[value],
                                                                         strict=True))})
    cols = [period, "n", "min", "max", "spread", "rel_spread", "values"]
    return pd.DataFrame(rows, columns=cols)


def plot_disagreement(values: pd.DataFrame, *, by: str = "source", period: str = "period",
                      value: str = "value", ylabel: str = "attacks", title: str | None = None,
                      version: str | None = None, width: str | float = "double"
                      ) -> tuple[Figure, Axes]:
    """Where sources disagree and by how much: per period, each source's value and the range.

    ``values`` is long: one row per ``period`` x ``by`` with ``value``. Periods where only one
    value exists are left out; the range between sources is drawn as a grey bar and each source
    as its own marker, with the relative spread (``(max - min) / max``) written above the bar.
    """
    table = disagreement_frame(values, by=by, period=period, value=value)
    fig, ax = figure(width, height=2.8)
    with style():
        if table.empty:
            ax.text(0.5, 0.5, "no period with two or more differing values",
                    transform=ax.transAxes, ha="center")
        else:
            periods = list(table[period].astype(str))
            x = np.arange(len(periods))
            ax.vlines(x, table["min"], table["max"], color="#999999", linewidth=3, zorder=1)
            v = values[values[period].astype(str).isin(periods)].copy()
            v[value] = pd.to_numeric(v[value], errors="coerce")
            pos = {p: i for i, p in enumerate(periods)}
            for i, src in enumerate(sorted(v[by].astype(str).unique())):
                s = v[v[by].astype(str) == src]
                ax.plot([pos[p] for p in s[period].astype(str)], s[value], linestyle="none",
                        marker=MARKERS[i % 8], color=PALETTE[i % len(PALETTE)], label=plain(src),
                        zorder=2)
            for xi, (hi, rel) in enumerate(zip(table["max"], table["rel_spread"], strict=True)):
                ax.text(xi, hi, f"{100 * rel:.0f}%", ha="center", va="bottom", fontsize=5.5)
            ax.set_xticks(x, periods, rotation=90 if len(periods) > 12 else 0)
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), ncols=1)
            ax.set_ylim(0, float(table["max"].max()) * 1.15)
        ax.set_xlabel(period)
        ax.set_ylabel(plain(ylabel))
        ax.set_title(plain(title or f"Disagreement between sources ({ylabel})"))
        caption(fig, caption_text("published figures; label = (max - min) / max", version))
        fig.subplots_adjust(bottom=0.3 if len(table) > 12 else 0.22, right=0.85)
    return fig, ax


def plot_annual(periods: pd.DataFrame, *, measure: str = "attacks", region: str = NATIONAL,
                group: str = ALL_GROUPS, period: str = "period", start: int | None = 2014,
                end: int | None = None, title: str | None = None, version: str | None = None,
                width: str | float = "single") -> tuple[Figure, Axes]:
    """Annual totals by source: one line with markers per source, broken where a year is missing.

    ``periods`` is long with ``period`` (``YYYY`` rows are used), ``region, group, measure,
    source, value``.
    """
    sub = _select(periods, region=region, group=group, measure=measure)
    sub = sub[sub[period].astype(str).str.fullmatch(r"\d{4}")]
    if sub.empty:
        raise SpecificationError(f"no annual {measure} rows for region {region!r} group {group!r}")
    year = sub[period].astype(str).astype(int)
    frame = pd.DataFrame({"year": year.to_numpy(), "source": sub["source"].astype(str).to_numpy(),
                          "value": pd.to_numeric(sub["value"], errors="coerce").to_numpy()})
    if frame.duplicated(["year", "source"]).any():
        raise SpecificationError("several annual rows per year and source; reconcile first")
    wide = frame.pivot(index="year", columns="source", values="value")
    lo = start if start is not None else int(wide.index.min())
    hi = end if end is not None else int(wide.index.max())
    wide = wide.reindex(range(lo, hi + 1))
    wide = wide[sorted(wide.columns)].dropna(axis=1, how="all")
    fig, ax = figure(width, height=2.8 if width == "single" else None)
    with style():
        for i, col in enumerate(wide.columns):
            ax.plot(wide.index, wide[col].to_numpy(dtype=float), marker=MARKERS[i % 8],
                    linestyle=LINESTYLES[i % 4], color=PALETTE[i % len(PALETTE)], label=plain(col))
        ax.axvspan(2021 - 0.5, 2021 + 0.5, color=GAP_COLOUR, linewidth=0, zorder=0,
                   label="2021 (takeover)")
        ax.set_xlabel("year")
        ax.set_ylabel(f"{measure} per year")
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.set_title(plain(title or f"Annual {measure} by source"))
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.2), ncols=3, fontsize=6.0)
        caption(fig, caption_text("published annual reports", version))
        fig.subplots_adjust(bottom=0.36, left=0.16)
    return fig, ax


__all__ = [
    "DOUBLE_COLUMN", "OKABE_ITO", "PALETTE", "RC_PARAMS", "SINGLE_COLUMN", "caption",
    "caption_text", "data_version", "disagreement_frame", "figure", "monthly_wide", "plot_annual",
    "plot_forest",
    "plot_coverage", "plot_disagreement", "plot_its", "plot_series", "save_figure", "style",
]


def plot_forest(table: pd.DataFrame, *, estimate: str, low: str, high: str, label: str = "model",
                reference: float = 1.0, xlabel: str = "rate ratio (95% CI)",
                title: str | None = None, highlight: Sequence[str] = (),
                version: str | None = None, log: bool = True,
                width: str | float = "double") -> tuple[Figure, Axes]:
    """Forest plot: one row per model with the estimate and its CI, a line at ``reference``.

    Rows with a missing estimate are listed with the text "not estimable". Rows named in
    ``highlight`` (e.g. the main model) are drawn in vermillion.
    """
    t = table.reset_index(drop=True)
    n = len(t)
    fig, ax = figure(width, height=0.8 + 0.2 * n)
    with style():
        y = np.arange(n)[::-1]
        for yi, (_, r) in zip(y, t.iterrows(), strict=True):
            main = str(r[label]) in set(highlight)
            colour = OKABE_ITO["vermillion"] if main else OKABE_ITO["blue"]
            if pd.isna(r[estimate]):
                ax.text(0.01, yi, "not estimable", transform=ax.get_yaxis_transform(),
                        va="center", fontsize=6, color="#666666")
                continue
            ax.plot([r[low], r[high]], [yi, yi], color=colour, linewidth=1.2)
            ax.plot([r[estimate]], [yi], marker="s" if main else "o", color=colour,
                    markersize=3.5)
        ax.axvline(reference, color=OKABE_ITO["black"], linewidth=0.7, linestyle=":")
        if log:
            ax.set_xscale("log")
            lo = np.nanmin(np.r_[t[low].to_numpy(dtype=float), reference])
            hi = np.nanmax(np.r_[t[high].to_numpy(dtype=float), reference])
            ticks = [x for x in (0.125, 0.25, 0.5, 1, 2, 4, 8, 16) if lo / 2 <= x <= hi * 2]
            ax.set_xticks(ticks, [f"{x:g}" for x in ticks])
            ax.xaxis.set_minor_locator(mpl.ticker.NullLocator())
        ax.set_yticks(y, [plain(v) for v in t[label]])
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlabel(plain(xlabel))
        if title:
            ax.set_title(plain(title))
        caption(fig, caption_text("PICSS/PIPS published figures; trends ITS models", version))
        fig.subplots_adjust(left=0.32, bottom=max(0.08, 0.5 / (0.8 + 0.2 * n)), top=0.93)
    return fig, ax
