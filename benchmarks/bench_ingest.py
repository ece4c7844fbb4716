"""Benchmark: ingest 1,000,000-row UCDP GED, ACLED and GTD exports to the monthly panel.

For each format, a seeded synthetic file with the dataset's full real column layout (including
long free-text fields such as GED ``source_article`` with quoted commas, quotes and newlines) is
written to a temporary folder. Each measurement then runs in its own subprocess so that time and
peak memory are isolated:

* ``ours``: :func:`trends.events.read_events` (monthly and weekly panels, annual totals);
* ``ours_audit``: the same plus the per-record audit (built on first access, incl. the scan
  that maps records to physical lines);
* ``command``: the whole ``trends clean --format FMT FILE --out DIR`` (read, audit, and every
  output written, ``audit.csv`` included), run through :func:`trends.cli.main`;
* ``baseline``: plain ``pandas.read_csv(path)`` with default settings (reading only).

``command_ratio`` (command / baseline seconds; the target is <= 1) and ``peak_ratio`` (peak
memory of the command / of pandas; target < 1) are printed per format.

The machine may be shared, so each measurement is repeated (``--repeat``, interleaved) and the
fastest run is reported (the usual best-of-N for noisy timings); peak memory is the largest.

Peak memory is the subprocess's maximum resident set size (``ru_maxrss``), which includes
pyarrow's allocations (``tracemalloc`` sees only Python's allocator, so it is printed as well but
undercounts pyarrow). Printed per format and measurement::

    format=ucdp-ged which=ours rows=1000000 seconds=... peak_mb=... traced_mb=... file_mb=...

then ``ratio=ours/baseline`` (seconds) and ``mem_ratio=peak/file size``.

Usage: ``python benchmarks/bench_ingest.py [--rows N] [--formats ucdp-ged,acled,gtd] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

SEED = 20210815
FORMATS = ("ucdp-ged", "acled", "gtd")

GED_COLUMNS = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,"
    "conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,"
    "side_b_dset_id,side_b_new_id,side_b,number_of_sources,source_article,source_office,"
    "source_date,source_headline,source_original,where_prec,where_coordinates,"
    "where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,iso3,"
    "country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,"
    "deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob"
).split(",")
ACLED_COLUMNS = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp"
).split(",")
GTD_COLUMNS = (
    "eventid,iyear,imonth,iday,approxdate,extended,resolution,country,country_txt,region,"
    "region_txt,provstate,city,latitude,longitude,specificity,vicinity,location,summary,crit1,"
    "crit2,crit3,doubtterr,alternative,alternative_txt,multiple,success,suicide,attacktype1,"
    "attacktype1_txt,attacktype2,attacktype2_txt,attacktype3,attacktype3_txt,targtype1,"
    "targtype1_txt,targsubtype1,targsubtype1_txt,corp1,target1,natlty1,natlty1_txt,targtype2,"
    "targtype2_txt,targsubtype2,targsubtype2_txt,corp2,target2,natlty2,natlty2_txt,targtype3,"
    "targtype3_txt,targsubtype3,targsubtype3_txt,corp3,target3,natlty3,natlty3_txt,gname,"
    "gsubname,gname2,gsubname2,gname3,gsubname3,motive,guncertain1,guncertain2,guncertain3,"
    "individual,nperps,nperpcap,claimed,claimmode,claimmode_txt,claim2,claimmode2,"
    "claimmode2_txt,claim3,claimmode3,claimmode3_txt,compclaim,weaptype1,weaptype1_txt,"
    "weapsubtype1,weapsubtype1_txt,weaptype2,weaptype2_txt,weapsubtype2,weapsubtype2_txt,"
    "weaptype3,weaptype3_txt,weapsubtype3,weapsubtype3_txt,weaptype4,weaptype4_txt,"
    "weapsubtype4,weapsubtype4_txt,weapdetail,nkill,nkillus,nkillter,nwound,nwoundus,nwoundte,"
    "property,propextent,propextent_txt,propvalue,propcomment,ishostkid,nhostkid,nhostkidus,"
    "nhours,ndays,divert,kidhijcountry,ransom,ransomamt,ransomamtus,ransompaid,ransompaidus,"
    "ransomnote,hostkidoutcome,hostkidoutcome_txt,nreleased,addnotes,scite1,scite2,scite3,"
    "dbsource,INT_LOG,INT_IDEO,INT_MISC,INT_ANY,related"
).split(",")

_WORDS = ("militants attacked a security checkpost in the district police said on Sunday "
          "killing two soldiers and injuring several others in an exchange of fire with the "
          "banned outfit claimed responsibility according to officials \"suicide bomber\" near "
          "the market, the spokesman added; rescue teams reached the site").split(" ")


def _pool(rng: np.random.Generator, size: int, lo: int, hi: int, newlines: bool = False
          ) -> np.ndarray:
    """``size`` distinct free-text strings of ``lo``..``hi`` characters (commas, quotes)."""
    out = []
    for _ in range(size):
        n = int(rng.integers(lo, hi))
        words = rng.choice(_WORDS, size=n // 6 + 2)
        s = " ".join(words)[:n]
        if newlines and rng.random() < 0.1:
            s = s.replace(";", ";\n", 1)
        out.append(s)
    return np.array(out, dtype=object)


def _pick(rng: np.random.Generator, n: int, values, p=None) -> pa.Array:
    values = np.asarray(values, dtype=object)
    idx = rng.choice(len(values), size=n, p=p)
    return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32)),
                                          pa.array(values.tolist(), pa.string())).cast(pa.string())


def _dates(rng: np.random.Generator, n: int, first: str, last: str) -> np.ndarray:
    a, b = np.datetime64(first, "D").astype(int), np.datetime64(last, "D").astype(int)
    return rng.integers(a, b + 1, size=n).astype("datetime64[D]")


def _fmt_days(days: np.ndarray, fmt: str) -> pa.Array:
    # format through a small table of unique days (fast for 1M rows)
    uniq, inv = np.unique(days, return_inverse=True)
    import pandas as pd
    labels = pd.DatetimeIndex(uniq.astype("datetime64[ns]")).strftime(fmt).to_numpy(object)
    return _pick_idx(inv, labels)


def _pick_idx(idx: np.ndarray, labels) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32)),
                                          pa.array(list(labels), pa.string())).cast(pa.string())


def _ints(rng: np.random.Generator, n: int, lo: int, hi: int) -> pa.Array:
    return pa.array(rng.integers(lo, hi, size=n))


def _write(path: Path, columns: list[str], data: dict[str, pa.Array], n: int) -> None:
    arrays = [data[c] if c in data else pa.nulls(n, pa.string()) for c in columns]
    table = pa.table(arrays, names=columns)
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


def make_ged(path: Path, n: int, rng: np.random.Generator) -> None:
    sides = [("Government of Pakistan", "TTP", 1), ("Government of Pakistan", "BLA", 1),
             ("Government of Pakistan", "IS", 1), ("Government of India", "Government of Pakistan", 1),
             ("Government of United States of America", "al-Qaida", 1), ("TTP", "Civilians", 3),
             ("IS", "Civilians", 3), ("LeJ", "Civilians", 3), ("Lashkar-e-Islam", "TTP", 2)]
    k = rng.choice(len(sides), size=n, p=[.5, .08, .05, .08, .06, .1, .04, .04, .05])
    start = _dates(rng, n, "1989-01-01", "2021-12-31")
    span = np.where(rng.random(n) < 0.05, rng.integers(1, 40, size=n), 0)
    end = np.minimum(start + span.astype("timedelta64[D]"), np.datetime64("2021-12-31"))
    prec = np.where(span == 0, 1, np.where(span < 7, 2, 4))
    best = rng.poisson(2.5, size=n)
    adm = ["Federally Administered Tribal Areas", "Khyber Pakhtunkwa province",
           "Balochistan province", "Sindh province", "Punjab province", "Azad Jammu & Kashmir",
           "Gilgit-Baltistan", "Islamabad Capital territory", None]
    art = _pool(rng, 4000, 80, 700, newlines=True)
    data = {
        "id": pa.array(np.arange(1, n + 1) + 100000),
        "relid": _pick(rng, n, [f"PAK-{y}-1-{i}-{j}" for y in range(1989, 2022) for i, j in
                                ((209, 1), (345, 5), (422, 3))]),
        "year": pa.array(start.astype("datetime64[Y]").astype(int) + 1970),
        "active_year": _ints(rng, n, 0, 2), "code_status": _pick(rng, n, ["Clear"]),
        "type_of_violence": pa.array(np.array([s[2] for s in sides])[k]),
        "conflict_dset_id": _ints(rng, n, 200, 14000), "conflict_new_id": _ints(rng, n, 200, 14000),
        "conflict_name": _pick_idx(k, [f"{a.replace('Government of ', '')}: {b}" for a, b, _ in sides]),
        "dyad_dset_id": _ints(rng, n, 400, 15000), "dyad_new_id": _ints(rng, n, 400, 15000),
        "dyad_name": _pick_idx(k, [f"{a} - {b}" for a, b, _ in sides]),
        "side_a_dset_id": _ints(rng, n, 100, 5000), "side_a_new_id": _ints(rng, n, 100, 5000),
        "side_a": _pick_idx(k, [s[0] for s in sides]),
        "side_b_dset_id": _ints(rng, n, 100, 5000), "side_b_new_id": _ints(rng, n, 100, 5000),
        "side_b": _pick_idx(k, [s[1] for s in sides]),
        "number_of_sources": _ints(rng, n, -1, 6),
        "source_article": _pick(rng, n, art),
        "source_office": _pick(rng, n, ["Reuters News", "Dawn", "The Express Tribune", "BBC"]),
        "source_date": _fmt_days(start, "%Y-%m-%d"),
        "source_headline": _pick(rng, n, _pool(rng, 2000, 30, 120)),
        "source_original": _pick(rng, n, ["police", "ISPR", "local officials", "TTP spokesman"]),
        "where_prec": _ints(rng, n, 1, 7),
        "where_coordinates": _pick(rng, n, ["Miran Shah town", "Quetta city", "Peshawar city"]),
        "where_description": _pick(rng, n, _pool(rng, 1000, 10, 80)),
        "adm_1": _pick(rng, n, adm, p=[.45, .2, .12, .07, .05, .05, .02, .02, .02]),
        "adm_2": _pick(rng, n, ["North Waziristan district", "Quetta district", "Peshawar district"]),
        "latitude": pa.array(rng.uniform(24, 37, size=n).round(6)),
        "longitude": pa.array(rng.uniform(61, 77, size=n).round(6)),
        "geom_wkt": _pick(rng, n, ["POINT (70.1 33.0)", "POINT (67.0 30.2)", "POINT (71.5 34.0)"]),
        "priogrid_gid": _ints(rng, n, 170000, 190000),
        "country": _pick(rng, n, ["Pakistan"]), "iso3": _pick(rng, n, ["PAK"]),
        "country_id": pa.array(np.full(n, 770)), "region": _pick(rng, n, ["Asia"]),
        "event_clarity": _ints(rng, n, 1, 3), "date_prec": pa.array(prec),
        "date_start": _fmt_days(start, "%Y-%m-%d 00:00:00.000"),
        "date_end": _fmt_days(end, "%Y-%m-%d 00:00:00.000"),
        "deaths_a": _ints(rng, n, 0, 5), "deaths_b": _ints(rng, n, 0, 5),
        "deaths_civilians": _ints(rng, n, 0, 5), "deaths_unknown": _ints(rng, n, 0, 3),
        "best": pa.array(best), "high": pa.array(best + rng.integers(0, 3, size=n)),
        "low": pa.array(np.maximum(best - rng.integers(0, 2, size=n), 0)),
        "gwnoa": pa.array(np.full(n, 770.0)), "gwnob": pa.nulls(n, pa.float64()),
    }
    _write(path, GED_COLUMNS, data, n)


def make_acled(path: Path, n: int, rng: np.random.Generator) -> None:
    day = _dates(rng, n, "2010-01-01", "2023-12-31")
    actors = [("TTP: Tehreek-i-Taliban Pakistan", "Rebel group"),
              ("Military Forces of Pakistan (2018-)", "State forces"),
              ("Unidentified Armed Group (Pakistan)", "Political militia"),
              ("BLA: Balochistan Liberation Army", "Rebel group"),
              ("Islamic State (Pakistan)", "Rebel group"), ("Protesters (Pakistan)", "Protesters"),
              ("Civilians (Pakistan)", "Civilians"), ("Police Forces of Pakistan (2018-)", "State forces")]
    a1 = rng.choice(len(actors), size=n)
    a2 = rng.choice(len(actors), size=n)
    notes = _pool(rng, 4000, 100, 600)
    data = {
        "event_id_cnty": pa.array([f"PAK{i}" for i in range(1, n + 1)]),
        "event_date": _fmt_days(day, "%d %B %Y"),
        "year": pa.array(day.astype("datetime64[Y]").astype(int) + 1970),
        "time_precision": pa.array(rng.choice([1, 2, 3], size=n, p=[.9, .08, .02])),
        "disorder_type": _pick(rng, n, ["Political violence", "Demonstrations"]),
        "event_type": _pick(rng, n, ["Battles", "Explosions/Remote violence",
                                     "Violence against civilians", "Protests", "Riots",
                                     "Strategic developments"], p=[.25, .2, .15, .3, .05, .05]),
        "sub_event_type": _pick(rng, n, ["Armed clash", "Remote explosive/landmine/IED",
                                         "Attack", "Peaceful protest", "Suicide bomb"]),
        "actor1": _pick_idx(a1, [a for a, _ in actors]),
        "assoc_actor_1": _pick(rng, n, [None, "Pashtun Ethnic Group (Pakistan)"]),
        "inter1": _pick_idx(a1, [t for _, t in actors]),
        "actor2": _pick_idx(a2, [a for a, _ in actors]),
        "assoc_actor_2": _pick(rng, n, [None, "Journalists (Pakistan)"]),
        "inter2": _pick_idx(a2, [t for _, t in actors]),
        "interaction": _pick(rng, n, ["State forces-Rebel group", "Rebel group-Civilians"]),
        "civilian_targeting": _pick(rng, n, [None, "Civilian targeting"]),
        "iso": pa.array(np.full(n, 586)), "region": _pick(rng, n, ["Southern Asia"]),
        "country": _pick(rng, n, ["Pakistan"]),
        "admin1": _pick(rng, n, ["Khyber Pakhtunkhwa", "Balochistan", "Sindh", "Punjab",
                                 "Islamabad Capital Territory", "Azad Kashmir", "Gilgit-Baltistan"]),
        "admin2": _pick(rng, n, ["North Waziristan", "Quetta", "Karachi", "Lahore"]),
        "admin3": _pick(rng, n, ["Miran Shah", "Quetta City", "Karachi South"]),
        "location": _pick(rng, n, ["Miran Shah", "Quetta", "Karachi", "Lahore", "Peshawar"]),
        "latitude": pa.array(rng.uniform(24, 37, size=n).round(4)),
        "longitude": pa.array(rng.uniform(61, 77, size=n).round(4)),
        "geo_precision": _ints(rng, n, 1, 4),
        "source": _pick(rng, n, ["Dawn", "The News International; Express Tribune", "PICSS"]),
        "source_scale": _pick(rng, n, ["National", "Subnational-National", "Local partner-Other"]),
        "notes": _pick(rng, n, notes),
        "fatalities": pa.array(rng.poisson(1.2, size=n)),
        "tags": _pick(rng, n, [None, "crowd size=no report"]),
        "timestamp": _ints(rng, n, 1600000000, 1700000000),
    }
    _write(path, ACLED_COLUMNS, data, n)


def make_gtd(path: Path, n: int, rng: np.random.Generator) -> None:
    day = _dates(rng, n, "1970-01-01", "2021-12-31")
    day = day[day.astype("datetime64[Y]").astype(int) + 1970 != 1993]
    day = np.concatenate([day, _dates(rng, n - len(day), "1994-01-01", "2021-12-31")])
    y = day.astype("datetime64[Y]").astype(int) + 1970
    m = day.astype("datetime64[M]").astype(int) % 12 + 1
    d = (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    d = np.where(rng.random(n) < 0.01, 0, d)
    m = np.where(rng.random(n) < 0.002, 0, m)
    nkill = rng.poisson(1.5, size=n).astype(float)
    nkill[rng.random(n) < 0.08] = np.nan
    summary = _pool(rng, 4000, 100, 900)
    data = {
        "eventid": pa.array([f"{yy}{mm:02d}{dd:02d}{i % 10000:04d}" for i, (yy, mm, dd) in
                             enumerate(zip(y.tolist(), m.tolist(), d.tolist(), strict=True))]),
        "iyear": pa.array(y), "imonth": pa.array(m), "iday": pa.array(d),
        "approxdate": _pick(rng, n, [None] * 20 + ["August 15-20, 2021"]),
        "extended": _ints(rng, n, 0, 2), "resolution": pa.nulls(n, pa.string()),
        "country": pa.array(np.full(n, 153)), "country_txt": _pick(rng, n, ["Pakistan"]),
        "region": pa.array(np.full(n, 6)), "region_txt": _pick(rng, n, ["South Asia"]),
        "provstate": _pick(rng, n, ["Khyber Pakhtunkhwa", "Balochistan", "Sindh", "Punjab",
                                    "Federally Administered Tribal Areas", "Unknown",
                                    "North-West Frontier Province"]),
        "city": _pick(rng, n, ["Peshawar", "Quetta", "Karachi", "Lahore", "Unknown"]),
        "latitude": pa.array(rng.uniform(24, 37, size=n).round(6)),
        "longitude": pa.array(rng.uniform(61, 77, size=n).round(6)),
        "specificity": _ints(rng, n, 1, 6), "vicinity": _ints(rng, n, 0, 2),
        "location": _pick(rng, n, [None, "The attack took place near the market."]),
        "summary": _pick(rng, n, summary),
        "crit1": _ints(rng, n, 0, 2), "crit2": _ints(rng, n, 0, 2), "crit3": _ints(rng, n, 0, 2),
        "doubtterr": _ints(rng, n, 0, 2), "multiple": _ints(rng, n, 0, 2),
        "success": _ints(rng, n, 0, 2), "suicide": _ints(rng, n, 0, 2),
        "attacktype1": _ints(rng, n, 1, 10),
        "attacktype1_txt": _pick(rng, n, ["Bombing/Explosion", "Armed Assault", "Assassination",
                                          "Hostage Taking (Kidnapping)", "Facility/Infrastructure Attack"]),
        "targtype1_txt": _pick(rng, n, ["Police", "Military", "Private Citizens & Property"]),
        "target1": _pick(rng, n, _pool(rng, 500, 10, 60)),
        "natlty1_txt": _pick(rng, n, ["Pakistan"]),
        "gname": _pick(rng, n, ["Tehrik-i-Taliban Pakistan (TTP)", "Unknown",
                                "Baloch Liberation Army (BLA)", "Lashkar-e-Jhangvi",
                                "Khorasan Chapter of the Islamic State", "Jamaat-ul-Ahrar",
                                "Baloch Republican Army (BRA)", "Hizbul Mujahideen (HM)"]),
        "motive": _pick(rng, n, [None, *_pool(rng, 300, 50, 300)]),
        "weaptype1_txt": _pick(rng, n, ["Explosives", "Firearms", "Incendiary"]),
        "weapdetail": _pick(rng, n, [None, *_pool(rng, 300, 20, 150)]),
        "nkill": pa.array(nkill), "nkillus": _ints(rng, n, 0, 1), "nkillter": _ints(rng, n, 0, 2),
        "nwound": pa.array(rng.poisson(2.0, size=n).astype(float)),
        "nwoundus": _ints(rng, n, 0, 1), "nwoundte": _ints(rng, n, 0, 1),
        "property": _ints(rng, n, -9, 2), "propextent_txt": _pick(rng, n, [None, "Minor (likely < $1 million)"]),
        "propvalue": _ints(rng, n, -99, 0), "propcomment": _pick(rng, n, [None, *_pool(rng, 200, 20, 200)]),
        "ishostkid": _ints(rng, n, 0, 2),
        "addnotes": _pick(rng, n, [None, *_pool(rng, 300, 30, 300)]),
        "scite1": _pick(rng, n, _pool(rng, 1000, 60, 250)),
        "scite2": _pick(rng, n, _pool(rng, 1000, 60, 250)),
        "scite3": _pick(rng, n, [None, *_pool(rng, 500, 60, 250)]),
        "dbsource": _pick(rng, n, ["START Primary Collection"]),
        "INT_LOG": _ints(rng, n, -9, 2), "INT_IDEO": _ints(rng, n, -9, 2),
        "INT_MISC": _ints(rng, n, -9, 2), "INT_ANY": _ints(rng, n, -9, 2),
        "related": _pick(rng, n, [None, "201908150001, 201908150002"]),
    }
    _write(path, GTD_COLUMNS, data, n)


MAKERS = {"ucdp-ged": make_ged, "acled": make_acled, "gtd": make_gtd}
WHICH = ("ours", "ours_audit", "command", "baseline")


def measure(which: str, fmt: str, path: str, traced: bool) -> dict[str, float]:
    """Run one measurement in this (fresh) process and return its numbers."""
    import pandas as pd

    import trends.events as ev

    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    if which == "command":
        # the whole `trends clean --format FMT FILE --out DIR`: read, audit, write all outputs
        from trends import cli

        with tempfile.TemporaryDirectory() as out:
            status = cli.main(["clean", "--format", fmt, path, "--out", out])
            if status != 0:
                raise SystemExit(status)
            rows = sum(1 for _ in open(Path(out) / "audit.csv", "rb")) - 1
    elif which in ("ours", "ours_audit"):
        res = ev.read_events(path, fmt)
        rows = res.records
        if which == "ours_audit":
            rows = len(res.audit)
    else:
        rows = len(pd.read_csv(path))
    seconds = time.perf_counter() - t0
    traced_mb = tracemalloc.get_traced_memory()[1] / 2**20 if traced else float("nan")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"rows": rows, "seconds": seconds, "peak_mb": peak_mb, "traced_mb": traced_mb}


def _child(which: str, fmt: str, path: Path, traced: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, "--format", fmt, "--file", str(path)]
        + (["--traced"] if traced else []),
        check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Generate the files, run each measurement in a subprocess, print the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--keep", help="write the generated files here and keep them")
    ap.add_argument("--traced", action="store_true",
                    help="also run tracemalloc (slows both measurements)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    ap.add_argument("--child", choices=WHICH, help=argparse.SUPPRESS)
    ap.add_argument("--format", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.format, args.file, args.traced)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for fmt in args.formats.split(","):
            path = folder / f"bench_{fmt}.csv"
            t0 = time.perf_counter()
            MAKERS[fmt](path, args.rows, np.random.default_rng(SEED))
            size_mb = os.path.getsize(path) / 2**20
            print(f"# {fmt}: generated {path.name} ({size_mb:.0f} MB) in "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
            runs: dict[str, list[dict[str, float]]] = {w: [] for w in WHICH}
            for _ in range(args.repeat):
                for which in WHICH:
                    runs[which].append(_child(which, fmt, path, args.traced))
            got = {}
            for which in WHICH:
                r = min(runs[which], key=lambda x: x["seconds"])
                r = {**r, "peak_mb": max(x["peak_mb"] for x in runs[which]),
                     "all_seconds": [round(x["seconds"], 2) for x in runs[which]]}
                got[which] = r
                print(f"format={fmt} which={which} rows={r['rows']} seconds={r['seconds']:.2f} "
                      f"peak_mb={r['peak_mb']:.0f} traced_mb={r['traced_mb']:.0f} "
                      f"file_mb={size_mb:.0f} runs={r['all_seconds']}", flush=True)
            base = got["baseline"]["seconds"]
            cmd = got["command"]
            print(f"format={fmt} command_seconds={cmd['seconds']:.2f} "
                  f"baseline_seconds={base:.2f} command_ratio={cmd['seconds'] / base:.3f} "
                  f"(trends clean, audit and all outputs written / pandas.read_csv; <= 1 is the "
                  f"target) command_peak_mb={cmd['peak_mb']:.0f} "
                  f"baseline_peak_mb={got['baseline']['peak_mb']:.0f} "
                  f"peak_ratio={cmd['peak_mb'] / got['baseline']['peak_mb']:.2f}", flush=True)
            print(f"format={fmt} ratio={got['ours']['seconds'] / base:.3f} "
                  f"ratio_with_audit={got['ours_audit']['seconds'] / base:.3f} "
                  f"mem_ratio={got['ours']['peak_mb'] / size_mb:.2f} "
                  f"mem_ratio_with_audit={got['ours_audit']['peak_mb'] / size_mb:.2f} "
                  f"baseline_mem_ratio={got['baseline']['peak_mb'] / size_mb:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
