"""``GET /health``: is the model loaded (200) or not (503, with the reason), and which version is serving."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hindi_asr import __version__
from hindi_asr.api.schemas import HealthResponse, ModelOut
from hindi_asr.errors import AsrError, ModelUnavailableError

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model_exclude_none=True,
    summary="Liveness and model status",
    responses={
        ModelUnavailableError.status: {"model": HealthResponse, "description": "the model is not loaded"}
    },
)
def health(request: Request, response: Response) -> HealthResponse:
    try:
        info = request.app.state.transcriber_provider().model.info
    except AsrError as exc:
        response.status_code = ModelUnavailableError.status
        return HealthResponse(
            status="unavailable", model_loaded=False, detail=exc.detail, version=__version__
        )
    model = ModelOut(name=info.name, variant=info.variant)
    return HealthResponse(status="ok", model_loaded=True, model=model, version=__version__)
