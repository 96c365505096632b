"""Settings: the core's options, the service's sections, the HINDI_ASR_ environment, validation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import ValidationError

from hindi_asr.options import EMBEDDED_MODEL_DIR, TranscriberOptions
from hindi_asr.settings import LAMBDA_PAYLOAD_BYTES, S3Settings, Settings, TranscriberSettings


def test_defaults() -> None:
    settings = Settings()
    options = settings.transcriber.options()
    assert options == TranscriberOptions()
    assert (
        options.model_dir
        == EMBEDDED_MODEL_DIR
        == Path(__file__).parents[3] / "layers/hindi_asr/models/default"
    )
    assert (options.min_duration_s, options.max_duration_s, options.chunk_s) == (0.3, 600.0, None)
    assert settings.limits.max_request_bytes == LAMBDA_PAYLOAD_BYTES == 6 * 1024 * 1024
    assert options.intra_op_threads is None and options.graph_optimization is None
    assert settings.s3 == S3Settings(
        input_prefix="uploads/", output_prefix="transcripts/", error_prefix="errors/"
    )


def test_the_environment_is_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HINDI_ASR_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("HINDI_ASR_INTRA_OP_THREADS", "2")
    monkeypatch.setenv("HINDI_ASR_MAX_DURATION_S", "30")
    monkeypatch.setenv("HINDI_ASR_GRAPH_OPTIMIZATION", "extended")
    monkeypatch.setenv("HINDI_ASR_MAX_FILE_BYTES", "1000")
    settings = Settings()
    options = settings.transcriber.options()
    assert (options.model_dir, options.intra_op_threads, options.max_duration_s) == (tmp_path, 2, 30.0)
    assert options.graph_optimization == "extended" and settings.limits.max_file_bytes == 1000
    assert TranscriberSettings(intra_op_threads=1).intra_op_threads == 1  # explicit arguments win


def test_s3_names_with_the_prefix_win_over_the_old_unprefixed_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTPUT_BUCKET", "old-results")
    monkeypatch.setenv("INPUT_PREFIX", "audio/")
    assert (S3Settings().output_bucket, S3Settings().input_prefix) == ("old-results", "audio/")
    monkeypatch.setenv("HINDI_ASR_S3_OUTPUT_BUCKET", "results")
    assert S3Settings().output_bucket == "results" and S3Settings(output_bucket="x").output_bucket == "x"


@pytest.mark.parametrize(
    "values",
    [
        {"min_duration_s": 5.0, "max_duration_s": 5.0},
        {"min_duration_s": 0.0},
        {"chunk_s": 8.0, "overlap_s": 3.0},
        {"chunk_s": 1.0, "overlap_s": 0.0},
        {"intra_op_threads": -1},
        {"graph_optimization": "fastest"},
    ],
)
def test_inconsistent_options_are_refused_by_the_core_and_the_settings(values: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"must|thread"):
        TranscriberOptions(**values)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        TranscriberSettings.model_validate(values)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValidationError):
        Settings.model_validate({"limits": {"max_request_bytes": 0}})


def test_settings_and_options_are_frozen_and_hashable() -> None:
    settings, options = Settings(), TranscriberOptions()
    assert hash(settings) == hash(Settings()) and hash(options) == hash(TranscriberOptions())
    with pytest.raises(ValidationError):
        settings.transcriber.chunk_s = 10.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.chunk_s = 10.0  # type: ignore[misc]


def test_s3_defaults_and_the_old_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTPUT_BUCKET", "results")
    monkeypatch.setenv("OUTPUT_PREFIX", "text/")
    monkeypatch.setenv("INPUT_PREFIX", "audio/")
    config = S3Settings()
    assert (config.output_bucket, config.output_prefix, config.input_prefix) == ("results", "text/", "audio/")
    assert (
        config.output_bucket_for("in") == "results"
        and config.transcript_key("audio/x.wav") == "text/audio/x.wav.json"
    )


@pytest.mark.parametrize(
    "values",
    [{"input_prefix": ""}, {"output_prefix": "uploads/transcripts/"}, {"error_prefix": "uploads/"},
     {"input_prefix": "up", "output_prefix": "uploads-out/"}],
)  # fmt: skip
def test_outputs_that_would_trigger_the_function_again_are_refused(values: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="trigger the function again"):
        S3Settings.model_validate(values)
    assert S3Settings.model_validate({**values, "output_bucket": "elsewhere"}).output_bucket == "elsewhere"


def test_only_new_objects_under_the_input_prefix_are_inputs() -> None:
    same_bucket = S3Settings(input_prefix="uploads/")
    assert same_bucket.is_input("b", "uploads/a.wav")
    assert not same_bucket.is_input("b", "uploads/")
    assert not same_bucket.is_input("b", "transcripts/uploads/a.wav.json")
    assert not same_bucket.is_input("b", "other/a.wav")
