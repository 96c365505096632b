"""Fixtures shared by the runtime and Lambda tests: a tiny real ONNX model and options that use it; the
embedded demo model with the beam decoder's language model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hindi_asr.contract import MODEL_FILES, SETTINGS_FILE, TOKENS_FILE
from hindi_asr.options import EMBEDDED_MODEL_DIR, TranscriberOptions
from hindi_asr.transcribe import Transcriber
from tests.layers.hindi_asr.tiny_model import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory (model.onnx, tokens.txt, model.json) holding the tiny CTC model."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny_model"))


@pytest.fixture(scope="session")
def tiny_options(tiny_model_dir: Path) -> TranscriberOptions:
    return TranscriberOptions(model_dir=tiny_model_dir, chunk_s=30.0, overlap_s=2.0)


@pytest.fixture(scope="session")
def tiny_transcriber(tiny_options: TranscriberOptions) -> Transcriber:
    return Transcriber.load(tiny_options)


@pytest.fixture(scope="session")
def lm_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded demo model with a decoder section and its LM: the one `make lm` installed, else built.

    Building takes ~10 s (asr_build.lm on the corpus's train-split text); the model files are linked.
    """
    graphs = [name for name in MODEL_FILES if (EMBEDDED_MODEL_DIR / name).is_file()]
    if not graphs:
        pytest.skip(f"the embedded demo model (a graph in {EMBEDDED_MODEL_DIR}) is not in the tree")
    out = tmp_path_factory.mktemp("lm_model")
    for name in (graphs[0], TOKENS_FILE):
        (out / name).symlink_to(EMBEDDED_MODEL_DIR / name)
    settings = json.loads((EMBEDDED_MODEL_DIR / SETTINGS_FILE).read_text(encoding="utf-8"))
    lm_file = settings.get("decoder", {}).get("lm")
    if lm_file and (EMBEDDED_MODEL_DIR / lm_file).is_file():
        (out / lm_file).symlink_to(EMBEDDED_MODEL_DIR / lm_file)
        (out / SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")
        return out
    from asr_build import lm

    lm.build(lm.training_text(), lm.vocabulary(), out / lm.LM_FILE)
    (out / SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")
    lm.install(out)
    return out
