"""schemathesis against the app's own OpenAPI document: generated requests for every operation and
every documented media type, valid and invalid. No answer is a server error, and every answer has a
documented status, a documented content type and a body that matches its schema. The large-file routes
talk to a moto S3 server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hindi_asr.api.app import create_app
from hindi_asr.settings import S3Settings, Settings
from hindi_asr.transcribe import Transcriber
from tests.moto_server import moto_server

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 30
BUCKET = "contract-uploads"
OFFLINE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def with_uploads(api_settings: Settings) -> Iterator[Settings]:
    """``api_settings`` with an input bucket on a moto server, as a deployment with large files has."""
    with moto_server() as endpoint, pytest.MonkeyPatch.context() as env:
        for name, value in {**OFFLINE_AWS, "AWS_ENDPOINT_URL_S3": endpoint}.items():
            env.setenv(name, value)
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield api_settings.model_copy(
            update={"s3": S3Settings(input_bucket=BUCKET, output_prefix="results/")}
        )


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_matches_the_document(
    with_uploads: Settings, tiny_transcriber: Transcriber, mode: GenerationMode
) -> None:
    app = create_app(with_uploads, transcriber_provider=lambda: tiny_transcriber)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), "the document does not parse"
    calls: list[str] = []
    assert {f"{o.method.upper()} {o.path}" for o in operations} >= {"POST /transcribe", "GET /health"}
    for operation in operations:
        if mode == GenerationMode.NEGATIVE and not list(operation.body):
            continue  # nothing to make invalid (GET /health takes no input)

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
        )
        def answers_as_documented(case: Case[Any]) -> None:
            case.call_and_validate(checks=CHECKS)
            calls.append(case.operation.label)

        answers_as_documented()
    assert len(calls) >= EXAMPLES
