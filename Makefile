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

.PHONY: setup setup-runtime run offline test test-fast lint fmt model random-model export corpus train demo-model \
        bench search default-model-from-search image sam-local clean

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
	$(VENV)/bin/uvicorn --factory hindi_asr.api.app:create_app --host $(HOST) --port $(PORT)

# The whole service without AWS: moto S3/SQS on 127.0.0.1, the S3 transcriber fed by S3 -> SQS notifications,
# and the API + page on http://$(HOST):$(PORT) (the page's large-file path included).
offline: $(VENV)/.dev
	$(PY) -m infra.offline --port $(PORT)

test: $(VENV)/.dev lint
	$(PY) -m pytest

test-fast: $(VENV)/.dev
	$(PY) -m pytest -m "not slow"

lint: $(VENV)/.dev lint-infra
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
RANDOM_NEMO := $(ART)/random/stt_hi_conformer_ctc_medium_random.nemo
RANDOM_DIR := $(ART)/models/random_medium
$(RANDOM_NEMO): | $(VENV)/.dev
	$(PY) -m asr_build.random_model --out $@
$(RANDOM_DIR)/model.onnx: $(RANDOM_NEMO)
	$(PY) -m asr_build.export --nemo $< --out $(RANDOM_DIR)
	$(PY) -m asr_build.verify --nemo $< --model-dir $(RANDOM_DIR)
random-model: $(RANDOM_DIR)/model.onnx

# Export any .nemo to a model directory: make export NEMO=path/to/model.nemo OUT=artifacts/models/name
export: $(VENV)/.dev
	$(PY) -m asr_build.export --nemo $(NEMO) --out $(OUT)
	$(PY) -m asr_build.verify --nemo $(NEMO) --model-dir $(OUT)

# Latency side by side on a 10 s clip, each contender in its own process (NeMo eager, sherpa-onnx, the runtime).
DEMO_NEMO := build/models/hi_demo_conformer_ctc_small.nemo
DEFAULT_MODEL_DIR := layers/hindi_asr/models/default
bench: $(RANDOM_DIR)/model.onnx
	$(PY) -m asr_build.bench --nemo $(RANDOM_NEMO) --model-dir $(RANDOM_DIR)
	$(PY) -m asr_build.bench --nemo $(DEMO_NEMO) --model-dir $(DEFAULT_MODEL_DIR)

# The optimisation search (build/asr_build/search): graph variants x session options, accuracy on NEMO's
# model directory (a user's test manifest with TEST_MANIFEST=...), speed on SPEED_NEMO (the demo model is
# timed on the medium architecture), the winner baked into artifacts/search/<name>/winner.
# QUICK=1: a reduced grid for CI; ONLY=name,name: just those variants of the grid. `make search NEMO=x.nemo` exports x.nemo first (to artifacts/models/<stem>).
# The demo model's search source is its fp32 export with the word LM (the embedded directory holds the
# winner, which is not quantised again).
NEMO ?= $(DEMO_NEMO)
DEMO_FP32_DIR := $(ART)/models/hi_demo_conformer_ctc_small
IS_DEMO = $(filter $(DEMO_NEMO),$(NEMO))
SEARCH_SOURCE_DIR = $(if $(IS_DEMO),$(DEMO_FP32_DIR),$(ART)/models/$(basename $(notdir $(NEMO))))
SEARCH_SPEED = $(if $(IS_DEMO),--speed-model-dir $(RANDOM_DIR) --speed-nemo $(RANDOM_NEMO))
search: $(VENV)/.dev $(if $(IS_DEMO),$(RANDOM_DIR)/model.onnx $(DEMO_FP32_DIR)/model.onnx)
	test -f $(SEARCH_SOURCE_DIR)/model.onnx || $(MAKE) export NEMO=$(NEMO) OUT=$(SEARCH_SOURCE_DIR)
	$(PY) -m asr_build.search --model-dir $(SEARCH_SOURCE_DIR) --nemo $(NEMO) $(SEARCH_SPEED) \
		$(if $(TEST_MANIFEST),--test-manifest $(TEST_MANIFEST)) $(if $(QUICK),--quick) \
		$(if $(ONLY),--only "$(ONLY)") --out $(ART)/search

$(DEMO_FP32_DIR)/model.onnx: $(DEMO_NEMO) | $(VENV)/.dev
	$(PY) -m asr_build.export --nemo $(DEMO_NEMO) --out $(DEMO_FP32_DIR) --max-input-s 30
	$(PY) -m asr_build.verify --nemo $(DEMO_NEMO) --model-dir $(DEMO_FP32_DIR)
	$(PY) -m asr_build.lm --out $(ART)/lm/lm.arpa --model-dir $(DEMO_FP32_DIR)

