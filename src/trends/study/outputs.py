"""Reproduce stages that turn ``data/processed`` into ``figures/`` and ``results/``.

``trends reproduce`` runs, after ``clean``:

``models``
    fit the main and robustness models (:mod:`trends.study.analysis`); write the main models'
    coefficient tables, the specification evidence and the residual diagnostics;
``figures``
    every figure as PNG and SVG (:func:`figure_specs` lists them);
``tables``
    effects, robustness, claims, coverage, annual totals, revisions, audit summary as CSV,
    Markdown and LaTeX;
``provenance``
    ``results/provenance.json``: SHA-256 of every input and output file, package versions, and
    the exact model specifications.

All writes go through :mod:`trends.atomic`; figures and tables are byte-identical across runs
on the same inputs. Fitted models are cached per process (keyed by the panel's SHA-256), so the
stages can run alone (``--stage figures``) or together without refitting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from trends.errors import SpecificationError

#: Figure file stems (under ``figures/``) -> notebook and description, for the README.
FIGURES: dict[str, tuple[str, str]] = {
    "coverage": ("01_data", "Months with a national attack count, by source, 2019-2023"),
    "disagreement_annual": ("01_data", "Annual national attacks: where sources disagree"),
    "series_national": ("02_explore", "Monthly national attacks, killed, injured (PICSS)"),
    "series_provinces": ("02_explore", "Monthly attacks by province (PICSS)"),
    "annual_attacks": ("02_explore", "Annual attacks by source"),
    "annual_killed": ("02_explore", "Annual people killed by source"),
    "its_attacks": ("03_its", "ITS: attacks, primary model's fitted path and counterfactual"),
    "its_killed": ("03_its", "ITS: people killed, primary model's fitted path and "
                   "counterfactual"),
    "estimands_attacks": ("03_its", "Window ratios (fitted/counterfactual) of attacks by "
                          "model, calibrated intervals"),
    "estimands_attacks-1col": ("03_its", "The same, one-column size (3.5 in)"),
    "its_attacks-1col": ("03_its", "ITS attacks figure, one-column size (3.5 in)"),
    "its_killed-1col": ("03_its", "ITS killed figure, one-column size (3.5 in)"),
    "robustness_takeover": ("04_robustness", "Takeover level rate ratio across models"),
    "break_grid_attacks": ("04_robustness", "Fit (AIC) over every pair of break dates"),
}
#: Table file stems (under ``results/``) -> notebook and description.
TABLES: dict[str, tuple[str, str]] = {
    "coverage": ("01_data", "Months with a figure per source and year"),
    "audit_summary": ("01_data", "Raw rows per file by what became of them"),
    "revisions": ("01_data", "Cells where a source's reports disagree"),
    "claims": ("01_data", "Claims in public commentary checked against the data"),
    "claims_parts": ("01_data", "Each checkable part of those claims"),
    "annual_attacks": ("02_explore", "Published annual attacks by source"),
    "annual_killed": ("02_explore", "Published annual people killed by source"),
    "contrasts": ("02_explore", "Group, place and victim contrasts the data allow"),
    "specification": ("03_its", "Evidence for the model specification"),
    "model_attacks": ("03_its", "Coefficients of the attacks model"),
    "model_killed": ("03_its", "Coefficients of the killed model"),
    "effects": ("03_its", "Rate ratios and excess counts per interruption"),
    "diagnostics": ("03_its", "Residual diagnostics of the main models"),
    "robustness": ("04_robustness", "Every robustness model"),
    "placebo": ("04_robustness", "Placebo-in-time: interruptions moved into the pre-period"),
    "bootstrap": ("04_robustness", "Block-bootstrap rate ratios of the main models"),
    "estimands": ("03_its", "Pre-specified window estimands (excess, ratio) by outcome and "
                  "model, calibrated intervals"),
    "calibration": ("04_robustness", "Simulated size of each covariance on the design, and "
                    "the MDE"),
    "sources": ("04_robustness", "Window estimands by source and pooled"),
    "structural": ("04_robustness", "Structural counterfactual under each trend choice beside "
                   "the segmented model"),
}
#: Text reports (under ``results/``) -> notebook and description.
REPORTS: dict[str, tuple[str, str]] = {
    "summary.md": ("03_its", "Plain-language one-page summary generated from the tables"),
}

_CACHE: dict[tuple[str, str], dict[str, Any]] = {}


def _key(ctx: Any) -> tuple[str, str]:
    from trends.provenance import sha256_file

    where = ctx.final(ctx.processed) if hasattr(ctx, "final") else ctx.processed
    return (str(where), sha256_file(Path(ctx.processed) / "panel.csv"))


def fitted(ctx: Any) -> dict[str, Any]:
    """Inputs, specs and fitted models for ``ctx`` (cached per process and panel version)."""
    from trends.study import analysis

    key = _key(ctx)
    if key not in _CACHE:
        inputs = analysis.load_inputs(ctx.processed)
        specs = list(analysis.MAIN)
        robust = analysis.robustness_specs()
        _CACHE.clear()  # one panel version at a time
        _CACHE[key] = {
            "inputs": inputs, "main_specs": specs, "robust_specs": robust,
            "main": analysis.fit_many(inputs, specs),
            "robust": analysis.fit_many(inputs, robust),
        }
    return _CACHE[key]


def study(ctx: Any) -> dict[str, Any]:
    """The issue-14 analysis for ``ctx`` (cached with :func:`fitted`): calibration, estimands,
    sources and structural tables (:mod:`trends.study.estimands` and siblings)."""
    f = fitted(ctx)
    if "study" not in f:
        from trends.robust import calibrate
        from trends.study import calibration, estimands, sources, structural

        inputs = f["inputs"]
        cal, chosen = calibration.calibration_table(inputs, "attacks")
        fits = {m: estimands.fit_models(inputs, m, cov=chosen) for m in ("attacks", "killed")}
        sizes: dict[tuple[str, str], float] = {}
        for outcome, models in fits.items():
            for name, res in models.items():
                try:
                    t = calibrate(res, covs=[chosen], n_sims=calibration.N_SIMS,
                                  seed=calibration.SEED).table()
                except SpecificationError:
                    continue
                sizes[(outcome, name)] = calibration.size_of(t, chosen)
        sfits = structural.structural_fits(inputs, "attacks")
        est = estimands.estimands_table(fits, sizes)
        f["study"] = {
            "calibration": cal, "cov": chosen, "fits": fits, "estimands": est,
            "sources": pd.concat([sources.sources_table(inputs, m) for m in
                                  ("attacks", "killed")], ignore_index=True),
            "structural": structural.structural_table(fits["attacks"]["primary"], sfits),
        }
    return f["study"]


def stage_study(ctx: Any) -> None:
    """Write the estimands, calibration, sources and structural tables."""
    from trends.report import write_table

    s = study(ctx)
    out: list[Path] = []
    out += write_table(s["estimands"], ctx.results / "estimands", digits=3,
                       caption="Pre-specified window estimands: cumulative excess and ratio "
                       "fitted/counterfactual (95% CI), by outcome and model",
                       label="tab:estimands")
    out += write_table(s["calibration"], ctx.results / "calibration", digits=3,
                       caption="Simulated size at nominal 5% (1000 replicates, seed 0) of each "
                       "covariance on the design; MDE (power 0.8) of the takeover level",
                       label="tab:calibration")
    out += write_table(s["sources"], ctx.results / "sources", digits=3,
                       caption="Window estimands by source and pooled", label="tab:sources")
    out += write_table(s["structural"], ctx.results / "structural", digits=3,
                       caption="Window ratios: structural counterfactual by trend choice and "
                       "the segmented model", label="tab:structural")
    ctx.outputs["study"] = _rel(ctx, out)
    ctx.log(f"study: estimands ({len(s['estimands'])} rows), calibration (primary covariance "
            f"{s['cov']}), sources, structural -> {_rel(ctx, [ctx.results])[0]}/")


def _rel(ctx: Any, paths: list[Path]) -> list[str]:
    return [ctx.rel(p) if hasattr(ctx, "rel") else os.path.relpath(p, ctx.root) for p in paths]


def _version(ctx: Any) -> str:
    from trends.plot import data_version

    return data_version([Path(ctx.processed) / "panel.csv", Path(ctx.processed) / "periods.csv"])


def stage_models(ctx: Any) -> None:
    """Fit the models; write coefficient tables, specification evidence and diagnostics."""
    from trends.report import write_table
    from trends.study import analysis

    f = fitted(ctx)
    out: list[Path] = []
    for name, res in f["main"].items():
        if isinstance(res, str):
            raise SpecificationError(f"main model {name!r} could not be estimated: {res}")
        out += write_table(analysis.coefficient_table(res), ctx.results / f"model_{name}",
                           digits=4, caption=f"ITS model '{name}': coefficients (rate ratios "
                           "for the log-link terms), 95% CI", label=f"tab:model_{name}")
    out += write_table(analysis.specification_table(f["inputs"]), ctx.results / "specification",
                       digits=3, caption="Candidate specifications: fit and diagnostics",
                       label="tab:specification")
    out += write_table(analysis.diagnostics_table(f["main"]), ctx.results / "diagnostics",
                       digits=3, caption="Residual diagnostics of the main models",
                       label="tab:diagnostics")
    ctx.outputs["models"] = _rel(ctx, out)
    n_ok = sum(not isinstance(r, str) for r in f["robust"].values())
    ctx.log(f"models: {len(f['main'])} main and {n_ok}/{len(f['robust'])} robustness models "
            "fitted")


def model_caption(res: Any) -> str:
    """The model part of a figure caption, built from the fitted specification: the family's
    display name and the covariance, e.g. ``"negative binomial (NB2) ITS, HAC SE"``.

    Parameters
    ----------
    res
        :class:`trends.ITSResults`.

    Returns
    -------
    str
    """
    from trends.families import get_family

    spec = res.spec
    fam = get_family(spec.family).display_name
    if spec.errors is not None:
        p, q = spec.errors
        fam = f"{fam}, ARMA({p},{q}) errors,"
    return f"{fam} ITS, {spec.cov_spec.short_label()}"


def stage_figures(ctx: Any) -> None:
    """Write every figure in :data:`FIGURES` as PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from trends import plot
    from trends.robust import break_date_grid, plot_grid
    from trends.study import analysis

    f = fitted(ctx)
    inputs = f["inputs"]
    v = _version(ctx)
    panel, periods = inputs.panel, inputs.periods
    figs: dict[str, Any] = {}
    figs["coverage"] = plot.plot_coverage(
        panel, version=v, start="2019-01", end="2023-12",
        source="published PIPS, PICSS, CRSS and SATP figures",
        interruptions=analysis.DEFAULT_INTERRUPTIONS)[0]
    figs["disagreement_annual"] = plot.plot_disagreement(
        analysis.annual_values(periods, start=2016, end=2025), ylabel="attacks per year",
        title="Annual national attacks: disagreement between sources", version=v)[0]
    figs["series_national"] = plot.plot_series(panel, source="PICSS", start=analysis.START,
                                               end=analysis.END, version=v,
                                               interruptions=analysis.DEFAULT_INTERRUPTIONS,
                                               source_label="PICSS monthly reports")[0]
    figs["series_provinces"] = _provinces_figure(panel, v)
    for m in ("attacks", "killed"):
        figs[f"annual_{m}"] = plot.plot_annual(periods, measure=m, start=2014, end=2025,
                                               version=v, source="published annual reports",
                                               highlight={"2021 (takeover)": 2021})[0]
    st = study(ctx)
    small: dict[str, Any] = {}
    for spec in f["main_specs"]:
        res = st["fits"][spec.measure]["primary"]
        unit = "attacks per month" if spec.measure == "attacks" else "people killed per month"
        figs[f"its_{spec.name}"], small[f"its_{spec.name}"] = plot.one_column(
            plot.plot_its, res, title=spec.title, ylabel=unit, windows=CEASEFIRE_WINDOWS,
            interruptions=interruption_labels(res),
            source="PICSS monthly figures (national, plus PICSS half-year and annual "
            "totals)", version=v)
    figs["estimands_attacks"], small["estimands_attacks"] = plot.one_column(
        estimands_figure, st["estimands"], v)
    rob = analysis.robustness_table(f["robust"], f["robust_specs"])
    main_rows = analysis.robustness_table(f["main"], f["main_specs"])
    forest = pd.concat([main_rows, rob], ignore_index=True)
    forest = forest[forest["model"].str.startswith("attacks") & ~forest["model"].str.contains(
        "placebo|annual")]
    figs["robustness_takeover"] = plot.plot_forest(
        forest, estimate="level_takeover_rr", low="level_takeover_low",
        high="level_takeover_high", label="model", highlight=("attacks",),
        title="Level change at the takeover (attacks): rate ratio by model", version=v,
        source="PICSS/PIPS published figures; trends ITS models")[0]
    grid = break_date_grid(analysis.build(inputs, f["main_specs"][0]))
    gfig, gax = plot_grid(grid, title="Break-date grid, attacks model (AIC; lower is better)",
                          caption=plot.caption_text("PICSS monthly figures; trends.robust", v))
    figs["break_grid_attacks"] = gfig
    out: list[Path] = []
    for stem in FIGURES:
        if stem.endswith("-1col"):
            continue  # written with its full-size figure
        out += plot.save_figure(figs[stem], ctx.figures / stem, one_column=small.get(stem))
    ctx.outputs["figures"] = _rel(ctx, out)
    ctx.log(f"figures: {len(FIGURES)} figures -> {_rel(ctx, [ctx.figures])[0]}/ "
            "(PNG, SVG)")


