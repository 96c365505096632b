"""The JSON written next to each upload: Amazon Transcribe's result shape plus our own fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hindi_asr.api.schemas import TranscriptionResponse
from hindi_asr.errors import AsrError
from hindi_asr.transcribe import Transcript

LANGUAGE_CODE = "hi-IN"


@dataclass(frozen=True)
class SourceObject:
    """The S3 object an event is about; ``etag`` without quotes, ``version_id`` empty when unversioned."""

    bucket: str
    key: str
    etag: str
    version_id: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"bucket": self.bucket, "key": self.key, "etag": self.etag, "version_id": self.version_id}


def transcript_document(transcript: Transcript, source: SourceObject) -> dict[str, Any]:
    """``results.transcripts[].transcript`` and ``results.items[]`` as Amazon Transcribe writes them
    (times and confidences as strings), and the full API response under ``hindi_asr``."""
    items = [
        {
            "id": index,
            "type": "pronunciation",
            "start_time": f"{word.start:.3f}",
            "end_time": f"{word.end:.3f}",
            "alternatives": [{"confidence": f"{word.confidence:.4f}", "content": word.word}],
        }
        for index, word in enumerate(transcript.words)
    ]
    response = TranscriptionResponse.from_transcript(transcript).model_dump(mode="json")
    return {
        "jobName": source.key,
        "status": "COMPLETED",
        "results": {
            "language_code": LANGUAGE_CODE,
            "transcripts": [{"transcript": transcript.text}],
            "items": items,
        },
        "hindi_asr": {**response, "source": source.to_dict()},
    }


def error_document(error: AsrError, source: SourceObject) -> dict[str, Any]:
    """A failed job: Transcribe's ``status``/``failureReason`` and the RFC 9457 problem of the HTTP API."""
    return {
        "jobName": source.key,
        "status": "FAILED",
        "failureReason": error.detail,
        "error": error.to_problem(),
        "hindi_asr": {"source": source.to_dict()},
    }
