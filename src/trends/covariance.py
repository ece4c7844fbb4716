"""Covariance specifications of ITS fits: parsing, lag rules and statsmodels' arguments.

``cov`` (see :class:`trends.ITS`): ``"nonrobust"``; ``"HC0"`` (all families) and
``"HC1"``-``"HC3"`` (families whose statsmodels estimator computes them, see
:attr:`trends.families.Family.robust_hc_variants`); ``("hac", lags)`` Newey-West with a Bartlett
kernel. ``"hac"`` or ``("hac", None)`` uses the Newey & West (1994) rule of thumb
``lags = floor(4 * (nobs / 100) ** (2 / 9))``. ``("hac", lags, "small")`` multiplies the HAC
covariance by ``nobs / (nobs - k)`` (statsmodels' ``use_correction=True``), which is what
Stata's ``newey`` (and so ``itsa``) reports. HAC treats consecutive used rows as adjacent in
time, so with missing months it is an approximation; ``("hac", lags, "calendar")`` (or
``"hac:LAGS:calendar"``, combinable with ``"small"``: ``"hac:3:calendar:small"``; kind
``"hac-calendar"``) places the score contributions on the full calendar, zeros in missing
periods, so that lags count periods, not used rows (:mod:`trends._calendar_hac` documents it
and its small-sample factor, which counts NB2's alpha in ``k``). For a controlled ITS (stacked
series) lags run within each series (statsmodels' ``hac-panel``).

Examples
--------
>>> spec = parse_cov("hac:3:small")
>>> spec
CovSpec(kind='hac', lags=3, small=True)
>>> spec == ("hac", 3, True)
True
>>> kind, lags, small = spec
>>> parse_cov("hac").resolve(nobs=104).lags
4
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from trends.errors import SpecificationError

if TYPE_CHECKING:
    from trends.design import Design

__all__ = ["CovSpec", "parse_cov", "default_hac_lags", "cov_args", "panel_hac_groups"]

_HC = ("HC0", "HC1", "HC2", "HC3")
#: HAC kinds: row-adjacent ("hac") and calendar-time ("hac-calendar", scores on the calendar)
_HAC_KINDS = ("hac", "hac-calendar")


@dataclass(frozen=True)
class CovSpec:
    """A validated covariance specification.

    Behaves as the tuple ``(kind, lags, small)`` (unpacking, indexing, equality) so that code
    written for :func:`parse_cov`'s former tuple keeps working.

    Parameters
    ----------
    kind
        ``"nonrobust"``, ``"HC0"``..``"HC3"``, ``"hac"`` (row-adjacent Newey-West) or
        ``"hac-calendar"`` (Newey-West with the scores placed on the full calendar).
    lags
        HAC lags (None: the default rule, resolved by :meth:`resolve`).
    small
        HAC small-sample correction ``n / (n - k)``.

    Examples
    --------
    >>> CovSpec("HC1")[0]
    'HC1'
    >>> CovSpec("hac", 4).describe()
    'HAC Newey-West, 4 lag(s)'
    """

    kind: str
    lags: int | None = None
    small: bool = False

    def as_tuple(self) -> tuple[str, int | None, bool]:
        """The ``(kind, lags, small)`` tuple.

        Returns
        -------
        tuple

        Examples
        --------
        >>> CovSpec("nonrobust").as_tuple()
        ('nonrobust', None, False)
        """
        return (self.kind, self.lags, self.small)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.as_tuple())

    def __len__(self) -> int:
        return 3

    def __getitem__(self, i: int) -> Any:
        return self.as_tuple()[i]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CovSpec | tuple):
            return self.as_tuple() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    @property
    def is_hac(self) -> bool:
        """Whether this is a Newey-West (HAC) covariance.

        Returns
        -------
        bool

        Examples
        --------
        >>> parse_cov("hac").is_hac
        True
        """
        return self.kind in _HAC_KINDS

    @property
    def calendar(self) -> bool:
        """Whether HAC lags count calendar periods (scores placed on the full calendar).

        Returns
        -------
        bool

        Examples
        --------
        >>> parse_cov("hac:3:calendar").calendar, parse_cov("hac:3").calendar
        (True, False)
        """
        return self.kind == "hac-calendar"

    def row_time(self) -> CovSpec:
        """The row-adjacent HAC with the same lags and correction (what statsmodels fits before
        the calendar-time covariance replaces it).

        Returns
        -------
        CovSpec

        Examples
        --------
        >>> parse_cov("hac:3:calendar:small").row_time()
        CovSpec(kind='hac', lags=3, small=True)
        """
        return replace(self, kind="hac") if self.calendar else self

    def resolve(self, nobs: int) -> CovSpec:
        """The same specification with HAC lags filled in by :func:`default_hac_lags`.

        Parameters
        ----------
        nobs
            Used observations (per series).

        Returns
        -------
        CovSpec

        Examples
        --------
        >>> parse_cov("hac").resolve(59).lags
        3
        """
        if self.is_hac and self.lags is None:
            return replace(self, lags=default_hac_lags(nobs))
        return self

    def describe(self) -> str:
        """Human-readable description (results summaries, captions).

        Returns
        -------
        str

        Examples
        --------
        >>> CovSpec("hac", 3, True).describe()
        'HAC Newey-West, 3 lag(s), small-sample n/(n-k)'
        >>> CovSpec("HC0").describe()
        'HC0'
        """
        if not self.is_hac:
            return self.kind
        return f"HAC Newey-West, {self.lags} lag(s)" + (
            " in calendar time (zero scores in missing periods)" if self.calendar else "") + (
            ", small-sample n/(n-k)" if self.small else "")

    def short_label(self) -> str:
        """Short label for figure captions: ``"HAC SE"``, ``"HC1 SE"``, ``"model-based SE"``.

        Returns
        -------
        str

        Examples
        --------
        >>> CovSpec("hac", 3).short_label()
        'HAC SE'
        """
        if self.kind == "nonrobust":
            return "model-based SE"
        if self.calendar:
            return "calendar-time HAC SE"
        return ("HAC" if self.is_hac else self.kind) + " SE"


def default_hac_lags(nobs: int) -> int:
    """Newey & West (1994) rule of thumb for the Bartlett kernel: ``floor(4 (n/100)^(2/9))``.

    Parameters
    ----------
    nobs
        Number of used observations.

    Returns
    -------
    int
        HAC lags.

    Examples
    --------
    >>> default_hac_lags(100), default_hac_lags(1209)
    (4, 6)
    """
    return int(math.floor(4.0 * (nobs / 100.0) ** (2.0 / 9.0)))


def parse_cov(cov: Any) -> CovSpec:
    """Normalise ``cov`` to a :class:`CovSpec` ``(kind, lags, small_sample)``; kind is nonrobust,
    HC0-HC3 or hac.

    Parameters
    ----------
    cov
        ``"nonrobust"`` (or None), ``"HC0"``..``"HC3"``, ``"hac"``, ``"hac:LAGS"``,
        ``"hac:LAGS:small"``, ``("hac", LAGS)``, ``("hac", LAGS, "small")`` (LAGS may be None
        for the default rule), the calendar-time HAC ``"hac:LAGS:calendar"`` /
        ``("hac", LAGS, "calendar")``, optionally with ``"small"`` too, or a :class:`CovSpec`.

    Returns
    -------
    CovSpec

    Raises
    ------
    SpecificationError
        For anything else.

    Examples
    --------
    >>> parse_cov(("hac", None, "stata")) == ("hac", None, True)
    True
    >>> parse_cov("hc1").kind
    'HC1'
    >>> parse_cov("hac:3:calendar:small")
    CovSpec(kind='hac-calendar', lags=3, small=True)
    """
    if isinstance(cov, CovSpec):
        return cov
    if (isinstance(cov, tuple) and len(cov) == 3 and isinstance(cov[2], bool)
            and cov[0] in ("nonrobust", *_HC, *_HAC_KINDS)):  # the (kind, lags, small) form
        lags3 = cov[1]
        if lags3 is not None and not (isinstance(lags3, int | np.integer) and lags3 >= 0):
            raise SpecificationError(f"HAC lags must be a non-negative integer (saw {lags3!r})")
        return CovSpec(cov[0], None if lags3 is None else int(lags3), cov[2])
    if cov is None:
        return CovSpec("nonrobust")
    if isinstance(cov, str):
        text = cov.strip()
        if text.lower() in {"nonrobust", "classical", "none"}:
            return CovSpec("nonrobust")
        if text.upper() in _HC:
            return CovSpec(text.upper())
        if text.lower().startswith("hac"):
            parts = text.split(":")
            if parts[0].lower() != "hac" or len(parts) > 4:
                raise SpecificationError(_COV_HELP.format(cov=cov))
            cov = ("hac", *parts[1:])
        else:
            raise SpecificationError(_COV_HELP.format(cov=cov))
    if isinstance(cov, (tuple, list)) and cov and str(cov[0]).lower() == "hac" and len(cov) <= 4:
        lags: Any = cov[1] if len(cov) > 1 else None
        options = [str(o).strip().lower() for o in cov[2:]]
        small = any(o in {"small", "stata"} for o in options)
        calendar = "calendar" in options
        if len(options) != small + calendar or any(
                o not in {"small", "stata", "calendar"} for o in options):
            raise SpecificationError(_COV_HELP.format(cov=cov))
        if isinstance(lags, str):
            lags = None if lags.strip() == "" else lags.strip()
            if lags is not None:
                if not lags.isdigit():
                    raise SpecificationError(
                        f"HAC lags must be a non-negative integer (saw {lags!r})"
                    )
                lags = int(lags)
        if lags is not None and (
            isinstance(lags, (bool, np.bool_))
            or not isinstance(lags, (int, np.integer))
            or lags < 0
        ):
            raise SpecificationError(f"HAC lags must be a non-negative integer (saw {lags!r})")
        return CovSpec("hac-calendar" if calendar else "hac",
                       None if lags is None else int(lags), small)
    raise SpecificationError(_COV_HELP.format(cov=cov))


_COV_HELP = (
    "cov {cov!r} is not valid; expected 'nonrobust', 'HC0'..'HC3', 'hac', ('hac', LAGS), "
    "('hac', LAGS, 'small'), ('hac', LAGS, 'calendar') or ('hac', LAGS, 'calendar', 'small')"
)




def cov_args(cov: CovSpec | tuple[str, int | None, bool], design: Design) -> dict[str, Any]:
    """statsmodels' ``cov_type``/``cov_kwds`` for a resolved covariance on ``design``.

    Parameters
    ----------
    cov
        A :class:`CovSpec` (or its tuple) with HAC lags resolved.
    design
        The :class:`trends.design.Design` (stacked series use the panel HAC).

    Returns
    -------
    dict
        Keyword arguments for statsmodels' ``fit``.

    Examples
    --------
    >>> import pandas as pd, trends
    >>> df = pd.DataFrame({"m": pd.period_range("2020-01", periods=12, freq="M"),
    ...                    "y": [3.0, 4, 3, 5, 4, 6, 2, 3, 2, 4, 3, 5]})
    >>> d = trends.ITS(df, outcome="y", date="m", interruptions={"x": "2020-07"}).design()
    >>> cov_args(CovSpec("hac", 2), d)
    {'cov_type': 'HAC', 'cov_kwds': {'maxlags': 2, 'use_correction': False}}
    """
    kind, lags, small = cov
    if kind == "nonrobust":
        return {"cov_type": "nonrobust"}
    if kind in _HC:
        return {"cov_type": kind}
    if hasattr(design, "source_labels"):  # several sources: lags within each source
        from trends.sources import hac_cov_args

        return hac_cov_args(design, int(lags or 0), small)  # type: ignore[arg-type]
    if design.unit is not None:
        # several stacked series: Newey-West lags only within each series (as Stata's newey on
        # panel data); rows are unit-major blocks, treated series first
        codes = panel_hac_groups(design)
        return {"cov_type": "hac-panel", "cov_kwds": {
            "groups": codes[design.used], "maxlags": int(lags or 0),
            "use_correction": "hac" if small else False}}
    return {"cov_type": "HAC", "cov_kwds": {"maxlags": int(lags or 0), "use_correction": small}}


def panel_hac_groups(design: Design) -> np.ndarray:
    """Series codes for the panel HAC: 0 for the treated series, 1, 2, ... for the comparison
    series, in row order.

    Parameters
    ----------
    design
        A controlled-ITS :class:`trends.design.Design`.

    Returns
    -------
    ndarray
        One integer per calendar row.
    """
    unit = design.unit
    assert unit is not None
    n = int(design.treated.sum())
    return np.repeat(np.arange(len(unit) // n), n)




# former private names (kept importable)
_cov_args = cov_args
_unit_codes = panel_hac_groups
