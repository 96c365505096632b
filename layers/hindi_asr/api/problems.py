"""RFC 9457 problem+json answers for every error, so bad input never becomes a bare 500."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hindi_asr.api.schemas import PROBLEM_MEDIA_TYPE
from hindi_asr.errors import PROBLEM_TYPE_BASE, AsrError

logger = logging.getLogger(__name__)


def problem_response(
    request: Request, *, status: int, code: str, title: str, detail: str, type_uri: str | None = None
) -> JSONResponse:
    """Answer with a problem document and tell the app's observer."""
    request.app.state.observer.failed(status, code)
    body = {
        "type": type_uri or PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.url.path,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


async def asr_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AsrError)
    log = logger.info if exc.is_client_error else logger.error
    log("problem %s (%d): %s", exc.code, exc.status, exc.detail)
    return problem_response(
        request, status=exc.status, code=exc.code, title=exc.title, detail=exc.detail, type_uri=exc.type_uri
    )


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    response = problem_response(
        request, status=exc.status_code, code=code, title=phrase, detail=str(exc.detail)
    )
    response.headers.update(exc.headers or {})
    return response


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return problem_response(
        request, status=422, code="invalid_parameters", title="Invalid parameters", detail=detail
    )


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error while serving %s", request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=500,
        code="internal_error",
        title="Internal error",
        detail="an unexpected error occurred",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AsrError, asr_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