# The demo model's search winner becomes the embedded default model (the lead commits the files).
SEARCH_WINNER := $(ART)/search/hi_demo_conformer_ctc_small/winner
$(SEARCH_WINNER)/model.json: $(DEMO_FP32_DIR)/model.onnx
	$(MAKE) search NEMO=$(DEMO_NEMO)
default-model-from-search: $(SEARCH_WINNER)/model.json
	rm -f $(DEFAULT_MODEL_DIR)/model.onnx $(DEFAULT_MODEL_DIR)/model.ort
	cp -r $(SEARCH_WINNER)/. $(DEFAULT_MODEL_DIR)/

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

# From scratch by default; `make train INIT_FROM=$(DEMO_NEMO)` warm-starts from the committed weights.
INIT_FROM ?=
TRAIN_ARGS ?= $(if $(INIT_FROM),--init-from $(INIT_FROM) --lr 1e-3 --warmup-steps 100)
train: $(VENV)/.dev
	@test -f $(CORPUS)/train_manifest.json || $(MAKE) corpus
	$(PY) -m asr_build.train --corpus $(CORPUS) --out $(TRAIN_DIR) --max-minutes $(TRAIN_MINUTES) \
		--save-nemo $(DEMO_NEMO) $(TRAIN_ARGS)

evaluate: $(VENV)/.dev
	$(PY) -m asr_build.evaluate --manifest $(CORPUS)/test_manifest.json --manifest $(CORPUS)/ood_manifest.json \
		--manifest $(CORPUS)/heldout_manifest.json --nemo $(DEMO_NEMO) --model-dir $(DEFAULT_MODEL_DIR) \
		--corpus-stats $(CORPUS)/stats.json --train-dir $(TRAIN_DIR) --curve-manifest $(CORPUS)/ood_manifest.json \
		--out $(TRAIN_DIR)/report.json

test-clip: $(VENV)/.dev
	$(PY) -m asr_build.corpus --test-clips tests/data

# Train, export (rel-pos table sized to 30 s, the runtime's chunk), add the LM, search, and embed the winner.
demo-model: train
	$(MAKE) default-model-from-search

# The beam decoder's word trigram LM (asr_build.lm: the corpus's train-split text, ~4 MB ARPA, ~10 s), copied
# into MODEL_DIR with a `decoder` section in its model.json.
.PHONY: lm
lm: $(VENV)/.dev
	$(PY) -m asr_build.lm --out $(ART)/lm/lm.arpa --model-dir $(MODEL_DIR)

# Greedy vs beam+LM (CER/WER), hotword recall, false alarms on synthesised sets (~5 min; after make lm): README "Decoding".
.PHONY: decoder-eval decoder-bench
decoder-eval: $(VENV)/.dev
	$(PY) -m asr_build.decoder_eval --model-dir $(MODEL_DIR) --out $(ART)/decoder_eval

# Latency of greedy vs beam + LM (+ hotwords) on MODEL_DIR, each in its own process, 1 and 2 threads.
decoder-bench: $(VENV)/.dev
	$(PY) -m asr_build.decoder_bench --model-dir $(MODEL_DIR) --out $(ART)/decoder_bench

# Infrastructure (infra/README.md): the Lambda image, SAM, and a private Docker engine where none runs.
# MODEL_DIR picks the model baked into the image (/opt/model); default: the demo model's search winner
# when `make search` has made one, else the embedded model.
.PHONY: lint-infra stage base-image docker-up docker-down sam-build deploy
MODEL_DIR ?= $(if $(wildcard $(SEARCH_WINNER)/model.json),$(SEARCH_WINNER),$(DEFAULT_MODEL_DIR))
LAMBDA_PYTHON ?= 3.13
# x86_64 or arm64: the wheels staged, the base image and the image's platform (and the template's
# Architecture for sam-build). An arm64 build on an x86 host needs `infra/binfmt-arm64.sh register`.
LAMBDA_ARCH ?= x86_64
DOCKER_PLATFORM := linux/$(if $(filter arm64,$(LAMBDA_ARCH)),arm64,amd64)
IMAGE ?= hindi-asr:latest
# Offline template checks want a region and some credentials; never real ones.
LINT_AWS_ENV := AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=lint AWS_SECRET_ACCESS_KEY=lint AWS_SESSION_TOKEN=
# Docker commands use DOCKER_HOST if set, else the engine of `make docker-up` if it runs, else the default.
WITH_DOCKER = DOCKER_HOST="$${DOCKER_HOST:-$$(infra/dockerd.sh host)}"
SAM := $(VENV)/bin/sam

