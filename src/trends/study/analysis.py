"""The Pakistan analysis: model specifications as data, and the functions that fit them.

Everything the notebooks and ``trends reproduce`` show comes from here, so the notebooks hold
narrative and calls only. The specifications are plain frozen dataclasses
(:class:`ModelSpec`), recorded verbatim in ``results/provenance.json``.

Main models (:data:`MAIN`)
    National PICSS monthly militant attacks and people killed in them, 2019-01 to 2023-12
    (PICSS is the only source with monthly figures on both sides of the 2021 interruptions;
    18 of the 60 months have no published figure and stay missing). Negative binomial (NB2)
    with Newey-West HAC standard errors (default lag rule), no seasonal terms. Interruptions:
    the Kabul takeover (2021-08) as a level change and the end of the TTP ceasefire (2021-11)
    as a level and slope change. The takeover gets no slope of its own because only three
    months separate the two interruptions: a slope over three points is not identified in any
    useful sense and, with a second slope starting right after it, the two would offset each
    other (see :func:`specification_table`, which shows the evidence for these choices:
    Poisson overdispersion, AIC with and without seasonal terms, residual autocorrelation).

Robustness (:func:`robustness_specs`)
    alternative break dates (2021-08/2021-12; 2021-08/2022-11, when the June 2022 ceasefire
    was called off), other families and covariances, seasonal terms, a takeover slope, a longer
    window (to 2025-12), provinces, annual totals by source, and placebo interruptions moved
    into the pre-period.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trends.errors import SpecificationError, TrendsError
from trends.schema import ALL_GROUPS, DEFAULT_INTERRUPTIONS, NATIONAL

#: The main analysis window (monthly).
START, END = "2019-01", "2023-12"
#: Per-interruption changes of the main models.
MAIN_CHANGES: tuple[tuple[str, str], ...] = (("takeover", "level"),
                                              ("ceasefire_end", "level+slope"))
#: Horizons (months after each interruption) for the absolute excess.
HORIZONS: tuple[int, ...] = (6, 12)


@dataclass(frozen=True)
class ModelSpec:
    """One ITS model of one series of the panel.

    Parameters
    ----------
    name
        Identifier (file names, table rows).
    title
        Human-readable description.
    measure, source, region, group
        Which series of the panel (``freq="M"``) or of the periods table (``freq="Y"``).
    start, end
        Window (``YYYY-MM`` monthly, ``YYYY`` annual); missing months inside it stay missing.
    interruptions
        ``((name, date), ...)``, e.g. ``(("takeover", "2021-08"),)``.
    changes
        ``"level"``, ``"slope"``, ``"level+slope"`` or ``((name, change), ...)``.
    family, seasonality, cov, errors
        Passed to :class:`trends.ITS`.
    freq
        ``"M"`` (monthly panel) or ``"Y"`` (annual published totals).
    """

    name: str
    title: str
    measure: str = "attacks"
    source: str = "PICSS"
    region: str = NATIONAL
    group: str = ALL_GROUPS
    start: str = START
    end: str = END
    interruptions: tuple[tuple[str, str], ...] = tuple(DEFAULT_INTERRUPTIONS.items())
    changes: str | tuple[tuple[str, str], ...] = MAIN_CHANGES
    family: str = "negbin"
    seasonality: Any = None
    cov: Any = ("hac", None)
    errors: Any = None
    freq: str = "M"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples of pairs become dicts)."""
        d = asdict(self)
        d["interruptions"] = dict(self.interruptions)
        d["changes"] = dict(self.changes) if not isinstance(self.changes, str) else self.changes
        for k in ("seasonality", "cov", "errors"):
            v = d[k]
            d[k] = list(v) if isinstance(v, tuple) else v
        return d

    def its_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :class:`trends.ITS` (besides data, outcome and date)."""
        return {
            "interruptions": dict(self.interruptions),
            "changes": self.changes if isinstance(self.changes, str) else dict(self.changes),
            "family": self.family, "seasonality": self.seasonality, "cov": self.cov,
            "errors": self.errors, "freq": self.freq,
        }

    def with_(self, **changes: Any) -> ModelSpec:
        """A copy with some fields replaced."""
        return replace(self, **changes)


MAIN: tuple[ModelSpec, ...] = (
    ModelSpec("attacks", "Militant attacks per month (PICSS, national)"),
    ModelSpec("killed", "People killed in militant attacks per month (PICSS, national)",
              measure="killed"),
)


# --------------------------------------------------------------------------- data


@dataclass
class Inputs:
    """The cleaned tables a run works from (``data/processed``)."""

    panel: pd.DataFrame
    periods: pd.DataFrame
    audit: pd.DataFrame | None = None
    alternatives: pd.DataFrame | None = None
    folder: Path | None = None
    files: list[Path] = field(default_factory=list)


def load_inputs(processed: str | os.PathLike[str]) -> Inputs:
    """Read ``panel.csv``, ``periods.csv`` and (when present) ``audit.csv``, ``alternatives.csv``.

    Raises
    ------
    InputError
        If ``panel.csv`` is missing a column or holds a bad value (see
        :func:`trends.panel.read_panel`).
    """
    from trends.panel import read_panel

    folder = Path(processed)
    panel = read_panel(folder / "panel.csv")
    periods = _read_csv(folder / "periods.csv")
    audit = _read_csv(folder / "audit.csv") if (folder / "audit.csv").is_file() else None
    alts = (_read_csv(folder / "alternatives.csv")
            if (folder / "alternatives.csv").is_file() else None)
    files = [folder / f for f in ("panel.csv", "periods.csv", "audit.csv", "alternatives.csv")
             if (folder / f).is_file()]
    return Inputs(panel=panel, periods=periods, audit=audit, alternatives=alts, folder=folder,
                  files=files)


def _read_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "value" in df.columns:
        df["value"] = pd.to_numeric(df["value"].replace("", None))
    return df


def model_frame(inputs: Inputs | pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    """The series a specification models: columns ``period`` (str) and ``y`` (float, NaN gaps).

    Monthly specs read the panel over every calendar month of the window; annual specs read the
    published yearly totals of the periods table (years without a total are NaN).
    """
    if spec.freq == "M":
        from trends.panel import series

        panel = inputs.panel if isinstance(inputs, Inputs) else inputs
        s = series(panel, measure=spec.measure, region=spec.region, group=spec.group,
                   source=spec.source, start=spec.start, end=spec.end)
        return pd.DataFrame({"period": s.index.astype(str), "y": s.to_numpy(dtype=float)})
    if spec.freq == "Y":
        periods = inputs.periods if isinstance(inputs, Inputs) else inputs
        sel = periods[(periods["source"] == spec.source) & (periods["region"] == spec.region)
                      & (periods["group"] == spec.group) & (periods["measure"] == spec.measure)
                      & periods["period"].astype(str).str.fullmatch(r"\d{4}")]
        years = range(int(spec.start), int(spec.end) + 1)
        vals = pd.Series(pd.to_numeric(sel["value"]).to_numpy(dtype=float),
                         index=sel["period"].astype(int)).groupby(level=0).first()
        return pd.DataFrame({"period": list(years),
                             "y": vals.reindex(years).to_numpy(dtype=float)})
    raise SpecificationError(f"freq must be 'M' or 'Y' (saw {spec.freq!r})")


def build(inputs: Inputs | pd.DataFrame, spec: ModelSpec) -> Any:
    """The unfitted :class:`trends.ITS` of ``spec``."""
    from trends.its import ITS

    frame = model_frame(inputs, spec)
    return ITS(frame, outcome="y", date="period", **spec.its_kwargs())


def fit(inputs: Inputs | pd.DataFrame, spec: ModelSpec) -> Any:
    """Fit ``spec``; returns :class:`trends.results.ITSResults`."""
    return build(inputs, spec).fit()


def fit_many(inputs: Inputs, specs: Iterable[ModelSpec]) -> dict[str, Any]:
    """Fit several specs; a spec that cannot be estimated maps to its error message (str).

    Only specification problems are caught (e.g. a segment without data for a source that
    published nothing then); anything else propagates.
    """
    out: dict[str, Any] = {}
    for spec in specs:
        try:
            out[spec.name] = fit(inputs, spec)
        except TrendsError as exc:
            out[spec.name] = " ".join(str(exc).split())
    return out


# --------------------------------------------------------------------------- specifications


def alternative_break_specs(base: Sequence[ModelSpec] = MAIN) -> list[ModelSpec]:
    """Main models with the ceasefire end moved to 2021-12 and to 2022-11."""
    out = []
    for spec in base:
        for when, why in (("2021-12", "ceasefire end 2021-12 (declared over 9-10 Dec 2021)"),
                          ("2022-11", "ceasefire end 2022-11 (June 2022 ceasefire called off)")):
            out.append(spec.with_(
                name=f"{spec.name}_break_{when}", title=f"{spec.title}; {why}",
                interruptions=(("takeover", "2021-08"), ("ceasefire_end", when))))
    return out


def variant_specs(base: Sequence[ModelSpec] = MAIN) -> list[ModelSpec]:
    """Other families, covariances, seasonal terms, changes and window for each main model."""
    out = []
    for s in base:
        out += [
            s.with_(name=f"{s.name}_poisson", title=f"{s.title}; Poisson, classical SE",
                    family="poisson", cov="nonrobust"),
            s.with_(name=f"{s.name}_poisson_hac", title=f"{s.title}; Poisson, HAC SE",
                    family="poisson"),
            s.with_(name=f"{s.name}_quasipoisson", title=f"{s.title}; quasi-Poisson",
                    family="quasipoisson", cov="nonrobust"),
            s.with_(name=f"{s.name}_negbin_classical", title=f"{s.title}; NB2, classical SE",
                    cov="nonrobust"),
            s.with_(name=f"{s.name}_fourier1", title=f"{s.title}; + 1 Fourier pair",
                    seasonality=("fourier", 1)),
            s.with_(name=f"{s.name}_month_dummies", title=f"{s.title}; + month dummies",
                    seasonality="month"),
            s.with_(name=f"{s.name}_both_slopes", title=f"{s.title}; level+slope at both",
                    changes="level+slope"),
            s.with_(name=f"{s.name}_to_2025", title=f"{s.title}; window to 2025-12",
                    end="2025-12"),
        ]
    return out


def region_specs(measure: str = "attacks") -> list[ModelSpec]:
    """PICSS provincial series (sparser than the national one).

    Too few provincial months between August and October 2021 carry a figure to separate the
    two interruptions, so these models have the takeover only, with a level and slope change.
    """
    regions = (("khyber_pakhtunkhwa", "mainland Khyber Pakhtunkhwa"),
               ("ex_fata", "merged districts (ex-FATA)"), ("balochistan", "Balochistan"))
    return [ModelSpec(f"{measure}_{code}", f"Militant {measure} per month (PICSS, {label})",
                      measure=measure, region=code, interruptions=(("takeover", "2021-08"),),
                      changes="level+slope") for code, label in regions]


def source_specs(measure: str = "attacks") -> list[ModelSpec]:
    """Per-source series: PIPS monthly (if estimable) and annual totals by source.

    Annual models have one interruption, 2022 (the first full year after the takeover), with
    a level and slope change, Poisson with Pearson-scaled variance (quasi-Poisson).
    """
    out = [ModelSpec(f"{measure}_pips_monthly", f"Terrorist {measure} per month (PIPS)",
                     measure=measure, source="PIPS")]
    for src, start in (("PIPS", "2014"), ("PICSS", "2016"), ("CRSS", "2018")):
        out.append(ModelSpec(
            f"{measure}_{src.lower()}_annual", f"{measure.capitalize()} per year ({src})",
            measure=measure, source=src, start=start, end="2025", freq="Y",
            interruptions=(("takeover", "2022"),), changes="level+slope",
            family="quasipoisson", cov="nonrobust"))
    return out


#: Placebo interruption dates inside the pre-period (2019-01..2021-07).
PLACEBO_DATES: tuple[str, ...] = ("2019-06", "2019-09", "2019-12", "2020-04", "2020-06",
                                  "2021-03")


def placebo_specs(base: Sequence[ModelSpec] = MAIN) -> list[ModelSpec]:
    """Each main model on the pre-period only (2019-01..2021-07) with one fake interruption
    (level change) at each of :data:`PLACEBO_DATES`; a real effect of the size estimated at the
    takeover should not appear at these dates.

    The 16 pre-period months with a figure show no overdispersion, so the NB2 dispersion goes
    to its boundary (zero) and the fit does not converge; placebos are therefore quasi-Poisson
    (which reduces to Poisson when the Pearson scale is about 1)."""
    out = []
    for spec in base:
        for when in PLACEBO_DATES:
            out.append(spec.with_(
                name=f"{spec.name}_placebo_{when}", title=f"{spec.title}; placebo at {when}",
                start=START, end="2021-07", interruptions=(("placebo", when),),
                changes="level", family="quasipoisson", cov="nonrobust"))
    return out


def robustness_specs() -> list[ModelSpec]:
    """Every robustness model of notebook 04 and ``results/robustness.*``."""
    return (alternative_break_specs() + variant_specs() + region_specs()
            + source_specs() + placebo_specs())


# --------------------------------------------------------------------------- tables


def specification_table(inputs: Inputs, base: Sequence[ModelSpec] = MAIN) -> pd.DataFrame:
    """Evidence for the main specification: fit statistics of candidate models.

    For each main series: Poisson vs NB2, with no seasonal terms, one Fourier pair or month
    dummies. Columns ``series, family, seasonality, nobs, aic, dispersion, dispersion_p,
    ljung_box_p, durbin_watson`` (dispersion = Pearson chi2 / df of the fit, p from chi2).
    """
    rows = []
    for spec in base:
        for fam in ("poisson", "negbin"):
            for seas, label in ((None, "none"), (("fourier", 1), "fourier(1)"),
                                ("month", "month dummies")):
                res = fit(inputs, spec.with_(family=fam, seasonality=seas, cov="nonrobust"))
                t = res.diagnostics().tests
                rows.append({"series": spec.name, "family": fam, "seasonality": label,
                             "nobs": int(res.nobs), "aic": float(res.aic),
                             "dispersion": float(t.loc["overdispersion", "statistic"]),
                             "dispersion_p": float(t.loc["overdispersion", "p_value"]),
                             "ljung_box_p": float(t.loc["ljung_box", "p_value"]),
                             "durbin_watson": float(t.loc["durbin_watson", "statistic"])})
    return pd.DataFrame(rows)


def effects_table(results: Mapping[str, Any], horizons: Sequence[int] = HORIZONS
                  ) -> pd.DataFrame:
    """Level/slope rate ratios with 95% CIs and excess counts at ``horizons`` per interruption.

    Models that could not be estimated (an error string in ``results``) are left out.
    """
    from trends.report import effects_table as _effects

    fitted = {k: v for k, v in results.items() if not isinstance(v, str)}
    return _effects(fitted, horizons=horizons)


def robustness_table(results: Mapping[str, Any], specs: Sequence[ModelSpec]) -> pd.DataFrame:
    """One row per model: spec summary, nobs, AIC and the rate ratios (or why it failed)."""
    rows = []
    for spec in specs:
        res = results.get(spec.name)
        row: dict[str, Any] = {
            "model": spec.name, "series": f"{spec.source} {spec.measure} {spec.region}",
            "interruptions": " / ".join(f"{k} {v}" for k, v in spec.interruptions),
            "family": spec.family, "seasonality": _label(spec.seasonality),
            "cov": _label(spec.cov), "window": f"{spec.start}..{spec.end}"}
        if isinstance(res, str) or res is None:
            row["note"] = res or "not fitted"
            rows.append(row)
            continue
        row["nobs"] = int(res.nobs)
        row["aic"] = float(res.aic) if np.isfinite(res.aic) else np.nan
        t = res.table()
        for name, _ in spec.interruptions:
            for kind in ("level", "slope"):
                term = f"{kind}[{name}]"
                if term in t.index:
                    row[f"{kind}_{name}_rr"] = float(t.loc[term, "ratio"])
                    row[f"{kind}_{name}_low"] = float(t.loc[term, "ratio_low"])
                    row[f"{kind}_{name}_high"] = float(t.loc[term, "ratio_high"])
        row["note"] = ""
        rows.append(row)
    out = pd.DataFrame(rows)
    if "nobs" in out.columns:
        out["nobs"] = out["nobs"].astype("Int64")  # empty (not 0) for models not estimated
    cols = [c for c in out.columns if c != "note"] + ["note"]
    return out[cols]


def _label(x: Any) -> str:
    if x is None:
        return "none"
    if isinstance(x, (tuple, list)):
        return "(" + ", ".join("default" if v is None else str(v) for v in x) + ")"
    return str(x)


#: Block-bootstrap settings of :func:`bootstrap_table` (seeded: same draws every run).
BOOTSTRAP = {"n_boot": 999, "method": "block", "seed": 20210815}


def bootstrap_table(inputs: Inputs, specs: Sequence[ModelSpec] = MAIN,
                    **settings: Any) -> pd.DataFrame:
    """Block-bootstrap rate ratios of the level/slope terms of each spec
    (:func:`trends.robust.bootstrap`, settings :data:`BOOTSTRAP` unless overridden), an
    autocorrelation-respecting alternative to the HAC intervals."""
    from trends.robust import bootstrap

    kw = {**BOOTSTRAP, **settings}
    rows = []
    for spec in specs:
        res = bootstrap(build(inputs, spec), **kw)
        t = res.table.reset_index().rename(columns={"index": "term"})
        t.insert(0, "model", spec.name)
        t["block_length"] = res.block_length
        t["n_failed"] = res.n_failed
        rows.append(t)
    return pd.concat(rows, ignore_index=True)


def placebo_table(inputs: Inputs, specs: Sequence[ModelSpec] = MAIN) -> pd.DataFrame:
    """Placebo-in-time summary per spec (:func:`trends.robust.placebo_in_time`: the
    interruptions moved into the pre-period with their spacing kept)."""
    from trends.robust import placebo_in_time

    rows = []
    for spec in specs:
        res = placebo_in_time(build(inputs, spec))
        t = res.summary.reset_index().rename(columns={"index": "term"})
        t.insert(0, "model", spec.name)
        t["placebo_dates"] = "; ".join(
            "/".join(str(v) for v in r) for r in
            res.effects[[c for c in res.effects.columns if c.startswith("break_")]].itertuples(
                index=False))
        rows.append(t)
    return pd.concat(rows, ignore_index=True)


def coefficient_table(res: Any) -> pd.DataFrame:
    """The model's term table with the term as a column (for writing)."""
    t = res.table().reset_index()
    return t.rename(columns={t.columns[0]: "term"})


