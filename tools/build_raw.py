"""Build ``data/raw/*.csv`` from ``../shared/data/published_figures*.csv`` (one-off, re-runnable).

Each published figure of ``published_figures.csv`` and ``published_figures_addendum.csv``
becomes one row of a PIPS-style long table, one file per source organisation. Every figure keeps
its page URL and verbatim quote; nothing is derived, filled or dropped. The corrections listed in
``published_figures_NOTES.md`` are applied here, never by hand: as a flag (``SUSPECT``) or, for a
figure credited to the wrong organisation or recorded under the wrong measure, by moving the row
(``REASSIGN``) with a note saying what the page printed. Figures whose period the panel schema
cannot express (``published_figures_nonstandard_periods.csv``: PIPS's 15 August - 14 August
years) are copied unchanged to ``nonstandard/``, a folder the cleaner does not read.
Added columns:

``origin_file``, ``origin_line``
    The file (``published_figures.csv`` or ``published_figures_addendum.csv``) and physical line
    of the figure in it (provenance; the header is line 1).
``flag``
    Short reason code for a row that ``published_figures_NOTES.md`` calls suspect (see
    ``SUSPECT`` below and ``data/raw/README.md``); empty otherwise.
``note``
    Plain-words explanation of the flag or of a convention applying to the row.
``published``
    Publication date read off the URL (``/2023/03/01/``, ``/05-Mar-2023/``, ``/2024/sep/03/``,
    ``-2023-02-01`` at the end, a ``YYYYMMDDhhmmss`` stamp); ``YYYY-MM`` when the URL gives only
    a month; empty when the URL has no date. Never guessed. When the URL has no date, a quote
    on the page that dates the page relative to its own figure is read instead: "last year"
    about an annual figure for year Y (the quote not naming Y) means the page appeared in Y+1
    (``published`` = ``Y+1``); "last month"/"past month" about a monthly figure for month M
    (the quote not naming M) means it appeared in month M+1. The row's note says so.
``vintage``
    The release the figure was read in, as the period that release reports on: the latest
    period (``YYYY``, ``YYYY-Qn``, ``YYYY-Hn``, ``YYYY-MM``) named in the quotes of the same page
    or in its URL slug, not earlier than the figure's own period and not starting after the
    page's publication date; empty when the page names no period at or after the figure's.
    A year named on a page that also names a month, quarter or half of that year counts as
    context, not as the release (the finer period does).
    A figure whose vintage is later than its own period is a restatement in a later release
    (e.g. "The year 2022 had witnessed 380 militant attacks" on PICSS's 2023 annual report).
    Bare month, quarter or half-year names ("in April", "Q2") take the figure's year. The
    cleaner's ``latest_release`` step ranks releases by this column, then by ``published``.

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
           "flag", "note", "published", "vintage", "origin_file", "origin_line"]
MAIN = "published_figures.csv"
ADDENDUM = "published_figures_addendum.csv"
NONSTANDARD = "published_figures_nonstandard_periods.csv"
NONSTANDARD_OUT = Path("nonstandard") / "pips_takeover_years.csv"

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
    # -- corrections section of published_figures_NOTES.md (December 2026) --
    (("PICSS", "2018-10", "Khyber Pakhtunkhwa", "killed", "4", "picss.net/militant-attacks-again"),
     "derived", "sum of components, not a published total: the quote gives 'three civilians "
     "and one security forces personnel'"),
    (("PICSS", "2019-08", "Khyber Pakhtunkhwa", "killed", "7",
      "casualties-in-militant-attacks-drop"),
     "derived", "sum of components, not a published total: the quote gives 'six civilians and "
     "one security forces personnel'"),
    (("PICSS", "2021-11", "Balochistan", "killed", "14", "slight-decline-in-militant-attacks"),
     "derived", "sum of components, not a published total: the quote gives 'seven civilians "
     "and seven security forces personnel'"),
    (("PICSS", "2021-02", "national", "attacks", "20", "sify.com"), "implicit",
     "stated equality, not a published count: 'In February, the same number of militant "
     "attacks were reported' as in March (20)"),
    (("PICSS", "2023-02", "national", "killed", "59", None), "inconsistent",
     "the total disagrees with its own breakdown: one report of it lists '27 civilians, 18 "
     "security forces personnel, and 17 militants' (= 62, the competing value)"),
]

# Rows moved to another organisation or measure (published_figures_NOTES.md, corrections):
# (source_org, period, region, measure, value, url substring) -> (field changes, flag, note).
# The page's own text is kept in ``quote``; the note says what the page printed.
REASSIGN: list[tuple[tuple[str, str, str, str, str, str], dict[str, str], str, str]] = [
    (("PIPS", "2024-11", "national", "killed_all", "245", "indiandefensenews.in"),
     {"source_org": "PICSS"}, "reattributed",
     "the page credits PIPS, but the figure is PICSS's November 2024 all-violence toll (PICSS "
     "reports 245 = 68 security personnel + 50 civilians + 127 militants; the page mixes PIPS's "
     "61 attacks with PICSS's casualty totals); moved from PIPS to PICSS"),
    (("PICSS", "2024-08", "Balochistan", "killed_all", "125", "freepressjournal.in"),
     {"measure": "killed"}, "remeasured",
     "recorded as killed_all on the first pass; Pakistan Today reports the 125 as deaths in "
     "militant attacks only, so the measure is killed"),
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


def published_from_quote(row: dict[str, str]) -> str:
    """Publication period implied by "last year"/"last month" in the row's quote, else ``""``.

    Read only when the quote names no period at or after the row's own (so "last" can only be
    relative to the page's date, not to a later period the quote talks about).
    """
    q, period = row["quote"].lower(), row["period"]
    if re.fullmatch(r"\d{4}", period) and re.search(r"\blast year\b", q):
        if all(int(y) < int(period) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", q)):
            return str(int(period) + 1)
    if re.fullmatch(r"\d{4}-\d{2}", period) and re.search(r"\b(last|past) month\b", q):
        y, m = int(period[:4]), int(period[5:])
        named = [i for n, i in _MONTH_NAMES.items() if len(n) > 3 and re.search(rf"\b{n}\b", q)]
        if all(i < m for i in named) and str(y + 1) not in q:
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            return f"{y}-{m:02d}"
    return ""


def _matches(row: dict[str, str], key: tuple) -> bool:
    src, period, region, measure, value, url_part = key
    return (row["source_org"] == src and row["period"] == period
            and (region is None or row["region"] == region)
            and (measure is None or row["measure"] == measure)
            and (value is None or row["value"] == value)
            and (url_part is None or url_part in row["url"]))


# --------------------------------------------------------------------------- vintage

_MONTH_NAMES = {name: i for i, names in enumerate([
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")], 1) for name in names}
_MONTH_RE = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
#: "May" is a month only in these contexts ("in May", "May 2023", "of May")
_MAY_MONTH = re.compile(r"\bin\s+may\b|\bmay\s+\d|\bof\s+may\b")
_ORD = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
        "4th": 4}
_YEAR = (r"(?<![\d/.,-])(19[9]\d|20[0-2]\d)(?![\d,]|\.\d|\s+(?:fatalit|deaths|injur|people|"
         r"persons|attacks|casualt|militants|killed|civilians|incidents))")


def _span(label: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """(first month, last month) of a period label, as (year, month) pairs."""
    y = int(label[:4])
    if len(label) == 4:
        return (y, 1), (y, 12)
    tail = label[5:]
    if tail[0] == "Q":
        q = int(tail[1])
        return (y, 3 * q - 2), (y, 3 * q)
    if tail[0] == "H":
        h = int(tail[1])
        return (y, 6 * h - 5), (y, 6 * h)
    return (y, int(tail)), (y, int(tail))


def period_mentions(text: str, year: int) -> list[str]:
    """Period labels named in ``text``; bare month/quarter/half names take ``year``."""
    t = text.lower()
    out: list[str] = []
    taken: list[tuple[int, int]] = []

    def add(label: str, m: re.Match[str]) -> None:
        out.append(label)
        taken.append(m.span())

    def free(m: re.Match[str]) -> bool:
        return all(m.end() <= a or m.start() >= b for a, b in taken)

    for m in re.finditer(rf"\b({_MONTH_RE})\.?,?\s+{_YEAR}", t):
        add(f"{m[2]}-{_MONTH_NAMES[m[1]]:02d}", m)
    for m in re.finditer(rf"\bq([1-4])\s*(?:of\s+)?{_YEAR}|{_YEAR}[-\s]q([1-4])\b", t):
        if free(m):
            add(f"{m[2]}-Q{m[1]}" if m[1] else f"{m[3]}-Q{m[4]}", m)
    for m in re.finditer(rf"\b(first|1st|second|2nd|third|3rd|fourth|4th)\s+quarter\s+"
                         rf"(?:of\s+)?(?:the\s+)?(?:year\s+)?{_YEAR}", t):
        if free(m):
            add(f"{m[2]}-Q{_ORD[m[1]]}", m)
    for m in re.finditer(rf"\b(first|second)\s+half\s+(?:of\s+)?(?:the\s+)?(?:year\s+)?{_YEAR}", t):
        if free(m):
            add(f"{m[2]}-H{_ORD[m[1]]}", m)
    for m in re.finditer(_YEAR, t):
        if free(m):
            add(m[1], m)
    for m in re.finditer(rf"\b({_MONTH_RE})\b", t):
        if free(m) and not (m[1] == "may" and not _MAY_MONTH.search(t)):
            if len(m[1]) <= 4 and m[1] not in ("may", "june", "july"):
                continue  # bare abbreviations are too ambiguous in running text
            add(f"{year}-{_MONTH_NAMES[m[1]]:02d}", m)
    for m in re.finditer(r"\bq([1-4])\b", t):
        if free(m):
            add(f"{year}-Q{m[1]}", m)
    for m in re.finditer(r"\b(first|1st|second|2nd|third|3rd|fourth|4th)\s+quarter\b", t):
        if free(m):
            add(f"{year}-Q{_ORD[m[1]]}", m)
    return out


def _url_text(url: str) -> str:
    """The URL's path words, without its date components (``/2023/01/02/``, ``01-Oct-2019``)."""
    path = re.sub(r"^https?://[^/]+", "", url)
    path = re.sub(r"/\d{4}/(\d{2}|[a-z]{3})(/\d{2})?/", "/", path, flags=re.I)
    path = re.sub(r"/\d{2}-[A-Za-z]{3}-\d{4}/", "/", path)
    path = re.sub(r"-\d{4}-\d{2}-\d{2}/?$", "", path)
    path = re.sub(r"\d{14}$", "", path)
    return re.sub(r"[-_/+%]+", " ", path)


