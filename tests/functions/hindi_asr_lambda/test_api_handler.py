"""``hindi_asr_lambda.api.handler`` on recorded events: HTTP API v2, REST API v1 (base64 binary), ALB."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Callable
from types import ModuleType
from typing import Any

import httpx
import pytest
from aws_lambda_powertools.logging import logger as powertools_logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from hindi_asr_lambda.observability import logger
from tests.layers.hindi_asr.tiny_model import MODEL_NAME, encode, speech

from .conftest import METRICS_NAMESPACE

TEXT = "नमस्ते आप कैसे हैं"
JSON, PROBLEM_JSON = "application/json; charset=utf-8", "application/problem+json; charset=utf-8"
Invoke = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def invoke(api_module: ModuleType, lambda_context: LambdaContext) -> Invoke:
    def call(event: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = api_module.handler(event, lambda_context)
        return response

    return call


def set_body(event: dict[str, Any], body: bytes, content_type: str, *, binary: bool = True) -> dict[str, Any]:
    """Put ``body`` into an event as API Gateway / ALB deliver it (base64 for binary bodies)."""
    event["body"] = base64.b64encode(body).decode() if binary else body.decode()
    event["isBase64Encoded"] = binary
    event["headers"] = {
        key: value for key, value in event["headers"].items() if key.lower() != "content-type"
    }
    event["headers"]["content-type"] = content_type
    if "multiValueHeaders" in event:
        event["multiValueHeaders"]["Content-Type"] = [content_type]
    return event


def multipart(data: bytes) -> tuple[bytes, str]:
    request = httpx.Request("POST", "http://x/transcribe", files={"file": ("clip.wav", data, "audio/wav")})
    return request.read(), request.headers["content-type"]


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    raw = response["body"]
    text = base64.b64decode(raw).decode() if response.get("isBase64Encoded") else raw
    document: dict[str, Any] = json.loads(text)
    return document


def header(response: dict[str, Any], name: str) -> str:
    headers = {key.lower(): value for key, value in (response.get("headers") or {}).items()}
    multi = {key.lower(): values[0] for key, values in (response.get("multiValueHeaders") or {}).items()}
    return str(headers.get(name) or multi.get(name))


def test_http_api_v2_raw_audio(invoke: Invoke, load_event: Callable[[str], dict[str, Any]]) -> None:
    event = set_body(load_event("apigw-http-v2"), encode(speech(TEXT), sample_rate=8000), "audio/wav")
    response = invoke(event)
    assert response["statusCode"] == 200, response["body"]
    assert body_of(response)["text"] == TEXT and header(response, "content-type") == JSON
    assert TEXT in response["body"]  # Devanagari as is, not \u escapes


def test_http_api_v2_json(invoke: Invoke, load_event: Callable[[str], dict[str, Any]]) -> None:
    document = json.dumps({"audio_base64": base64.b64encode(encode(speech(TEXT))).decode()}).encode()
    response = invoke(set_body(load_event("apigw-http-v2"), document, "application/json", binary=False))
    assert response["statusCode"] == 200 and body_of(response)["text"] == TEXT


def test_rest_api_v1_base64_multipart(invoke: Invoke, load_event: Callable[[str], dict[str, Any]]) -> None:
    body, content_type = multipart(encode(speech(TEXT), file_format="FLAC"))
    response = invoke(set_body(load_event("apigw-rest-v1"), body, content_type))
    assert response["statusCode"] == 200, response["body"]
    document = body_of(response)
    assert document["text"] == TEXT and [w["word"] for w in document["words"]] == TEXT.split()


def test_alb_raw_audio(invoke: Invoke, load_event: Callable[[str], dict[str, Any]]) -> None:
    data = encode(speech(TEXT), sample_rate=44_100, file_format="OGG", subtype="VORBIS", channels=2)
    response = invoke(set_body(load_event("alb"), data, "application/octet-stream"))
    assert response["statusCode"] == 200 and body_of(response)["text"] == TEXT


def test_health_through_the_http_api(invoke: Invoke, load_event: Callable[[str], dict[str, Any]]) -> None:
    event = load_event("apigw-http-v2")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/health"
    event["requestContext"]["http"]["method"] = "GET"
    event.pop("body")
    response = invoke(event)
    assert response["statusCode"] == 200 and body_of(response)["model_loaded"] is True
    assert body_of(response)["model"] == {"name": MODEL_NAME, "variant": "fp32"}


@pytest.mark.parametrize("name", ["apigw-http-v2", "apigw-rest-v1", "alb"])
def test_bad_input_is_a_problem_on_every_event_type(
    invoke: Invoke, load_event: Callable[[str], dict[str, Any]], name: str
) -> None:
    # the recorded events' own body, {"test":"body"}, is not audio
    response = invoke(set_body(load_event(name), b'{"test":"body"}', "text/plain"))
    assert response["statusCode"] == 415
    assert header(response, "content-type") == PROBLEM_JSON
    assert body_of(response)["code"] == "unsupported_media_type"


def emf_documents(output: str) -> list[dict[str, Any]]:
    documents = [json.loads(line) for line in output.splitlines() if line.startswith("{") and "_aws" in line]
    return [document for document in documents if "CloudWatchMetrics" in document["_aws"]]


def test_metrics_audio_seconds_latency_and_errors(
    invoke: Invoke, load_event: Callable[[str], dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    invoke(set_body(load_event("apigw-http-v2"), encode(speech(TEXT)), "audio/wav"))
    invoke(set_body(load_event("apigw-http-v2"), b"", "audio/wav"))
    success, failure = (d for d in emf_documents(capsys.readouterr().out) if "Latency" in d)
    assert success["_aws"]["CloudWatchMetrics"][0]["Namespace"] == METRICS_NAMESPACE
    # EMF: one document per invocation, metric values as lists
    assert success["AudioSeconds"] == [pytest.approx(len(speech(TEXT)) / 16_000)]
    assert success["InferenceLatency"][0] > 0 and success["Latency"][0] > 0
    assert failure["ClientErrors"] == [1.0] and failure["error_code"] == "empty_audio"
    assert "AudioSeconds" not in failure


@pytest.mark.parametrize(
    ("name", "correlation_id"),
    [("apigw-http-v2", "id"), ("apigw-rest-v1", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
     ("alb", "Root=1-5c536348-3d683b8b04734faae651f476")],
)  # fmt: skip
def test_logs_are_json_with_the_correlation_id_and_the_cold_start(
    invoke: Invoke,
    load_event: Callable[[str], dict[str, Any]],
    name: str,
    correlation_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a fresh execution environment (Powertools keeps the cold-start flag per process)
    monkeypatch.setattr(powertools_logger, "is_cold_start", True)
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        # WHEN two requests are answered (the core logs the 422 of each)
        for _ in range(2):
            invoke(set_body(load_event(name), b"", "audio/wav"))
    finally:
        handler.setStream(previous)
    # THEN both log lines carry the request's correlation id, and only the first is a cold start
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    first, second = (line for line in lines if "empty_audio" in line["message"])
    assert first["correlation_id"] == correlation_id and first["function_name"] == "hindi-asr-test"
    assert first["level"] == "INFO" and (first["cold_start"], second["cold_start"]) == (True, False)


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/", "text/html; charset=utf-8", "data-direct-limit"),
        ("/docs", "text/html; charset=utf-8", "/docs/assets/swagger-ui-bundle.js"),
        ("/docs/assets/swagger-ui-bundle.js", "text/javascript; charset=utf-8", "SwaggerUIBundle"),
    ],
)
def test_the_page_and_the_docs_assets_through_the_http_api(
    invoke: Invoke, load_event: Callable[[str], dict[str, Any]], path: str, content_type: str, marker: str
) -> None:
    event = load_event("apigw-http-v2")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = "GET"
    event.pop("body")
    response = invoke(event)
    raw = response["body"]
    text = base64.b64decode(raw).decode() if response.get("isBase64Encoded") else raw
    assert response["statusCode"] == 200 and header(response, "content-type") == content_type
    assert marker in text


def test_subtitles_through_the_http_api(invoke: Invoke, load_event: Callable[[str], dict[str, Any]]) -> None:
    event = set_body(load_event("apigw-http-v2"), encode(speech(TEXT)), "audio/wav")
    event["rawQueryString"], event["queryStringParameters"] = "format=srt", {"format": "srt"}
    response = invoke(event)
    assert (
        response["statusCode"] == 200
        and header(response, "content-type") == "application/x-subrip; charset=utf-8"
    )
    raw = response["body"]
    text = base64.b64decode(raw).decode() if response.get("isBase64Encoded") else raw
    assert text.startswith("1\n00:00:00,") and TEXT in text
