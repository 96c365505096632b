"""``handler``: the FastAPI app behind API Gateway (HTTP API v2, REST API v1) or an ALB, through Mangum."""

from __future__ import annotations

import time
from typing import Any, cast

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum
from mangum.types import LambdaContext as MangumContext
from starlette.types import ASGIApp, Receive, Scope, Send

from hindi_asr.api.app import create_app
from hindi_asr.transcribe import Transcript
from hindi_asr_lambda.observability import (
    API_CORRELATION_PATH,
    add_transcript_metrics,
    logger,
    metrics,
    tracer,
)
from hindi_asr_lambda.runtime import warm_up


class MetricsObserver:
    """EMF metrics per request: seconds of audio transcribed, and errors by class."""

    def transcribed(self, transcript: Transcript) -> None:
        add_transcript_metrics(transcript)

    def failed(self, status: int, code: str) -> None:
        metrics.add_metric(
            name="ClientErrors" if status < 500 else "ServerErrors", unit=MetricUnit.Count, value=1
        )
        metrics.add_metadata(key="error_code", value=code)


class StageRootPath:
    """Sets the ASGI ``root_path`` to the URL prefix before the route, which Mangum leaves empty.

    Behind a REST API the client asks for ``/<stage>/docs`` while the event's ``path`` is ``/docs``;
    FastAPI builds the Swagger page's OpenAPI URL (and the document's ``servers``) from ``root_path``.
    The prefix is what ``requestContext.path`` has before ``path``: the stage on the execute-api domain,
    a base path mapping on a custom domain, nothing for an HTTP API's ``$default`` stage.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        prefix = url_prefix(scope.get("aws.event") or {}) if scope["type"] == "http" else ""
        if prefix:  # ASGI: ``path`` is the full path, ``root_path`` the part before the app's routes
            scope = {**scope, "root_path": prefix, "path": prefix + scope["path"]}
        await self.app(scope, receive, send)


def url_prefix(event: dict[str, Any]) -> str:
    url_path = (event.get("requestContext") or {}).get("path")
    route = event.get("path")
    if isinstance(url_path, str) and isinstance(route, str) and route and url_path.endswith(route):
        return url_path[: len(url_path) - len(route)].rstrip("/")
    return ""


app = create_app(observer=MetricsObserver())
asgi_handler = Mangum(StageRootPath(app), lifespan="off")  # Mangum would run the lifespan on every call
warm_up(app.state.transcriber_provider)


@logger.inject_lambda_context(correlation_id_path=API_CORRELATION_PATH, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # responses hold users' transcripts
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = time.perf_counter()
    # The same runtime object; Mangum and Powertools each describe it with their own protocol.
    response: dict[str, Any] = asgi_handler(event, cast(MangumContext, context))
    metrics.add_metric(
        name="Latency", unit=MetricUnit.Milliseconds, value=(time.perf_counter() - started) * 1e3
    )
    return response
