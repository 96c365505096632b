"""Lambda fixtures: recorded events, a fake context, the handlers on the tiny model, a moto S3 server."""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from hindi_asr.transcribe import Transcriber
from infra.lambda_context import LocalLambdaContext
from tests.moto_server import moto_server

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

EVENTS = Path(__file__).parents[2] / "events"
METRICS_NAMESPACE = "HindiAsr"
# What template.yaml sets for both functions; Powertools reads it when the handler modules are imported.
os.environ["POWERTOOLS_METRICS_NAMESPACE"] = METRICS_NAMESPACE
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


LAMBDA_CONTEXT = LocalLambdaContext("hindi-asr-test", aws_request_id="52fdfc07-2182-154f-163f-5f0f9a621d72")


@pytest.fixture
def lambda_context() -> LambdaContext:
    return cast(LambdaContext, LAMBDA_CONTEXT)


@pytest.fixture
def load_event() -> Callable[[str], dict[str, Any]]:
    """A fresh copy of a recorded event from tests/events/."""

    def load(name: str) -> dict[str, Any]:
        event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
        return copy.deepcopy(event)

    return load


@pytest.fixture
def api_module(tiny_transcriber: Transcriber) -> Iterator[ModuleType]:
    """``hindi_asr_lambda.api`` with its app's transcriber replaced by the tiny model's."""
    from hindi_asr_lambda import api

    state = api.app.state
    original = state.transcriber_provider
    state.transcriber_provider = lambda: tiny_transcriber
    try:
        yield api
    finally:
        state.transcriber_provider = original


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3(moto_endpoint: str) -> S3Client:
    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=CREDENTIALS["aws_secret_access_key"],
    )


@dataclass(frozen=True)
class Buckets:
    input: str
    output: str


@pytest.fixture
def buckets(s3: S3Client) -> Buckets:
    """A fresh input and output bucket for each test (the moto server lives for the session)."""
    suffix = uuid.uuid4().hex[:12]
    names = Buckets(f"asr-input-{suffix}", f"asr-output-{suffix}")
    s3.create_bucket(Bucket=names.input)
    s3.create_bucket(Bucket=names.output)
    return names
