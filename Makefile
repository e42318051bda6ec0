# The two commands of the README: `make book` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
BUILD ?= .
HOST ?= 127.0.0.1
PORT ?= 8000
# ruff checks the generated notebooks too; it formats only hand-written Python
FORMATTED := src tests benchmarks scripts autograder exercise_sources
LINTED := $(FORMATTED) exercises

.PHONY: book serve test lint format benchmark exercises clean help

help:
	@echo "make book   set up .venv, build the whole book (warnings are errors)"
	@echo "make serve  serve the built book on http://$(HOST):$(PORT)/"
	@echo "make test   set up .venv with the test tools and run the whole suite"
	@echo "make exercises  rebuild the nbgrader notebooks in exercises/ from exercise_sources/"

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The execution cache is keyed on each chapter's code only, so a change to the package (a figure
# function, the widget's JS) would not re-run the chapters: drop the cache when src/ changed.
STAMP := $(BUILD)/_build/.src-stamp

book: $(VENV)/.installed
	@if [ -d $(BUILD)/_build ] && { [ ! -f $(STAMP) ] || [ -n "$$(find src -newer $(STAMP) -type f | head -1)" ]; }; then \
		echo "src/ changed since the last build: re-executing every chapter"; \
		rm -rf $(BUILD)/_build/.jupyter_cache $(BUILD)/_build/.doctrees $(BUILD)/_build/jupyter_execute; fi
	$(BIN)/jupyter-book build . --path-output $(BUILD) -W -n --keep-going
	@touch $(STAMP)
	@echo
	@echo "The book is at $(abspath $(BUILD))/_build/html/index.html"
	@echo "Serve it with:  make serve   (http://$(HOST):$(PORT)/)"

serve:
	@test -f $(BUILD)/_build/html/index.html || $(MAKE) book
	@echo "Serving the book at http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/python -m http.server --bind $(HOST) --directory $(BUILD)/_build/html $(PORT)

test: $(VENV)/.installed
	bash scripts/ensure-system-deps
	$(BIN)/ruff check $(LINTED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(FORMATTED)

format: $(VENV)/.installed
	$(BIN)/ruff format $(FORMATTED)
	$(BIN)/ruff check --fix $(LINTED)

# The assignment notebooks are generated (exercise_sources/README.md); tests fail when they are stale.
exercises: $(VENV)/.installed
	$(BIN)/python exercise_sources/build.py

benchmark: $(VENV)/.installed
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(BUILD)/_build .pytest_cache
