"""Readers for PIPS-style count tables: long CSV, wide report tables and Excel workbooks.

Every reader returns the same *raw long frame*: one row per raw data cell with all values kept
as the text the file holds (nothing is interpreted here; :mod:`trends.clean` does that), plus
the location of the cell for the audit trail:

``file``
    The file label (the path as given, or relative to ``base``).
``line``
    Physical 1-based line number (CSV; the header is usually line 1) or sheet row (Excel).
``field``
    The column the value came from (``value`` in a long table, the column header in a wide one).
``header_line``, ``from_header``
    Line of the table's header, and which key (``period``, ``measure``, ``region``, ``group``)
    a wide table's column header supplied (``""`` in a long table): a bad column header is
    reported at the header line.
``role``
    ``""`` for an ordinary cell; ``"total_column"`` for a cell of a wide table's *Total*
    column over periods (its ``period`` is empty: the cleaner checks it against the sum of the
    row's other cells and does not count it again).

In a wide table each non-blank value cell is one raw data row (a blank cell is layout, not a
reported figure; written missing marks such as ``n/a`` or ``—`` are rows). The frame continues
with :data:`RAW_COLUMNS` (``source_org, period, region, group, measure, value, url, quote,
flag, note, published, vintage``; optional ones are ``""`` when absent).

Files are decoded as UTF-8 (with or without BOM), UTF-16 when it has a BOM, else cp1252 and
finally latin-1; the delimiter (comma, semicolon or tab) is taken from the header line. Lines
before the header that start with ``#`` may set constants for every row, e.g.
``# source_org: PIPS`` or ``# measure: attacks`` (useful for wide tables as reports print them).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from trends import aliases
from trends.errors import InputError
from trends.periods import try_parse_period
from trends.schema import LONG_REQUIRED

if TYPE_CHECKING:
    from trends.vocabulary import Vocabulary

#: Columns of the raw long frame after ``file, line, field``.
RAW_COLUMNS: tuple[str, ...] = (
    *LONG_REQUIRED, "url", "quote", "flag", "note", "published", "vintage",
)
#: Location columns heading the raw long frame.
LOCATION_COLUMNS: tuple[str, ...] = ("file", "line", "field", "role", "header_line",
                                     "from_header")
#: File name endings read from a folder (other files, and hidden files, are skipped).
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
#: Accepted ``format`` values for the PIPS-style readers.
FORMATS: tuple[str, ...] = ("auto", "long", "wide")

# Header spellings accepted for the standard columns (normalised keys).
_COLUMN_ALIASES: dict[str, str] = {
    "source_org": "source_org", "source org": "source_org", "source": "source_org",
    "organisation": "source_org", "organization": "source_org", "org": "source_org",
    "period": "period", "month": "period", "quarter": "period", "year": "period",
    "region": "region", "province": "region", "province/region": "region", "area": "region",
    "group": "group", "perpetrator": "group", "perpetrators": "group", "actor": "group",
    "measure": "measure", "indicator": "measure", "variable": "measure",
    "value": "value", "count": "value",
    "url": "url", "link": "url", "source url": "url", "source_url": "url",
    "quote": "quote", "flag": "flag", "note": "note", "notes": "note",
    "published": "published", "publication date": "published",
    "vintage": "vintage", "release": "vintage",
}
_LABEL_KINDS = ("period", "region", "group", "measure")
_TOTAL_HEADERS = {"total", "grand total", "totals", "sum", "overall"}
_BINARY_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f", "\v"}


@dataclass
class Grid:
    """A decoded table: header, data rows and their physical line numbers."""

    label: str
    header: list[str]
    header_line: int
    rows: list[list[str]]
    lines: list[int]
    preamble: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    delimiter: str = ","


# --------------------------------------------------------------------------- inputs


def expand_inputs(
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    base: str | os.PathLike[str] | None = None,
) -> list[tuple[Path, str]]:
    """Expand files and folders into a sorted, de-duplicated list of ``(path, label)``.

    Folders contribute their files ending in :data:`TABLE_SUFFIXES` (not recursive; hidden files
    skipped). The label is the path relative to ``base`` when given, else the path as typed. The
    result is sorted by label so that output does not depend on the order of the inputs.

    Raises
    ------
    InputError
        For a path that does not exist or a folder without tables.
    """
    if isinstance(inputs, str | os.PathLike):
        inputs = [inputs]
    found: dict[Path, str] = {}
    items = list(inputs)
    if not items:
        raise InputError("no input given", expected="at least one file or folder")
    for item in items:
        path = Path(item)
        if not path.exists():
            raise InputError("no such file or folder", path=path,
                             expected="an existing file or folder")
        if path.is_dir():
            files = sorted(p for p in path.iterdir()
                           if not p.name.startswith(".") and p.suffix.lower() in TABLE_SUFFIXES)
            for p in files:  # a broken link or FIFO with a table suffix is refused, not skipped
                if not p.is_file():
                    raise InputError("not a regular file (a broken link, FIFO, device or "
                                     "folder)", path=p, expected="a table file")
            if not files:
                raise InputError("folder holds no tables", path=path,
                                 expected=f"files ending in {', '.join(TABLE_SUFFIXES)}")
        elif path.is_file():
            files = [path]
        else:
            raise InputError("not a regular file or folder", path=path,
                             expected="a file or folder")
        for f in files:
            label = os.path.relpath(f, base) if base is not None else str(f)
            found.setdefault(f.resolve(), label)
    return sorted(((p, lab) for p, lab in found.items()), key=lambda t: t[1])


# --------------------------------------------------------------------------- decoding


def decode_bytes(data: bytes, label: str) -> tuple[str, str]:
    """Decode a text table; return ``(text, encoding)``.

    UTF-8 (BOM stripped) is tried first, UTF-16 only with a BOM, then cp1252, then latin-1.

    Raises
    ------
    InputError
        For an empty file or one that looks binary (NUL or other control bytes).
    """
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError("file is empty", path=label, line=1,
                         expected="a header row and at least one data row")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, enc = data.decode("utf-16"), "utf-16"
    else:
        if b"\x00" in data:
            raise InputError("binary file (NUL bytes)", path=label,
                             expected="a text table (CSV/TSV) or an .xlsx workbook")
        if data.startswith(b"\xef\xbb\xbf"):
            data, enc = data[3:], "utf-8-sig"
        else:
            enc = "utf-8"
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text, enc = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                text, enc = data.decode("latin-1"), "latin-1"
    sample = text[:65536]
    n_ctrl = sum(ch in _BINARY_CONTROL for ch in sample)
    if n_ctrl and (n_ctrl > 8 or n_ctrl / max(len(sample), 1) > 0.001):
        raise InputError("binary file (control characters)", path=label,
                         expected="a text table (CSV/TSV) or an .xlsx workbook")
    return text.lstrip("\ufeff"), enc


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    best = max(counts.values())
    if best == 0:
        return ","
    return next(d for d in (",", "\t", ";") if counts[d] == best)


def _preamble_entry(text: str, label: str, line: int) -> tuple[str, str]:
    body = text.lstrip("#").strip()
    if not body:
        return "", ""
    if ":" not in body:
        return "", ""  # a free comment
    key, value = body.split(":", 1)
    name = _COLUMN_ALIASES.get(aliases.normalise_key(key))
    if name is None or name == "value":
        return "", ""  # free comment such as '# Source: table 3' with unknown key
    return name, value.strip()


def read_csv_grid(path: str | os.PathLike[str], label: str | None = None) -> Grid:
    """Read a delimited text table into a :class:`Grid` (no interpretation of cells)."""
    label = label or str(path)
    data = Path(path).read_bytes()
    text, enc = decode_bytes(data, label)
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")),
                 "")
    delim = _sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    header: list[str] | None = None
    header_line = 0
    preamble: dict[str, str] = {}
    rows: list[list[str]] = []
    lines: list[int] = []
    prev = 0
    try:
        for record in reader:
            start, prev = prev + 1, reader.line_num
            if not any(c.strip() for c in record):
                continue
            if header is None:
                if record[0].lstrip().startswith("#"):
                    key, value = _preamble_entry(delim.join(record), label, start)
                    if key:
                        preamble[key] = value
                    continue
                header, header_line = record, start
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        # the record that failed starts on the line after the last complete one
        if "field limit" in str(exc):
            limit = csv.field_size_limit()
            raise InputError(f"over-long field (more than {limit:,} characters)", path=label,
                             line=prev + 1,
                             expected=f"fields of at most {limit:,} characters (a quote opened "
                             "on this line and never closed also makes one)") from None
        what = ("a quote opened here is never closed (unexpected end of data)"
                if "end of data" in str(exc) else f"malformed CSV ({exc})")
        raise InputError(what, path=label, line=prev + 1,
                         expected="fields quoted with matching \" marks (double a quote "
                         "inside a quoted field)") from None
    if header is None:
        raise InputError("no header row (only comments or blank lines)", path=label,
                         line=1, expected="a header row and at least one data row")
    return Grid(label, [h.strip() for h in header], header_line, rows, lines, preamble, enc,
                delim)


def _cell_text(value: object) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


#: Limits on a workbook before it is opened: uncompressed size, compression ratio, cells.
XLSX_MAX_BYTES = 200 * 2**20
XLSX_MAX_RATIO = 100
XLSX_MAX_CELLS = 5_000_000


def _check_xlsx_archive(path: str | os.PathLike[str], label: str) -> None:
    """Refuse an encrypted workbook and a zip bomb before openpyxl inflates anything."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE2: encrypted .xlsx (or old .xls)
        raise InputError("workbook is encrypted (password-protected) or an old binary .xls",
                         path=label, expected="an unencrypted .xlsx workbook (save it without "
                         "a password)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # reported by openpyxl's reader below
    size = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if size > XLSX_MAX_BYTES or size / packed > XLSX_MAX_RATIO and size > 10 * 2**20:
        raise InputError(f"workbook inflates to {size:,} bytes ({size / packed:.0f}x its "
                         "compressed size): refused as a possible zip bomb", path=label,
                         expected=f"at most {XLSX_MAX_BYTES:,} bytes uncompressed")


def _check_merged_values(path: str | os.PathLike[str], label: str, ws: Any) -> None:
    """Refuse a merged range whose hidden cells hold values: openpyxl (like Excel) drops them
    and shows the top-left value in every cell, which would silently copy one count over
    others. Read from the sheet's XML, since the loaded workbook no longer has them."""
    import xml.etree.ElementTree as ET

    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        if len(names) != 1:
            return
        root = ET.fromstring(zf.read(names[0]))
    valued = {}
    for c in root.iter(f"{ns}c"):
        v = c.find(f"{ns}v")
        t = c.find(f"{ns}is")
        if (v is not None and (v.text or "") != "") or t is not None:
            col, row = coordinate_from_string(c.get("r", "A1"))
            valued[(row, column_index_from_string(col))] = c.get("r")
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for col_i in range(rng.min_col, rng.max_col + 1):
                if (r, col_i) != (rng.min_row, rng.min_col) and (r, col_i) in valued:
                    raise InputError("a merged range covers value cells", path=label, line=r,
                                     field=str(rng.coord), value=valued[(r, col_i)],
                                     expected="merged labels or headers only (unmerge the "
                                     "cells)")


def read_xlsx_grid(path: str | os.PathLike[str], label: str | None = None) -> Grid:
    """Read the first worksheet of an .xlsx workbook into a :class:`Grid`.

    Merged cells take the value of their top-left cell. When the first header row holds a cell
    merged across columns (e.g. a year over its months), the first two rows form the header and
    their texts are joined (``"2022" + "Jan"`` -> ``"2022 Jan"``).
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    label = label or str(path)
    if Path(path).stat().st_size == 0:
        raise InputError("file is empty", path=label, line=1,
                         expected="a header row and at least one data row")
    _check_xlsx_archive(path, label)
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
        formulas = openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable .xlsx workbook ({exc.__class__.__name__})",
                         path=label, expected="an Excel .xlsx workbook") from None
    visible = [w for w in wb.worksheets if w.sheet_state == "visible"]
    if len(visible) != 1 or len(wb.worksheets) != 1:
        hidden = [w.title for w in wb.worksheets if w.sheet_state != "visible"]
        what = (f"{len(visible)} visible sheets" if len(visible) != 1 else
                f"a hidden sheet ({', '.join(map(repr, hidden))})")
        raise InputError(f"workbook holds {what}; which one is the table is not guessed",
                         path=label, value=", ".join(w.title for w in wb.worksheets),
                         expected="a workbook with exactly one (visible) sheet")
    ws = wb.worksheets[0]
    if ws.max_row * ws.max_column > XLSX_MAX_CELLS:
        raise InputError(f"worksheet has {ws.max_row} x {ws.max_column} cells", path=label,
                         expected=f"at most {XLSX_MAX_CELLS:,} cells")
    fws = formulas.worksheets[0]
    for row in fws.iter_rows():
        for cell in row:
            if cell.data_type == "f" and ws[cell.coordinate].value is None:
                raise InputError("formula without a saved value", path=label, line=cell.row,
                                 field=cell.coordinate, value=str(cell.value)[:80],
                                 expected="a workbook saved by a spreadsheet program (cached "
                                 "values), or the values pasted as values")
    cells = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    if ws.merged_cells.ranges:  # a merged label is fine; merging over values is not
        _check_merged_values(path, label, ws)
    horizontal_top: set[int] = set()
    for rng in ws.merged_cells.ranges:
        top = cells[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(cells) else ""
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if r - 1 < len(cells) and c - 1 < len(cells[r - 1]):
                    cells[r - 1][c - 1] = top
        if rng.max_col > rng.min_col:
            horizontal_top.add(rng.min_row)
    numbered = [(i + 1, row) for i, row in enumerate(cells) if any(c.strip() for c in row)]
    preamble: dict[str, str] = {}
    while numbered and numbered[0][1][0].lstrip().startswith("#"):
        key, value = _preamble_entry(" ".join(c for c in numbered[0][1] if c), label,
                                     numbered[0][0])
        if key:
            preamble[key] = value
        numbered.pop(0)
    if not numbered:
        raise InputError("worksheet has no header row", path=label, line=1,
                         expected="a header row and at least one data row")
    header_line, header = numbered.pop(0)
    if header_line in horizontal_top and numbered:
        _, second = numbered.pop(0)
        header = [a if a == b or not b else (b if not a else f"{a} {b}")
                  for a, b in zip(header, second, strict=True)]
    return Grid(label, [h.strip() for h in header], header_line,
                [r for _, r in numbered], [n for n, _ in numbered], preamble, "xlsx", "")


def read_grid(path: str | os.PathLike[str], label: str | None = None) -> Grid:
    """Read a CSV/TSV/text or .xlsx file into a :class:`Grid` by its name ending."""
    suffix = Path(path).suffix.lower()
    label = label or str(path)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_grid(path, label)
    if suffix == ".xls":
        raise InputError("old binary Excel (.xls) is not supported", path=label,
                         expected="an .xlsx workbook or a CSV file")
    return read_csv_grid(path, label)


# --------------------------------------------------------------------------- layout


def _canonical_header(grid: Grid) -> list[str]:
    """Header names mapped to standard names where recognised; checks blanks and duplicates."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(grid.header):
        key = aliases.normalise_key(raw)
        name = _COLUMN_ALIASES.get(key, raw.strip())
        if not raw.strip():
            name = ""
        if name:
            if name in seen:
                raise InputError("duplicated column", path=grid.label, line=grid.header_line,
                                 field=raw.strip(), expected="each column name once")
            seen[name] = i
        names.append(name)
    return names


def _check_widths(grid: Grid, names: list[str]) -> int:
    """Trim trailing unnamed empty columns; reject ragged rows. Returns the used width."""
    width = len(names)
    while width and not names[width - 1] and all(
        len(r) < width or not r[width - 1].strip() for r in grid.rows
    ):
        width -= 1
    for row, line in zip(grid.rows, grid.lines, strict=True):
        if len(row) < width:
            if grid.delimiter == "":  # Excel: a short row only means empty trailing cells
                row.extend([""] * (width - len(row)))
                continue
            raise InputError(f"row has {len(row)} fields but the header has {width}",
                             path=grid.label, line=line,
                             expected=f"{width} fields (use empty cells for missing values)")
        if len(row) > width and any(c.strip() for c in row[width:]):
            raise InputError(f"row has {len(row)} fields but the header has {width}",
                             path=grid.label, line=line, field=f"column {width + 1}",
                             value=next(c for c in row[width:] if c.strip()),
                             expected=f"{width} fields")
    for i in range(width):
        if not names[i] and i > 0 and any(i < len(r) and r[i].strip() for r in grid.rows):
            raise InputError(f"column {i + 1} has values but no header", path=grid.label,
                             line=grid.header_line, field=f"column {i + 1}",
                             expected="a column name")
    return width


def _vocab(vocabulary: Vocabulary | None) -> Vocabulary:
    from trends.vocabulary import default_vocabulary

    return vocabulary or default_vocabulary()


def _classify_header(text: str, vocab: Vocabulary | None = None) -> str | None:
    v = _vocab(vocab)
    key = aliases.normalise_key(text)
    if key in _TOTAL_HEADERS:
        return "total"
    if try_parse_period(text, horizon="9999", min_year=v.rules.min_year,
                        yyyy_yy="fiscal") is not None:
        return "period"
    if v.measures.lookup(text):
        return "measure"
    if v.regions.lookup(text):
        return "region"
    if v.groups.lookup(text):
        return "group"
    return None


def _classify_values(values: Sequence[str], vocab: Vocabulary | None = None) -> str | None:
    v = _vocab(vocab)
    vals = [x for x in values if x.strip()]
    if not vals:
        return None
    for kind in ("period", "region", "measure", "group"):
        if kind == "period":
            ok = all(try_parse_period(x, horizon="9999", min_year=v.rules.min_year,
                                    yyyy_yy="fiscal") is not None
                     for x in vals)
        else:
            ok = all(v.table(kind).lookup(x) for x in vals)
        if ok:
            return kind
    return None


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("line", "header_line") else "str")
                         for c in (*LOCATION_COLUMNS, *RAW_COLUMNS)})