def diagnostics_table(results: Mapping[str, Any]) -> pd.DataFrame:
    """Residual diagnostics of fitted models, one row per model x test."""
    rows = []
    for name, res in results.items():
        if isinstance(res, str):
            continue
        t = res.diagnostics().tests
        for test, r in t.iterrows():
            rows.append({"model": name, "test": test, "statistic": r["statistic"],
                         "df": r["df"], "p_value": r["p_value"], "note": r["note"]})
    return pd.DataFrame(rows)


def coverage_table(panel: pd.DataFrame, measure: str = "attacks", region: str = NATIONAL,
                   group: str = ALL_GROUPS, start: str = START, end: str = END) -> pd.DataFrame:
    """Months with a published figure per source and year in ``start..end``."""
    from trends.plot import monthly_wide

    sel = panel[(panel["measure"] == measure) & (panel["region"] == region)
                & (panel["group"] == group)]
    wide = monthly_wide(sel, "source", start=start, end=end)
    have = wide.notna()
    by_year = have.groupby(have.index.year).sum().T
    by_year.columns = [str(c) for c in by_year.columns]
    by_year["total"] = by_year.sum(axis=1)
    by_year["of"] = len(wide)
    by_year["missing_months"] = [", ".join(str(m) for m in wide.index[~have[c].to_numpy()])
                                 for c in wide.columns]
    out = by_year.reset_index().rename(columns={"index": "source"})
    return out


