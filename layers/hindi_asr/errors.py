"""Errors with machine-readable codes; each maps to one HTTP status (RFC 9457 problem types)."""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_TYPE_BASE = "urn:hindi-asr:problem:"


def problem(
    *, status: int, code: str, title: str, detail: str, instance: str | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem document plus the machine-readable ``code``: the one place it is built."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return body if instance is None else {**body, "instance": instance}


class AsrError(Exception):
    """Base of every error the runtime raises on purpose; ``detail`` is safe to show to the caller."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status < 500

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """This error as the API answers it and as the S3 transcriber records it."""
        return problem(
            status=self.status, code=self.code, title=self.title, detail=self.detail, instance=instance
        )


class InvalidRequestError(AsrError):
    status, code, title = 400, "invalid_request", "Invalid request"


class InvalidJsonError(InvalidRequestError):
    code, title = "invalid_json", "Invalid JSON body"


class InvalidBase64Error(InvalidRequestError):
    code, title = "invalid_base64", "Invalid base64 audio"


class PayloadTooLargeError(AsrError):
    status, code, title = 413, "payload_too_large", "Payload too large"


class UnsupportedMediaTypeError(AsrError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"


class UndecodableAudioError(AsrError):
    status, code, title = 415, "undecodable_audio", "Audio could not be decoded"


class TruncatedAudioError(UndecodableAudioError):
    code, title = "truncated_audio", "Audio file is truncated"


class InvalidAudioError(AsrError):
    status, code, title = 422, "invalid_audio", "Audio cannot be transcribed"


class EmptyAudioError(InvalidAudioError):
    code, title = "empty_audio", "Audio is empty"


class NonFiniteAudioError(InvalidAudioError):
    code, title = "non_finite_samples", "Audio contains NaN or infinite samples"


class AudioTooShortError(InvalidAudioError):
    code, title = "audio_too_short", "Audio is too short"


class AudioTooLongError(InvalidAudioError):
    code, title = "audio_too_long", "Audio is too long"


class JobNotFoundError(AsrError):
    status, code, title = 404, "job_not_found", "Job not found"


class UploadsUnavailableError(AsrError):
    status, code, title = 503, "uploads_unavailable", "Large-file uploads are not configured"


class ModelUnavailableError(AsrError):
    status, code, title = 503, "model_unavailable", "Model unavailable"


class InvalidModelError(ModelUnavailableError):
    code, title = "invalid_model", "Model directory is invalid"


class InvalidDecodingOptionsError(AsrError):
    status, code, title = 422, "invalid_decoding_options", "Invalid decoding options"


class InvalidHotwordsError(InvalidDecodingOptionsError):
    code, title = "invalid_hotwords", "Invalid hotwords"
