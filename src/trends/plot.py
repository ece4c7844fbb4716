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
from trends.schema import ALL_GROUPS, CORE_MEASURES, NATIONAL

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
                formats: Sequence[str] = ("png", "svg"), dpi: int = DPI, *,
                one_column: Figure | None = None) -> list[Path]:
    """Write ``fig`` as ``path_stem.<fmt>`` for each format, atomically and deterministically;
    with ``one_column``, also that figure as ``path_stem-1col.<fmt>`` (see :func:`one_column`).

    Parameters
    ----------
    fig : Figure
        The figure to save.
    path_stem : path-like
        Target path without extension (e.g. ``figures/its``).
    formats : sequence of str
        Any of ``"png"``, ``"svg"``, ``"pdf"``.
    dpi : int
        Resolution of raster output.
    one_column : Figure, optional
        The one-column version (3.5 in wide, no text under 7 pt: checked with
        :func:`check_figure`, refused otherwise), written as ``<stem>-1col.<fmt>``.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats`` (the one-column files after).
    """
    stem = Path(path_stem)
    if one_column is not None:
        w = float(one_column.get_size_inches()[0])
        problems = check_figure(one_column)
        if abs(w - SINGLE_COLUMN) > 1e-6 or problems:
            raise SpecificationError(
                f"the one-column figure of {stem.name} must be {SINGLE_COLUMN:g} in wide with "
                f"nothing clipped and no text under {MIN_FONT:g} pt; it is {w:g} in wide"
                + (f"; {'; '.join(problems[:3])}" if problems else ""))
    written = []
    for fmt in formats:
        if fmt not in _METADATA:
            raise SpecificationError(f"unknown figure format {fmt!r}; expected one of "
                                     f"{', '.join(sorted(_METADATA))}")
        target = stem.with_name(f"{stem.name}.{fmt}")
        with atomic_path(target) as tmp:
            write_figure(fig, tmp, fmt, dpi)
        written.append(target)
    if one_column is not None:
        written += save_figure(one_column, one_column_stem(stem), formats, dpi)
    return written


def write_figure(fig: Figure, target: Any, fmt: str, dpi: int = DPI) -> None:
    """Write ``fig`` in format ``fmt`` to ``target`` (a path or binary file object) with the
    fixed style and metadata of :func:`save_figure` (byte-identical for the same figure); for
    writers that stage their outputs themselves, e.g. :meth:`trends.atomic.OutputSet.write_with`.
    """
    if fmt not in _METADATA:
        raise SpecificationError(f"unknown figure format {fmt!r}; expected one of "
                                 f"{', '.join(sorted(_METADATA))}")
    with style(), _source_date_epoch():
        fig.savefig(target, format=fmt, dpi=dpi, metadata=dict(_METADATA[fmt]))


def one_column_stem(path_stem: str | os.PathLike[str]) -> Path:
    """``figures/its`` -> ``figures/its-1col``: where the one-column version is written."""
    stem = Path(path_stem)
    return stem.with_name(f"{stem.name}-1col")


def one_column(build: Any, *args: Any, **kwargs: Any) -> tuple[Figure, Figure]:
    """Both sizes of one figure: ``build(*args, width="double", **kwargs)`` and
    ``build(*args, width="single", **kwargs)`` (any figure function of this module); pass the
    pair to :func:`save_figure` as ``save_figure(full, stem, one_column=small)``.

    Examples
    --------
    >>> full, small = one_column(plot_forest, pd.DataFrame(
    ...     {"model": ["a"], "rr": [1.5], "lo": [1.1], "hi": [2.0]}),
    ...     estimate="rr", low="lo", high="hi")
    >>> float(small.get_size_inches()[0])
    3.5
    """
    full = build(*args, width="double", **kwargs)
    small = build(*args, width="single", **kwargs)
    return full[0], small[0]


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
    fig.text(0.01, 0.01, plain(text), ha="left", va="bottom", fontsize=MIN_FONT, color="#444444",
             wrap=False)


def caption_text(source: str, version: str | None = None) -> str:
    """``"Source: <source>. Data version <version>."``"""
    out = f"Source: {source}."
    if version:
        out += f" Data version {version}."
    return out


# --------------------------------------------------------------------------- layout and checks
#: Smallest font size (points) of any text in a figure, at every width (one-column included).
MIN_FONT: float = 7.0
#: Margin (inches) kept free at the figure edges by :func:`layout`.
PAD: float = 0.04


def _renderer(fig: Figure) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    return canvas.get_renderer()