def _frame(records: list[dict[str, object]]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records, columns=[*LOCATION_COLUMNS, *RAW_COLUMNS])
    for c in ("line", "header_line"):
        df[c] = df[c].astype("int64")
    for c in df.columns:
        if c not in ("line", "header_line"):
            df[c] = df[c].astype("str")
    return df


def grid_to_long(
    grid: Grid, *, format: str = "auto", defaults: dict[str, str] | None = None,
    vocabulary: Vocabulary | None = None,
) -> pd.DataFrame:
    """Turn a :class:`Grid` into the raw long frame (see the module docstring).

    Parameters
    ----------
    grid
        The decoded table.
    format
        ``"long"`` (header must hold ``source_org, period, region, group, measure, value``),
        ``"wide"`` (value columns are periods, measures, regions or groups) or ``"auto"``
        (long when the header has a ``value`` column or only standard column names).
    defaults
        Constants for columns the table lacks; ``# key: value`` preamble lines override them.
    vocabulary
        Names used to recognise a wide table's headers and row labels (default Pakistan's;
        see :mod:`trends.vocabulary`).
    """
    if format not in FORMATS:
        raise InputError("unknown table format", value=format, expected=" or ".join(FORMATS))
    names = _canonical_header(grid)
    width = _check_widths(grid, names)
    names = names[:width]
    consts = {**(defaults or {}), **grid.preamble}
    if not grid.rows:
        raise InputError("no data rows (header only)", path=grid.label, line=grid.header_line,
                         expected="at least one data row below the header")
    present = set(names)
    # a table is long when it has a 'value' column, or when every named column is a standard
    # one (then it is a long table lacking 'value', reported as such)
    unknown = [n for n in names if n and n not in RAW_COLUMNS]
    is_long = format == "long" or (format == "auto" and ("value" in present or not unknown))
    if is_long:
        return _long_records(grid, names, consts)
    return _wide_records(grid, names, consts, vocabulary)


