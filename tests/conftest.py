"""Fixtures shared by the runtime and Lambda tests: a tiny real ONNX model and settings that use it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hindi_asr.model import AsrModel
from hindi_asr.settings import Settings
from hindi_asr.transcribe import Transcriber
from tests.layers.hindi_asr.tiny_model import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory (model.onnx, tokens.txt, model.json) holding the tiny CTC model."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny_model"))


@pytest.fixture(scope="session")
def tiny_settings(tiny_model_dir: Path) -> Settings:
    return Settings(model_dir=tiny_model_dir, chunk_s=30.0, overlap_s=2.0)


@pytest.fixture(scope="session")
def tiny_transcriber(tiny_settings: Settings) -> Transcriber:
    return Transcriber(AsrModel.load(tiny_settings.model_dir, tiny_settings), tiny_settings)