def vintage(row: dict[str, str], page_quotes: list[str]) -> str:
    """The release period a figure was read in (see the module docstring), or ``""``."""
    period = row["period"]
    if not re.fullmatch(r"\d{4}(-(\d{2}|Q[1-4]|H[12]))?", period):
        return ""
    lo, hi = _span(period)
    year = int(period[:4])
    pub = row.get("published", "")
    pub_ym = (int(pub[:4]), int(pub[5:7])) if len(pub) >= 7 else None
    best: tuple[tuple[int, int], str] | None = None
    labels = [label for text in [*page_quotes, _url_text(row["url"])]
              for label in period_mentions(text, year)]
    finer = {label[:4] for label in labels if len(label) > 4}
    # a year named beside a month/quarter/half of that year is context ("the deadliest month
    # of 2023"), not the release: the release is the finer period
    labels = [label for label in labels if len(label) > 4 or label not in finer]
    for label in labels:
        start, end = _span(label)
        if end < hi or (pub_ym is not None and start > pub_ym):
            continue
        # the latest end wins; at equal ends the coarser (earlier-starting) label
        if best is None or end > best[0] or (end == best[0] and start < _span(best[1])[0]):
            best = (end, label)
    return best[1] if best else ""


# --------------------------------------------------------------------------- build