def monthly_summary(panel: pd.DataFrame, measure: str = "attacks", source: str = "PICSS",
                    region: str = NATIONAL, group: str = ALL_GROUPS, start: str = START,
                    end: str = END) -> pd.DataFrame:
    """Per year: months with a figure, and the mean, minimum and maximum of those months.

    Means are over the months with a figure only (no month is filled); compare years with
    care when their coverage differs.
    """
    from trends.panel import series

    s = series(panel, measure=measure, region=region, group=group, source=source, start=start,
               end=end)
    g = s.groupby(s.index.year)
    out = pd.DataFrame({"months_with_data": g.count(), "months": g.size(), "mean": g.mean(),
                        "min": g.min(), "max": g.max()})
    out.index.name = "year"
    return out.reset_index()


def group_table(periods: pd.DataFrame, region: str = NATIONAL,
                measures: Sequence[str] = ("attacks", "killed")) -> pd.DataFrame:
    """Published figures for named groups (not ``all``): period x source x group x measure."""
    sel = periods[(periods["region"] == region) & (periods["group"] != ALL_GROUPS)
                  & periods["measure"].isin(list(measures))]
    out = sel[["period", "source", "group", "measure", "value"]].copy()
    out["value"] = pd.to_numeric(out["value"])
    return out.sort_values(["group", "measure", "period", "source"],
                           kind="stable").reset_index(drop=True)


