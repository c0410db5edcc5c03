# Two commands matter: `make run` and `make test`. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "acuback needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/acuback manage migrate --noinput -v 0
	$(BIN)/acuback demo
	@# The reminder worker runs beside the server and stops with it.
	@$(BIN)/acuback worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/acuback serve

test: $(STAMP)
	scripts/test.sh

bench: $(STAMP)
	scripts/bench.sh

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
