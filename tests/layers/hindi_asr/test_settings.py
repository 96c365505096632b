"""Settings: defaults, the HINDI_ASR_ environment, validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hindi_asr.settings import EMBEDDED_MODEL_DIR, LAMBDA_PAYLOAD_BYTES, Settings


def test_defaults_match_the_issue() -> None:
    settings = Settings()
    assert (
        settings.model_dir
        == EMBEDDED_MODEL_DIR
        == Path(__file__).parents[3] / "layers/hindi_asr/models/default"
    )
    assert (settings.min_duration_s, settings.max_duration_s) == (0.3, 600.0)
    assert settings.max_request_bytes == LAMBDA_PAYLOAD_BYTES == 6 * 1024 * 1024
    assert settings.intra_op_threads is None and settings.graph_optimization is None


def test_the_environment_is_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HINDI_ASR_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("HINDI_ASR_INTRA_OP_THREADS", "2")
    monkeypatch.setenv("HINDI_ASR_MAX_DURATION_S", "30")
    monkeypatch.setenv("HINDI_ASR_GRAPH_OPTIMIZATION", "extended")
    settings = Settings()
    assert (settings.model_dir, settings.intra_op_threads, settings.max_duration_s) == (tmp_path, 2, 30.0)
    assert settings.graph_optimization == "extended"
    assert Settings(intra_op_threads=1).intra_op_threads == 1  # explicit arguments win


@pytest.mark.parametrize(
    "values",
    [
        {"min_duration_s": 5.0, "max_duration_s": 5.0},
        {"chunk_s": 8.0, "overlap_s": 3.0},
        {"graph_optimization": "fastest"},
        {"max_request_bytes": 0},
    ],
)
def test_inconsistent_values_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate(values)


def test_settings_are_frozen_and_hashable() -> None:
    settings = Settings()
    assert hash(settings) == hash(Settings())
    with pytest.raises(ValidationError):
        settings.chunk_s = 10.0
