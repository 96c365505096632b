"""Dependencies as ``Annotated`` aliases: the request's audio, the process-wide transcriber."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hindi_asr.api.payload import read_audio
from hindi_asr.transcribe import Transcriber


def transcriber(request: Request) -> Transcriber:
    """Loads the model on first use (``ModelUnavailableError`` -> 503)."""
    value: Transcriber = request.app.state.transcriber_provider()
    return value


AudioDep = Annotated[bytes, Depends(read_audio)]
TranscriberDep = Annotated[Transcriber, Depends(transcriber)]