#: Plain labels of the estimand models in figures.
MODEL_LABELS: dict[str, str] = {
    "primary": "primary (Aug+Nov 21)",
    "alt_break_2021-12": "Aug+Dec 21",
    "alt_break_2021-12_takeover_slope": "Aug(+slope)+Dec 21",
    "alt_break_2022-11": "Aug 21+Nov 22",
    "alt_breaks_2021-12_2022-11": "Aug+Dec 21+Nov 22",
    "monthly_only": "no period totals",
    "pooled_PICSS_PIPS": "PICSS+PIPS pooled",
}


#: The two ceasefires, shaded in the ITS figures (docs/analysis_plan.md, section 1; the June
#: 2022 truce is dated only "June" in the sources, so its window starts with the month).
CEASEFIRE_WINDOWS: dict[str, tuple[str, str]] = {
    "ceasefire 2021": ("2021-11-09", "2021-12-09"),
    "truce Jun-Nov 2022": ("2022-06", "2022-11-28"),
}


def interruption_labels(res: Any) -> dict[str, Any]:
    """The fitted interruptions keyed by their plain labels (for figure legends)."""
    from trends.study.estimands import FIGURE_LABELS

    return {FIGURE_LABELS.get(n, n): p for n, p in res.design.interruptions.items()}


