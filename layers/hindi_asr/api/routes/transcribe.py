"""``POST /transcribe``: audio in, Hindi text with word timings out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from hindi_asr.api.deps import AudioDep, TranscriberDep
from hindi_asr.api.schemas import TranscriptionResponse, problem_responses, transcribe_request_body

router = APIRouter(tags=["transcription"])


@router.post(
    "/transcribe",
    summary="Transcribe Hindi speech",
    description=(
        "Send WAV, FLAC, OGG/Opus or MP3 audio (any sample rate and channel count) as multipart/form-data "
        '(field `file`), as JSON `{"audio_base64": ...}`, or as the raw body with an `audio/*` or '
        "`application/octet-stream` type. Long audio is transcribed in overlapping chunks."
    ),
    responses=problem_responses(400, 413, 415, 422, 503),
    openapi_extra=transcribe_request_body(),
)
async def transcribe(
    request: Request,
    audio: AudioDep,  # resolved first: bad input is a 4xx even while the model is unavailable
    transcriber: TranscriberDep,
) -> TranscriptionResponse:
    transcript = await run_in_threadpool(transcriber.transcribe, audio)
    request.app.state.observer.transcribed(transcript)
    return TranscriptionResponse.from_transcript(transcript)
