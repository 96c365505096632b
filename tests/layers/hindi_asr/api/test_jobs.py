"""``POST /uploads`` and ``GET /transcripts/{job_id}`` on a real server, against moto S3 on 127.0.0.1."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest
import srt
import webvtt
from botocore.config import Config

from hindi_asr.api.app import create_app
from hindi_asr.api.schemas import TranscriptionResponse
from hindi_asr.api.upload_jobs import UploadJobs, safe_name
from hindi_asr.settings import S3Settings, Settings
from hindi_asr.transcribe import Transcriber, Transcript
from tests.moto_server import moto_server

from ..tiny_model import encode, speech
from .conftest import serve

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REGION: Final = "eu-west-1"
MAX_UPLOAD_BYTES = 1_000_000
EXPIRES_S = 600


@dataclass(frozen=True)
class Layout:
    input_prefix: str = "uploads/"
    output_prefix: str = "transcripts/"
    error_prefix: str = "errors/"


@dataclass
class Stack:
    client: httpx.Client
    s3: S3Client
    input_bucket: str
    output_bucket: str


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[S3Client]:
    with moto_server() as endpoint:
        yield boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(signature_version="s3v4"),
        )


@pytest.fixture(scope="module")
def stack(moto_s3: S3Client, api_settings: Settings) -> Iterator[Stack]:
    buckets = [f"{kind}-{uuid.uuid4().hex[:8]}" for kind in ("input", "output")]
    for bucket in buckets:
        moto_s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    jobs = UploadJobs(
        moto_s3,
        Layout(),
        input_bucket=buckets[0],
        output_bucket=buckets[1],
        max_bytes=MAX_UPLOAD_BYTES,
        expires_s=EXPIRES_S,
    )
    transcriber = Transcriber.load(api_settings.transcriber.options())
    app = create_app(
        api_settings, transcriber_provider=lambda: transcriber, upload_jobs_provider=lambda: jobs
    )
    with serve(app) as url, httpx.Client(base_url=url, timeout=60.0) as client:
        yield Stack(client, moto_s3, *buckets)


def start_job(stack: Stack, data: bytes, name: str = "क्लिप 1.wav") -> dict[str, Any]:
    response = stack.client.post(
        "/uploads", json={"filename": name, "content_type": "audio/wav", "size": len(data)}
    )
    assert response.status_code == 201, response.text
    job: dict[str, Any] = response.json()
    put = httpx.put(job["upload"]["url"], content=data, headers=job["upload"]["headers"])
    assert put.status_code == 200, put.text
    return job


def finish_job(stack: Stack, job_id: str, document: dict[str, Any], *, prefix: str = "transcripts/") -> None:
    """Write what the S3 transcriber writes for the job's upload."""
    (upload,) = stack.s3.list_objects_v2(Bucket=stack.input_bucket, Prefix=f"uploads/{job_id}/")["Contents"]
    stack.s3.put_object(
        Bucket=stack.output_bucket, Key=f"{prefix}{upload['Key']}.json", Body=json.dumps(document).encode()
    )


def transcript_document(transcript: Transcript) -> dict[str, Any]:
    return {
        "status": "COMPLETED",
        "hindi_asr": {
            **TranscriptionResponse.from_transcript(transcript).model_dump(mode="json"),
            "source": {"key": "..."},
        },
    }


def test_an_upload_is_presigned_for_its_own_key_type_and_size(stack: Stack) -> None:
    data = encode(speech("नमस्ते आप कैसे हैं"))
    job = start_job(stack, data)
    # THEN the job id is 128 random bits, and the object is where the transcriber looks
    assert (
        re.fullmatch(r"[A-Za-z0-9_-]{22}", job["job_id"])
        and job["status_url"] == f"transcripts/{job['job_id']}"
    )
    key = f"uploads/{job['job_id']}/_1.wav"
    assert stack.s3.get_object(Bucket=stack.input_bucket, Key=key)["Body"].read() == data
    # AND the signature covers the type and the exact length, for a short time
    url = urlsplit(job["upload"]["url"])
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert url.path.endswith(f"/{stack.input_bucket}/{key}")
    assert query["X-Amz-SignedHeaders"].split(";") == ["content-length", "content-type", "host"]
    assert query["X-Amz-Expires"] == str(EXPIRES_S) == str(job["upload"]["expires_in"])
    assert job["upload"]["headers"] == {"Content-Type": "audio/wav"} and job["upload"]["method"] == "PUT"


def test_a_job_is_pending_until_the_transcriber_writes_then_done(
    stack: Stack, tiny_transcriber: Transcriber
) -> None:
    data = encode(speech("नमस्ते आप कैसे हैं"))
    job_id = start_job(stack, data)["job_id"]
    pending = stack.client.get(f"/transcripts/{job_id}")
    assert pending.status_code == 202 and pending.json() == {"job_id": job_id, "status": "pending"}
    assert pending.headers["retry-after"] == "2"
    finish_job(stack, job_id, transcript_document(tiny_transcriber.transcribe(data)))
    done = stack.client.get(f"/transcripts/{job_id}")
    assert done.status_code == 200
    body = done.json()
    assert (body["job_id"], body["status"], body["result"]["text"]) == (job_id, "done", "नमस्ते आप कैसे हैं")
    assert [w["word"] for w in body["result"]["words"]] == ["नमस्ते", "आप", "कैसे", "हैं"]
    assert "source" not in body["result"]