def estimands_figure(est: pd.DataFrame, version: str | None = None,
                     width: str | float = "double") -> tuple[Any, Any]:
    """Forest of the attacks post-takeover window ratio by model (plain labels)."""
    from trends import plot

    t = est[(est["outcome"] == "attacks") & (est["estimand"] == "post_takeover_window")
            & est["model"].isin(list(MODEL_LABELS))].copy()
    t["label"] = t["model"].map(MODEL_LABELS)
    return plot.plot_forest(t, estimate="ratio", low="ratio_low", high="ratio_high",
                            label="label", highlight=(MODEL_LABELS["primary"],),
                            xlabel="fitted / counterfactual (95% CI)",
                            title="Attacks, Aug 2021-Dec 2023",
                            version=version, width=width,
                            source="PICSS (and PIPS) published figures; NB2 segmented "
                            "models, model-based (calibrated) 95% intervals")


def _provinces_figure(panel: pd.DataFrame, version: str) -> Any:
    from trends import plot
    from trends.study import analysis

    sel = panel[(panel["source"] == "PICSS") & (panel["measure"] == "attacks")
                & (panel["group"] == "all")
                & panel["region"].isin(["khyber_pakhtunkhwa", "ex_fata", "balochistan",
                                        "national"])]
    sel = sel.assign(source=sel["region"].map({
        "national": "national", "khyber_pakhtunkhwa": "KP (mainland)",
        "ex_fata": "ex-FATA", "balochistan": "Balochistan"}))
    fig, _ = plot.plot_series(sel.assign(region="all_regions"), measures=("attacks",),
                              region="all_regions", source=sorted(set(sel["source"])),
                              start=analysis.START, end=analysis.END, version=version,
                              title="Monthly militant attacks by province (PICSS)",
                              source_label="PICSS monthly reports (KP = mainland Khyber "
                              "Pakhtunkhwa; ex-FATA = merged districts)")
    return fig


