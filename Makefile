# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Runtime install (NumPy, and numba for the compiled kernels) plus matplotlib so the demo's
# report has pictures and Pillow so that `glassnet train --data FOLDER` reads PNG/JPEG images.
.make-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[plot,image]"
	touch $@

# Dev extras: pytest, ruff, hypothesis, plus the optional back ends the tests compare against
# (tensorboard: its own reader checks the event files of glassnet.utils.tensorboard).
.make-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev,torch,onnx,mpi,image]"
	touch $@

demo: .make-demo
	$(BIN)/glassnet demo

test: .make-test
	$(BIN)/python -m ruff check glassnet tests benchmarks examples scripts
	$(BIN)/python -m pytest

lint: .make-test
	$(BIN)/python -m ruff check glassnet tests benchmarks examples scripts

bench: .make-test
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .make-demo .make-test build *.egg-info