def _wrap(fig: Figure, text: str, width_px: float, fontsize: float) -> str:
    """Greedy word wrap of ``text`` so that each line, as drawn, is at most ``width_px`` wide."""
    renderer = _renderer(fig)
    probe = fig.text(0, 0, "", fontsize=fontsize)
    lines: list[str] = []
    try:
        for para in text.split("\n"):
            line = ""
            for word in para.split(" "):
                cand = f"{line} {word}" if line else word
                probe.set_text(plain(cand))
                if line and probe.get_window_extent(renderer).width > width_px:
                    lines.append(line)
                    line = word
                else:
                    line = cand
            lines.append(line)
    finally:
        probe.remove()
    return "\n".join(lines)


def layout(fig: Figure, *, legend: Sequence[tuple[Any, str]] | None = None,
           caption: str | None = None, min_axes_height: float = 1.1) -> None:
    """Lay out ``fig`` so that nothing is clipped: axes decorations (tick labels, axis labels,
    titles, texts next to the axes), a figure legend under the axes (as many columns as fit the
    width) and a word-wrapped caption under the legend, all inside the figure.

    The margins are measured from the drawn text (bundled fonts: the same on every machine),
    so the layout, like the saved bytes, is the same on every run. The figure grows in height
    when the axes would otherwise be shorter than ``min_axes_height`` inches.

    Parameters
    ----------
    fig : Figure
        A figure whose axes are drawn.
    legend : sequence of (handle, label), optional
        Entries of the figure legend; ``None`` or empty for no figure legend.
    caption : str, optional
        Caption text (wrapped to the figure width).
    min_axes_height : float
        Smallest height (inches) of the block of axes.
    """
    with style():
        renderer = _renderer(fig)
        W, H = (float(v) for v in fig.get_size_inches())
        dpi = fig.dpi
        cap = None
        if caption:
            # 5% spare: text widths change slightly with the resolution it is rasterised at
            cap = fig.text(PAD / W, PAD / H, _wrap(fig, caption, 0.95 * (W - 2 * PAD) * dpi,
                                                   MIN_FONT),
                           ha="left", va="bottom", fontsize=MIN_FONT, color="#444444")
            cap.set_gid("trends-caption")
        leg = None
        if legend:
            handles = [h for h, _ in legend]
            labels = [plain(lab) for _, lab in legend]
            for ncols in range(len(handles), 0, -1):
                if leg is not None:
                    leg.remove()
                leg = fig.legend(handles, labels, loc="lower left", ncols=ncols,
                                 fontsize=MIN_FONT, borderaxespad=0.0, columnspacing=1.2,
                                 handlelength=1.8, bbox_to_anchor=(PAD / W, 0.0))
                if leg.get_window_extent(renderer).width <= 0.95 * (W - 2 * PAD) * dpi:
                    break
        sup = getattr(fig, "_suptitle", None)
        axes = [a for a in fig.axes if a.get_visible()]
        room = 0.8 * (W - 2 * PAD) * dpi  # titles wider than the axes can be: wrapped
        for t in [*(a.title for a in axes), *([sup] if sup is not None else [])]:
            if t.get_text() and t.get_window_extent(renderer).width > room:
                t.set_text(_wrap(fig, t.get_text().replace("\n", " "), room, t.get_fontsize()))
        for _ in range(3):  # decorations depend (a little) on the axes size: iterate
            W, H = (float(v) for v in fig.get_size_inches())
            cap_h = cap.get_window_extent(renderer).height / dpi if cap is not None else 0.0
            y = PAD + (cap_h + 0.06 if cap is not None else 0.0)
            if leg is not None:
                leg.set_bbox_to_anchor((PAD / W, y / H), transform=fig.transFigure)
                y += leg.get_window_extent(renderer).height / dpi + 0.05
            top = PAD
            if sup is not None and sup.get_text():
                sup.set_y(1 - PAD / H)
                sup.set_va("top")
                top += sup.get_window_extent(renderer).height / dpi + 0.04
            if not axes:
                return
            inner = mpl.transforms.Bbox.union([a.get_window_extent(renderer) for a in axes])
            outer = mpl.transforms.Bbox.union(
                [b for b in (a.get_tightbbox(renderer) for a in axes) if b is not None])
            d_l = max(0.0, inner.x0 - outer.x0) / dpi
            d_r = max(0.0, outer.x1 - inner.x1) / dpi
            d_b = max(0.0, inner.y0 - outer.y0) / dpi
            d_t = max(0.0, outer.y1 - inner.y1) / dpi
            bottom = y + d_b
            need = bottom + top + d_t + min_axes_height
            if need > H:
                fig.set_size_inches(W, need)
                H = need
            fig.subplots_adjust(left=(PAD + d_l) / W, right=1 - (PAD + d_r) / W,
                                bottom=bottom / H, top=1 - (top + d_t) / H)
            if cap is not None:
                cap.set_position((PAD / W, PAD / H))