def stage_tables(ctx: Any) -> None:
    """Write every table in :data:`TABLES` (except the models stage's) as CSV, MD and TeX."""
    from trends import claims
    from trends.report import write_table
    from trends.study import analysis

    f = fitted(ctx)
    inputs = f["inputs"]
    out: list[Path] = []
    eff = analysis.effects_table(f["main"])
    out += write_table(eff, ctx.results / "effects", digits=3,
                       caption="Interruption effects: level and slope rate ratios (95% CI) and "
                       "excess counts 6 and 12 months after each interruption",
                       label="tab:effects")
    out += write_table(analysis.robustness_table(f["robust"], f["robust_specs"]),
                       ctx.results / "robustness", digits=3,
                       caption="Robustness models", label="tab:robustness")
    out += write_table(analysis.placebo_table(inputs, f["main_specs"]), ctx.results / "placebo",
                       digits=3, caption="Placebo-in-time: interruptions moved into the "
                       "pre-period (log rate ratios)", label="tab:placebo")
    out += write_table(analysis.bootstrap_table(inputs, f["main_specs"]),
                       ctx.results / "bootstrap", digits=3,
                       caption=f"Block bootstrap ({analysis.BOOTSTRAP['n_boot']} replicates, "
                       f"seed {analysis.BOOTSTRAP['seed']}) of the main models",
                       label="tab:bootstrap")
    periods = claims.with_nonstandard(inputs.periods, ctx.raw / "nonstandard")
    s = study(ctx)
    parts = claims.check_claims(ctx.root / "data" / "claims.csv", inputs.panel, periods,
                                inputs.alternatives, estimands=s["estimands"])
    out += write_table(claims.summarise(parts), ctx.results / "claims", digits=1,
                       caption="Claims in public commentary checked against the data",
                       label="tab:claims")
    out += write_table(parts, ctx.results / "claims_parts", digits=1,
                       caption="Claim parts", label="tab:claims_parts")
    from trends.atomic import write_text
    from trends.study.summary import summary_markdown

    write_text(ctx.results / "summary.md",
               summary_markdown(s["estimands"], s["calibration"], claims.summarise(parts)))
    out.append(ctx.results / "summary.md")
    out += write_table(analysis.coverage_table(inputs.panel), ctx.results / "coverage",
                       caption="Months with a national attack count per source",
                       label="tab:coverage")
    for m in ("attacks", "killed"):
        out += write_table(analysis.annual_table(inputs.periods, m),
                           ctx.results / f"annual_{m}", digits=0,
                           caption=f"Published annual national {m} by source",
                           label=f"tab:annual_{m}")
    from trends.study.contrasts import contrasts_table

    out += write_table(contrasts_table(inputs.panel, inputs.periods), ctx.results / "contrasts",
                       digits=1, caption="Group (PIPS annual), place (KP incl. ex-FATA vs "
                       "Balochistan, months with both) and victim-type contrasts",
                       label="tab:contrasts")
    out += write_table(analysis.revisions_table(inputs.alternatives), ctx.results / "revisions",
                       caption="Cells where a source's reports disagree", label="tab:revisions")
    if inputs.audit is not None:
        out += write_table(analysis.audit_summary(inputs.audit), ctx.results / "audit_summary",
                           caption="Raw rows by file and status", label="tab:audit")
    ctx.outputs["tables"] = _rel(ctx, out)
    ctx.log(f"tables: {len(out) // 3} tables -> {_rel(ctx, [ctx.results])[0]}/ "
            "(CSV, MD, TeX)")


