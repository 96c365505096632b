"""``/docs`` behind a REST API stage: Swagger UI must fetch the OpenAPI document under the same prefix.

A REST API serves ``https://ID.execute-api.REGION.amazonaws.com/<stage>/docs``; its event carries the
route in ``path`` and the URL path the client used in ``requestContext.path``. Mangum leaves the ASGI
``root_path`` empty, so without help the page would ask for ``/openapi.json`` (403 from API Gateway).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from hindi_asr_lambda.api import handler
from tests.functions.hindi_asr_lambda.test_api_handler import body_of

LoadEvent = Callable[[str], dict[str, Any]]


def rest_get(load_event: LoadEvent, route: str, url_path: str) -> dict[str, Any]:
    """The recorded REST API event (stage ``prod``), as a GET of ``route`` requested at ``url_path``."""
    event = load_event("apigw-rest-v1")
    event.update(httpMethod="GET", path=route, resource=route, body=None, isBase64Encoded=False)
    event["requestContext"].update(httpMethod="GET", path=url_path, resourcePath=route)
    event["headers"] = {k: v for k, v in event["headers"].items() if k.lower() != "content-type"}
    event["multiValueHeaders"] = {
        k: v for k, v in event.get("multiValueHeaders", {}).items() if k.lower() != "content-type"
    }
    return event


def http_get(load_event: LoadEvent, route: str) -> dict[str, Any]:
    event = load_event("apigw-http-v2")
    event.update(rawPath=route, body=None, isBase64Encoded=False)
    event["requestContext"]["http"].update(method="GET", path=route)
    return event


def test_the_recorded_rest_event_has_a_stage(load_event: LoadEvent) -> None:
    context = load_event("apigw-rest-v1")["requestContext"]
    assert context["stage"] == "prod" and context["path"].startswith("/prod/")


@pytest.mark.parametrize(
    ("event_of", "openapi_url"),
    [
        (lambda load: rest_get(load, "/docs", "/prod/docs"), "/prod/openapi.json"),  # execute-api URL
        (lambda load: rest_get(load, "/docs", "/docs"), "/openapi.json"),  # a custom domain, no stage
        (lambda load: rest_get(load, "/docs", "/v1/asr/docs"), "/v1/asr/openapi.json"),  # a base path
        (lambda load: http_get(load, "/docs"), "/openapi.json"),  # HTTP API, $default stage
    ],
    ids=["rest stage", "rest custom domain", "rest base path mapping", "http api"],
)
def test_docs_point_at_the_openapi_document_under_the_same_prefix(
    load_event: LoadEvent,
    lambda_context: LambdaContext,
    event_of: Callable[[LoadEvent], dict[str, Any]],
    openapi_url: str,
) -> None:
    response = handler(event_of(load_event), lambda_context)
    assert response["statusCode"] == 200
    assert f"url: '{openapi_url}'" in response["body"]


def test_the_openapi_document_is_served_under_the_stage_and_names_it(
    load_event: LoadEvent, lambda_context: LambdaContext
) -> None:
    response = handler(rest_get(load_event, "/openapi.json", "/prod/openapi.json"), lambda_context)
    assert response["statusCode"] == 200
    document = json.loads(response["body"])
    assert document["servers"] == [{"url": "/prod"}]
    assert "/transcribe" in document["paths"]
    # the route itself is unchanged by the prefix: a problem names the URL the client used
    missing = handler(rest_get(load_event, "/nowhere", "/prod/nowhere"), lambda_context)
    assert missing["statusCode"] == 404
    assert body_of(missing)["instance"] == "/prod/nowhere"
