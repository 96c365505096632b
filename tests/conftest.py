"""Fixtures shared by the runtime and Lambda tests: a tiny real ONNX model and options that use it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hindi_asr.options import TranscriberOptions
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