def annual_values(periods: pd.DataFrame, measure: str = "attacks", region: str = NATIONAL,
                  group: str = ALL_GROUPS, start: int = 2014, end: int = 2025) -> pd.DataFrame:
    """Published annual totals in long form (``period, source, value``), for the disagreement
    plot and the annual table."""
    sel = periods[(periods["measure"] == measure) & (periods["region"] == region)
                  & (periods["group"] == group)
                  & periods["period"].astype(str).str.fullmatch(r"\d{4}")].copy()
    sel = sel[sel["period"].astype(int).between(start, end)]
    out = sel[["period", "source", "value"]].copy()
    out["value"] = pd.to_numeric(out["value"])
    return out.sort_values(["period", "source"], kind="stable").reset_index(drop=True)


def annual_table(periods: pd.DataFrame, measure: str = "attacks", **kw: Any) -> pd.DataFrame:
    """Year x source table of published annual totals (empty where none was published)."""
    vals = annual_values(periods, measure, **kw)
    wide = vals.pivot(index="period", columns="source", values="value")
    wide.columns.name = None
    return wide.reset_index().rename(columns={"period": "year"})


def monthly_disagreement(panel: pd.DataFrame, measure: str = "attacks", region: str = NATIONAL,
                         group: str = ALL_GROUPS) -> pd.DataFrame:
    """Months where two sources both give a figure, in long form (``period, source, value``)."""
    sel = panel[(panel["measure"] == measure) & (panel["region"] == region)
                & (panel["group"] == group) & panel["value"].notna()]
    both = sel.groupby("month")["source"].transform("nunique") > 1
    out = sel[both][["month", "source", "value"]].rename(columns={"month": "period"})
    out["value"] = pd.to_numeric(out["value"]).astype(float)
    return out.sort_values(["period", "source"], kind="stable").reset_index(drop=True)


