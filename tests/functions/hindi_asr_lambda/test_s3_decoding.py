"""Decoding choices on the S3 path: from the settings and from the object's user metadata, on real speech."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic
import pytest

from hindi_asr.settings import S3Settings
from hindi_asr.transcribe import Transcriber, TranscriberOptions
from hindi_asr_lambda.s3_service import S3Transcriber, Status, metadata_text

from .conftest import Buckets
from .test_s3_service import LoadEvent, process, read_json, s3_record

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DATA = Path(__file__).parents[2] / "data"
CLIP = (DATA / "hindi_clip.wav").read_bytes()
REFERENCE = (DATA / "hindi_clip.txt").read_text(encoding="utf-8").strip()
KEY = "uploads/clip.wav"


def rfc2047(text: str) -> str:
    return f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


@pytest.fixture(scope="module")
def transcriber(lm_model_dir: Path) -> Transcriber:
    return Transcriber.load(TranscriberOptions(model_dir=lm_model_dir))


def run(
    s3: S3Client,
    buckets: Buckets,
    load_event: LoadEvent,
    transcriber: Transcriber,
    metadata: dict[str, str],
    key: str = KEY,
    **settings: Any,
) -> tuple[Status, dict[str, object]]:
    """Upload the committed clip with ``metadata``, handle its event; the outcome and the written document."""
    response = s3.put_object(Bucket=buckets.input, Key=key, Body=CLIP, Metadata=metadata)
    etag = response["ETag"].strip('"')
    config = S3Settings(output_bucket=buckets.output, **settings)
    service = S3Transcriber(lambda: transcriber, config, max_object_bytes=10**7, boto3_client=s3)
    (outcome,) = process(service, s3_record(load_event, buckets.input, key, etag, len(CLIP)))
    return outcome.status, read_json(s3, buckets.output, outcome.output)


def test_metadata_hotwords_rfc2047_or_percent_encoded(
    s3: S3Client, buckets: Buckets, load_event: LoadEvent, transcriber: Transcriber
) -> None:
    # "टहलने" is outside the LM's vocabulary: beam search keeps it only as a hotword
    for index, value in enumerate((rfc2047("टहलने"), "%E0%A4%9F%E0%A4%B9%E0%A4%B2%E0%A4%A8%E0%A5%87")):
        key = f"uploads/clip-{index}.wav"
        status, document = run(s3, buckets, load_event, transcriber, {"hotwords": value}, key)
        assert status == Status.TRANSCRIBED
        result = document["hindi_asr"]
        assert isinstance(result, dict) and result["text"] == REFERENCE
        assert result["decoder"]["name"] == "beam" and result["decoder"]["hotwords"] == ["टहलने"]


def test_setting_hotwords_join_the_objects_and_metadata_picks_numbers(
    s3: S3Client, buckets: Buckets, load_event: LoadEvent, transcriber: Transcriber
) -> None:
    metadata = {"hotwords": rfc2047("टहलने"), "numbers": "digits"}
    _, document = run(s3, buckets, load_event, transcriber, metadata, hotwords="दरभंगा", numbers="words")
    decoder = document["hindi_asr"]["decoder"]  # type: ignore[index]
    assert decoder["hotwords"] == ["दरभंगा", "टहलने"] and decoder["numbers"] == "digits"


def test_the_setting_alone_chooses_the_decoder(
    s3: S3Client, buckets: Buckets, load_event: LoadEvent, transcriber: Transcriber
) -> None:
    _, document = run(s3, buckets, load_event, transcriber, {}, decoder="beam")
    assert document["hindi_asr"]["decoder"]["lm"] == "lm.arpa"  # type: ignore[index]


def test_bad_metadata_hotwords_give_an_error_document(
    s3: S3Client, buckets: Buckets, load_event: LoadEvent, transcriber: Transcriber
) -> None:
    status, document = run(s3, buckets, load_event, transcriber, {"hotwords": "Delhi"})
    assert status == Status.REJECTED and document["status"] == "FAILED"
    assert document["error"]["code"] == "invalid_hotwords"  # type: ignore[index]


def test_bad_settings_are_rejected_at_start() -> None:
    with pytest.raises(pydantic.ValidationError, match="Devanagari"):
        S3Settings(hotwords="Delhi")
    with pytest.raises(pydantic.ValidationError, match="decoder must be one of"):
        S3Settings(decoder="viterbi")


def test_metadata_text() -> None:
    assert metadata_text(rfc2047("दरभंगा,टहलने")) == "दरभंगा,टहलने"
    assert metadata_text("%E0%A4%A6") == "द" and metadata_text("beam") == "beam" and metadata_text("") == ""
