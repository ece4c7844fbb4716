"""Benchmark: start-up of the ``trends`` command against ``python -c pass``, in one run.

Each command is started ``--repeat`` times as a fresh process, interleaved, and the fastest
wall-clock run of each is kept (the usual best-of-N on a shared machine); the ratio to
``python -c pass`` is printed next to it. Then ``trends fit`` on a tiny CSV is run with
``-X importtime`` and the modules it imports are listed by cumulative import time, with the
ones a Poisson fit has no use for flagged (matplotlib, seaborn, scipy.special before the fit,
tqdm, asyncio, ...).

Usage: ``python benchmarks/bench_startup.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: modules `trends fit` (Poisson, no figure) has no use for
UNUSED = ("matplotlib", "seaborn", "tqdm", "asyncio", "IPython", "jinja2", "openpyxl",
          "trends.plot", "trends.robust", "trends.events", "pyarrow.csv")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=_env())
    return time.perf_counter() - t0


def _tiny_csv(folder: Path) -> Path:
    lines = ["month,attacks"] + [f"20{19 + i // 12:02d}-{i % 12 + 1:02d},{5 + (i * 7) % 11}"
                                 for i in range(48)]
    path = folder / "tiny.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args(argv)
    py = sys.executable
    trends_cli = [py, "-m", "trends"] if not (Path(py).parent / "trends").exists() else [
        str(Path(py).parent / "trends")]
    cases = {
        "python -c pass": [py, "-c", "pass"],
        "trends --help": trends_cli + ["--help"],
        "trends --version": trends_cli + ["--version"],
    }
    best = {k: float("inf") for k in cases}
    for _ in range(args.repeat):
        for name, cmd in cases.items():
            best[name] = min(best[name], _time(cmd))
    base = best["python -c pass"]
    print(f"# start-up, best of {args.repeat} fresh processes each (wall clock); "
          f"load {os.getloadavg()[0]:.2f}")
    for name, t in best.items():
        print(f"  {name:<18} {t * 1000:7.1f} ms   ratio={t / base:.2f}x vs python -c pass "
              f"({base * 1000:.1f} ms)")
    with tempfile.TemporaryDirectory() as tmp:
        csv = _tiny_csv(Path(tmp))
        fit = [py, "-X", "importtime", "-m", "trends", "fit", str(csv), "--outcome", "attacks",
               "--date", "month", "--interruption", "break=2021-08", "--family", "poisson", "--out",
               str(Path(tmp) / "out")]
        t0 = time.perf_counter()
        res = subprocess.run(fit, capture_output=True, text=True, env=_env())
        wall = time.perf_counter() - t0
        if res.returncode != 0:
            print(f"  trends fit failed: {res.stderr.strip().splitlines()[-1:]}")
            return 1
        rows = []
        for line in res.stderr.splitlines():
            if line.startswith("import time:") and "|" in line:
                _, cum, name = (x.strip() for x in line[len("import time:"):].split("|"))
                if cum.isdigit():
                    rows.append((int(cum), name))
        top = {name: cum for cum, name in rows if "." not in name}
        total = sum(top.values()) / 1e6
        print(f"# trends fit on a {len(csv.read_text().splitlines()) - 1}-row CSV: "
              f"{wall:.2f} s wall, {total:.2f} s importing ({len(rows)} modules)")
        for name, cum in sorted(top.items(), key=lambda kv: -kv[1])[:8]:
            print(f"  {cum / 1000:7.1f} ms  {name}")
        unused = sorted({n for _, n in rows if n.split(".")[0] in UNUSED or n in UNUSED})
        print(f"  imported but unused by a fit: {', '.join(unused) if unused else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
