"""The S3 transcriber's configuration (no loops) and the documents it writes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from hindi_asr.errors import AudioTooShortError
from hindi_asr.settings import get_settings
from hindi_asr.transcribe import Transcript, Word
from hindi_asr_lambda import s3_transcriber
from hindi_asr_lambda.config import S3Config
from hindi_asr_lambda.documents import SourceObject, error_document, transcript_document
from tests.layers.hindi_asr.tiny_model import encode, speech

from .conftest import CREDENTIALS, REGION, Buckets
from .test_s3_transcriber import LoadEvent, read_json, s3_record

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SOURCE = SourceObject("in", "uploads/a.wav", "abc", "")


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert S3Config() == S3Config(
        input_prefix="uploads/", output_prefix="transcripts/", error_prefix="errors/"
    )
    monkeypatch.setenv("OUTPUT_BUCKET", "results")
    monkeypatch.setenv("OUTPUT_PREFIX", "text/")
    monkeypatch.setenv("INPUT_PREFIX", "audio/")
    config = S3Config()
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
        S3Config.model_validate(values)
    assert S3Config.model_validate({**values, "output_bucket": "elsewhere"}).output_bucket == "elsewhere"


def test_only_new_objects_under_the_input_prefix_are_inputs() -> None:
    same_bucket = S3Config(input_prefix="uploads/")
    assert same_bucket.is_input("b", "uploads/a.wav")
    assert not same_bucket.is_input("b", "uploads/")
    assert not same_bucket.is_input("b", "transcripts/uploads/a.wav.json")
    assert not same_bucket.is_input("b", "other/a.wav")


def test_transcript_document_is_amazon_transcribes_shape() -> None:
    transcript = Transcript(
        text="नमस्ते आप",
        words=(Word("नमस्ते", 0.2, 0.8, 0.99), Word("आप", 0.96, 1.08, 0.5)),
        duration_s=1.5,
        model_name="m",
        model_variant="int8",
        timings_ms={"total": 12.0},
    )
    document = transcript_document(transcript, SOURCE)
    assert document["status"] == "COMPLETED" and document["jobName"] == "uploads/a.wav"
    assert document["results"]["transcripts"] == [{"transcript": "नमस्ते आप"}]
    assert document["results"]["items"][1] == {
        "id": 1,
        "type": "pronunciation",
        "start_time": "0.960",
        "end_time": "1.080",
        "alternatives": [{"confidence": "0.5000", "content": "आप"}],
    }
    assert document["hindi_asr"]["model"] == {"name": "m", "variant": "int8"}
    assert document["hindi_asr"]["source"]["key"] == "uploads/a.wav"


def test_error_document_carries_the_problem() -> None:
    document = error_document(AudioTooShortError("the audio lasts 0.1 s"), SOURCE)
    assert document["status"] == "FAILED" and document["failureReason"] == "the audio lasts 0.1 s"
    assert document["error"] == {
        "type": "urn:hindi-asr:problem:audio_too_short",
        "title": "Audio is too short",
        "status": 422,
        "detail": "the audio lasts 0.1 s",
        "code": "audio_too_short",
    }


def test_the_handler_configured_by_the_environment_alone(
    monkeypatch: pytest.MonkeyPatch,
    moto_endpoint: str,
    s3: S3Client,
    buckets: Buckets,
    tiny_model_dir: Path,
    load_event: LoadEvent,
    lambda_context: LambdaContext,
) -> None:
    # GIVEN only what template.yaml sets, plus the endpoint of the local S3
    environment = {
        "AWS_ENDPOINT_URL_S3": moto_endpoint,
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": REGION,
        "HINDI_ASR_MODEL_DIR": str(tiny_model_dir),
        "OUTPUT_BUCKET": buckets.output,
        "OUTPUT_PREFIX": "text/",
        "ERROR_PREFIX": "failed/",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    s3_transcriber.default_service.cache_clear()
    try:
        key = "uploads/नमस्ते clip.wav"  # the recorded event's key
        etag = s3.put_object(Bucket=buckets.input, Key=key, Body=encode(speech("नमस्ते आप")))["ETag"].strip('"')
        event = {"Records": [s3_record(load_event, buckets.input, key, etag, 1)]}
        # WHEN the handler runs on the event
        result = s3_transcriber.handler(event, lambda_context)
    finally:
        get_settings.cache_clear()
        s3_transcriber.default_service.cache_clear()
    # THEN the transcript is where the environment said
    assert result["results"][0]["status"] == "transcribed"
    assert (
        read_json(s3, buckets.output, f"text/{key}.json")["results"]["transcripts"][0]["transcript"]
        == "नमस्ते आप"
    )
