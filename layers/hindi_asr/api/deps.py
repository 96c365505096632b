"""Dependencies as ``Annotated`` aliases: the request's audio and decoding choices, the transcriber, the
uploads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from hindi_asr.api.payload import TranscribeRequest, read_request
from hindi_asr.api.upload_jobs import UploadJobs
from hindi_asr.decoding import DecodingOptions
from hindi_asr.errors import UploadsUnavailableError
from hindi_asr.transcribe import Transcriber

DecoderQuery = Annotated[
    str | None, Query(description="`greedy` (default; `beam` when hotwords are given) or `beam`")
]
HotwordsQuery = Annotated[
    list[str] | None,
    Query(description="words or phrases to boost, comma-separated (Devanagari, at most 50); needs beam"),
]
NumbersQuery = Annotated[str | None, Query(description="`words` (default) or `digits`")]


async def transcribe_request(
    request: Request,
    decoder: DecoderQuery = None,
    hotwords: HotwordsQuery = None,
    numbers: NumbersQuery = None,
) -> TranscribeRequest:
    """The audio and decoding choices; what can be checked without the model is checked here (422)."""
    body = (await read_request(request)).with_query(decoder=decoder, hotwords=hotwords, numbers=numbers)
    DecodingOptions.parse(decoder=body.decoder, hotwords=body.hotwords, numbers=body.numbers)
    return body


def transcriber(request: Request) -> Transcriber:
    """Loads the model on first use (``ModelUnavailableError`` -> 503)."""
    value: Transcriber = request.app.state.transcriber_provider()
    return value


def upload_jobs(request: Request) -> UploadJobs:
    """The large-file service (``UploadsUnavailableError`` -> 503 where no input bucket is configured)."""
    provider = request.app.state.upload_jobs_provider
    if provider is None:
        raise UploadsUnavailableError("this deployment has no input bucket for large files")
    value: UploadJobs = provider()
    return value


TranscribeRequestDep = Annotated[TranscribeRequest, Depends(transcribe_request)]
TranscriberDep = Annotated[Transcriber, Depends(transcriber)]
UploadJobsDep = Annotated[UploadJobs, Depends(upload_jobs)]
