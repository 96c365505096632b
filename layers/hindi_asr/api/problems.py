"""RFC 9457 problem+json answers for every error, so bad input never becomes a bare 500."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hindi_asr.api.schemas import ProblemResponse
from hindi_asr.errors import AsrError, problem

logger = logging.getLogger(__name__)


def problem_response(request: Request, body: dict[str, Any]) -> ProblemResponse:
    """Answer with a problem document and tell the app's observer."""
    request.app.state.observer.failed(body["status"], body["code"])
    return ProblemResponse(body, status_code=body["status"])


async def asr_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, AsrError)
    log = logger.info if exc.is_client_error else logger.error
    log("problem %s (%d): %s", exc.code, exc.status, exc.detail)
    return problem_response(request, exc.to_problem(instance=request.url.path))


async def http_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    body = problem(
        status=exc.status_code, code=code, title=phrase, detail=str(exc.detail), instance=request.url.path
    )
    response = problem_response(request, body)
    response.headers.update(exc.headers or {})
    return response


async def validation_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    body = problem(
        status=422,
        code="invalid_parameters",
        title="Invalid parameters",
        detail=detail,
        instance=request.url.path,
    )
    return problem_response(request, body)


async def unexpected_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    logger.exception("unexpected error while serving %s", request.url.path, exc_info=exc)
    return problem_response(request, AsrError("an unexpected error occurred").to_problem(request.url.path))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AsrError, asr_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
