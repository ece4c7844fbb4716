"""Build ``data/raw/*.csv`` from ``../shared/data/published_figures.csv`` (one-off, re-runnable).

Each published figure becomes one row of a PIPS-style long table, one file per source
organisation. Every figure keeps its page URL and verbatim quote; nothing is derived, filled or
dropped. Added columns:

``origin_line``
    Physical line of the figure in ``published_figures.csv`` (provenance; the header is line 1).
``flag``
    Short reason code for a row that ``published_figures_NOTES.md`` calls suspect (see
    ``SUSPECT`` below and ``data/raw/README.md``); empty otherwise.
``note``
    Plain-words explanation of the flag or of a convention applying to the row.
``published``
    Publication date read off the URL (``/2023/03/01/``, ``/05-Mar-2023/``, ``/2024/sep/03/``,
    ``-2023-02-01`` at the end, a ``YYYYMMDDhhmmss`` stamp); ``YYYY-MM`` when the URL gives only
    a month; empty when the URL has no date. Never guessed.

Usage::

    python tools/build_raw.py [--src ../shared/data/published_figures.csv] [--out data/raw]
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = ROOT.parent / "shared" / "data" / "published_figures.csv"

#: source_org -> output file name
FILES = {
    "PICSS": "picss.csv",
    "PIPS": "pips.csv",
    "CRSS": "crss.csv",
    "SATP": "satp.csv",
}
OTHER = "other.csv"  # Global Terrorism Index, US State Department, BBC News
COLUMNS = ["source_org", "period", "region", "group", "measure", "value", "url", "quote",
           "flag", "note", "published", "origin_line"]

# (source_org, period, region, measure, value, url substring) -> (flag, note); None = any.
# Each entry is a row that published_figures_NOTES.md ("Suspect entries", "Gap-filling pass")
# calls suspect or special. tests/test_raw_data.py checks that every entry matches >= 1 row.
SUSPECT: list[tuple[tuple[str, str, str | None, str, str | None, str | None], str, str]] = [
    (("PICSS", "2019-08", "national", "attacks", "3", "nation.com.pk/01-Oct-2019"), "typo",
     "typo in the article: the same page says 'these 16 militant attacks'; other pages give 18"),
    (("PICSS", "2019-09", "national", "attacks", "15", "nation.com.pk/01-Oct-2019"), "typo",
     "typo in the article: the same page says 'these 16 militant attacks'"),
    (("PICSS", "2019-05", "national", "killed", "37", None), "ambiguous",
     "from '37 resultant casualties' (may include injured); PIPS gives 49 killed for May 2019"),
    (("PICSS", "2019-07", "national", "injured", "104", None), "inconsistent",
     "same text says '91 out of 100' injured were civilians"),
    (("PICSS", "2015-05", "national", None, None, "02-Jun-2015"), "ambiguous",
     "headline says 'in five months'; body reads as May only"),
    (("PIPS", "2019-10", "Khyber Pakhtunkhwa", None, None, None), "typo",
     "page says 'in November (7)' inside the October review"),
    (("PIPS", "2024-11", "national", "killed_all", "245", None), "conflict",
     "conflicts with the Dawn-based 169 killed for November 2024"),
    (("PICSS", "2023-11", "Khyber Pakhtunkhwa (incl. merged districts)", "attacks", "51", None),
     "relabelled", "page says 'KP 51 attacks'; it splits them 20 ex-FATA + 31 mainland, so the "
     "figure is recorded as KP incl. merged districts"),
    (("SATP", "2022", "national", None, None, "aajtak.in"), "secondary",
     "SATP figure quoted by a Hindi news page (aajtak), not by SATP itself"),
    (("BBC News", "2021-Q3", None, None, None, None), "secondary",
     "from an aggregator repost of a BBC piece; original source unclear"),
    (("CRSS", "2018", "national", "attacks", "400", None), "approximate",
     "CRSS says 'nearly 400' terror attacks"),
    (("CRSS", "2019", "national", "attacks", "370", None), "approximate",
     "CRSS says 'nearly 370' terror attacks"),
    (("PICSS", "2020-03", "national", "attacks", "9", None), "implicit",
     "stated equality, not a subtraction: the April 2020 report says attacks 'remained the same "
     "as compared to March' and April had nine"),
    (("CRSS", "2019-Q1", "Sindh", None, None, "archive.pakistantoday.com.pk"), "inconsistent",
     "quote reads '67 casualties ... 53 fatalities and 15 injuries' (53+15=68; typo on page)"),
    (("CRSS", "2021-Q2", "national", "injured_all", "966", None), "inflated",
     "966 includes ~800 wounded in TLP protests"),
]

#: Notes attached to every row matching (source_org, region, from-period) without flagging it.
CONVENTIONS = [
    (("PIPS", "Khyber Pakhtunkhwa", "2019-01"),
     "PIPS 'Khyber Pakhtunkhwa' from 2019 includes the merged districts (ex-FATA); the cleaner "
     "maps it to khyber_pakhtunkhwa_incl_ex_fata by the rule 'pips-kp-incl-merged' in "
     "src/trends/data/rules.json"),
]

_MON = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def published_from_url(url: str) -> str:
    """Publication date written in ``url`` (``YYYY-MM-DD`` or ``YYYY-MM``), else ``""``."""

    def ok(y: int, m: int, d: int | None = None) -> bool:
        return 1990 <= y <= 2100 and 1 <= m <= 12 and (d is None or 1 <= d <= 31)

    m = re.search(r"/(\d{4})/(\d{2})/(\d{2})/", url)
    if m and ok(int(m[1]), int(m[2]), int(m[3])):
        return f"{m[1]}-{m[2]}-{m[3]}"
    m = re.search(r"/(\d{4})/([a-z]{3})/(\d{2})/", url, re.I)
    if m and m[2].lower() in _MON and ok(int(m[1]), _MON[m[2].lower()], int(m[3])):
        return f"{m[1]}-{_MON[m[2].lower()]:02d}-{m[3]}"
    m = re.search(r"/(\d{2})-([A-Za-z]{3})-(\d{4})/", url)
    if m and m[2].lower() in _MON and ok(int(m[3]), _MON[m[2].lower()], int(m[1])):
        return f"{m[3]}-{_MON[m[2].lower()]:02d}-{m[1]}"
    m = re.search(r"-(\d{4})-(\d{2})-(\d{2})/?$", url)
    if m and ok(int(m[1]), int(m[2]), int(m[3])):
        return f"{m[1]}-{m[2]}-{m[3]}"
    m = re.search(r"[a-z](20\d{2})(\d{2})(\d{2})\d{6}$", url)
    if m and ok(int(m[1]), int(m[2]), int(m[3])):
        return f"{m[1]}-{m[2]}-{m[3]}"
    m = re.search(r"/(\d{4})/(\d{2})/", url)
    if m and ok(int(m[1]), int(m[2])):
        return f"{m[1]}-{m[2]}"
    return ""


def _matches(row: dict[str, str], key: tuple) -> bool:
    src, period, region, measure, value, url_part = key
    return (row["source_org"] == src and row["period"] == period
            and (region is None or row["region"] == region)
            and (measure is None or row["measure"] == measure)
            and (value is None or row["value"] == value)
            and (url_part is None or url_part in row["url"]))


def build(src: Path, out: Path) -> dict[str, int]:
    """Write one CSV per source into ``out``; return rows written per file."""
    with open(src, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = []
        prev = 1
        for rec in reader:
            start, prev = prev + 1, reader.line_num
            rec["origin_line"] = str(start)
            rows.append(rec)
    by_file: dict[str, list[dict[str, str]]] = {}
    used = [0] * len(SUSPECT)
    for rec in rows:
        flags, notes = [], []
        for i, (key, flag, note) in enumerate(SUSPECT):
            if _matches(rec, key):
                used[i] += 1
                flags.append(flag)
                notes.append(note)
        for (s, region, start), note in CONVENTIONS:
            if rec["source_org"] == s and rec["region"] == region and rec["period"][:4] >= start[:4]:
                notes.append(note)
        if "PICCS" in rec["quote"]:
            notes.append("'PICCS' in the quote is the page's own typo for PICSS")
        rec["flag"] = ";".join(dict.fromkeys(flags))
        rec["note"] = "; ".join(notes)
        rec["published"] = published_from_url(rec["url"])
        by_file.setdefault(FILES.get(rec["source_org"], OTHER), []).append(rec)
    unused = [SUSPECT[i][0] for i, n in enumerate(used) if n == 0]
    if unused:
        raise SystemExit(f"suspect-row rules that match nothing: {unused}")
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, recs in sorted(by_file.items()):
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for rec in recs:
            w.writerow({c: rec[c] for c in COLUMNS})
        tmp = out / f".{name}.tmp"
        tmp.write_text(buf.getvalue(), encoding="utf-8")
        tmp.replace(out / name)
        counts[name] = len(recs)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=DEFAULT_SRC)
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "raw")
    args = ap.parse_args(argv)
    counts = build(args.src, args.out)
    for name, n in counts.items():
        print(f"{name}: {n} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