def check_figure(fig: Figure, min_font: float = MIN_FONT) -> list[str]:
    """Problems that make ``fig`` hard to read at its size: text smaller than ``min_font``
    points, and text, legends or axes decorations outside the figure (clipped).

    Returns
    -------
    list of str
        One line per problem; empty when the figure is fine.

    Examples
    --------
    >>> fig, ax = figure("single")
    >>> _ = ax.set_xlabel("x")
    >>> layout(fig)
    >>> check_figure(fig)
    []
    """
    from matplotlib.text import Text

    renderer = _renderer(fig)
    fig.draw_without_rendering()
    box = fig.bbox
    tol = 0.5
    problems: list[str] = []

    def inside(b: Any) -> bool:
        return bool(b.x0 >= box.x0 - tol and b.y0 >= box.y0 - tol and b.x1 <= box.x1 + tol
                    and b.y1 <= box.y1 + tol)

    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        if float(t.get_fontsize()) < min_font - 1e-9:
            problems.append(f"text {t.get_text()!r} is {t.get_fontsize():g} pt "
                            f"(< {min_font:g} pt)")
    for t in fig.texts:
        if t.get_visible() and t.get_text().strip() and not inside(
                t.get_window_extent(renderer)):
            problems.append(f"figure text {t.get_text()[:40]!r} is clipped")
    for leg in [*fig.legends, *(a.get_legend() for a in fig.axes)]:
        if leg is not None and not inside(leg.get_window_extent(renderer)):
            problems.append("a legend is clipped")
    for a in fig.axes:
        if a.get_visible() and not inside(a.get_tightbbox(renderer)):
            problems.append(f"axes {a.get_title() or a.get_ylabel()!r}: labels are clipped")
    return problems


# --------------------------------------------------------------------------- calendar helpers

#: Axis label and reading of each frequency code.
_FREQ_AXIS = {"M": "month", "W": "week (ISO, starting Monday)", "Q": "quarter", "Y": "year"}
_FREQ_UNIT = {"M": "month", "W": "week", "Q": "quarter", "Y": "year"}


def _freq_code(index: pd.Index) -> str:
    """``M``, ``W``, ``Q`` or ``Y`` for a PeriodIndex (month-like text and dates: ``M``)."""
    if isinstance(index, pd.PeriodIndex):
        from trends.calendar import normalise_freq

        return normalise_freq(index.freqstr)
    return "M"


def _to_periods(index: pd.Index) -> pd.PeriodIndex:
    """Period index of a plot frame (PeriodIndex kept; dates and 'YYYY-MM' text -> months)."""
    if isinstance(index, pd.PeriodIndex):
        return index
    if isinstance(index, pd.DatetimeIndex):
        return index.to_period("M")
    return pd.PeriodIndex(pd.Index(index).astype(str), freq="M")


def _to_timestamps(index: pd.Index) -> pd.DatetimeIndex:
    """Start of each period of a month-like or period index."""
    if isinstance(index, pd.DatetimeIndex):
        return index
    return _to_periods(index).to_timestamp(how="start")


def period_label(period: pd.Period) -> str:
    """How a period is written in figures: ``2021-08``, ``2021Q3``, ``2021``, ``2021-W31``.

    Examples
    --------
    >>> period_label(pd.Period("2021-08-02", "W-SUN"))
    '2021-W31'
    >>> period_label(pd.Period("2021", "Y"))
    '2021'
    """
    from trends.calendar import normalise_freq

    if normalise_freq(period.freqstr) == "W":
        iso = period.start_time.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    return str(period)


def _as_period(value: Any, code: str = "M") -> pd.Period:
    """An interruption date as a Period of frequency ``code`` (a Period of another frequency:
    the period of ``code`` that contains its first day)."""
    from trends.calendar import FREQUENCIES, normalise_freq, to_period

    if isinstance(value, pd.Period):
        if normalise_freq(value.freqstr) == code:
            return value
        return pd.Period(value.start_time, freq=FREQUENCIES[code])
    if isinstance(value, pd.Timestamp):
        return pd.Period(value, freq=FREQUENCIES[code])
    return to_period(value, code, what="interruption")


