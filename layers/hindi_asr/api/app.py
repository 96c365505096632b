"""The app factory: ``uvicorn --factory hindi_asr.api.app:create_app`` (``make run``), Mangum, tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

from hindi_asr import __version__
from hindi_asr.api.limits import BodyLimitMiddleware
from hindi_asr.api.observer import NullObserver, Observer
from hindi_asr.api.problems import install_problem_handlers
from hindi_asr.api.routes import health, jobs, page, transcribe
from hindi_asr.api.schemas import JsonResponse
from hindi_asr.api.upload_jobs import UploadJobs
from hindi_asr.errors import AsrError
from hindi_asr.settings import Settings, get_settings
from hindi_asr.transcribe import Transcriber, get_transcriber

logger = logging.getLogger(__name__)

DESCRIPTION = """Hindi speech to Devanagari text (Conformer-CTC, ONNX Runtime).

Errors are RFC 9457 `application/problem+json` documents with a machine-readable `code`."""
DOCS_ASSETS_URL = "/docs/assets"  # Swagger UI's script and style, served by the app (no CDN)


def create_app(
    settings: Settings | None = None,
    *,
    transcriber_provider: Callable[[], Transcriber] | None = None,
    observer: Observer | None = None,
    upload_jobs_provider: Callable[[], UploadJobs] | None = None,
) -> FastAPI:
    """Build the app; the model comes from ``transcriber_provider`` (default: the process-wide one).

    ``upload_jobs_provider`` gives the large-file service (default: from the S3 settings; without an
    input bucket ``POST /uploads`` answers 503).
    """
    settings = settings or get_settings()
    app = FastAPIOffline(
        title="hindi-asr",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_warm_up,
        default_response_class=JsonResponse,
        redoc_url=None,
        static_url=DOCS_ASSETS_URL,
    )
    app.state.transcriber_provider = transcriber_provider or partial(
        get_transcriber, settings.transcriber.options()
    )
    app.state.observer = observer or NullObserver()
    app.state.upload_jobs_provider = upload_jobs_provider or UploadJobs.provider(settings)
    app.state.max_request_bytes = settings.limits.max_request_bytes
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.limits.max_request_bytes)
    install_problem_handlers(app)
    app.include_router(transcribe.router)
    app.include_router(health.router)
    app.include_router(jobs.router)
    app.include_router(page.router)
    return app


@asynccontextmanager
async def _warm_up(app: FastAPI) -> AsyncIterator[None]:
    """Under uvicorn, load the model before the first request; a missing model is reported by /health."""
    try:
        await run_in_threadpool(app.state.transcriber_provider)
    except AsrError as exc:
        logger.warning("model not loaded at start-up: %s", exc.detail)
    yield
