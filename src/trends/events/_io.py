"""Fast, typed reading of event-level CSV exports (pyarrow), with exact error locations.

Only the columns an adapter needs are parsed (``include_columns``); free-text columns such as GED
``source_article`` are skipped by the parser. Numbers are parsed by pyarrow directly; only when
that fails is the column re-read as text to find the first bad cell and report its line.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from trends.errors import InputError

#: Bytes read when looking for the header line (a longer first line is not a CSV header).
_HEADER_LIMIT = 1 << 20
#: Chunk size of the newline scan that maps records to physical lines.
_SCAN_CHUNK = 64 << 20
#: Chunk size of the newline count that proves the fast parse; sample size of the head check.
_COUNT_CHUNK = 16 << 20
_HEAD_SAMPLE = 4 << 20


def read_header(path: Path) -> list[str]:
    """Return the column names of ``path`` (first CSV record), validating them.

    Raises
    ------
    InputError
        Empty file, undecodable or binary header, or duplicated column names.
    """
    with open(path, "rb") as fh:
        head = fh.read(_HEADER_LIMIT)
    if not head.strip():
        raise InputError("file is empty", path=path, line=1, expected="a CSV header line")
    if b"\x00" in head[:4096]:
        raise InputError("file is binary, not CSV text", path=path, line=1,
                         expected="a UTF-8 CSV export")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a cut multi-byte character at the end is fine
            line = head.count(b"\n", 0, exc.start) + 1  # the line holding the bad bytes
            raise InputError("header is not UTF-8 text" if line == 1 else "not UTF-8 text",
                             path=path, line=line,
                             value=head[max(0, exc.start - 10):exc.start + 10],
                             expected="a UTF-8 CSV export") from None
        text = head[:exc.start].decode("utf-8-sig")
    first = next(csv.reader(io.StringIO(text)), [])
    names = [c.strip() for c in first]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError("duplicated column", path=path, line=1, field=name,
                             expected="each column name once")
        seen.add(name)
    return names


def require_columns(path: Path, names: Sequence[str], required: Sequence[str], fmt: str) -> None:
    """Raise :class:`InputError` naming the first required column absent from ``names``."""
    missing = [c for c in required if c not in names]
    if missing:
        raise InputError(
            f"missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} for format {fmt!r}",
            path=path, line=1, field=missing[0],
            expected="the dataset's own export header with " + ", ".join(required),
        )


def read_columns(
    path: Path,
    columns: Sequence[str],
    types: Mapping[str, pa.DataType],
) -> pa.Table:
    """Read ``columns`` (see :func:`_read_columns`); a control character NUL in any text
    column, anywhere in the file, is an InputError naming its line."""
    table = _read_columns(path, columns, types)
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_dictionary(col.type):
            col = pc.cast(col, pa.string())
        if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            continue
        hit = pc.match_substring(col, "\x00")
        if pc.any(hit).as_py():
            i = int(pc.index(hit, True).as_py())
            raise InputError("text holds a NUL control character", path=path,
                             line=record_line(path, i), field=name,
                             value=col[i].as_py()[:60], expected="text without control characters")
    return table


def _read_columns(
    path: Path,
    columns: Sequence[str],
    types: Mapping[str, pa.DataType],
) -> pa.Table:
    """Read ``columns`` of ``path`` with pyarrow, every column typed as in ``types`` (default text).

    Empty cells become nulls. Quoted fields may contain newlines (GED ``source_*`` fields do).
    A cell that does not parse as its type raises :class:`InputError` with its physical line.
    """
    text_types = {c: pa.string() for c in columns}
    all_types = {**text_types, **types}
    # Fast path: parse in parallel assuming no newline inside a quoted value, then prove the
    # assumption: every newline of the file must have ended a record. If not (GED source_*
    # fields hold quoted newlines), read again with pyarrow's newline-safe (serial) chunking.
    if not _quoted_newline_in_head(path):
        try:
            table = _read(path, columns, all_types, newlines_in_values=False)
            if _newlines_end_records(path, table.num_rows):
                _SIMPLE.add(_file_key(path))
                return table
        except pa.ArrowInvalid:
            pass
    try:
        return _read(path, columns, all_types)
    except pa.ArrowInvalid as exc:
        if "CSV parse error" in str(exc) or not types:
            raise _arrow_error(path, exc) from None
        # locate the offending cell exactly: re-read as text, parse each typed column ourselves
        try:
            table = _read(path, columns, text_types)
        except pa.ArrowInvalid as exc2:
            raise _arrow_error(path, exc2) from None
        for name, typ in types.items():
            column = table.column(name)
            try:
                pc.cast(column, typ)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                bad = first_bad_cell(column, typ)
                if pa.types.is_timestamp(typ) or pa.types.is_date(typ):
                    message, kind = "date does not parse", "a date like 2021-08-15"
                else:
                    message = "value is not a number"
                    kind = "an integer" if pa.types.is_integer(typ) else "a number"
                raise InputError(
                    message, path=path, line=record_line(path, bad),
                    field=name, value=column[bad].as_py(), expected=kind,
                ) from None
        raise _arrow_error(path, exc) from None


def _read(path: Path, columns: Sequence[str], types: Mapping[str, pa.DataType],
          newlines_in_values: bool = True) -> pa.Table:
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=newlines_in_values),
        convert_options=pacsv.ConvertOptions(
            include_columns=list(columns),
            column_types=dict(types),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


#: Files (path, size, mtime) known to hold no newline inside a value: line = record + 1.
_SIMPLE: set[tuple[str, int, int]] = set()


def _file_key(path: Path) -> tuple[str, int, int]:
    st = os.stat(path)
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def _newlines_end_records(path: Path, n_records: int) -> bool:
    """Whether the file has exactly one newline per record (header included), i.e. no newline
    inside a quoted value and no blank line (the parser skips those)."""
    count = 0
    last = 0
    buf = bytearray(_COUNT_CHUNK)
    arr = np.frombuffer(buf, dtype=np.uint8)
    with open(path, "rb", buffering=0) as fh:
        while True:
            k = fh.readinto(buf)
            if not k:
                break
            count += int(np.count_nonzero(arr[:k] == 10))  # vectorised; bytes.count is slower
            last = int(arr[k - 1])
    expected = n_records + 1 if last == 10 else n_records
    return count == expected


def _quoted_newline_in_head(path: Path) -> bool:
    """Whether the first megabytes hold a newline inside quotes (then skip the fast path)."""
    with open(path, "rb") as fh:
        head = np.frombuffer(fh.read(_HEAD_SAMPLE), dtype=np.uint8)
    nl = np.flatnonzero(head == 10)
    quotes = np.flatnonzero(head == 34)
    return bool(np.any(np.searchsorted(quotes, nl) % 2 == 1))


def _arrow_error(path: Path, exc: Exception) -> InputError:
    """A located InputError for a CSV that pyarrow cannot parse (e.g. a ragged row)."""
    line, width, expected_width = None, None, None
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        expected_width = len(header)
        start = reader.line_num + 1
        for row in reader:
            if row and len(row) != expected_width:
                line, width = start, len(row)
                break
            start = reader.line_num + 1
    if line is not None:
        return InputError(f"row has {width} fields", path=path, line=line,
                          expected=f"{expected_width} fields as in the header")
    msg = " ".join(str(exc).split())[:200]
    return InputError(f"cannot parse as CSV: {msg}", path=path,
                      expected="a well-formed CSV export (equal field counts, balanced quotes)")


def first_bad_cell(column: pa.ChunkedArray, typ: pa.DataType) -> int:
    """Index of the first non-empty cell of text ``column`` that does not parse as ``typ``."""
    values = column.to_pandas().to_numpy(dtype=object)
    for i, v in enumerate(values):
        if v is None or v != v:
            continue
        try:
            pc.cast(pa.array([v]), typ)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return i
    return 0  # pragma: no cover - only called after a failed cast


def record_lines(path: Path, n_records: int) -> np.ndarray:
    """Physical (1-based) line on which each data record of ``path`` starts.

    Records end at a newline outside quotes. The scan keeps only the quote parity between chunks,
    so memory stays at one chunk however large the file. When the scan disagrees with the parser
    (e.g. stray quotes inside unquoted fields), Python's csv module decides.
    """
    if _file_key(path) in _SIMPLE:
        return np.arange(2, n_records + 2, dtype=np.int64)
    starts: list[np.ndarray] = []
    parity = 0
    offset_lines = 0  # newlines seen before the current chunk
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_SCAN_CHUNK)
            if not chunk:
                break
            buf = np.frombuffer(chunk, dtype=np.uint8)
            nl = np.flatnonzero(buf == 10)
            quotes = np.flatnonzero(buf == 34)
            if nl.size:
                before = np.searchsorted(quotes, nl) + parity
                ends = np.flatnonzero(before % 2 == 0)  # index among this chunk's newlines
                starts.append(offset_lines + ends + 2)  # record after this newline starts here
            parity = (quotes.size + parity) % 2
            offset_lines += nl.size
    lines = np.concatenate(starts) if starts else np.empty(0, dtype=np.int64)
    # one start per terminated record: n_records, plus one if the file ends with a newline;
    # anything else means blank lines (skipped by the parser) or stray quotes
    if lines.size in (n_records, n_records + 1):
        return lines[:n_records].astype(np.int64)
    return _record_lines_slow(path, n_records)


def _record_lines_slow(path: Path, n_records: int) -> np.ndarray:
    out = np.zeros(n_records, dtype=np.int64)
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        i = 0
        start = reader.line_num + 1
        for row in reader:
            if not row:  # blank line: the parser skips it too
                start = reader.line_num + 1
                continue
            if i >= n_records:
                break
            out[i] = start
            i += 1
            start = reader.line_num + 1
    if i < n_records:  # pragma: no cover - parser and csv module disagree; keep something sane
        out[i:] = np.arange(i, n_records) + 2
    return out


def record_line(path: Path, index: int) -> int:
    """Physical line of data record ``index`` (0-based) of ``path``."""
    return int(record_lines(path, index + 1)[index])


# ---------------------------------------------------------------------------------------------
# writing


#: rows rendered at a time by :func:`write_csv` (bounds its memory to a few tens of MB)
_WRITE_ROWS = 1 << 17
_EMPTY, _COMMA, _QUOTE, _NEWLINE = (pa.scalar(c, pa.large_string()) for c in ("", ",", '"', "\n"))


def _needs_quotes(text: str) -> bool:
    # Python's csv.QUOTE_MINIMAL, as DataFrame.to_csv(lineterminator="\n") applies it on
    # Python 3.11: the delimiter, the quote character or a line-terminator character ("\r"
    # alone is not quoted)
    return "," in text or '"' in text or "\n" in text


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if _needs_quotes(text) else text


def _needs_quotes_array(arr: pa.Array) -> pa.Array:
    needs = pc.match_substring(arr, ",")
    for c in ('"', "\n"):
        needs = pc.or_(needs, pc.match_substring(arr, c))
    return needs


def _quote_array(arr: pa.Array) -> pa.Array:
    """:func:`_quote` of every cell of a (large) string array."""
    needs = _needs_quotes_array(arr)
    if not pc.any(needs).as_py():
        return arr
    quoted = pc.binary_join_element_wise(_QUOTE, pc.replace_substring(arr, '"', '""'), _QUOTE,
                                         _EMPTY)
    return pc.if_else(needs, quoted, arr)


#: a text cell starting with one of these may be a spreadsheet formula
#: (:data:`trends.atomic.FORMULA_START`); only such cells are passed to
#: :func:`trends.atomic.neutralise_cell`
_FORMULA_RE = "^[=+\\-@\t\r]"


def _neutralise_array(arr: pa.Array) -> pa.Array:
    """:func:`trends.atomic.neutralise_cell` of every cell of a string array: one vectorised
    test of the first character, then Python only for the (few) cells that start like a
    formula."""
    from trends.atomic import neutralise_cell

    hit = pc.fill_null(pc.match_substring_regex(arr, _FORMULA_RE), False)
    if not pc.any(hit).as_py():
        return arr
    idx = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
    values = arr.take(pa.array(idx)).to_pylist()
    new = [neutralise_cell(v) for v in values]
    changed = [i for i, (a, b) in enumerate(zip(values, new, strict=True)) if a is not b]
    if not changed:
        return arr
    mask = np.zeros(len(arr), dtype=bool)
    mask[idx[changed]] = True
    return pc.replace_with_mask(arr, pa.array(mask),
                                pa.array([new[i] for i in changed], type=arr.type))


def _column_renderer(series, float_format: str | None, neutralise: bool = False):
    """A function ``(start, stop) -> pa.LargeStringArray`` of the cells of rows
    ``start:stop`` as :meth:`pandas.DataFrame.to_csv` writes them, or ``None`` if the column's
    type is not handled here (the caller then writes the whole frame with pandas). With
    ``neutralise``, text cells are first passed through :func:`trends.atomic.neutralise_cell`
    (as :func:`trends.atomic.neutralise_formulas` does)."""
    import pandas as pd

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        if not (cats.dtype == object or pd.api.types.is_string_dtype(cats.dtype)) or not all(
                isinstance(c, str) for c in cats):
            return None
        if neutralise:
            from trends.atomic import neutralise_cell

            cats = [neutralise_cell(c) for c in cats]
        rendered = pa.array([_quote(c) for c in cats] + [""], type=pa.large_string())
        codes = np.asarray(series.cat.codes, dtype=np.int64)
        codes = np.where(codes < 0, len(cats), codes)  # missing: the empty cell
        return lambda a, b: pc.take(rendered, pa.array(codes[a:b]))
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_integer_dtype(dtype):
        arr = pa.array(series, from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        return lambda a, b: pc.fill_null(pc.cast(arr[a:b], pa.large_string()), "")
    if pd.api.types.is_float_dtype(dtype) and float_format is not None:
        values = np.asarray(series, dtype=float)

        digits = re.fullmatch(r"%\.(\d+)g", float_format)
        # "%.Pg" prints an integral value below 10**P as its integer digits: those (counts,
        # mostly) are cast by pyarrow, the others formatted by numpy
        limit = 10.0 ** int(digits.group(1)) if digits else 0.0

        def floats(a: int, b: int) -> pa.Array:
            v = values[a:b]
            with np.errstate(invalid="ignore"):
                whole = (np.abs(v) < limit) & (v == np.round(v)) & ~((v == 0) & np.signbit(v))
            out = pc.cast(pa.array(np.where(whole, v, 0).astype(np.int64)), pa.large_string())
            if whole.all():
                return out
            rest = v[~whole]
            text = np.full(len(rest), "", dtype=object)  # na_rep for NaN
            fin = ~np.isnan(rest)
            if fin.any():
                text[fin] = np.char.mod(float_format, rest[fin]).astype(object)
            return pc.replace_with_mask(out, pa.array(~whole),
                                        pa.array(text, type=pa.large_string()))

        return floats
    if pd.api.types.is_string_dtype(dtype):
        try:
            arr = pa.array(series, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # object column holding non-strings
            return None
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if neutralise:
            arr = _neutralise_array(arr)
        arr = pc.fill_null(arr, "")
        if not pc.any(_needs_quotes_array(arr)).as_py():  # one check for the whole column
            return lambda a, b: arr[a:b]
        return lambda a, b: _quote_array(arr[a:b])
    return None


def write_csv(df, path: str | os.PathLike[str], *, float_format: str | None = None,
              atomic_write: bool = True, neutralise: bool = False) -> Path:
    """Write ``df`` atomically as CSV, byte for byte what ``trends.atomic.write_csv(df, path,
    float_format=...)`` (``DataFrame.to_csv(index=False, lineterminator="\\n")``) writes, but
    rendered and joined by pyarrow, a block of rows at a time.

    ``DataFrame.to_csv`` formats every cell in Python: 1M audit rows take longer than reading
    the events file. Here categorical columns are rendered once per category and gathered by
    code, integer and string columns are cast and quoted by pyarrow kernels (quoting as
    ``csv.QUOTE_MINIMAL``: cells holding ``,``, ``"`` or a newline are quoted, quotes doubled),
    floats use ``float_format``, missing values are empty cells, and each block of lines is
    written straight from the joined string buffer. Frames with other column types (booleans,
    dates, objects that are not strings, floats without ``float_format``) or a single column
    (where pandas quotes empty cells) are written by pandas itself, so the output is the same.

    ``neutralise=True`` writes what ``write_csv(trends.atomic.neutralise_formulas(df), ...)``
    writes (formula-like text cells and column names prefixed with ``'``), testing the first
    character of every text cell with one pyarrow kernel instead of a Python call per cell.
    """
    from trends import atomic

    renderers = [_column_renderer(df.iloc[:, i], float_format, neutralise)
                 for i in range(df.shape[1])]
    names = [str(atomic.neutralise_cell(c) if neutralise else c) for c in df.columns]
    if df.shape[1] < 2 or any(r is None for r in renderers):
        if neutralise:
            df = atomic.neutralise_formulas(df)
        if atomic_write:
            return atomic.write_csv(df, path, float_format=float_format)
        with open(path, "w", encoding="utf-8", newline="") as text:
            atomic.neutralise_formulas(df).to_csv(text, index=False, lineterminator="\n",
                                                  float_format=float_format)
        return Path(path)
    # atomic_write=False: ``path`` is already a staged temporary (trends.atomic.OutputSet)
    target = atomic.atomic_path(path) if atomic_write else contextlib.nullcontext(Path(path))
    with target as tmp, open(tmp, "wb") as fh:
        fh.write((",".join(_quote(c) for c in names) + "\n").encode("utf-8"))
        for start in range(0, len(df), _WRITE_ROWS):
            stop = min(start + _WRITE_ROWS, len(df))
            cells = [r(start, stop) for r in renderers]
            lines = pc.binary_join_element_wise(*cells, _COMMA)
            # "line" + "\n" + "": each line with its end
            lines = pc.binary_join_element_wise(lines, _EMPTY, _NEWLINE)
            if isinstance(lines, pa.ChunkedArray):
                lines = lines.combine_chunks()
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
            first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
            fh.write(memoryview(lines.buffers()[2])[first:last])
    return Path(path)
