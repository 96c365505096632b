# Short verbs. `make run` serves the embedded model (runtime deps only); `make test` runs everything CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip -q --disable-pip-version-check
ART := artifacts
HOST ?= 127.0.0.1
PORT ?= 8000
export SAM_CLI_TELEMETRY := 0

.PHONY: setup setup-runtime run test test-fast lint fmt model random-model export corpus train demo-model \
        bench image sam-local clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# Runtime only: what the Lambda image has. Enough for `make run`.
$(VENV)/.runtime: $(VENV)/bin/python pyproject.toml
	$(PIP) install -c constraints.txt -e .
	touch $@

# Everything: torch (local CPU wheel, pinned) + NeMo for the build stage, test and lint tools.
$(VENV)/.dev: $(VENV)/.runtime
	$(PIP) install -c constraints.txt torch==2.13.0
	$(PIP) install -c constraints.txt -e ".[build,dev]"
	touch $@

setup-runtime: $(VENV)/.runtime
setup: $(VENV)/.dev

run: $(VENV)/.runtime
	$(VENV)/bin/uvicorn hindi_asr.api.app:app --host $(HOST) --port $(PORT)

test: $(VENV)/.dev lint
	$(PY) -m pytest

test-fast: $(VENV)/.dev
	$(PY) -m pytest -m "not slow"

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The real model, by NeMo's pretrained name (needs internet access to NGC).
model: $(VENV)/.dev
	$(PY) -m asr_build.export --pretrained stt_hi_conformer_ctc_medium --out $(ART)/models/stt_hi_conformer_ctc_medium

# A random-initialised model of exactly the stt_hi_conformer_ctc_medium architecture (stand-in for speed tests).
random-model: $(VENV)/.dev
	$(PY) -m asr_build.random_model --out $(ART)/random/stt_hi_conformer_ctc_medium_random.nemo
	$(PY) -m asr_build.export --nemo $(ART)/random/stt_hi_conformer_ctc_medium_random.nemo --out $(ART)/models/random_medium
	$(PY) -m asr_build.verify --nemo $(ART)/random/stt_hi_conformer_ctc_medium_random.nemo --model-dir $(ART)/models/random_medium

# Export any .nemo to a model directory: make export NEMO=path/to/model.nemo OUT=artifacts/models/name
export: $(VENV)/.dev
	$(PY) -m asr_build.export --nemo $(NEMO) --out $(OUT)
	$(PY) -m asr_build.verify --nemo $(NEMO) --model-dir $(OUT)

# Latency side by side (NeMo eager, ONNX graph, whole runtime) on a 10 s clip, plus the runtime's peak memory.
DEMO_NEMO := build/models/hi_demo_conformer_ctc_small.nemo
DEFAULT_MODEL_DIR := layers/hindi_asr/models/default
bench: $(VENV)/.dev
	@test -f $(ART)/models/random_medium/model.onnx || $(MAKE) random-model
	$(PY) -m asr_build.bench --nemo $(ART)/random/stt_hi_conformer_ctc_medium_random.nemo \
		--model-dir $(ART)/models/random_medium --clip tests/data/hindi_clip.wav
	$(PY) -m asr_build.bench --nemo $(DEMO_NEMO) --model-dir $(DEFAULT_MODEL_DIR) --clip tests/data/hindi_clip.wav

clean:
	rm -rf $(ART) .aws-sam .pytest_cache .mypy_cache .ruff_cache

# Synthetic Hindi corpus (espeak-ng + festival voices, ~9 h, ~3 min on 2 cores), the small demo model
# trained on it (resumes from its last checkpoint when re-run), its evaluation, and the test clips.
.PHONY: test-clip evaluate
CORPUS := $(ART)/corpus
TRAIN_DIR := $(ART)/train
TRAIN_MINUTES ?= 75
corpus: $(VENV)/.dev
	$(PY) -m asr_build.corpus --out $(CORPUS)

train: $(VENV)/.dev
	@test -f $(CORPUS)/train_manifest.json || $(MAKE) corpus
	$(PY) -m asr_build.train --corpus $(CORPUS) --out $(TRAIN_DIR) --max-minutes $(TRAIN_MINUTES) --save-nemo $(DEMO_NEMO)

evaluate: $(VENV)/.dev
	$(PY) -m asr_build.evaluate --manifest $(CORPUS)/test_manifest.json --nemo $(DEMO_NEMO) \
		--model-dir $(DEFAULT_MODEL_DIR) --corpus-stats $(CORPUS)/stats.json --train-dir $(TRAIN_DIR) \
		--out $(TRAIN_DIR)/report.json

test-clip: $(VENV)/.dev
	$(PY) -m asr_build.corpus --test-clips tests/data

# Train, then export to the embedded model directory (rel-pos table sized to 60 s: the runtime chunks at 30 s).
demo-model: train
	$(PY) -m asr_build.export --nemo $(DEMO_NEMO) --out $(DEFAULT_MODEL_DIR) --max-input-s 60
	$(PY) -m asr_build.verify --nemo $(DEMO_NEMO) --model-dir $(DEFAULT_MODEL_DIR)