def _month(value: str | pd.Period | pd.Timestamp) -> pd.Timestamp:
    return pd.Period(value, freq="M").to_timestamp(how="start")


def _bound(value: Any, code: str, end: bool) -> pd.Timestamp:
    """A window bound as a time: a day (``2021-11-09``) is that day, anything else the
    period of ``code`` it names; an end bound is the end of its day or period (inclusive)."""
    import re

    text = str(value).strip()
    if isinstance(value, pd.Timestamp) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = pd.Timestamp(value).normalize()
        return day + pd.Timedelta(days=1) if end else day
    per = value if isinstance(value, pd.Period) else _as_period(text, code)
    return (per + 1).start_time if end else per.start_time


def _mark_interruptions(ax: Axes, interruptions: Mapping[str, Any] | None, label: bool = True,
                        ymax_frac: float = 0.98, code: str = "M") -> None:
    if not interruptions:
        return
    items = sorted(((n, _as_period(w, code)) for n, w in interruptions.items()),
                   key=lambda kv: kv[1])
    lo, hi = (mdates.num2date(v).replace(tzinfo=None) for v in ax.get_xlim())
    span = (hi - lo).total_seconds() or 1.0
    for i, (name, when) in enumerate(items):
        x = when.start_time  # the line sits at the start of the new regime's first period
        ax.axvline(x, color=OKABE_ITO["black"], linestyle=LINESTYLES[1 + i % 3], linewidth=0.8,
                   zorder=1)
        if label:
            # alternate label heights so two close interruptions do not overlap; a label runs
            # left of its line when the next line is close (less than a tenth of the axis
            # away) or the line is in the right third of the axis
            y = ymax_frac - 0.11 * (i % 2)
            nxt = items[i + 1][1] if i + 1 < len(items) else None
            close = nxt is not None and (nxt.start_time - x).total_seconds() < 0.1 * span
            right_side = (x - lo).total_seconds() > 0.67 * span
            text = f"{plain(name.replace('_', ' '))}\n{period_label(when)}"
            if close or right_side:
                ax.text(x, y, text.replace("\n", " \n") + " ", transform=ax.get_xaxis_transform(),
                        ha="right", va="top", fontsize=MIN_FONT, multialignment="right")
            else:
                ax.text(x, y, " " + text.replace("\n", "\n "),
                        transform=ax.get_xaxis_transform(), ha="left", va="top",
                        fontsize=MIN_FONT)


#: Fill colours of shaded windows (light, in order).
WINDOW_COLOURS: tuple[str, ...] = (OKABE_ITO["sky_blue"], OKABE_ITO["yellow"],
                                   OKABE_ITO["reddish_purple"], OKABE_ITO["bluish_green"])


def _shade_windows(ax: Axes, windows: Mapping[str, tuple[Any, Any]] | None,
                   code: str = "M") -> None:
    """Shade each ``name: (start, end)`` window (inclusive; days or periods), one legend
    entry each: ``name (start to end)``."""
    for i, (name, (start, end)) in enumerate((windows or {}).items()):
        a, b = _bound(start, code, False), _bound(end, code, True)
        if b <= a:
            raise SpecificationError(f"window {name!r}: end {end} is before start {start}")
        ax.axvspan(a, b, color=WINDOW_COLOURS[i % len(WINDOW_COLOURS)], alpha=0.3, linewidth=0,
                   zorder=0, label=f"{name.replace('_', ' ')} ({start} to {end})")


def _shade_gaps(ax: Axes, periods: pd.Index, missing: np.ndarray, label: str | None) -> None:
    """Grey spans over runs of missing periods (one legend entry at most)."""
    first = True
    idx = np.flatnonzero(missing)
    if idx.size == 0:
        return
    pidx = _to_periods(periods)
    runs = np.split(idx, np.flatnonzero(np.diff(idx) != 1) + 1)
    for run in runs:
        start = pidx[run[0]].start_time
        end = (pidx[run[-1]] + 1).start_time
        ax.axvspan(start, end, color=GAP_COLOUR, linewidth=0, zorder=0,
                   label=label if first else None)
        first = False


def _nice_step(n: float, most: int = 7) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if n / step <= most:
            return step
    return 1000