def revisions_table(alternatives: pd.DataFrame | None, sources: Sequence[str] = ("PICSS", "PIPS")
                    ) -> pd.DataFrame:
    """Cells of the core measures where a source's reports disagree: chosen vs other values."""
    if alternatives is None or alternatives.empty:
        return pd.DataFrame(columns=["source", "period", "region", "group", "measure", "chosen",
                                     "others", "decided_by"])
    a = alternatives[alternatives["source"].isin(sources)
                     & alternatives["measure"].isin(["attacks", "killed", "injured"])]
    rows = []
    keys = ["source", "period", "region", "group", "measure"]
    for key, g in a.groupby(keys, sort=True):
        chosen = g[g["chosen"].astype(str).str.lower().isin(["true", "1"])]
        others = g.drop(chosen.index)
        rows.append({**dict(zip(keys, key, strict=True)),
                     "chosen": ", ".join(f"{v:g}" for v in chosen["value"]),
                     "others": ", ".join(f"{v:g}" for v in others["value"]),
                     "decided_by": ", ".join(sorted(set(g["decided_by"].astype(str))))})
    return pd.DataFrame(rows)


def audit_summary(audit: pd.DataFrame) -> pd.DataFrame:
    """Raw rows per file and status (kept, merged, superseded, dropped), with a total row."""
    from trends.schema import AUDIT_STATUSES

    t = pd.crosstab(audit["file"], audit["status"])
    for s in AUDIT_STATUSES:
        if s not in t.columns:
            t[s] = 0
    t = t[list(AUDIT_STATUSES)]
    t["total"] = t.sum(axis=1)
    t.loc["all files"] = t.sum(axis=0)
    t.columns.name = None
    return t.reset_index().rename(columns={"index": "file"})


