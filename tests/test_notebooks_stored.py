"""The notebooks are stored executed, top to bottom, so ``pytest --nbval`` compares outputs.

A notebook saved without outputs would pass nbval by merely running; this guards against that.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_notebooks_exist():
    assert [p.name for p in NOTEBOOKS][:4] == [
        "01_data.ipynb", "02_explore.ipynb", "03_its.ipynb", "04_robustness.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_executed_in_order_with_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    counts = [c.get("execution_count") for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: re-execute top to bottom"
    assert sum(bool(c["outputs"]) for c in code) >= len(code) // 2, f"{path.name}: no outputs"
    for c in code:
        assert "execution" not in c["metadata"], f"{path.name}: run tools/run_notebooks.py"
        src = "".join(c["source"])
        assert "def " not in src and "class " not in src, f"{path.name}: logic belongs in trends"
        for out in c["outputs"]:
            assert out.get("output_type") != "error", f"{path.name}: stored error output"