def _date_axis(ax: Axes, periods: pd.Index | None = None, code: str = "M") -> None:
    """Readable date ticks for the frequency and span: years (every 1, 2, 5... so at most
    seven labels), or months for short monthly/weekly/quarterly series."""
    if periods is None or len(periods) == 0:
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
        return
    pidx = _to_periods(periods)
    years = (pidx[-1].end_time - pidx[0].start_time).days / 365.25
    if years < 2.5 and code != "Y":  # months: at most seven labels
        months = max(1, int(round(years * 12)))
        step = next(s for s in (1, 2, 3, 4, 6, 12) if months / s <= 7)
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, step)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        ax.xaxis.set_minor_locator(mdates.MonthLocator())
        return
    step = _nice_step(years)
    ax.xaxis.set_major_locator(mdates.YearLocator(base=step))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    if step > 1:
        ax.xaxis.set_minor_locator(mdates.YearLocator(base=1))
    elif code in ("M", "W", "Q"):
        ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))


# --------------------------------------------------------------------------- panels


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


def fit_counts(results: Any) -> dict[str, int]:
    """``{"periods": P, "observed": O, "used": U}``: calendar periods of the plotted series,
    periods with an observed outcome, and periods the model used."""
    data = results.plot_data() if hasattr(results, "plot_data") else results
    obs = data["observed"].to_numpy(dtype=float)
    used = (int(np.asarray(data["used"], dtype=bool).sum()) if "used" in data.columns
            else int(np.isfinite(obs).sum()))
    return {"periods": len(data), "observed": int(np.isfinite(obs).sum()), "used": used}


def model_label(results: Any) -> str:
    """The fitted model in words, from its specification, e.g. ``"negative binomial (NB2)
    ITS, level+slope at takeover (2021-08)"`` (family display name from the
    :class:`~trends.families.Family` object; structural models name their trend)."""
    spec = getattr(results, "spec", None)
    design = getattr(results, "design", None)
    if spec is None or design is None:
        return "ITS model"
    fam_obj = getattr(results, "_family", None)
    if getattr(spec, "trend", None) is not None and fam_obj is None:
        model = f"structural time-series model (trend: {spec.trend.name})"
    else:
        model = f"{fam_obj.display_name if fam_obj is not None else 'ITS'} ITS"
        if getattr(spec, "errors", None) is not None:
            p, q = spec.errors
            model += f" with ARMA({p},{q}) errors"
    ints = getattr(design, "interruptions", {}) or {}
    changes = getattr(design, "changes", {}) or {}
    if ints:
        model += "; " + ", ".join(
            f"{'+'.join(changes.get(n, ())) or 'change'} at {n.replace('_', ' ')} "
            f"({period_label(p)})" for n, p in ints.items())
    covs = list(_spec_value(spec, "covariates") or [])
    if covs:
        model += "; covariates " + ", ".join(map(str, covs))
    offset = _spec_value(spec, "offset")
    if offset:
        model += f"; offset log({offset})"
    return model


def _spec_value(spec: Any, name: str) -> Any:
    """A constructor argument of a specification, ``None`` when it has none of that name."""
    try:
        return spec.get(name)
    except (KeyError, AttributeError):
        return None


def fit_caption(results: Any, *, source: str | None = None, definitions: str | None = None,
                version: str | None = None, band: bool = True) -> str:
    """Caption of a fitted model built from its specification: source, model (family display
    name, interruptions and their changes), covariance (:meth:`CovSpec.describe`), periods
    observed and used, the band shown, the caller's definitions and the data version.

    Parameters
    ----------
    results : ITSResults or StructuralResults
        The fit.
    source : str, optional
        Where the data come from.
    definitions : str, optional
        What the series counts (e.g. how an event is defined), given by the caller.
    version : str, optional
        Data version (e.g. :func:`data_version`).
    band : bool
        Say what the shaded band is.

    Returns
    -------
    str
    """
    parts = []
    if source:
        parts.append(f"Source: {source}.")
    parts.append(f"Model: {model_label(results)}.")
    spec = getattr(results, "spec", None)
    cov = getattr(spec, "cov_spec", None)
    if cov is not None:
        parts.append(f"Standard errors: {cov.describe()}.")
    data = results.plot_data() if hasattr(results, "plot_data") else results
    code = _freq_code(data.index)
    n = fit_counts(results)
    unit = _FREQ_UNIT[code]
    parts.append(f"{n['observed']} of {n['periods']} {unit}s observed, {n['used']} used.")
    alpha = getattr(spec, "alpha", None)
    if band and alpha is not None:
        parts.append(f"Band: {100 * (1 - float(alpha)):g}% interval of the counterfactual.")
    if definitions:
        parts.append(definitions.rstrip(".") + ".")
    if version:
        parts.append(f"Data version {version}.")
    return " ".join(parts)


