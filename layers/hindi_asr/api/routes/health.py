"""``GET /health``: is the model loaded, and which version is serving."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from hindi_asr import __version__
from hindi_asr.api.deps import TranscriberDep
from hindi_asr.api.schemas import HealthResponse, problem_responses

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    summary="Liveness and model status",
    responses=problem_responses(503),
)
def health(transcriber: TranscriberDep) -> dict[str, Any]:
    info = transcriber.model.info
    return {
        "status": "ok",
        "model_loaded": True,
        "model": {"name": info.name, "variant": info.variant},
        "version": __version__,
    }