def test_a_done_job_gives_subtitles(stack: Stack, tiny_transcriber: Transcriber) -> None:
    data = encode(speech("नमस्ते आप कैसे हैं"))
    job_id = start_job(stack, data)["job_id"]
    finish_job(stack, job_id, transcript_document(tiny_transcriber.transcribe(data)))
    as_srt = stack.client.get(f"/transcripts/{job_id}", params={"format": "srt"})
    assert as_srt.headers["content-type"] == "application/x-subrip; charset=utf-8"
    (cue,) = srt.parse(as_srt.text)
    assert (cue.index, cue.content) == (1, "नमस्ते आप कैसे हैं")
    as_vtt = stack.client.get(f"/transcripts/{job_id}", params={"format": "vtt"})
    assert as_vtt.headers["content-type"] == "text/vtt; charset=utf-8"
    (caption,) = webvtt.from_buffer(io.StringIO(as_vtt.text)).captions
    assert caption.text == "नमस्ते आप कैसे हैं"


def test_a_failed_job_answers_with_its_problem(stack: Stack) -> None:
    job_id = start_job(stack, b"RIFF not really audio")["job_id"]
    problem: dict[str, Any] = {
        "type": "urn:hindi-asr:problem:undecodable_audio",
        "title": "Audio could not be decoded",
    }
    problem |= {"status": 415, "detail": "not a readable audio file", "code": "undecodable_audio"}
    finish_job(stack, job_id, {"status": "FAILED", "error": problem}, prefix="errors/")
    failed = stack.client.get(f"/transcripts/{job_id}")
    assert (
        failed.status_code == 415
        and failed.headers["content-type"] == "application/problem+json; charset=utf-8"
    )
    assert failed.json() == {**problem, "instance": f"/transcripts/{job_id}", "job_id": job_id}


def test_a_job_never_shows_another_jobs_data(stack: Stack, tiny_transcriber: Transcriber) -> None:
    data = encode(speech("भारत"))
    first, second = start_job(stack, data)["job_id"], start_job(stack, data)["job_id"]
    finish_job(stack, first, transcript_document(tiny_transcriber.transcribe(data)))
    assert stack.client.get(f"/transcripts/{second}").status_code == 202
    for unknown in (uuid.uuid4().hex[:22], first[:-1], first + "A", first[:-2] + "..", first[:-1] + "*"):
        response = stack.client.get(f"/transcripts/{unknown}")
        assert response.status_code == 404 and response.json()["code"] == "job_not_found", unknown


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"filename": "a.wav", "content_type": "audio/wav", "size": MAX_UPLOAD_BYTES + 1},
            413,
            "payload_too_large",
        ),
        ({"filename": "a.txt", "content_type": "text/plain", "size": 10}, 415, "unsupported_media_type"),
        ({"filename": "a.wav", "content_type": "audio/wav", "size": 0}, 422, "invalid_parameters"),
        ({"filename": "a.wav", "content_type": "audio/wav"}, 422, "invalid_parameters"),
    ],
)
def test_uploads_the_service_would_not_take_are_refused(
    stack: Stack, body: dict[str, Any], status: int, code: str
) -> None:
    response = stack.client.post("/uploads", json=body)
    assert response.status_code == status and response.json()["code"] == code


def test_without_an_input_bucket_uploads_are_unavailable(api: httpx.Client) -> None:
    response = api.post("/uploads", json={"filename": "a.wav", "content_type": "audio/wav", "size": 10})
    assert response.status_code == 503 and response.json()["code"] == "uploads_unavailable"
    assert api.get(f"/transcripts/{'a' * 22}").status_code == 503


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("lecture.mp3", "lecture.mp3"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\rec ord.wav", "rec_ord.wav"),
        ("क्लिप.wav", "_.wav"),
        ("...", "audio"),
        ("x" * 300 + ".wav", "x" * 96 + ".wav"),
    ],
)
def test_names_are_made_safe_for_a_key(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_the_settings_name_the_upload_service(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the environment the template gives the API function (and offline credentials)
    for name, value in {
        "HINDI_ASR_S3_INPUT_BUCKET": "stack-input",
        "HINDI_ASR_S3_OUTPUT_BUCKET": "stack-output",
        "HINDI_ASR_S3_UPLOAD_EXPIRES_S": "300",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    provider = UploadJobs.provider(Settings())
    assert provider is not None and UploadJobs.provider(Settings(s3=S3Settings())) is not None
    # WHEN a job is made THEN its URL is signature version 4 for the input bucket, as configured
    jobs = provider()
    assert provider() is jobs and (jobs.input_bucket, jobs.output_bucket) == ("stack-input", "stack-output")
    ticket = jobs.create("a.wav", "audio/wav", 1000)
    query = parse_qs(urlsplit(ticket.url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["300"]
    assert "content-length" in query["X-Amz-SignedHeaders"][0]


def test_without_an_input_bucket_there_is_no_upload_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HINDI_ASR_S3_INPUT_BUCKET", raising=False)
    monkeypatch.delenv("INPUT_BUCKET", raising=False)
    assert UploadJobs.provider(Settings()) is None
