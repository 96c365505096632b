"""Reliability fixtures: a moto S3 server on 127.0.0.1, a faulty proxy in front of it, S3 events as S3
sends them, and the S3 transcriber in its own process configured by environment variables only."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import boto3
import pytest

from tests.moto_server import moto_server
from tests.reliability.faults import FaultyS3, faulty_s3
from tests.reliability.hostile import CHUNK_S, MAX_DURATION_S, OVERLAP_S
from tests.reliability.lambda_process import LambdaProcess

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

EVENTS = Path(__file__).parents[1] / "events"
TRANSCRIBER = "hindi_asr_lambda.s3_transcriber.handler"  # as template.yaml names it
MAX_OBJECT_BYTES = 8 * 1024 * 1024  # above every corpus body, below the size-limit test's object
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def moto_upstream() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint.removeprefix("http://")


@pytest.fixture(scope="session")
def faulty(moto_upstream: str) -> Iterator[tuple[str, FaultyS3]]:
    with faulty_s3(moto_upstream) as proxy:
        yield proxy


@pytest.fixture
def faults(faulty: tuple[str, FaultyS3]) -> Iterator[FaultyS3]:
    faulty[1].clear()
    yield faulty[1]
    faulty[1].clear()


@pytest.fixture(scope="session")
def s3(moto_upstream: str) -> S3Client:
    """A client straight to moto (no faults): what the test itself sees."""
    return boto3.client(
        "s3",
        endpoint_url=f"http://{moto_upstream}",
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture
def bucket(s3: S3Client) -> str:
    """A fresh bucket for each test (uploads under ``uploads/``, results beside them)."""
    name = f"reliability-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def transcriber_env(endpoint: str, model_dir: Path) -> dict[str, str]:
    """The environment template.yaml gives the function, with the tiny model and the test's S3.

    Results go to the bucket of the upload (HINDI_ASR_S3_OUTPUT_BUCKET empty: the prefixes keep them
    apart), so one process serves every test, each with a bucket of its own.
    """
    return {
        **CREDENTIALS,
        "AWS_ENDPOINT_URL_S3": endpoint,
        "HINDI_ASR_S3_OUTPUT_BUCKET": "",
        "HINDI_ASR_S3_INPUT_PREFIX": "uploads/",
        "HINDI_ASR_S3_OUTPUT_PREFIX": "transcripts/",
        "HINDI_ASR_S3_ERROR_PREFIX": "errors/",
        "HINDI_ASR_MODEL_DIR": str(model_dir),
        "HINDI_ASR_MAX_DURATION_S": str(MAX_DURATION_S),
        "HINDI_ASR_CHUNK_S": str(CHUNK_S),
        "HINDI_ASR_OVERLAP_S": str(OVERLAP_S),
        "POWERTOOLS_SERVICE_NAME": "hindi-asr-reliability",
        "POWERTOOLS_METRICS_NAMESPACE": "HindiAsr",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "HINDI_ASR_MAX_FILE_BYTES": str(MAX_OBJECT_BYTES),
    }


@pytest.fixture(scope="session")
def transcriber(
    faulty: tuple[str, FaultyS3], tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LambdaProcess]:
    """The S3 transcriber in its own process, talking to S3 through the faulty proxy."""
    env = transcriber_env(faulty[0], tiny_model_dir)
    log = tmp_path_factory.mktemp("transcriber") / "transcriber.log"
    with LambdaProcess(TRANSCRIBER, env, log) as process:
        yield process


def s3_record(bucket: str, key: str, etag: str, size: int, version: str | None = None) -> dict[str, Any]:
    """The recorded S3 put notification (tests/events/s3-put.json) about this object, key URL-encoded
    as S3 encodes it (form encoding: a space is ``+``, a ``+`` is ``%2B``)."""
    recorded = json.loads((EVENTS / "s3-put.json").read_text(encoding="utf-8"))
    record: dict[str, Any] = copy.deepcopy(recorded["Records"][0])
    record["s3"]["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    record["s3"]["object"].update(key=quote_plus(key, safe="/"), eTag=etag, size=size)
    if version:
        record["s3"]["object"]["versionId"] = version
    return record


def put(s3: S3Client, bucket: str, key: str, data: bytes) -> dict[str, Any]:
    """Upload ``data``; returns the notification record S3 would send for it."""
    response = s3.put_object(Bucket=bucket, Key=key, Body=data)
    return s3_record(bucket, key, response["ETag"].strip('"'), len(data), response.get("VersionId"))


def sqs_event(*bodies: str) -> dict[str, Any]:
    """SQS messages (tests/events/sqs-s3-put.json) with these bodies, message ids m0, m1, ..."""
    recorded = json.loads((EVENTS / "sqs-s3-put.json").read_text(encoding="utf-8"))
    messages = []
    for index, body in enumerate(bodies):
        message = copy.deepcopy(recorded["Records"][0])
        message.update(body=body, messageId=f"m{index}")
        messages.append(message)
    return {"Records": messages}


def keys(s3: S3Client, bucket: str) -> list[str]:
    paginator = s3.get_paginator("list_objects_v2")
    return sorted(
        item["Key"] for page in paginator.paginate(Bucket=bucket) for item in page.get("Contents", [])
    )


def results(s3: S3Client, bucket: str) -> list[str]:
    """What the function wrote: every key outside the input prefix."""
    return [key for key in keys(s3, bucket) if not key.startswith("uploads/")]


def read_json(s3: S3Client, bucket: str, key: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    return document
