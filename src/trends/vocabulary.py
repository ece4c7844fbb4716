"""Vocabularies: the names a country's or dataset's tables use, and the rules to clean them.

:func:`trends.clean.clean` maps the region, group and measure texts of report tables to
canonical codes through alias tables, and applies cleaning and reconciliation rules. Together
they form a *vocabulary*. The default is Pakistan's (``trends/data/aliases/*.csv`` and
``trends/data/rules.json``); for another country or dataset, supply your own folder
(``trends clean --vocabulary DIR`` or ``clean(..., vocabulary=DIR)``). ``trends vocabulary
init DIR`` writes a template to start from.

Layout of a vocabulary folder
-----------------------------
``regions.csv``
    Columns ``alias,region,label`` and optionally ``note``: every spelling (``alias``) a table
    may use for a region, its canonical code (``region``, lower-case snake_case, e.g.
    ``north_west``) and a display label. Must hold the code ``national`` (the whole country;
    total rows such as ``Total`` are recorded under it).
``groups.csv``
    Columns ``alias,group,label[,note]``; must hold the code ``all`` (all groups). Group texts
    not listed become snake_case codes as written, unless they are near-misses of a listed
    alias (a typo is refused, not turned into a new group).
``measures.csv``
    Columns ``alias,measure,label[,note]``. Measure texts not listed pass through when they
    are snake_case codes (``killed_all``), unless they are near-misses of a listed code.
``rules.json`` (optional)
    A JSON object with any of the rule keys of :class:`trends.panel.Rules`:
    ``min_year`` (earliest accepted year), ``period_horizon`` (latest accepted period label, or
    ``null`` for December of next year), ``missing_tokens``, ``total_labels``,
    ``source_aliases``, ``own_domains``, ``suspect_flags``, ``reconcile_order``,
    ``region_rules``, ``headline_priority`` and ``region_partitions`` (lists of region codes
    that each add up to ``national``, against which national total rows are checked; default:
    all listed regions). Keys starting with ``_`` are comments. Keys not given take the
    packaged defaults, except the country-specific ones (:data:`COUNTRY_KEYS`), which start
    empty.
``README.md`` (optional)
    Notes for people: what the vocabulary is for, where its names come from.

In the CSV files, lines starting with ``#`` and blank lines are skipped; every alias is matched
case-insensitively after folding Unicode dashes, quotes and spaces
(:func:`trends.aliases.normalise_key`); a canonical code always matches itself. Every error in
a vocabulary file names the file, line and field.

Examples
--------
>>> from trends.vocabulary import load_vocabulary
>>> v = load_vocabulary()          # Pakistan, the default
>>> v.table("region").lookup("KPK")
'khyber_pakhtunkhwa'
>>> v.rules.min_year
1970
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from trends.aliases import KINDS, AliasTable, normalise_key
from trends.errors import InputError
from trends.panel import Rules, _default_rules_dict, load_rules, rule_type_problem

__all__ = ["Vocabulary", "load_vocabulary", "default_vocabulary", "init_vocabulary",
           "COUNTRY_KEYS", "FILES"]

#: Files of a vocabulary folder (``rules.json`` and ``README.md`` optional).
FILES: tuple[str, ...] = ("regions.csv", "groups.csv", "measures.csv", "rules.json",
                          "README.md")
#: Rule keys that describe one country's sources and regions: a user vocabulary starts them
#: empty instead of taking Pakistan's.
COUNTRY_KEYS: tuple[str, ...] = ("source_aliases", "own_domains", "region_rules",
                                 "headline_priority", "region_partitions")
#: Codes each table must hold.
REQUIRED_CODES: dict[str, str] = {"region": "national", "group": "all"}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_LIST_KEYS = ("missing_tokens", "total_labels", "suspect_flags", "reconcile_order",
              "headline_priority")


@dataclass(frozen=True)
class Vocabulary:
    """Alias tables and rules used by :func:`trends.clean.clean`.

    Attributes
    ----------
    regions, groups, measures
        The alias tables.
    rules
        Cleaning and reconciliation rules (``min_year`` and other limits included).
    source
        Where it was read from (a folder, or ``trends/data`` for the packaged default).

    Parameters
    ----------
    regions, groups, measures, rules, source
        As the attributes (built by :func:`load_vocabulary`).

    Examples
    --------
    >>> v = default_vocabulary()
    >>> v.source, v.table("region") is v.regions
    ('trends/data', True)
    """

    regions: AliasTable
    groups: AliasTable
    measures: AliasTable
    rules: Rules
    source: str

    def table(self, kind: str) -> AliasTable:
        """The alias table of ``kind`` (``region``, ``group`` or ``measure``)."""
        if kind not in KINDS:
            raise ValueError(f"unknown alias kind {kind!r}; expected one of {KINDS}")
        return {"region": self.regions, "group": self.groups, "measure": self.measures}[kind]

    def with_rules(self, rules: Any) -> Vocabulary:
        """A copy whose rules are overridden by ``rules`` (a file, dict or :class:`Rules`)."""
        if rules is None:
            return self
        if isinstance(rules, Rules):
            return Vocabulary(self.regions, self.groups, self.measures, rules, self.source)
        base = _rules_dict(self.rules)
        return Vocabulary(self.regions, self.groups, self.measures,
                          load_rules(rules, base=base), self.source)


def _rules_dict(rules: Rules) -> dict[str, Any]:
    from dataclasses import asdict

    d = asdict(rules)
    for k, v in list(d.items()):
        if isinstance(v, tuple):
            d[k] = [list(x) if isinstance(x, tuple) else x for x in v]
        elif isinstance(v, dict):
            d[k] = {kk: list(vv) if isinstance(vv, tuple) else vv for kk, vv in v.items()}
    return d


# --------------------------------------------------------------------------- reading


def read_alias_file(kind: str, text: str, label: str) -> AliasTable:
    """Parse and validate one alias table (see the module docstring); errors name the line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header: list[str] | None = None
    mapping: dict[str, str] = {}
    labels: dict[str, str] = {}
    where: dict[str, int] = {}
    prev = 0
    idx: dict[str, int] = {}
    try:
        for record in reader:
            start, prev = prev + 1, reader.line_num
            if not any(c.strip() for c in record) or record[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [c.strip().lower() for c in record]
                for col in ("alias", kind, "label"):
                    if col not in header:
                        raise InputError("missing required column", path=label, line=start,
                                         field=col,
                                         expected=f"a header alias,{kind},label[,note]")
                idx = {c: header.index(c) for c in ("alias", kind, "label")}
                continue
            if len(record) < len(header):
                record = record + [""] * (len(header) - len(record))
            alias, code = record[idx["alias"]].strip(), record[idx[kind]].strip()
            name = record[idx["label"]].strip()
            if not alias:
                raise InputError("empty alias", path=label, line=start, field="alias",
                                 expected=f"the text a table uses for this {kind}")
            if not _CODE.match(code):
                raise InputError(f"not a valid {kind} code", path=label, line=start,
                                 field=kind, value=code,
                                 expected="a lower-case snake_case code such as north_west")
            for key in (normalise_key(alias), code):
                other = mapping.get(key)
                if other is not None and other != code:
                    raise InputError(
                        f"alias already maps to {other!r} on line {where[key]}", path=label,
                        line=start, field="alias", value=alias,
                        expected=f"each alias mapped to one {kind} code")
                if key not in mapping:
                    mapping[key], where[key] = code, start
            if code not in labels or (not labels[code] and name):
                labels[code] = name or code
    except csv.Error as exc:
        raise InputError(f"malformed CSV ({exc})", path=label, line=prev + 1,
                         expected="fields quoted with matching \" marks") from None
    if header is None:
        raise InputError("no header row", path=label, line=1,
                         expected=f"a header alias,{kind},label[,note]")
    need = REQUIRED_CODES.get(kind)
    if need and need not in labels:
        raise InputError(f"no row for the {kind} code {need!r}", path=label, field=kind,
                         expected=f"a row such as {need},{need},"
                         + ("National,the whole country" if kind == "region" else
                            "All groups,all perpetrators"))
    return AliasTable(kind=kind, mapping=mapping, labels=labels, source=label)


def _line_of_key(text: str, key: str) -> int | None:
    m = re.search(r'"' + re.escape(key) + r'"\s*:', text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _read_rules_file(path: Path, regions: AliasTable) -> dict[str, Any]:
    label = str(path)
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", path=label, line=exc.lineno,
                         expected="a JSON object of rule keys") from None
    if not isinstance(data, dict):
        raise InputError("rules.json must hold a JSON object", path=label, line=1,
                         expected='{"min_year": 1990, ...}')

    def fail(key: str, message: str, value: object, expected: str) -> InputError:
        return InputError(message, path=label, line=_line_of_key(text, key), field=key,
                          value=value, expected=expected)

    from dataclasses import fields

    known = {f.name for f in fields(Rules)}
    for key, value in data.items():
        if key.startswith("_"):
            continue
        if key not in known:
            raise fail(key, "unknown rules key", None, "one of " + ", ".join(sorted(known)))
        if key == "min_year" and (isinstance(value, bool) or not isinstance(value, int)):
            raise fail(key, "not a whole year", value, "a year such as 1946")
        if key == "period_horizon" and value is not None and not isinstance(value, str):
            raise fail(key, "not a period label", value, 'a label such as "2030-12" or null')
        if key in _LIST_KEYS and not (isinstance(value, list)
                                      and all(isinstance(v, str) for v in value)):
            raise fail(key, "not a list of texts", value, '["text", ...]')
        if key in ("source_aliases", "own_domains") and not isinstance(value, dict):
            raise fail(key, "not a JSON object", value, '{"name": ...}')
        if key == "region_partitions":
            if not (isinstance(value, list) and all(isinstance(p, list) for p in value)):
                raise fail(key, "not a list of lists of region codes", value,
                           '[["north", "south"], ...]')
            for part in value:
                for code in part:
                    if code not in regions.labels:
                        raise fail(key, "unknown region code", code,
                                   f"a region code of {regions.source}")
        if key == "region_rules":
            if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
                raise fail(key, "not a list of rule objects", value,
                           '[{"name": ..., "source_org": ..., "region": ..., "becomes": ...}]')
            for rule in value:
                for f in ("region", "becomes"):
                    if rule.get(f) not in regions.labels:
                        raise fail(key, f"region rule {rule.get('name', '?')!r}: unknown "
                                   f"region code in '{f}'", rule.get(f),
                                   f"a region code of {regions.source}")
        wanted = rule_type_problem(key, value)
        if wanted is not None:
            raise fail(key, "wrong type for rules key", value, wanted)
    return data


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", path=path, expected="a UTF-8 CSV file") from exc


def load_vocabulary(vocabulary: Vocabulary | str | os.PathLike[str] | None = None) -> Vocabulary:
    """Load a vocabulary folder (see the module docstring), or the default for ``None``.

    Parameters
    ----------
    vocabulary
        A folder, a :class:`Vocabulary` (returned as is) or ``None`` (the packaged default).

    Returns
    -------
    Vocabulary

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "vocab"
    >>> _ = init_vocabulary(folder)
    >>> v = load_vocabulary(folder)
    >>> v.source == str(folder), v.rules.min_year
    (True, 1970)

    Raises
    ------
    InputError
        A missing folder or table, or a bad row or key, naming the file, line and field.
    """
    if isinstance(vocabulary, Vocabulary):
        return vocabulary
    if vocabulary is None:
        return default_vocabulary()
    folder = Path(vocabulary)
    if not folder.is_dir():
        raise InputError("vocabulary folder not found", path=folder,
                         expected="a folder with regions.csv, groups.csv, measures.csv "
                         "(make one with: trends vocabulary init DIR)")
    tables: dict[str, AliasTable] = {}
    for kind in KINDS:
        path = folder / f"{kind}s.csv"
        if not path.is_file():
            raise InputError(f"vocabulary has no {kind}s.csv", path=path,
                             expected=f"a CSV file with header alias,{kind},label[,note]")
        tables[kind] = read_alias_file(kind, _read_text(path), str(path))
    base = _default_rules_dict()
    for key in COUNTRY_KEYS:
        base[key] = {} if isinstance(base.get(key), dict) else []
    rules_path = folder / "rules.json"
    if rules_path.is_file():
        base.update(_read_rules_file(rules_path, tables["region"]))
    rules = load_rules(base)
    return Vocabulary(tables["region"], tables["group"], tables["measure"], rules, str(folder))


@cache
def default_vocabulary() -> Vocabulary:
    """The packaged (Pakistan) vocabulary: ``trends/data/aliases/*.csv`` and ``rules.json``.

    Returns
    -------
    Vocabulary
        Cached: the same object on every call.

    Examples
    --------
    >>> default_vocabulary() is load_vocabulary(None)
    True
    """
    root = resources.files("trends") / "data"
    tables = {kind: read_alias_file(kind, (root / "aliases" / f"{kind}s.csv").read_text(
        encoding="utf-8"), f"trends/data/aliases/{kind}s.csv") for kind in KINDS}
    return Vocabulary(tables["region"], tables["group"], tables["measure"], load_rules(None),
                      "trends/data")


# --------------------------------------------------------------------------- template

_README = ("""# Vocabulary for `trends clean`

Use it with `trends clean TABLES --vocabulary {name} --out DIR` (or
`trends.clean.clean(..., vocabulary="{name}")`).

"""
    + "\n".join((
        '| file | what it holds |',
        '|:---|:---|',
        '| `regions.csv` | `alias,region,label,note`: every spelling a table may use for a '
        'region, its canonical code (lower-case snake_case) and a label. Keep the `national` '
        'row (the whole country; total rows are recorded under it). |',
        '| `groups.csv` | `alias,group,label,note`; keep the `all` row (all groups). Group '
        'names not listed become snake_case codes as written, unless they look like a typo of '
        'a listed one. |',
        '| `measures.csv` | `alias,measure,label,note`; other snake_case measure codes pass '
        'through. |',
        '| `rules.json` | cleaning limits and reconciliation rules: `min_year`, '
        '`period_horizon`, missing-value marks, total labels, source name aliases, the '
        "sources' own web domains, suspect flags, the reconciliation order, region re-codings, "
        '`region_partitions` (region codes that add up to `national`). Keys not given take the '
        'packaged defaults; the country-specific ones start empty. |',
    ))
    + """

Lines starting with `#` in the CSV files are comments. Aliases match case-insensitively, with
dashes, quotes and spaces folded; a code always matches itself. An error in any file names the
file, line and field. Check the folder with `trends vocabulary check {name}`.
""")

_TEMPLATE_TABLES = {
    "region": ("# one row per spelling; add your country's regions below\n"
               "alias,region,label,note\n"
               "national,national,National,the whole country\n"
               "country,national,National,\n"),
    "group": ("alias,group,label,note\n"
              "all,all,All groups,all perpetrators\n"
              "all groups,all,All groups,\n"),
    "measure": ("alias,measure,label,note\n"
                "attacks,attacks,Attacks,attacks as counted by the source\n"
                "incidents,attacks,Attacks,\n"
                "killed,killed,Killed,people killed\n"
                "deaths,killed,Killed,\n"
                "fatalities,killed,Killed,\n"
                "injured,injured,Injured,people injured\n"
                "wounded,injured,Injured,\n"),
}


def _template_rules() -> str:
    d = _default_rules_dict()
    out: dict[str, Any] = {
        "_doc": "Rules of trends clean for this vocabulary (see trends.vocabulary). Keys not "
                "given take the packaged defaults; the country-specific ones start empty.",
        "min_year": d["min_year"],
        "period_horizon": d["period_horizon"],
        "missing_tokens": d["missing_tokens"],
        "total_labels": ["total", "grand total", "totals", "overall"],
        "source_aliases": {},
        "own_domains": {},
        "suspect_flags": d["suspect_flags"],
        "reconcile_order": d["reconcile_order"],
        "region_rules": [],
        "region_partitions": [],
        "headline_priority": [],
    }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def init_vocabulary(folder: str | os.PathLike[str], *, from_default: bool = False) -> list[Path]:
    """Write a vocabulary template into ``folder`` (created if missing).

    Parameters
    ----------
    folder
        Target folder.
    from_default
        Copy the packaged Pakistan vocabulary instead of the minimal template.

    Returns
    -------
    list of Path
        The files written (:data:`FILES`).

    Raises
    ------
    InputError
        If any of the files already exists (nothing is written then) or ``folder`` is a file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "vocab"
    >>> [p.name for p in init_vocabulary(folder)]
    ['regions.csv', 'groups.csv', 'measures.csv', 'rules.json', 'README.md']
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise InputError("exists and is not a folder", path=target,
                         expected="a new or existing folder")
    existing = [target / f for f in FILES if (target / f).exists()]
    if existing:
        raise InputError("would overwrite an existing file", path=existing[0],
                         expected="a folder without " + ", ".join(FILES)
                         + " (nothing was written)")
    root = resources.files("trends") / "data"
    contents: dict[str, str] = {}
    for kind in KINDS:
        contents[f"{kind}s.csv"] = ((root / "aliases" / f"{kind}s.csv").read_text(
            encoding="utf-8") if from_default else _TEMPLATE_TABLES[kind])
    contents["rules.json"] = ((root / "rules.json").read_text(encoding="utf-8")
                              if from_default else _template_rules())
    contents["README.md"] = _README.format(name=target.name or str(target))
    target.mkdir(parents=True, exist_ok=True)
    from trends.atomic import write_text

    written = []
    for name in FILES:
        write_text(target / name, contents[name])
        written.append(target / name)
    return written
