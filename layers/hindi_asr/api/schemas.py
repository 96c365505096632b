"""Response bodies (UTF-8 JSON, Devanagari as is) and the OpenAPI description of ``POST /transcribe``."""

from __future__ import annotations

import base64
import io
import wave
from functools import cache
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from hindi_asr.transcribe import Transcript

PROBLEM_MEDIA_TYPE = "application/problem+json"
RAW_AUDIO_TYPES = ("audio/wav", "audio/flac", "audio/ogg", "audio/mpeg", "application/octet-stream")

TRANSCRIPT_EXAMPLE: dict[str, Any] = {
    "text": "मेरे दादाजी हर सुबह बगीचे में टहलने जाते हैं",
    "language": "hi",
    "duration_s": 4.0,
    "words": [
        {"word": "मेरे", "start": 0.24, "end": 0.52, "confidence": 0.9871},
        {"word": "दादाजी", "start": 0.6, "end": 1.08, "confidence": 0.9642},
        {"word": "हर", "start": 1.16, "end": 1.32, "confidence": 0.9913},
        {"word": "सुबह", "start": 1.4, "end": 1.76, "confidence": 0.9558},
        {"word": "बगीचे", "start": 1.84, "end": 2.28, "confidence": 0.9204},
        {"word": "में", "start": 2.32, "end": 2.44, "confidence": 0.9935},
        {"word": "टहलने", "start": 2.52, "end": 2.96, "confidence": 0.8877},
        {"word": "जाते", "start": 3.04, "end": 3.32, "confidence": 0.9769},
        {"word": "हैं", "start": 3.36, "end": 3.52, "confidence": 0.9902},
    ],
    "model": {"name": "hi_demo_conformer_ctc_small", "variant": "fp32"},
    "decoder": {
        "name": "greedy",
        "numbers": "words",
        "lm": None,
        "alpha": None,
        "beta": None,
        "beam_size": None,
        "hotwords": [],
    },
    "timings_ms": {"decode_audio": 1.9, "inference": 61.4, "ctc_decode": 0.8, "total": 64.3},
}


class JsonResponse(JSONResponse):
    """Starlette writes UTF-8 without ``\\u`` escapes; the header says so."""

    media_type = "application/json; charset=utf-8"


class ProblemResponse(JSONResponse):
    media_type = f"{PROBLEM_MEDIA_TYPE}; charset=utf-8"


class WordOut(BaseModel):
    word: str = Field(description="the word, NFC-normalised Devanagari")
    start: float = Field(description="seconds from the start of the audio")
    end: float = Field(description="seconds from the start of the audio")
    confidence: float = Field(ge=0, le=1, description="geometric mean of the word's CTC token posteriors")


class ModelOut(BaseModel):
    name: str
    variant: str


class DecoderOut(BaseModel):
    name: Literal["greedy", "beam"] = Field(description="the decoder used")
    numbers: Literal["words", "digits"] = Field(description="how numbers are written")
    lm: str | None = Field(default=None, description="beam: the word language model's file (null: none)")
    alpha: float | None = Field(default=None, description="beam: language model weight")
    beta: float | None = Field(default=None, description="beam: word insertion bonus")
    beam_size: int | None = Field(default=None, description="beam: hypotheses kept per frame")
    hotwords: list[str] = Field(default_factory=list, description="beam: the boosted words, normalised")


class TranscriptionResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [TRANSCRIPT_EXAMPLE]}, protected_namespaces=())

    text: str
    language: str = Field(description='always "hi"')
    duration_s: float = Field(description="length of the decoded audio")
    words: list[WordOut]
    model: ModelOut
    decoder: DecoderOut
    timings_ms: dict[str, float] = Field(description="decode_audio, inference, ctc_decode, total")

    @classmethod
    def from_transcript(cls, transcript: Transcript) -> TranscriptionResponse:
        """The JSON shape of a transcript, for the API, the CLI and the S3 transcriber's documents."""
        return cls(
            text=transcript.text,
            language=transcript.language,
            duration_s=round(transcript.duration_s, 3),
            words=[
                WordOut(word=w.word, start=w.start, end=w.end, confidence=w.confidence)
                for w in transcript.words
            ],
            model=ModelOut(name=transcript.model_name, variant=transcript.model_variant),
            decoder=DecoderOut(**transcript.decoder),
            timings_ms={stage: round(ms, 1) for stage, ms in transcript.timings_ms.items()},
        )


class HealthResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "model_loaded": True,
                    "model": {"name": "hi_demo_conformer_ctc_small", "variant": "fp32"},
                    "version": "0.1.0",
                },
                {
                    "status": "unavailable",
                    "model_loaded": False,
                    "detail": "no model.onnx in model directory /opt/model",
                    "version": "0.1.0",
                },
            ]
        },
        protected_namespaces=(),
    )

    status: Literal["ok", "unavailable"]
    model_loaded: bool
    model: ModelOut | None = Field(default=None, description="the model serving requests, once loaded")
    detail: str | None = Field(default=None, description="why the model is not loaded")
    version: str


class Problem(BaseModel):
    """RFC 9457 problem details, plus the machine-readable ``code``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:hindi-asr:problem:audio_too_short",
                    "title": "Audio is too short",
                    "status": 422,
                    "detail": "the audio lasts 0.120 s; at least 0.3 s is needed",
                    "code": "audio_too_short",
                    "instance": "/transcribe",
                }
            ]
        }
    )

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for problem+json answers."""
    descriptions = {
        400: "invalid JSON, invalid base64, malformed multipart or missing `file` field",
        404: "no such job, or its file has not been uploaded yet",
        413: "request body larger than the limit (Lambda's 6 MB payload by default)",
        415: "unsupported content type, or audio that cannot be decoded (unknown format, truncated file)",
        422: "empty audio, NaN/inf samples, too short or too long; invalid decoder, numbers or hotwords",
        503: "the model is not available (large-file routes: no input bucket is configured)",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def transcribe_request_body() -> dict[str, Any]:
    """The three ways to send audio, for ``openapi_extra``; the JSON example is a real (silent) WAV."""
    binary = {"type": "string", "format": "binary"}
    content: dict[str, Any] = {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": binary,
                    "hotwords": {"type": "string", "description": "comma-separated; may repeat"},
                    "decoder": {"type": "string", "enum": ["greedy", "beam"]},
                    "numbers": {"type": "string", "enum": ["words", "digits"]},
                },
            },
        },
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["audio_base64"],
                "properties": {
                    "audio_base64": {"type": "string", "description": "the audio file, base64"},
                    "hotwords": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
                    "decoder": {"type": "string", "enum": ["greedy", "beam"]},
                    "numbers": {"type": "string", "enum": ["words", "digits"]},
                },
            },
            "example": {"audio_base64": example_wav_base64()},
        },
    }
    content.update({media_type: {"schema": binary} for media_type in RAW_AUDIO_TYPES})
    return {"requestBody": {"required": True, "content": content}}


@cache
def example_wav_base64(seconds: float = 0.5, sample_rate: int = 8000) -> str:
    """A short, valid, silent 8-bit WAV: small enough for the docs, accepted by the service."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(sample_rate)
        wav.writeframes(b"\x80" * int(seconds * sample_rate))
    return base64.b64encode(buffer.getvalue()).decode("ascii")
