"""Each error has a stable code, an HTTP status, and one RFC 9457 problem document."""

from __future__ import annotations

import pytest

from hindi_asr import errors

EXPECTED = {
    errors.InvalidRequestError: (400, "invalid_request"),
    errors.InvalidJsonError: (400, "invalid_json"),
    errors.InvalidBase64Error: (400, "invalid_base64"),
    errors.PayloadTooLargeError: (413, "payload_too_large"),
    errors.UnsupportedMediaTypeError: (415, "unsupported_media_type"),
    errors.UndecodableAudioError: (415, "undecodable_audio"),
    errors.TruncatedAudioError: (415, "truncated_audio"),
    errors.InvalidAudioError: (422, "invalid_audio"),
    errors.EmptyAudioError: (422, "empty_audio"),
    errors.NonFiniteAudioError: (422, "non_finite_samples"),
    errors.AudioTooShortError: (422, "audio_too_short"),
    errors.AudioTooLongError: (422, "audio_too_long"),
    errors.JobNotFoundError: (404, "job_not_found"),
    errors.UploadsUnavailableError: (503, "uploads_unavailable"),
    errors.InvalidDecodingOptionsError: (422, "invalid_decoding_options"),
    errors.InvalidHotwordsError: (422, "invalid_hotwords"),
    errors.ModelUnavailableError: (503, "model_unavailable"),
    errors.InvalidModelError: (503, "invalid_model"),
}


def every_error_class() -> list[type[errors.AsrError]]:
    found, pending = [errors.AsrError], [errors.AsrError]
    while pending:
        children = pending.pop().__subclasses__()
        found += children
        pending += children
    return found


@pytest.mark.parametrize(("error", "expected"), EXPECTED.items(), ids=lambda x: getattr(x, "__name__", ""))
def test_status_code_and_problem(error: type[errors.AsrError], expected: tuple[int, str]) -> None:
    instance = error("what went wrong")
    assert (instance.status, instance.code) == expected
    assert instance.detail == str(instance) == "what went wrong"
    assert instance.is_client_error == (expected[0] < 500)
    assert instance.to_problem("/transcribe") == {
        "type": f"urn:hindi-asr:problem:{expected[1]}",
        "title": instance.title,
        "status": expected[0],
        "detail": "what went wrong",
        "code": expected[1],
        "instance": "/transcribe",
    }
    assert "instance" not in instance.to_problem() and instance.title


def test_every_error_class_has_its_own_code_and_is_in_the_table() -> None:
    classes = every_error_class()
    codes = [error.code for error in classes]
    assert len(codes) == len(set(codes)), codes
    assert set(classes) == {errors.AsrError, *EXPECTED}
