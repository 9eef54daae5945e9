# The first two targets are the whole user story: `make demo` and `make test`
# each set themselves up from nothing (a fresh machine has python3, pip, gcc).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS := $(VENV)/.installed-extras

.PHONY: demo test test-fast setup lint bench clean

demo: $(STAMP)
	$(PY) -m glassbox.demo

# The suite also exercises the optional exports (TransformerLens, ONNX), so it installs those extras.
test: $(EXTRAS)
	$(PY) -m pytest

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
	$(PY) -m pip install -q -e ".[dev,tl,onnx,sae]"
	touch $(EXTRAS)

# ruff over everything, the type checker over src/ (its settings are in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/mypy

bench: $(STAMP)
	for f in bench/*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
