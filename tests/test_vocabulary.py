"""User vocabularies for ``trends clean``: another country's names and limits.

All tables here are SYNTHETIC: an invented country ("Testland") with invented regions,
groups, sources and numbers, written only to exercise the cleaner. They are not real figures
of any place.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from trends.clean import clean
from trends.cli import main
from trends.errors import InputError
from trends.vocabulary import (
    COUNTRY_KEYS,
    FILES,
    default_vocabulary,
    init_vocabulary,
    load_vocabulary,
)

# SYNTHETIC long table of an invented country, 1965-1966 (before the default min_year 1970)
LONG = """source_org,period,region,group,measure,value,url
Testland Monitor,Jan 1965,Northmark,All,incidents,4,https://monitor.example/1
Testland Monitor,Jan 1965,South Vale,All,incidents,6,https://monitor.example/1
Testland Monitor,Jan 1965,East Reach,All,incidents,1,https://monitor.example/1
Testland Monitor,Jan 1965,Total,All,incidents,11,https://monitor.example/1
TLM,1965-02,N. Mark,All,incidents,3,https://monitor.example/2
Testland Monitor,1965-02,Southvale,Red Hand,deaths,2,https://monitor.example/2
Testland Monitor,1966,Whole country,All,incidents,40,https://monitor.example/3
"""
REGIONS = """alias,region,label,note
# SYNTHETIC regions of an invented country
national,national,Testland (national),whole country
whole country,national,Testland (national),
northmark,northmark,Northmark,
n. mark,northmark,Northmark,
south vale,southvale,South Vale,
southvale,southvale,South Vale,
east reach,east_reach,East Reach,
"""
GROUPS = "alias,group,label,note\nall,all,All groups,\nred hand,red_hand,Red Hand,\n"
MEASURES = ("alias,measure,label,note\nincidents,attacks,Attacks,\n"
            "deaths,killed,Killed,\n")
RULES = {"min_year": 1950, "source_aliases": {"tlm": "Testland Monitor"},
         "region_partitions": [["northmark", "southvale", "east_reach"]]}


@pytest.fixture
def vocab(tmp_path: Path) -> Path:
    d = tmp_path / "testland"
    d.mkdir()
    (d / "regions.csv").write_text(REGIONS)
    (d / "groups.csv").write_text(GROUPS)
    (d / "measures.csv").write_text(MEASURES)
    (d / "rules.json").write_text(json.dumps(RULES, indent=2))
    return d


@pytest.fixture
def table(tmp_path: Path) -> Path:
    p = tmp_path / "testland_long.csv"
    p.write_text(LONG)
    return p


def test_default_vocabulary_refuses_another_country(table):
    with pytest.raises(InputError, match=r"testland_long.csv:2: field 'region': unknown region"):
        clean(table)


def test_user_vocabulary_cleans_another_country(table, vocab):
    r = clean(table, vocabulary=vocab)
    panel = r.panel.dropna(subset=["value"])
    got = {(row.month, row.region, row.group, row.measure, row.source): int(row.value)
           for row in panel.itertuples()}
    assert got == {
        ("1965-01", "northmark", "all", "attacks", "Testland Monitor"): 4,
        ("1965-01", "southvale", "all", "attacks", "Testland Monitor"): 6,
        ("1965-01", "east_reach", "all", "attacks", "Testland Monitor"): 1,
        ("1965-01", "national", "all", "attacks", "Testland Monitor"): 11,
        ("1965-02", "northmark", "all", "attacks", "Testland Monitor"): 3,
        ("1965-02", "southvale", "red_hand", "killed", "Testland Monitor"): 2,
    }
    total = r.audit[r.audit["line"] == 5]["reason"].iloc[0]
    assert "equals the sum of parts (the regions in its table: 11)" in total
    assert r.periods[["period", "region", "value"]].values.tolist() == [["1966", "national", 40]]
    assert set(r.audit["status"]) == {"kept"}


def test_cli_vocabulary_matches_python(table, vocab, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["clean", str(table), "--vocabulary", str(vocab), "--out", str(out)]) == 0
    py = clean(table, vocabulary=vocab)
    from trends.panel import panel_for_output

    assert (out / "panel.csv").read_text() == panel_for_output(py.panel).to_csv(
        index=False, lineterminator="\n")
    # --rules still overrides the vocabulary's rules: a stricter min_year refuses 1965
    rules = tmp_path / "strict.json"
    rules.write_text('{"min_year": 1966}')
    assert main(["clean", str(table), "--vocabulary", str(vocab), "--rules", str(rules),
                 "--out", str(out)]) == 2
    assert "year 1965 is before 1966" in capsys.readouterr().err


def test_min_year_is_a_vocabulary_setting(table, vocab):
    rules = json.loads((vocab / "rules.json").read_text())
    (vocab / "rules.json").write_text(json.dumps({**rules, "min_year": 1970}))
    with pytest.raises(InputError, match=r":2: field 'period': year 1965 is before 1970"):
        clean(table, vocabulary=vocab)


def test_wide_table_headers_use_the_vocabulary(tmp_path, vocab):
    wide = tmp_path / "wide.csv"  # SYNTHETIC
    wide.write_text("# source_org: Testland Monitor\n# measure: incidents\n"
                    "month,Northmark,South Vale\n1960-01,2,5\n1960-02,,1\n")
    r = clean(wide, vocabulary=vocab)
    vals = r.panel.dropna(subset=["value"])
    assert sorted(zip(vals["month"], vals["region"], vals["value"].astype(int), strict=False)) == [
        ("1960-01", "northmark", 2), ("1960-01", "southvale", 5), ("1960-02", "southvale", 1)]


def test_country_keys_start_empty(vocab):
    v = load_vocabulary(vocab)
    assert v.rules.source_aliases == {"tlm": "Testland Monitor"}
    assert v.rules.region_rules == () and v.rules.own_domains == {}
    assert v.rules.headline_priority == ()
    d = default_vocabulary()
    assert d.rules.region_rules and d.rules.region_partitions and d.rules.min_year == 1970
    assert set(COUNTRY_KEYS) <= set(json.loads(
        (Path(__file__).parents[1] / "src/trends/data/rules.json").read_text()))
    # the generic keys keep the packaged defaults
    assert v.rules.missing_tokens == d.rules.missing_tokens


@pytest.mark.parametrize(("name", "text", "message"), [
    ("regions.csv", "alias,label\nx,X\n", r"regions.csv:1: field 'region': missing required"),
    ("regions.csv", REGIONS + "Far Isles,Far-Isles,Far Isles,\n",
     r"regions.csv:10: field 'region': not a valid region code \(saw 'Far-Isles'\)"),
    ("regions.csv", REGIONS + "N. Mark,southvale,South Vale,\n",
     r"regions.csv:10: field 'alias': alias already maps to 'northmark' on line 6"),
    ("regions.csv", REGIONS + ",east_reach,East Reach,\n", r"regions.csv:10: field 'alias': "
     "empty alias"),
    ("regions.csv", "alias,region,label\nnorth,north,North\n",
     r"regions.csv: field 'region': no row for the region code 'national'"),
    ("groups.csv", "alias,group,label\nred hand,red_hand,Red Hand\n",
     r"groups.csv: field 'group': no row for the group code 'all'"),
    ("rules.json", '{\n  "min_year": 1950,\n  "max_year": 2000\n}',
     r"rules.json:3: field 'max_year': unknown rules key"),
    ("rules.json", '{\n  "min_year": "1950"\n}',
     r"rules.json:2: field 'min_year': not a whole year \(saw '1950'\)"),
    ("rules.json", '{\n  "region_partitions": [["northmark", "westmark"]]\n}',
     r"rules.json:2: field 'region_partitions': unknown region code \(saw 'westmark'\)"),
    ("rules.json", '{\n  "region_rules": [{"name": "r", "region": "northmark", '
     '"becomes": "nowhere"}]\n}',
     r"rules.json:2: field 'region_rules': region rule 'r': unknown region code in 'becomes'"),
    ("rules.json", '{\n  "missing_tokens": "-"\n}',
     r"rules.json:2: field 'missing_tokens': not a list of texts"),
    ("rules.json", '{\n  "min_year": 1950,\n}', r"rules.json:3: not valid JSON"),
])
def test_vocabulary_file_errors_name_file_line_field(vocab, name, text, message):
    (vocab / name).write_text(text)
    with pytest.raises(InputError, match=message):
        load_vocabulary(vocab)


def test_missing_vocabulary_files(tmp_path, vocab):
    with pytest.raises(InputError, match="vocabulary folder not found.*trends vocabulary init"):
        load_vocabulary(tmp_path / "nope")
    (vocab / "groups.csv").unlink()
    with pytest.raises(InputError, match="vocabulary has no groups.csv"):
        load_vocabulary(vocab)


def test_init_writes_a_working_template_and_never_overwrites(tmp_path, capsys):
    folder = tmp_path / "voc"
    assert main(["vocabulary", "init", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    assert "--vocabulary voc" in (folder / "README.md").read_text()
    assert main(["vocabulary", "check", str(folder)]) == 0
    assert "1 regions, 1 groups, 3 measures; min_year 1970" in capsys.readouterr().out
    # a user adds a region and cleans a SYNTHETIC table with it
    with (folder / "regions.csv").open("a") as fh:
        fh.write("upland,upland,Upland,\n")
    t = tmp_path / "t.csv"
    t.write_text("source_org,period,region,group,measure,value\nX,2001-03,Upland,all,deaths,3\n")
    r = clean(t, vocabulary=folder)
    assert r.panel[["region", "measure", "value"]].values.tolist() == [["upland", "killed", 3]]
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(["vocabulary", "init", str(folder)]) == 2
    assert "would overwrite an existing file" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # a folder holding only one of the files is refused and left as it was
    other = tmp_path / "other"
    other.mkdir()
    (other / "rules.json").write_text("{}")
    with pytest.raises(InputError, match="rules.json: would overwrite"):
        init_vocabulary(other)
    assert [p.name for p in other.iterdir()] == ["rules.json"]


def test_init_from_default_reproduces_the_default(tmp_path, raw_dir):
    folder = tmp_path / "pk"
    init_vocabulary(folder, from_default=True)
    a = clean(raw_dir, vocabulary=folder, base=raw_dir)
    b = clean(raw_dir, base=raw_dir)
    pd.testing.assert_frame_equal(a.panel, b.panel)
    pd.testing.assert_frame_equal(a.audit, b.audit)
