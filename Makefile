# msap-stats: two commands.
#   make run   install if needed, build the demo database if missing, start the dashboard
#   make test  install if needed (runtime + test requirements, Chromium), run the whole suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= $(or $(MSAP_DB),data/msap.duckdb)
PORT   ?= 8501

.PHONY: run test lint demo bench chromium nginx serve charge clean reference captures corpus

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

$(DB): | $(VENV)/.runtime
	$(BIN)/python -m msap_stats demo --db $(DB)

run: $(VENV)/.runtime $(DB)
	MSAP_DB=$(DB) $(BIN)/streamlit run dashboard.py --server.port $(PORT) --server.address localhost

test: $(VENV)/.dev chromium nginx lint
	$(BIN)/python -m pytest

# Style (ruff) and the floors of the package (import-linter: .importlinter): an upward import or a circle fails.
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo --no-cache

chromium:
	@./.ci/ensure-chromium

nginx:
	@./.ci/ensure-nginx

# Several processes on one store behind nginx (README, « Déploiement ») : make serve PROCESSUS=4 PORT_PROXY=8080.
PROCESSUS ?= 2
PORT_PROXY ?= 8080
serve: $(VENV)/.runtime $(DB) nginx
	$(BIN)/python -m msap_stats.serve --processus $(PROCESSUS) --port $(PORT_PROXY) --db $(DB)

# The load test at full size, by hand (BENCHMARKS.md) : UTILISATEURS simulated users on PROCESSUS processes.
UTILISATEURS ?= 50
DUREE ?= 60
charge: $(VENV)/.dev nginx
	mkdir -p data/cache
	$(BIN)/python -m msap_stats.charge --utilisateurs $(UTILISATEURS) --processus $(PROCESSUS) --duree $(DUREE) \
		--repeat 3 --json data/cache/charge-$(UTILISATEURS)-$(PROCESSUS).json

demo: $(VENV)/.runtime
	$(BIN)/python -m msap_stats demo --db $(DB) --force

# Reference values of the survey estimates from R's survey package (needs Rscript and r-cran-survey;
# not part of make test, which compares with the JSON committed in tests/reference/).
SHARED ?= $(or $(MSAP_SHARED_DATA),../shared/data)
reference: $(VENV)/.dev
	mkdir -p data/cache
	$(BIN)/python -m tests.reference.clustered $(SHARED)/liste-fs-20240801.csv data/cache/enquete_reference.csv
	Rscript tests/reference/reference.R data/cache/enquete_reference.csv > tests/reference/reference.json
	$(BIN)/python -m tests.reference.waves $(SHARED)/liste-fs-20240801.csv data/cache/vagues.csv
	Rscript tests/reference/waves.R data/cache/vagues.csv > tests/reference/waves.json
	$(BIN)/python -m tests.reference.strata $(SHARED)/liste-fs-20240801.csv data/cache/strates.csv
	Rscript tests/reference/strata.R data/cache/strates.csv > tests/reference/strata.json
	$(BIN)/python -m tests.reference.calib $(SHARED)/liste-fs-20240801.csv data/cache/calage.csv data/cache/marges.csv \
		data/cache/calage_vagues.csv
	Rscript tests/reference/calib.R data/cache/calage.csv data/cache/marges.csv data/cache/calage_vagues.csv \
		> tests/reference/calib.json

# Full-page screenshots of every page at three widths, demo and real registry, to look at (tests/artifacts/captures).
captures: $(VENV)/.dev chromium
	$(BIN)/python -m tests.captures

# Speed against the limit and a fair peer (see BENCHMARKS.md); TAILLE=essai|moyenne|nationale.
TAILLE ?= moyenne
bench: $(VENV)/.dev
	$(BIN)/python -m msap_stats.bench --taille $(TAILLE) --navigateur --json data/cache/bench-$(TAILLE).json

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts

# The hostile corpus as a table (probe, result, time, peak memory, store intact, journal), with the probes too
# large for make test (a 245 MB GeoJSON, 1,048,000 .ods rows, 300 MB without a line break): by hand.
corpus: $(VENV)/.dev
	mkdir -p data/cache
	$(BIN)/python -m tests.hostile_table | tee data/cache/corpus.md