def stage_provenance(ctx: Any) -> None:
    """Write ``results/provenance.json`` (inputs, outputs, packages, model specifications)."""
    from trends.provenance import build_provenance, write_provenance

    f = fitted(ctx)
    specs = {s.name: s.to_dict() for s in [*f["main_specs"], *f["robust_specs"]]}
    target = ctx.results / "provenance.json"
    outputs = sorted(p for d in (ctx.figures, ctx.results) for p in Path(d).glob("*")
                     if p.is_file() and p.name != target.name and not p.name.startswith("."))
    record = build_provenance(
        [ctx.raw, ctx.root / "data" / "claims.csv",
         # this run's files (the cached inputs may have been read from an earlier staging)
         *(Path(ctx.processed) / p.name for p in f["inputs"].files)],
        specifications=specs, outputs=outputs,
        root=[ctx.stage_root, ctx.root] if getattr(ctx, "stage_root", None) else ctx.root,
        extra={"command": "trends reproduce", "figures": {k: list(v) for k, v in FIGURES.items()},
               "tables": {k: list(v) for k, v in TABLES.items()}})
    write_provenance(target, record)
    ctx.outputs["provenance"] = _rel(ctx, [target])
    ctx.log(f"provenance: {len(record['inputs'])} inputs, {len(record['outputs'])} outputs -> "
            f"{_rel(ctx, [target])[0]}")


__all__ = ["FIGURES", "MODEL_LABELS", "REPORTS", "TABLES", "CEASEFIRE_WINDOWS",
           "estimands_figure", "fitted",
           "interruption_labels",
           "stage_study", "study", "stage_figures", "stage_models", "stage_provenance",
           "stage_tables"]