def its_labels(results: Any, data: pd.DataFrame | None = None) -> dict[str, str]:
    """Default axis labels of :func:`plot_its`, from the results: ``ylabel`` = the outcome per
    period for count families (``"y per month"``), the outcome otherwise; ``xlabel`` = the
    period (``"month"``, ``"week (ISO, starting Monday)"``, ``"quarter"``, ``"year"``)."""
    if data is None:
        data = results.plot_data() if hasattr(results, "plot_data") else results
    code = _freq_code(data.index)
    spec = getattr(results, "spec", None)
    outcome = _spec_value(spec, "outcome") if spec is not None else None
    if outcome is None:
        outcome = data.attrs.get("outcome", "outcome")
    fam = getattr(results, "_family", None)
    counts = fam.counts if fam is not None else data.attrs.get("counts", True)
    ylabel = f"{outcome} per {_FREQ_UNIT[code]}" if counts else str(outcome)
    return {"ylabel": ylabel, "xlabel": _FREQ_AXIS[code]}


def plot_its(results: Any, ax: Axes | None = None, *,
             interruptions: Mapping[str, Any] | None = None,
             windows: Mapping[str, tuple[Any, Any]] | None = None,
             title: str | None = None, ylabel: str | None = None, xlabel: str | None = None,
             source: str | None = None, version: str | None = None,
             definitions: str | None = None, caption: str | bool | None = None,
             width: str | float = "double", height: float | None = None
             ) -> tuple[Figure, Axes]:
    """Observed counts, fitted segments and the no-interruption counterfactual with its band.

    Parameters
    ----------
    results : ITSResults, StructuralResults or DataFrame
        A fitted result (its ``plot_data()`` is used) or a frame shaped like it: indexed by the
        full calendar (a PeriodIndex of months, ISO weeks, quarters or years), with columns
        ``observed, fitted, counterfactual, segment`` and optionally ``fitted_low,
        fitted_high, counterfactual_low, counterfactual_high, used``.
    ax : Axes, optional
        Draw into this axes (no layout or caption then); a new figure is made otherwise.
    interruptions : mapping name -> date, optional
        Default: the fitted interruptions (``results.design.interruptions``), else the first
        period of each segment after the first. Each line sits at the start of the first
        period of the new regime, whatever the frequency.
    windows : mapping name -> (start, end), optional
        Periods to shade (inclusive), e.g. ``{"ceasefire": ("2021-11-09", "2021-12-09")}``;
        bounds are days (``YYYY-MM-DD``) or periods of the series' frequency.
    title, ylabel, xlabel : str, optional
        Default labels come from the results (:func:`its_labels`).
    source, version, definitions : str, optional
        Caption parts (:func:`fit_caption`).
    caption : str or bool, optional
        The caption text; ``False`` for none; default: built by :func:`fit_caption` for a
        fitted result, or ``"Source: ..."`` for a frame when ``source`` is given.
    width : "single", "double" or inches
        ``"single"`` (3.5 in) gives the one-column version.
    height : float, optional
        Figure height in inches.

    Returns
    -------
    (Figure, Axes)
    """
    data = results.plot_data() if hasattr(results, "plot_data") else results
    required = {"observed", "fitted", "counterfactual", "segment"}
    missing_cols = required - set(data.columns)
    if missing_cols:
        raise SpecificationError(f"plot data lacks columns {sorted(missing_cols)}")
    code = _freq_code(data.index)
    if interruptions is None:
        interruptions = _interruption_periods(results, data)
    labels = its_labels(results, data)
    periods = _to_periods(data.index)
    dates = periods.to_timestamp(how="start")
    own = ax is None
    single = _width_inches(width) <= SINGLE_COLUMN
    fig, ax = _figure_for(ax, width, height if height is not None else (
        2.9 if single else 0.45 * _width_inches(width)))
    with style():
        obs = data["observed"].to_numpy(dtype=float)
        _shade_gaps(ax, periods, np.isnan(obs), "no data")
        _shade_windows(ax, windows, code)
        segments = data["segment"].astype(str).to_numpy()
        seg_labels = list(dict.fromkeys(segments))
        first_seg = seg_labels[0]
        cf = data["counterfactual"].to_numpy(dtype=float)
        post = segments != first_seg
        level = 1 - float(getattr(getattr(results, "spec", None), "alpha", 0.05) or 0.05)
        if {"counterfactual_low", "counterfactual_high"} <= set(data.columns):
            lo = data["counterfactual_low"].to_numpy(dtype=float)
            hi = data["counterfactual_high"].to_numpy(dtype=float)
            ax.fill_between(dates[post], lo[post], hi[post], color=OKABE_ITO["orange"],
                            alpha=0.25, linewidth=0, label=f"counterfactual {100 * level:g}% CI",
                            zorder=1)
        ax.plot(dates[post], cf[post], color=OKABE_ITO["vermillion"], linestyle="--",
                label="counterfactual (no interruption)", zorder=2)
        fitted = data["fitted"].to_numpy(dtype=float)
        for k, seg in enumerate(seg_labels):  # one line per segment: no line across a break
            m = segments == seg
            ax.plot(dates[m], fitted[m], color=OKABE_ITO["blue"], linestyle="-", zorder=3,
                    label="fitted" if k == 0 else None)
        ax.plot(dates, obs, linestyle="none", marker="o", markersize=2.8 if len(obs) < 400
                else 1.5, color=OKABE_ITO["black"], label="observed", zorder=4)
        pad = 0.5 * (dates[1] - dates[0]) if len(dates) > 1 else pd.Timedelta(days=15)
        ax.set_xlim(dates[0] - pad, (periods[-1] + 1).start_time - pad)
        _mark_interruptions(ax, interruptions, code=code)
        _date_axis(ax, periods, code)
        ax.set_xlabel(plain(xlabel if xlabel is not None else labels["xlabel"]))
        ax.set_ylabel(plain(ylabel if ylabel is not None else labels["ylabel"]))
        top = np.nanmax(np.r_[obs, fitted, cf, 1.0])
        ax.set_ylim(min(0.0, float(np.nanmin(np.r_[obs, fitted, cf, 0.0])) * 1.1), top * 1.3)
        if title:
            ax.set_title(plain(title))
        if not own:
            return fig, ax
        if caption is None:
            if hasattr(results, "plot_data"):
                text: str | None = fit_caption(results, source=source, definitions=definitions,
                                               version=version)
            elif source:
                text = caption_text(source, version)
            else:
                text = None
        else:
            text = caption if isinstance(caption, str) and caption else None
        entries = list(zip(*ax.get_legend_handles_labels(), strict=True))
        first = ("observed", "fitted", "counterfactual (no interruption)")
        entries.sort(key=lambda e: first.index(e[1]) if e[1] in first else len(first))
        layout(fig, legend=entries, caption=text)
    return fig, ax