def _read(src: Path, name: str) -> list[dict[str, str]]:
    with open(src, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = []
        prev = 1
        for rec in reader:
            start, prev = prev + 1, reader.line_num
            rec["origin_file"], rec["origin_line"] = name, str(start)
            rec.setdefault("note", "")
            rows.append(rec)
    return rows


def build(src: Path, out: Path) -> dict[str, int]:
    """Write one CSV per source into ``out``; return rows written per file.

    ``src`` is ``published_figures.csv``; ``published_figures_addendum.csv`` and
    ``published_figures_nonstandard_periods.csv`` are read from the same folder when present.
    """
    rows = _read(src, MAIN)
    add = src.parent / ADDENDUM
    if add.is_file():
        rows += _read(add, ADDENDUM)
    by_file: dict[str, list[dict[str, str]]] = {}
    used = [0] * len(SUSPECT)
    moved = [0] * len(REASSIGN)
    implied: dict[str, set[str]] = {}
    for rec in rows:
        rec["published"] = published_from_url(rec["url"])
        if not rec["published"] and published_from_quote(rec):
            implied.setdefault(rec["url"], set()).add(published_from_quote(rec))
    for rec in rows:  # a page has one date: use the quotes' reading only when they agree
        dates = implied.get(rec["url"], set())
        if not rec["published"] and len(dates) == 1:
            rec["published"] = next(iter(dates))
            rec["_pub_note"] = (f"published {rec['published']} read from a quote on the page "
                                "('last year'/'last month' about its own figure)")
    quotes: dict[str, list[str]] = {}
    for rec in rows:
        quotes.setdefault(rec["url"], []).append(rec["quote"])
    for rec in rows:
        flags, notes = [], []
        if rec["origin_file"] == ADDENDUM and rec["note"]:
            notes.append("addendum: " + rec["note"])
        for i, (key, changes, flag, note) in enumerate(REASSIGN):
            if _matches(rec, key):
                moved[i] += 1
                was = ", ".join(f"{k} {rec[k]!r}" for k in changes)
                rec.update(changes)
                flags.append(flag)
                notes.append(f"{note} (first recorded with {was})")
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
        if rec.get("_pub_note"):
            notes.append(rec["_pub_note"])
        rec["flag"] = ";".join(dict.fromkeys(flags))
        rec["note"] = "; ".join(notes)
        rec["vintage"] = vintage(rec, quotes[rec["url"]])
        by_file.setdefault(FILES.get(rec["source_org"], OTHER), []).append(rec)
    unused = [SUSPECT[i][0] for i, n in enumerate(used) if n == 0]
    unused += [REASSIGN[i][0] for i, n in enumerate(moved) if n == 0]
    if unused:
        raise SystemExit(f"suspect-row rules that match nothing: {unused}")
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    outputs: dict[Path, str] = {}
    for name, recs in sorted(by_file.items()):
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for rec in recs:
            w.writerow({c: rec[c] for c in COLUMNS})
        outputs[out / name] = buf.getvalue()
        counts[name] = len(recs)
    odd = src.parent / NONSTANDARD
    if odd.is_file():
        outputs[out / NONSTANDARD_OUT] = odd.read_text(encoding="utf-8")
        counts[str(NONSTANDARD_OUT)] = len(_read(odd, NONSTANDARD))
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.tmp"
        tmp.write_text(text, encoding="utf-8")
    for path in outputs:
        (path.parent / f".{path.name}.tmp").replace(path)
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