def interpret(effects: pd.DataFrame, model: str, unit: str = "attacks") -> str:
    """Plain-language reading of one model's rows of :func:`effects_table` (deterministic)."""
    rows = effects[effects["model"] == model]
    if rows.empty:
        raise SpecificationError(f"no effects for model {model!r}")
    out = []
    for _, r in rows.iterrows():
        name = str(r["interruption"]).replace("_", " ")
        if pd.notna(r.get("level_rr", np.nan)):
            pct = 100 * (r["level_rr"] - 1)
            direction = "higher" if pct >= 0 else "lower"
            ci = f"95% CI {r['level_rr_low']:.2f} to {r['level_rr_high']:.2f}"
            certain = ("the interval excludes 1" if r["level_rr_low"] > 1
                       or r["level_rr_high"] < 1
                       else "the interval includes 1, so no change cannot be ruled out")
            out.append(f"At the {name} ({r['month']}) the monthly level of {unit} became "
                       f"{abs(pct):.0f}% {direction} than the path without this interruption "
                       f"predicted (rate ratio "
                       f"{r['level_rr']:.2f}, {ci}; {certain}).")
        if pd.notna(r.get("slope_rr", np.nan)):
            pct = 100 * (r["slope_rr"] - 1)
            out.append(f"After the {name} the trend changed by {pct:+.1f}% per month "
                       f"(rate ratio {r['slope_rr']:.3f}, 95% CI {r['slope_rr_low']:.3f} to "
                       f"{r['slope_rr_high']:.3f}).")
        for h in HORIZONS:
            if pd.notna(r.get(f"excess_{h}", np.nan)):
                out.append(f"{h} months after the {name}, the model attributes "
                           f"{r[f'excess_{h}']:+.1f} {unit} in that month to it (95% CI "
                           f"{r[f'excess_{h}_low']:+.1f} to {r[f'excess_{h}_high']:+.1f}).")
    return "\n".join(out)


