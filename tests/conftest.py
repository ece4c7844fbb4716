"""Shared fixtures: locations of the embedded data and of the third-party data beside the repo."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
#: ../shared/data beside the project root (CI has it too); override with TRENDS_SHARED_DATA.
SHARED_DATA = Path(os.environ.get("TRENDS_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def root() -> Path:
    """The project root."""
    return ROOT


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The embedded default data, ``data/raw``."""
    return ROOT / "data" / "raw"


def _shared(sub: str) -> Path:
    path = SHARED_DATA / sub
    if not path.exists():
        pytest.skip(f"third-party data not available at {path}")
    return path


@pytest.fixture(scope="session")
def validation_dir() -> Path:
    """``../shared/data/validation`` (published ITS datasets); skips the test when absent."""
    return _shared("validation")


@pytest.fixture(scope="session")
def ucdp_ged_file() -> Path:
    """``../shared/data/events/ucdp_ged221_pakistan.csv``; skips the test when absent."""
    return _shared("events/ucdp_ged221_pakistan.csv")