def _width_inches(width: str | float) -> float:
    if isinstance(width, str):
        return {"single": SINGLE_COLUMN, "double": DOUBLE_COLUMN}.get(width, DOUBLE_COLUMN)
    return float(width)


def _interruptions_of(results: Any, data: pd.DataFrame) -> dict[str, str]:
    """Interruption name -> period label (see :func:`_interruption_periods`)."""
    return {k: period_label(v) for k, v in _interruption_periods(results, data).items()}


def _interruption_periods(results: Any, data: pd.DataFrame) -> dict[str, pd.Period]:
    code = _freq_code(data.index)
    design = getattr(results, "design", None)
    named = getattr(design, "interruptions", None) if design is not None else None
    if not named:
        named = getattr(results, "interruptions", None)
    if named is None and getattr(results, "spec", None) is not None:
        named = getattr(results.spec, "interruptions", None)
    if isinstance(named, Mapping) and named:
        return {str(k): _as_period(v, code) for k, v in named.items()}
    seg = data["segment"].astype(str)
    starts = seg.ne(seg.shift()) & seg.shift().notna()
    periods = _to_periods(data.index)[starts.to_numpy()]
    return {name: p for name, p in zip(seg[starts].tolist(), periods, strict=True)}


def _figure_for(ax: Axes | None, width: str | float, height: float | None = None
                ) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.get_figure(root=True), ax  # type: ignore[return-value]
    return figure(width, height)