def _long_records(grid: Grid, names: list[str], consts: dict[str, str]) -> pd.DataFrame:
    missing = [c for c in LONG_REQUIRED if c not in names and c not in consts]
    if missing:
        # the header as read, with invisible characters escaped (a zero-width space or BOM
        # inside a name is the usual reason a present-looking column is missing)
        raise InputError("missing required column", path=grid.label, line=grid.header_line,
                         field=missing[0], value=",".join(grid.header),
                         expected="a header with columns " + ",".join(LONG_REQUIRED))
    idx = {n: i for i, n in enumerate(names) if n}
    records = []
    for row, line in zip(grid.rows, grid.lines, strict=True):
        rec: dict[str, object] = {"file": grid.label, "line": line, "field": "value",
                                  "role": "", "header_line": grid.header_line,
                                  "from_header": ""}
        for c in RAW_COLUMNS:
            rec[c] = row[idx[c]] if c in idx else consts.get(c, "")
        records.append(rec)
    return _frame(records)


def _wide_records(grid: Grid, names: list[str], consts: dict[str, str],
                  vocabulary: Vocabulary | None = None) -> pd.DataFrame:
    vocab = _vocab(vocabulary)
    meta = {n: i for i, n in enumerate(names) if n in RAW_COLUMNS and n != "value"}
    label_col: int | None = None
    label_kind: str | None = None
    for i, n in enumerate(names):
        if n in _LABEL_KINDS:
            label_col, label_kind = i, n
            break
    value_cols = [i for i, n in enumerate(names) if i not in meta.values() and i != label_col]
    if label_col is None and value_cols and value_cols[0] == 0:
        # first column is the row label without a recognised header: infer from its cells
        label_kind = _classify_values([r[0] for r in grid.rows], vocab)
        if label_kind is None:
            raise InputError("cannot tell what the first column holds", path=grid.label,
                             line=grid.header_line, field=grid.header[0] or "column 1",
                             expected="a column named period, region, group or measure, "
                             "or row labels that are all periods, regions, groups or measures")
        label_col = 0
        value_cols = value_cols[1:]
    if not value_cols:
        raise InputError("no value columns", path=grid.label, line=grid.header_line,
                         expected="a long table with a 'value' column, or a wide table whose "
                         "columns are periods, measures, regions or groups")
    kinds: dict[int, str] = {}
    for i in value_cols:
        kind = _classify_header(grid.header[i], vocab)
        if kind is None:
            hints = []
            for k in ("measure", "region", "group"):
                hints += vocab.table(k).suggest(grid.header[i])
            hint = f" (did you mean {hints[0]!r}?)" if hints else ""
            raise InputError(f"column header is not a period, measure, region or group{hint}",
                             path=grid.label, line=grid.header_line, field=grid.header[i],
                             expected="long-table columns " + ",".join(LONG_REQUIRED)
                             + " or wide-table columns that are periods/measures/regions")
        kinds[i] = kind
    real = sorted({k for k in kinds.values() if k != "total"})
    if len(real) != 1:
        first = {k: next(grid.header[i] for i in value_cols if kinds[i] == k) for k in real}
        raise InputError("value columns mix kinds: " + ", ".join(
            f"{k} ({h!r})" for k, h in first.items()), path=grid.label, line=grid.header_line,
            expected="value columns that are all periods, all measures, all regions or "
            "all groups")
    col_kind = real[0]
    if col_kind == "period":  # one month in two spellings (Jan 2022, January 2022)
        seen: dict[str, int] = {}
        for i in value_cols:
            if kinds[i] != "period":
                continue
            p = try_parse_period(grid.header[i], horizon="9999", min_year=0, yyyy_yy="month")
            if p is None:
                continue
            if p.label in seen:
                j = seen[p.label]
                raise InputError(
                    f"the same period {p.label} heads two columns: {grid.header[j]!r} "
                    f"(column {j + 1}) and {grid.header[i]!r} (column {i + 1})",
                    path=grid.label, line=grid.header_line, field=grid.header[i],
                    expected="each period in one column only")
            seen[p.label] = i
    if col_kind == label_kind:
        raise InputError(f"row labels and column headers are both {col_kind}s",
                         path=grid.label, line=grid.header_line,
                         field=grid.header[label_col] if label_col is not None else None,
                         expected="rows and columns of different kinds")
    for k in ("source_org", "measure", "period"):
        if k not in meta and k != col_kind and k != label_kind and k not in consts:
            raise InputError(f"wide table does not say its {k}", path=grid.label,
                             line=grid.header_line, field=k,
                             expected=f"a '{k}' column or a '# {k}: ...' line above the header")
    records = []
    for row, line in zip(grid.rows, grid.lines, strict=True):
        base = {c: consts.get(c, "") for c in RAW_COLUMNS if c != "value"}
        base.setdefault("region", "")
        if "region" not in meta and label_kind != "region" and col_kind != "region":
            base["region"] = base["region"] or "national"
        if "group" not in meta and label_kind != "group" and col_kind != "group":
            base["group"] = base["group"] or "all"
        for c, i in meta.items():
            base[c] = row[i]
        if label_col is not None and label_kind is not None:
            base[label_kind] = row[label_col]
        for i in value_cols:
            if not row[i].strip():
                continue  # a blank cell of a wide table is layout, not a reported figure
            rec: dict[str, object] = {"file": grid.label, "line": line,
                                      "field": grid.header[i], "role": "",
                                      "header_line": grid.header_line,
                                      "from_header": col_kind, **base}
            if kinds[i] == "total":
                if col_kind != "period":
                    rec[col_kind] = grid.header[i]
                else:
                    rec["period"] = ""
                    rec["role"] = "total_column"
            else:
                rec[col_kind] = grid.header[i]
            rec["value"] = row[i]
            records.append(rec)
    return _frame(records)


