"""Provenance record: hashes, versions, deterministic JSON, verification."""

from __future__ import annotations

import hashlib
import json

from trends import provenance


def test_hashes_relative_and_sorted(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "b.csv").write_bytes(b"b\n")
    (tmp_path / "raw" / "a.csv").write_bytes(b"a\n")
    (tmp_path / "raw" / ".hidden").write_bytes(b"x")
    h = provenance.file_hashes([tmp_path / "raw"], root=tmp_path)
    assert list(h) == ["raw/a.csv", "raw/b.csv"]
    assert h["raw/a.csv"] == hashlib.sha256(b"a\n").hexdigest()


def test_record_is_deterministic_and_verifiable(tmp_path):
    f = tmp_path / "in.csv"
    f.write_text("x\n1\n")
    specs = {"m": {"family": "negbin", "interruptions": {"a": "2021-08"}, "nan": float("nan")}}
    rec = provenance.build_provenance([f], specifications=specs, root=tmp_path)
    out1 = provenance.write_provenance(tmp_path / "p1.json", rec).read_bytes()
    rec2 = provenance.build_provenance([f], specifications=specs, root=tmp_path)
    out2 = provenance.write_provenance(tmp_path / "p2.json", rec2).read_bytes()
    assert out1 == out2
    data = json.loads(out1)
    assert data["inputs"] == {"in.csv": hashlib.sha256(b"x\n1\n").hexdigest()}
    assert data["specifications"]["m"]["nan"] is None
    for pkg in ("python", "numpy", "pandas", "statsmodels", "scipy", "matplotlib", "seaborn",
                "trends"):
        assert pkg in data["packages"]
    assert "time" not in out1.decode().lower()
    assert provenance.verify(data, tmp_path) == {}
    f.write_text("x\n2\n")
    assert provenance.verify(data, tmp_path) == {"in.csv": "changed"}
    f.unlink()
    assert provenance.verify(data, tmp_path) == {"in.csv": "missing"}


def test_missing_package_reported():
    v = provenance.package_versions(["surely-not-a-package-xyz"])
    assert v["surely-not-a-package-xyz"] == "not installed"