# --------------------------------------------------------------------------- totals, sources
#: sources pooled with PICSS in :func:`pooled_fits` (event-file sources are added from
#: ``events``, e.g. UCDP GED from ``trends clean --format ucdp-ged``)
POOLED_SOURCES: tuple[str, ...] = ("PICSS", "PIPS")


def pooled_fits(inputs: Inputs, spec: ModelSpec | None = None,
                events: pd.DataFrame | None = None,
                sources: Sequence[str] = POOLED_SOURCES,
                kinds: Sequence[str] = ("quarter", "half", "year")) -> dict[str, Any]:
    """The main model refitted with published period totals and with several sources.

    Returns fits keyed ``monthly``, ``monthly, model-based`` (the main model and the same
    with ``cov="nonrobust"``), ``+ totals`` (the source's own period totals, chosen by
    :func:`trends.panel.period_totals` with ``kinds``; model-based covariance, the only one
    available with aggregates), ``sources`` (``sources`` plus the event panels' sources in one
    model, reference ``spec.source``, the main model's covariance within each source) and,
    ``sources + totals`` (with every panel source's period totals; model-based).
    """
    from trends.its import ITS
    from trends.panel import period_totals, series_frame

    spec = MAIN[0] if spec is None else spec
    frame = model_frame(inputs, spec)
    kw = spec.its_kwargs()
    mb = {**kw, "cov": "nonrobust"}
    totals = period_totals(inputs.periods, measure=spec.measure, region=spec.region,
                           group=spec.group, source=spec.source, start=spec.start,
                           end=spec.end, kinds=kinds)
    out: dict[str, Any] = {
        "monthly": ITS(frame, outcome="y", date="period", **kw).fit(),
        "monthly, model-based": ITS(frame, outcome="y", date="period", **mb).fit(),
        "+ totals": ITS(frame, outcome="y", date="period",
                        aggregates=totals[["start", "end", "value"]], **mb).fit(),
    }
    long = series_frame(inputs.panel, sources=tuple(sources), measure=spec.measure,
                        region=spec.region, group=spec.group, start=spec.start, end=spec.end,
                        events=events)
    out["sources"] = ITS(long, outcome="y", date="month", source="source",
                         reference=spec.source, **kw).fit()
    all_totals = period_totals(inputs.periods, measure=spec.measure, region=spec.region,
                               group=spec.group, source=list(sources), start=spec.start,
                               end=spec.end, kinds=kinds)
    out["sources + totals"] = ITS(long, outcome="y", date="month", source="source",
                                  reference=spec.source, aggregates=all_totals, **mb).fit()
    return out


