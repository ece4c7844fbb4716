"""The pyarrow CSV writer of the event outputs (``trends.events._io.write_csv``) writes byte for
byte what ``trends.atomic.write_csv`` (``DataFrame.to_csv``) writes, on tricky values (both after
the same neutralisation of formula-like cells, as the event command writes them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trends import atomic
from trends.events import _io

TRICKY = ["plain", "a,b", 'say "hi"', "line\nbreak", "cr\ronly", "crlf\r\n", " spaced ", "",
          "ünïcödé ✓ 日本", "'single'", "#hash", "semi;colon", "\ttab", '"', ",", '""', "x" * 300,
          # formula-like cells (neutralised) and signed numbers or dashes (left alone)
          "=SUM(A1)", '=HYPERLINK("http://x")', "+x", "@cmd", "\rcr", "-12", "-1.5e-3", "-",
          "--", "+1,000", "-a,b"]


def _same(df: pd.DataFrame, tmp_path, float_format="%.15g", monkeypatch=None) -> bytes:
    """Both writers agree; with ``monkeypatch``, the pyarrow path must not fall back to pandas."""
    a, b = tmp_path / "pandas.csv", tmp_path / "arrow.csv"
    atomic.write_csv(df, a, float_format=float_format)
    if monkeypatch is not None:
        monkeypatch.setattr(atomic, "write_csv", None)  # a fallback would fail
    _io.write_csv(atomic.neutralise_formulas(df), b, float_format=float_format)
    # the writer's own vectorised neutralisation (what the event command uses)
    c = tmp_path / "arrow_neutralised.csv"
    _io.write_csv(df, c, float_format=float_format, neutralise=True)
    if monkeypatch is not None:
        monkeypatch.undo()
    expected = a.read_bytes()
    assert b.read_bytes() == expected
    assert c.read_bytes() == expected
    return expected


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(TRICKY, dtype=object)
    pick = words[rng.integers(0, len(words), n)]
    with_none = pick.copy()
    with_none[rng.random(n) < 0.2] = None
    floats = rng.choice([0.0, 1.0, -3.0, 2.5, 1e-7, 123456789012345.0, 1e15, 1e300, -0.0,
                         np.nan, np.inf, -np.inf, 1 / 3, 0.1 + 0.2], n)
    return pd.DataFrame({
        "cat": pd.Categorical(with_none),
        "cat_str_codes": pd.Categorical(pick, categories=sorted(set(TRICKY))),
        "int": rng.integers(-10**12, 10**12, n),
        "int32": rng.integers(-5, 5, n).astype(np.int32),
        "nullable_int": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(0, 9, n)),
                                 dtype="Int64"),
        "obj": pd.Series(with_none, dtype=object),
        "str": pd.Series(with_none, dtype="str"),
        "arrow": pd.Series(with_none, dtype="string[pyarrow]"),
        "float": floats,
        'name, with "quotes"': np.arange(n),
        "=formula name": np.arange(n),
    })


def test_tricky_values_byte_identical(tmp_path, monkeypatch):
    text = _same(_frame(3000), tmp_path, monkeypatch=monkeypatch)
    assert b'"a,b"' in text and b'"say ""hi"""' in text and b'"line\nbreak"' in text
    assert b"'=SUM(A1)" in text and b"'=formula name" in text and b"'@cmd" in text
    assert b"'-12" not in text and b"'-1.5e-3" not in text


def test_blocks_and_empty_frames(tmp_path, monkeypatch):
    monkeypatch.setattr(_io, "_WRITE_ROWS", 7)  # many blocks, the last one partial
    a, b = tmp_path / "pandas.csv", tmp_path / "arrow.csv"
    df = _frame(50, seed=1)
    atomic.write_csv(df, a, float_format="%.15g")
    _io.write_csv(atomic.neutralise_formulas(df), b, float_format="%.15g")
    assert a.read_bytes() == b.read_bytes()
    _same(_frame(0), tmp_path)


@pytest.mark.parametrize("float_format", [None, "%.10g", "%.3f"])
def test_other_float_formats(tmp_path, float_format):
    _same(_frame(200, seed=2), tmp_path, float_format)  # None: pandas' own repr (fallback)


def test_fallbacks_write_what_pandas_writes(tmp_path):
    """Single columns (pandas quotes an empty cell there), booleans, dates, mixed objects."""
    _same(pd.DataFrame({"only": ["", "a", None]}), tmp_path)
    _same(pd.DataFrame({"b": [True, False], "x": ["a", "b"]}), tmp_path)
    _same(pd.DataFrame({"d": pd.to_datetime(["2021-08-15", None]), "x": [1, 2]}), tmp_path)
    _same(pd.DataFrame({"o": [1, "a"], "x": [1.5, 2.0]}), tmp_path)
    _same(pd.DataFrame({"c": pd.Categorical([1, 2]), "x": [1, 2]}), tmp_path)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=8)),
                          st.one_of(st.integers(-10**15, 10**15)),
                          st.floats(allow_nan=True, allow_infinity=True)),
                min_size=1, max_size=30))
def test_property_byte_identical(tmp_path_factory, rows):
    tmp = tmp_path_factory.mktemp("w")
    df = pd.DataFrame(rows, columns=["s", "i", "f"])
    df["c"] = pd.Categorical(df["s"])
    # surrogates cannot be encoded by either writer
    df = df[[not (isinstance(s, str) and any(0xD800 <= ord(ch) <= 0xDFFF for ch in s))
             for s in df["s"]]]
    _same(df, tmp)


def test_write_is_atomic_on_error(tmp_path, monkeypatch):
    target = tmp_path / "audit.csv"
    target.write_text("previous\n")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(_io.pc, "binary_join_element_wise", boom)
    with pytest.raises(RuntimeError):
        _io.write_csv(_frame(20), target, float_format="%.15g")
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["audit.csv"]
