"""``POST /transcribe``: audio in, Hindi text with word timings out (or subtitles, ``?format=srt|vtt``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from hindi_asr.api.deps import TranscriberDep, TranscribeRequestDep
from hindi_asr.api.formats import FormatQuery, OutputFormat, subtitle_openapi, subtitle_response
from hindi_asr.api.schemas import TranscriptionResponse, problem_responses, transcribe_request_body

router = APIRouter(tags=["transcription"])


@router.post(
    "/transcribe",
    response_model=TranscriptionResponse,
    summary="Transcribe Hindi speech",
    description=(
        "Send WAV, FLAC, OGG/Opus or MP3 audio (any sample rate and channel count) as multipart/form-data "
        '(field `file`), as JSON `{"audio_base64": ...}`, or as the raw body with an `audio/*` or '
        "`application/octet-stream` type. Long audio is transcribed in overlapping chunks. "
        "`decoder=beam` adds a beam search with the model's word language model; `hotwords` boosts "
        "words or phrases (query, JSON list or multipart field); `numbers=digits` writes numbers as digits."
    ),
    responses={200: {"content": subtitle_openapi()}, **problem_responses(400, 413, 415, 422, 503)},
    openapi_extra=transcribe_request_body(),
)
async def transcribe(
    request: Request,
    body: TranscribeRequestDep,  # resolved first: bad input is a 4xx even while the model is unavailable
    transcriber: TranscriberDep,
    format: FormatQuery = OutputFormat.JSON,
) -> TranscriptionResponse | Response:
    decoding = transcriber.decoding_options(
        decoder=body.decoder, hotwords=body.hotwords, numbers=body.numbers
    )
    transcript = await run_in_threadpool(transcriber.transcribe, body.audio, decoding)
    request.app.state.observer.transcribed(transcript)
    if format is not OutputFormat.JSON:
        return subtitle_response(transcript.words, format)
    return TranscriptionResponse.from_transcript(transcript)