def pooled_table(results: Mapping[str, Any]) -> pd.DataFrame:
    """One row per fit of :func:`pooled_fits` and interruption term: rate ratio with its
    interval, the covariance used and what entered the fit (observations, totals, sources)."""
    rows = []
    for name, res in results.items():
        tab = res.table()
        d = res.design
        spec = res.spec
        n_tot = 0 if spec.aggregates is None else spec.aggregates.n_used
        kind, lags, _ = spec.cov_spec
        srcs = ", ".join(map(str, getattr(d, "sources", ()))) or str(spec.get("outcome"))
        for term in d.interruption_terms:
            r = tab.loc[term]
            rows.append({"fit": name, "term": term, "ratio": r["ratio"],
                         "ratio_low": r["ratio_low"], "ratio_high": r["ratio_high"],
                         "p_value": r["p_value"],
                         "covariance": kind if kind != "hac" else f"hac ({lags} lags)",
                         "nobs": res.nobs, "totals_used": n_tot,
                         "sources": srcs if hasattr(d, "sources") else ""})
    return pd.DataFrame(rows)


__all__ = [
    "END", "HORIZONS", "Inputs", "MAIN", "MAIN_CHANGES", "ModelSpec", "START",
    "BOOTSTRAP", "alternative_break_specs", "annual_table", "annual_values", "audit_summary",
    "bootstrap_table", "build", "placebo_table",
    "coefficient_table", "coverage_table", "diagnostics_table", "effects_table", "fit",
    "fit_many", "group_table", "interpret", "load_inputs", "model_frame", "monthly_disagreement",
    "monthly_summary",
    "placebo_specs", "region_specs", "revisions_table", "robustness_specs", "robustness_table",
    "source_specs", "specification_table", "variant_specs",
]
__all__ += ["POOLED_SOURCES", "pooled_fits", "pooled_table"]
