# Two entry points (see README.md): `make reproduce` and `make test`.
# Both create .venv with the pinned versions in constraints.txt, so results can be re-created.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install reproduce test bench notebooks clean-venv

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

reproduce: $(STAMP)
	$(BIN)/trends reproduce

# lint (ruff, the rules in pyproject.toml), types (mypy, [tool.mypy]), then the tests: nbval
# compares stored notebook outputs; tests/ holds unit, property and end-to-end tests; the
# docstring examples of src/trends run as doctests.
test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy src/trends
	MPLBACKEND=Agg $(BIN)/python -m pytest -n 2 --dist loadfile --nbval tests notebooks
	MPLBACKEND=Agg $(BIN)/python -m pytest --doctest-modules src/trends -p no:cacheprovider \
		--ignore=src/trends/analysis.py --ignore=src/trends/outputs.py  # aliases of trends.study.*

# re-execute the notebooks in place (after a change in what they show), without timing metadata
notebooks: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python tools/run_notebooks.py

# every ratio next to its baseline from the same run; cold (fresh process, default env) and warm
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_robust.py
	$(BIN)/python benchmarks/bench_gaussian.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_calibrate.py

clean-venv:
	rm -rf $(VENV)