# The SAM CLI alone (CI's deploy jobs need no torch/NeMo); `make setup` brings it as well.
$(SAM): | $(VENV)/.runtime
	$(PIP) install -c constraints.txt "aws-sam-cli>=1.120"

lint-infra: $(VENV)/.dev
	$(LINT_AWS_ENV) $(VENV)/bin/cfn-lint template.yaml infra/deploy-role.yaml
	$(LINT_AWS_ENV) $(SAM) validate --lint
	for script in infra/*.sh; do bash -n "$$script"; done
	if command -v shellcheck >/dev/null; then shellcheck infra/*.sh infra/lambda-base/lambda-entrypoint.sh infra/lambda-base/bootstrap; fi
	$(VENV)/bin/mypy infra/smoke_test.py infra/image_deps.py infra/bulk.py infra/scale_model.py infra/load_test.py

docker-up:
	infra/dockerd.sh start

docker-down:
	infra/dockerd.sh stop

base-image:
	$(WITH_DOCKER) LAMBDA_PYTHON=$(LAMBDA_PYTHON) LAMBDA_ARCH=$(LAMBDA_ARCH) infra/lambda-base-image.sh

stage: $(VENV)/.runtime
	LAMBDA_PYTHON=$(LAMBDA_PYTHON) LAMBDA_ARCH=$(LAMBDA_ARCH) infra/stage-image.sh $(MODEL_DIR)

image: stage base-image
	$(WITH_DOCKER) docker build --platform $(DOCKER_PLATFORM) -f functions/Dockerfile \
		--build-arg PYTHON_VERSION=$(LAMBDA_PYTHON) -t $(IMAGE) .
	@$(WITH_DOCKER) infra/image-size.sh $(IMAGE) public.ecr.aws/lambda/python:$(LAMBDA_PYTHON)

sam-build: $(SAM) stage base-image
	$(WITH_DOCKER) $(SAM) build --parameter-overrides Architecture=$(LAMBDA_ARCH)

# The API on http://127.0.0.1:3000 (samconfig.toml: REST variant, the one sam local passes uploads to).
sam-local: sam-build
	$(WITH_DOCKER) $(SAM) local start-api

deploy: sam-build
	$(SAM) deploy --guided

# Bulk transcription of existing objects (S3 Batch Operations -> the transcriber; infra/bulk.py):
#   make bulk-start PREFIX=archive/2024/ [BUCKET=...] [MANIFEST=list.csv|s3://.../manifest.json] [STACK=...]
#   make bulk-status JOB=<job id> [STACK=...]
# The scale model behind the README's numbers: make scale-model [SCALE_ARGS="--window-h 1"]
.PHONY: bulk-start bulk-status scale-model
STACK ?= hindi-asr-dev
bulk-start: $(SAM)  # boto3 comes with the SAM CLI, as for the deploy jobs
	@test -n "$(PREFIX)" || { echo "usage: make bulk-start PREFIX=archive/ [BUCKET=...] [MANIFEST=...]" >&2; exit 2; }
	$(PY) infra/bulk.py start --stack $(STACK) --prefix "$(PREFIX)" $(if $(BUCKET),--bucket "$(BUCKET)") \
		$(if $(MANIFEST),--manifest "$(MANIFEST)")

bulk-status: $(SAM)
	@test -n "$(JOB)" || { echo "usage: make bulk-status JOB=<job id>" >&2; exit 2; }
	$(PY) infra/bulk.py status --stack $(STACK) --job "$(JOB)"

scale-model:
	$(PYTHON) infra/scale_model.py $(SCALE_ARGS)

# Reliability runs too long for `make test` (notes in README RELIABILITY): load and soak on 127.0.0.1 with the
# embedded model (8 clients for 60 s, 1,000 sequential requests, 1,000 Lambda handler invocations), and
# the fuzz harnesses for FUZZ_SECONDS each (new inputs kept in artifacts/fuzz/, the committed corpus read only).
.PHONY: load fuzz
FUZZ_SECONDS ?= 300
load: $(VENV)/.dev
	nice -n 10 $(PY) infra/load_test.py --out $(ART)/load/report.json

fuzz: $(VENV)/.dev
	for harness in audio request; do \
		mkdir -p $(ART)/fuzz/$$harness && \
		PYTHONPATH=layers:functions:. $(PY) tests/fuzz/fuzz_$$harness.py -max_total_time=$(FUZZ_SECONDS) \
			-rss_limit_mb=2048 -artifact_prefix=$(ART)/fuzz/ $(ART)/fuzz/$$harness tests/fuzz/corpus/$$harness || exit 1; \
	done
