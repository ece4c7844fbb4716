"""A self-contained HTML report of one fit: the figure embedded as a ``data:`` URI, the
narrative, the coefficient (and window) tables, the model facts and the provenance, with
inline CSS and no external resource, so that it opens offline and can be sent as one file.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["render"]

_CSS = """
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;max-width:60em;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}
dd{margin:0}figure{margin:1em 0}img{max-width:100%;height:auto}
figcaption{font-size:.85em;color:#444}code{font-size:.9em}.scroll{overflow-x:auto}
"""


def _table(df: Any) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>"
                   for r in df.itertuples(index=False))
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
            "</table></div>")


def render(*, title: str, narrative: Sequence[str], facts: Sequence[tuple[str, str]],
           tables: Sequence[tuple[str, Any]], figure_png: bytes | None = None,
           figure_caption: str = "", provenance: Mapping[str, Any] | None = None,
           legend: Sequence[tuple[str, str]] = ()) -> str:
    """The report as one HTML document (UTF-8 text).

    Parameters
    ----------
    title : str
        Page title and heading.
    narrative : sequence of str
        Paragraphs (plain text; escaped).
    facts : sequence of (name, value)
        Model facts (a definition list).
    tables : sequence of (heading, DataFrame)
        Tables, cells shown as text.
    figure_png : bytes, optional
        PNG bytes embedded as a data URI.
    figure_caption : str
        Caption of the figure.
    provenance : mapping, optional
        Inputs, versions and command (shown as a definition list).
    legend : sequence of (column, meaning)
        What the table columns mean.

    Returns
    -------
    str
    """
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(title)}</h1>", "<h2>What the model says</h2>"]
    parts += [f"<p>{e(p)}</p>" for p in narrative]
    if figure_png is not None:
        data = base64.b64encode(figure_png).decode("ascii")
        parts.append(f'<figure><img id="fit-figure" alt="{e(title)}: observed series, fitted '
                     f'model and counterfactual" src="data:image/png;base64,{data}">'
                     f"<figcaption>{e(figure_caption)}</figcaption></figure>")
    parts.append("<h2>Model</h2><dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>"
                                                 for k, v in facts) + "</dl>")
    for heading, df in tables:
        parts.append(f"<h2>{e(heading)}</h2>" + _table(df))
    if legend:
        parts.append("<h2>Columns</h2><dl>" + "".join(f"<dt><code>{e(k)}</code></dt>"
                                                       f"<dd>{e(v)}</dd>" for k, v in legend)
                     + "</dl>")
    if provenance:
        parts.append("<h2>Provenance</h2><dl>" + "".join(
            f"<dt>{e(str(k))}</dt><dd>{e(str(v))}</dd>" for k, v in provenance.items())
            + "</dl>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
