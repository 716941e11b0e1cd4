# Two entry points a new machine needs: `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000

.PHONY: serve test fuzz install install-test browser lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet -e .

install-test: $(PY)
	$(PY) -m pip install --quiet -e '.[test]'

# Debian's Chromium for the browser tests (Playwright drives it; no browser download),
# and Debian's sphinxsearch (searchd) for the cluster tests.
browser:
	@{ command -v chromium >/dev/null 2>&1 && command -v searchd >/dev/null 2>&1; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO apt-get install -y -qq chromium chromium-driver sphinxsearch >/dev/null; }

serve: install
	$(PY) ingest.py seeds/
	$(VENV)/bin/search-app serve --port $(PORT)

test: install-test browser
	$(PY) -m pytest -q

# Exploratory fuzzing with fresh random seeds (FUZZ_SECONDS per target, default 20).
# Finds are written to tests/data/fuzz/; review them and commit the ones worth
# keeping: `make test` replays that corpus with fixed seeds and never writes to it.
fuzz: install-test
	FUZZ_EXPLORE=1 $(PY) -m pytest -q -p no:randomly tests/property/test_fuzz.py -k 'fuzz_query or fuzz_cleaner'

lint: install-test
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: $(PY)
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/cleaning.py

clean:
	rm -rf $(VENV) .pytest_cache
