# The first two targets are the whole user story: `make demo` and `make test`
# each set themselves up from nothing (a fresh machine has python3, pip, gcc).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS := $(VENV)/.installed-extras
# TransformerLens 4 in a second environment: the main one keeps TL 3.x, which SAELens (the sae extra) needs.
VENV4  := .venv-tl4
STAMP4 := $(VENV4)/.installed

.PHONY: demo test test-fast test-tl4 setup lint bench clean

demo: $(STAMP)
	$(PY) -m glassbox.demo

# The suite also exercises the optional exports (TransformerLens 3.x, ONNX, nnsight), so it installs those extras.
test: $(EXTRAS)
	$(PY) -m pytest

# The TransformerLens tests (marked tl) again, against TransformerLens 4 in $(VENV4).
test-tl4: $(STAMP4)
	$(VENV4)/bin/python -m pytest -m tl tests/export tests/cli

# Everything but the tests marked slow (large sizes, each toy experiment, ONNX's dynamo export, the browser).
test-fast: $(EXTRAS)
	$(PY) -m pytest -m "not slow"

setup: $(STAMP)

# torch is pinned here (not in pyproject) because an unpinned install pulls
# several GB of CUDA wheels; 2.13.0 is the local CPU build.
$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

$(EXTRAS): $(STAMP)
	$(PY) -m pip install -q -e ".[dev,tl3,onnx,sae,nnsight,ray,slurm]"
	touch $(EXTRAS)

$(STAMP4): pyproject.toml Makefile
	test -x $(VENV4)/bin/python || $(PYTHON) -m venv $(VENV4)
	$(VENV4)/bin/python -m pip install -q --upgrade pip
	$(VENV4)/bin/python -m pip install -q torch==2.13.0
	$(VENV4)/bin/python -m pip install -q -e ".[dev,tl]"
	touch $(STAMP4)

# ruff over everything, the type checker over src/ (its settings are in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/mypy

bench: $(STAMP)
	for f in bench/*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) $(VENV4) build dist src/*.egg-info .pytest_cache