def plot_series(panel: pd.DataFrame, *, measures: Sequence[str] = CORE_MEASURES,
                region: str = NATIONAL, group: str = ALL_GROUPS,
                source: str | Sequence[str] | None = None,
                start: Any = None, end: Any = None,
                interruptions: Mapping[str, str] | None = None,
                title: str | None = None, version: str | None = None,
                width: str | float = "double", source_label: str | None = None
                ) -> tuple[Figure, np.ndarray]:
    """Monthly series, one panel per measure, one line per source; gaps shaded and not bridged.

    Parameters
    ----------
    panel : DataFrame
        Tidy panel with ``month, region, group, measure, source, value``.
    measures : sequence of str
        One subplot per measure (``"<measure> per month"``); default: the panel schema's
        core measures (:data:`trends.schema.CORE_MEASURES`).
    region, group : str
        Which cell of the panel.
    source : str or sequence of str, optional
        One line per source (default: every source of the selection).
    start, end : month-like, optional
        Plotted range (full months; those absent from the panel are gaps); default: the
        months present.
    interruptions : mapping name -> date, optional
        Vertical lines (labelled in the first panel).
    source_label : str, optional
        Source named in the caption (default: the sources joined).

    Returns
    -------
    (Figure, ndarray of Axes)
    """
    if source is None:
        sel = _select(panel, region=region, group=group, measure=list(measures))
        source = sorted(sel["source"].astype(str).unique())
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
        axes[-1].set_xlabel("month")
        where = f"{region.replace('_', ' ')}, group: {group}"
        fig.suptitle(plain(title or f"Monthly {', '.join(measures)} ({where})"), fontsize=9)
        fig.subplots_adjust(hspace=0.12)
        layout(fig, legend=list(zip(handles, labels, strict=True)),
               caption=caption_text(source_label or ", ".join(sources), version),
               min_axes_height=1.0 * len(measures))
    return fig, axes


def plot_coverage(panel: pd.DataFrame, *, measure: str = CORE_MEASURES[0],
                  region: str = NATIONAL, group: str = ALL_GROUPS, start: Any = None,
                  end: Any = None,
                  title: str | None = None, version: str | None = None,
                  width: str | float = "double", source: str | None = None,
                  interruptions: Mapping[str, Any] | None = None) -> tuple[Figure, Axes]:
    """Month x source heat map: filled where the source gives a value, blank where it does not.

    The count of covered months per source is written at the right of each row; ``source``
    (caption) and ``interruptions`` (unlabelled lines) are optional.
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
                    transform=ax.transAxes, va="center", fontsize=MIN_FONT)
        ax.set_xlabel("month (filled = value published; blank = no figure found)")
        ax.set_title(plain(title or f"Coverage of monthly {measure} by source "
                           f"({region.replace('_', ' ')}, group: {group})"))
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
        _mark_interruptions(ax, interruptions, label=False)
        layout(fig, caption=caption_text(source, version) if source else None,
               min_axes_height=0.25 * n_src + 0.3)
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
                      value: str = "value", ylabel: str = "value", title: str | None = None,
                      version: str | None = None, width: str | float = "double",
                      source: str | None = None) -> tuple[Figure, Axes]:
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
                ax.text(xi, hi, f"{100 * rel:.0f}%", ha="center", va="bottom", fontsize=MIN_FONT)
            ax.set_xticks(x, periods, rotation=90 if len(periods) > 12 else 0)
            ax.set_ylim(0, float(table["max"].max()) * 1.15)
        ax.set_xlabel(period)
        ax.set_ylabel(plain(ylabel))
        ax.set_title(plain(title or f"Disagreement between sources ({ylabel})"))
        handles, labels = ax.get_legend_handles_labels()
        layout(fig, legend=list(zip(handles, labels, strict=True)),
               caption=caption_text(source or "published figures", version)
               + " Label above each bar: (max - min) / max.")
    return fig, ax


def plot_annual(periods: pd.DataFrame, *, measure: str = CORE_MEASURES[0],
                region: str = NATIONAL, group: str = ALL_GROUPS, period: str = "period",
                start: int | None = None,
                end: int | None = None, title: str | None = None, version: str | None = None,
                width: str | float = "single", source: str | None = None,
                highlight: Mapping[str, int] | None = None) -> tuple[Figure, Axes]:
    """Annual totals by source: one line with markers per source, broken where a year is missing.

    ``periods`` is long with ``period`` (``YYYY`` rows are used), ``region, group, measure,
    source, value``; ``highlight`` shades years (``{"2021 (takeover)": 2021}``), ``source``
    names the data in the caption.
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
        for label, year in (highlight or {}).items():
            ax.axvspan(year - 0.5, year + 0.5, color=GAP_COLOUR, linewidth=0, zorder=0,
                       label=plain(label))
        ax.set_xlabel("year")
        ax.set_ylabel(f"{measure} per year")
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.set_title(plain(title or f"Annual {measure} by source"))
        handles, labels = ax.get_legend_handles_labels()
        layout(fig, legend=list(zip(handles, labels, strict=True)),
               caption=caption_text(source, version) if source else None)
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
                width: str | float = "double", source: str | None = None
                ) -> tuple[Figure, Axes]:
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
                        va="center", fontsize=MIN_FONT, color="#666666")
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
        layout(fig, caption=caption_text(source, version) if source else None,
               min_axes_height=0.16 * n + 0.3)
    return fig, ax
