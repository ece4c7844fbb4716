"""Group, place and victim contrasts: what the published figures allow beyond the headline.

The headline series (PICSS national monthly *militant attacks*) counts every militant attack:
the TTP's, Baloch insurgents', IS-K's and others'. Public commentary is mostly about the TTP.
This module builds the contrasts the data allow, each from published figures only (nothing is
filled, split or interpolated), and says where the data do not allow one:

* :func:`group_contrast`: a source's annual counts by perpetrator group (PIPS: ``ttp``,
  ``religiously_inspired``, ``nationalist_insurgents``, ``baloch_insurgents``, ...) with each
  group's share of the same year's all-group total;
* :func:`place_contrast` (:func:`place_annual` for annual totals): monthly attacks in Khyber
  Pakhtunkhwa including the merged districts (ex-FATA) against Balochistan, like with like: a
  source that reports mainland KP and ex-FATA apart (PICSS) is summed month by month (only
  months with both parts), a source whose KP already includes them (PIPS,
  ``khyber_pakhtunkhwa_incl_ex_fata``) is taken as published;
* :func:`victim_contrast`: deaths in attacks by victim type (security forces, civilians,
  militants) over the months where the split is published, and the published annual splits
  (:func:`annual_victims`).

:func:`contrasts_table` stacks the three into ``results/contrasts.csv`` (one schema, see
:data:`COLUMNS`).

Examples
--------
>>> import pandas as pd
>>> panel = pd.DataFrame({
...     "month": ["2021-01", "2021-01", "2021-01", "2021-02"],
...     "region": ["khyber_pakhtunkhwa", "ex_fata", "balochistan", "balochistan"],
...     "group": "all", "measure": "attacks", "source": "PICSS", "value": [10, 5, 4, 6]})
>>> kp = kp_incl_ex_fata(panel, "PICSS")
>>> kp.to_dict()
{'2021-01': 15.0}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from trends.errors import InputError

#: Windows of the contrasts (the analysis plan's: before the takeover, the takeover window
#: to the month before the TTP called off the June-2022 ceasefire, and after).
WINDOWS: dict[str, tuple[str, str]] = {
    "pre-takeover": ("2019-01", "2021-07"),
    "takeover window": ("2021-08", "2022-10"),
    "after Nov 2022": ("2022-11", "2023-12"),
}
#: PIPS's perpetrator groups in the periods table, in display order.
PIPS_GROUPS: tuple[str, ...] = ("ttp", "ttp_and_affiliates", "religiously_inspired",
                                "nationalist_insurgents", "baloch_insurgents", "bla", "isk",
                                "sectarian")
#: Victim measures of deaths in attacks (the ``killed`` total includes militants killed while
#: attacking).
VICTIMS: tuple[str, ...] = ("security_forces_killed", "civilians_killed", "militants_killed")
#: Columns of :func:`contrasts_table`.
COLUMNS: tuple[str, ...] = ("contrast", "series", "source", "region", "group", "measure",
                            "window", "months", "value", "per_month", "base", "share_pct",
                            "note")
KP, EX_FATA, KP_ALL, BALOCHISTAN = ("khyber_pakhtunkhwa", "ex_fata",
                                    "khyber_pakhtunkhwa_incl_ex_fata", "balochistan")


def _need(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"{what} lacks a column", field=missing[0], expected=", ".join(cols))


def monthly(panel: pd.DataFrame, source: str, region: str, measure: str,
            group: str = "all") -> pd.Series:
    """Observed monthly values of one series (index ``YYYY-MM`` strings, gaps dropped).

    Raises
    ------
    InputError
        When the panel lacks a needed column or a month is reported twice.
    """
    _need(panel, ("month", "region", "group", "measure", "source", "value"), "panel")
    sel = panel[(panel["source"] == source) & (panel["region"] == region)
                & (panel["group"] == group) & (panel["measure"] == measure)]
    vals = pd.to_numeric(sel["value"], errors="coerce")
    s = pd.Series(vals.to_numpy(dtype=float), index=sel["month"].astype(str).to_numpy())
    s = s[s.notna()]
    if s.index.duplicated().any():
        dup = s.index[s.index.duplicated()][0]
        raise InputError("month reported twice", field="month", value=dup,
                         expected=f"one value per month of {source} {region} {measure}")
    return s.sort_index()


def annual(periods: pd.DataFrame, source: str, region: str, measure: str,
           group: str = "all") -> pd.Series:
    """Published annual values of one series (index ``YYYY`` strings, gaps dropped)."""
    _need(periods, ("period", "period_type", "region", "group", "measure", "source", "value"),
          "periods")
    sel = periods[(periods["source"] == source) & (periods["period_type"] == "year")
                  & (periods["region"] == region) & (periods["group"] == group)
                  & (periods["measure"] == measure)]
    vals = pd.to_numeric(sel["value"], errors="coerce")
    s = pd.Series(vals.to_numpy(dtype=float), index=sel["period"].astype(str).to_numpy())
    s = s[s.notna()]
    if s.index.duplicated().any():
        raise InputError("year reported twice", field="period",
                         value=s.index[s.index.duplicated()][0],
                         expected=f"one value per year of {source} {region} {measure}")
    return s.sort_index()


def _combine_kp(kp: pd.Series, fata: pd.Series, combined: pd.Series) -> pd.Series:
    both = kp.index.intersection(fata.index)
    summed = kp[both] + fata[both]
    extra = combined[~combined.index.isin(summed.index)]
    return pd.concat([summed, extra]).sort_index()


def kp_incl_ex_fata(panel: pd.DataFrame, source: str, measure: str = "attacks") -> pd.Series:
    """Monthly Khyber Pakhtunkhwa including the merged districts, like with like.

    A month's value is mainland KP + ex-FATA when the source published both for that month;
    else the source's own combined figure (``khyber_pakhtunkhwa_incl_ex_fata``) where it
    published one; else the month is missing (never one part alone).
    """
    return _combine_kp(monthly(panel, source, KP, measure), monthly(panel, source, EX_FATA,
                                                                     measure),
                       monthly(panel, source, KP_ALL, measure))


def _in(s: pd.Series, window: tuple[str, str]) -> pd.Series:
    return s[(s.index >= window[0]) & (s.index <= window[1])]


def _row(contrast: str, series: str, source: str, region: str, group: str, measure: str,
         window: str, months: int | float, value: float, per_month: float = np.nan,
         base: float = np.nan, note: str = "") -> dict[str, object]:
    share = 100.0 * value / base if base and np.isfinite(base) and np.isfinite(value) else np.nan
    return {"contrast": contrast, "series": series, "source": source, "region": region,
            "group": group, "measure": measure, "window": window, "months": months,
            "value": value, "per_month": per_month, "base": base, "share_pct": share,
            "note": note}


def place_contrast(panel: pd.DataFrame, windows: Mapping[str, tuple[str, str]] = WINDOWS,
                   sources: Sequence[str] = ("PICSS", "PIPS"),
                   measure: str = "attacks") -> pd.DataFrame:
    """KP incl. ex-FATA against Balochistan per window, over the months both are observed.

    For each source and window: the months where KP (incl. ex-FATA, see
    :func:`kp_incl_ex_fata`), Balochistan and the national total are all published; the
    attacks in each region summed over those months (``value``), their mean per month
    (``per_month``) and their share of the national total of the same months (``base``,
    ``share_pct``). A window without such a month gives a row with ``months`` 0 and a note.
    """
    rows = []
    for src in sources:
        kp = kp_incl_ex_fata(panel, src, measure)
        bal = monthly(panel, src, BALOCHISTAN, measure)
        nat = monthly(panel, src, "national", measure)
        common = kp.index.intersection(bal.index).intersection(nat.index)
        for name, win in windows.items():
            months = [m for m in common if win[0] <= m <= win[1]]
            label = f"{name} ({win[0]}..{win[1]})"
            if not months:
                rows.append(_row("place", "KP incl. ex-FATA vs Balochistan", src, "", "all",
                                 measure, label, 0, np.nan,
                                 note="no month with KP, ex-FATA (or KP incl. ex-FATA), "
                                 "Balochistan and national all published"))
                continue
            base = float(nat[months].sum())
            for region, series, s in ((KP_ALL, "KP incl. ex-FATA", kp),
                                      (BALOCHISTAN, "Balochistan", bal)):
                total = float(s[months].sum())
                rows.append(_row("place", series, src, region, "all", measure, label,
                                 len(months), total, total / len(months), base,
                                 note=f"months: {months[0]}..{months[-1]}"))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def place_annual(periods: pd.DataFrame, sources: Sequence[str] = ("PICSS", "PIPS"),
                 measure: str = "attacks") -> pd.DataFrame:
    """Annual KP incl. ex-FATA against Balochistan, by source, in years both are published.

    KP incl. ex-FATA is built as in :func:`kp_incl_ex_fata` (mainland KP + ex-FATA when both
    are published for the year, else the source's combined figure); ``base`` is the source's
    national total of the year (``share_pct`` empty when it is not published).
    """
    rows = []
    for src in sources:
        kp = _combine_kp(annual(periods, src, KP, measure), annual(periods, src, EX_FATA, measure),
                         annual(periods, src, KP_ALL, measure))
        bal = annual(periods, src, BALOCHISTAN, measure)
        nat = annual(periods, src, "national", measure)
        for year in kp.index.intersection(bal.index):
            base = float(nat[year]) if year in nat.index else np.nan
            for region, series, s in ((KP_ALL, "KP incl. ex-FATA", kp),
                                      (BALOCHISTAN, "Balochistan", bal)):
                rows.append(_row("place", series, src, region, "all", measure, year, 12,
                                 float(s[year]), float(s[year]) / 12, base,
                                 note="annual total" + ("" if np.isfinite(base)
                                                        else "; no national total")))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    return out.sort_values(["window", "source"], kind="stable").reset_index(drop=True)


def group_contrast(periods: pd.DataFrame, source: str = "PIPS",
                   groups: Sequence[str] = PIPS_GROUPS, measure: str = "attacks",
                   region: str = "national") -> pd.DataFrame:
    """A source's published annual figures by perpetrator group, with the share of all groups.

    One row per group and year with a published figure; ``base`` is the same year's
    all-group figure and ``share_pct`` the group's share of it (empty when the all-group
    figure is not published). Groups are the source's own categories and are never merged:
    ``ttp_and_affiliates`` (2018) is not ``ttp`` (2021-).
    """
    _need(periods, ("period", "period_type", "region", "group", "measure", "source", "value"),
          "periods")
    sel = periods[(periods["source"] == source) & (periods["period_type"] == "year")
                  & (periods["region"] == region) & (periods["measure"] == measure)].copy()
    sel["value"] = pd.to_numeric(sel["value"], errors="coerce")
    sel = sel.dropna(subset=["value"])
    sel["period"] = sel["period"].astype(str)
    totals = sel[sel["group"] == "all"].set_index("period")["value"]
    rows = []
    for g in groups:
        for _, r in sel[sel["group"] == g].sort_values("period").iterrows():
            year = r["period"]
            base = float(totals[year]) if year in totals.index else np.nan
            rows.append(_row("group", f"{source} {g}", source, region, g, measure, year, 12,
                             float(r["value"]), float(r["value"]) / 12, base,
                             note="" if np.isfinite(base) else "no all-group total that year"))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def victim_contrast(panel: pd.DataFrame, source: str = "PICSS", region: str = "national",
                    windows: Mapping[str, tuple[str, str]] = WINDOWS,
                    victims: Sequence[str] = ("security_forces_killed", "civilians_killed"),
                    total: str = "killed") -> pd.DataFrame:
    """Deaths by victim type per window, over the months where the split is published.

    Only months where ``total`` and every measure in ``victims`` are published count; the
    victims' sums are shown with their share of ``total`` over the same months. The remainder
    (mostly militants killed while attacking, in PICSS's count) is not derived.
    """
    tot = monthly(panel, source, region, total)
    parts = {v: monthly(panel, source, region, v) for v in victims}
    common = tot.index
    for s in parts.values():
        common = common.intersection(s.index)
    rows = []
    for name, win in windows.items():
        months = [m for m in common if win[0] <= m <= win[1]]
        label = f"{name} ({win[0]}..{win[1]})"
        if not months:
            rows.append(_row("victims", "victim split", source, region, "all", total, label, 0,
                             np.nan, note="no month with the victim split published"))
            continue
        base = float(tot[months].sum())
        for v, s in parts.items():
            val = float(s[months].sum())
            rows.append(_row("victims", v.replace("_", " "), source, region, "all", v, label,
                             len(months), val, val / len(months), base,
                             note=f"share of {total}; months: {', '.join(months)}"))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def annual_victims(periods: pd.DataFrame, years: Sequence[str] | None = None,
                   region: str = "national") -> pd.DataFrame:
    """Published annual victim splits, by source and year, with the share of the total.

    For deaths in attacks (``security_forces_killed``, ``civilians_killed``,
    ``militants_killed``) the base is the same source's ``killed``; for all-violence measures
    (``*_killed_all``: attacks and security operations together, e.g. CRSS, SATP) the base is
    ``killed_all``. A missing base leaves ``share_pct`` empty (noted).
    """
    _need(periods, ("period", "period_type", "region", "group", "measure", "source", "value"),
          "periods")
    p = periods[(periods["period_type"] == "year") & (periods["region"] == region)
                & (periods["group"] == "all")].copy()
    p["value"] = pd.to_numeric(p["value"], errors="coerce")
    p = p.dropna(subset=["value"])
    p["period"] = p["period"].astype(str)
    if years is not None:
        p = p[p["period"].isin([str(y) for y in years])]
    look = {(r.source, r.period, r.measure): float(r.value) for r in p.itertuples()}
    rows = []
    for v in (*VICTIMS, *(f"{x}_all" for x in VICTIMS)):
        base_m = "killed_all" if v.endswith("_all") else "killed"
        for r in p[p["measure"] == v].sort_values(["source", "period"]).itertuples():
            base = look.get((r.source, r.period, base_m), np.nan)
            note = ("all violence (attacks and operations)" if v.endswith("_all")
                    else "deaths in attacks")
            if not np.isfinite(base):
                note += f"; no {base_m} total published"
            rows.append(_row("victims", v.replace("_", " "), str(r.source), region, "all", v,
                             r.period, 12, float(r.value), float(r.value) / 12, base, note))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    return out.sort_values(["window", "source", "measure"], kind="stable").reset_index(drop=True)


def contrasts_table(panel: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """The three contrasts stacked (``results/contrasts.csv``), columns :data:`COLUMNS`."""
    frames = [group_contrast(periods), group_contrast(periods, measure="killed"),
              place_contrast(panel), place_annual(periods),
              victim_contrast(panel, windows={**WINDOWS, "calendar 2022": ("2022-01", "2022-12")}),
              annual_victims(periods)]
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]


__all__ = ["COLUMNS", "PIPS_GROUPS", "VICTIMS", "WINDOWS", "annual", "annual_victims",
           "contrasts_table", "group_contrast", "kp_incl_ex_fata", "monthly", "place_annual",
           "place_contrast", "victim_contrast"]