# --------------------------------------------------------------------------- public


def read_table(
    path: str | os.PathLike[str],
    *,
    format: str = "auto",
    defaults: dict[str, str] | None = None,
    label: str | None = None,
    vocabulary: Vocabulary | None = None,
) -> pd.DataFrame:
    """Read one PIPS-style table (long or wide; CSV/TSV or .xlsx) into the raw long frame.

    Parameters
    ----------
    path
        The file.
    format
        ``"auto"``, ``"long"`` or ``"wide"`` (see :func:`grid_to_long`).
    defaults
        Constants for columns the table lacks (e.g. ``{"source_org": "PIPS"}``).
    label
        Name used for the file in the output and in error messages (default: the path).

    Returns
    -------
    pandas.DataFrame
        Columns ``file, line, field`` and :data:`RAW_COLUMNS`, all text except ``line``.

    Raises
    ------
    InputError
        Naming the file, line and field for every kind of malformed input.
    """
    p = Path(path)
    label = label or str(path)
    if not p.exists():
        raise InputError("no such file", path=label, expected="an existing file")
    if p.is_dir():
        raise InputError("is a folder, not a file", path=label,
                         expected="a file (use read_inputs for folders)")
    return grid_to_long(read_grid(p, label), format=format, defaults=defaults,
                        vocabulary=vocabulary)


def read_inputs(
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    format: str = "auto",
    defaults: dict[str, str] | None = None,
    base: str | os.PathLike[str] | None = None,
    vocabulary: Vocabulary | None = None,
) -> pd.DataFrame:
    """Read files and folders (see :func:`expand_inputs`) into one raw long frame."""
    frames = [read_table(p, format=format, defaults=defaults, label=lab, vocabulary=vocabulary)
              for p, lab in expand_inputs(inputs, base=base)]
    if not frames:
        return _empty_frame()
    return pd.concat(frames, ignore_index=True)
