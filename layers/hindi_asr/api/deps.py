"""Dependencies as ``Annotated`` aliases: the request's audio, the process-wide transcriber, the uploads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hindi_asr.api.payload import read_audio
from hindi_asr.api.upload_jobs import UploadJobs
from hindi_asr.errors import UploadsUnavailableError
from hindi_asr.transcribe import Transcriber


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


AudioDep = Annotated[bytes, Depends(read_audio)]
TranscriberDep = Annotated[Transcriber, Depends(transcriber)]
UploadJobsDep = Annotated[UploadJobs, Depends(upload_jobs)]
