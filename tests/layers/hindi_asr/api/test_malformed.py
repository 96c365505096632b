"""A table of malformed requests, each answered over real HTTP with the intended 4xx problem+json."""

from __future__ import annotations

import base64
import io
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from hindi_asr import __version__
from hindi_asr.errors import ModelUnavailableError
from hindi_asr.settings import LAMBDA_PAYLOAD_BYTES, Settings
from hindi_asr.transcribe import GREEDY, DecodingOptions, Transcriber

from ..tiny_model import encode, speech
from .conftest import served_app

GOOD = encode(speech("नमस्ते आप"))
PROBLEM_JSON = "application/problem+json; charset=utf-8"


def float_wav(value: float) -> bytes:
    samples = speech("नमस्ते आप")
    samples[5000] = value
    return encode(samples, subtype="FLOAT")


def with_data_size(size: int) -> bytes:
    data = bytearray(GOOD)
    assert data[36:40] == b"data"
    data[40:44] = struct.pack("<I", size)
    return bytes(data)


def au_file() -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, speech("आप"), 16_000, format="AU", subtype="PCM_16")
    return buffer.getvalue()


def multipart_without_boundary() -> dict[str, Any]:
    return {"content": b"--x\r\n\r\n", "headers": {"content-type": "multipart/form-data"}}


@dataclass(frozen=True)
class Case:
    name: str
    request: Callable[[], dict[str, Any]]
    status: int
    code: str
    method: str = "POST"
    path: str = "/transcribe"


def raw(
    data: bytes | Callable[[], Iterator[bytes]], content_type: str = "audio/wav"
) -> Callable[[], dict[str, Any]]:
    """A raw body; a generator function is sent chunked, without Content-Length."""
    return lambda: {
        "content": data if isinstance(data, bytes) else data(),
        "headers": {"content-type": content_type},
    }


def json_body(text: str) -> Callable[[], dict[str, Any]]:
    return lambda: {"content": text.encode(), "headers": {"content-type": "application/json"}}


def upload(data: bytes) -> Callable[[], dict[str, Any]]:
    return lambda: {"files": {"file": ("a.wav", data, "audio/wav")}}


def oversized_stream() -> Iterator[bytes]:
    for _ in range(LAMBDA_PAYLOAD_BYTES // 65_536 + 2):
        yield b"\0" * 65_536


CASES = [
    Case("truncated WAV", raw(GOOD[: len(GOOD) // 2]), 415, "truncated_audio"),
    Case("header claims more data than sent", raw(with_data_size(50_000_000)), 415, "truncated_audio"),
    Case("header claims no data", raw(with_data_size(0)), 422, "empty_audio"),
    Case("truncated MP3", raw(encode(speech("नमस्ते आप कैसे हैं"), file_format="MP3")[:2500], "audio/mpeg"),
         415, "truncated_audio"),
    Case("NaN sample", raw(float_wav(float("nan"))), 422, "non_finite_samples"),
    Case("infinite sample", raw(float_wav(float("inf"))), 422, "non_finite_samples"),
    Case("zero-length raw body", raw(b""), 422, "empty_audio"),
    Case("zero-length multipart file", upload(b""), 422, "empty_audio"),
    Case("text sent as audio/wav", raw(b"hello, this is not audio"), 415, "undecodable_audio"),
    Case("random bytes", raw(bytes(range(256)) * 40, "application/octet-stream"), 415, "undecodable_audio"),
    Case("AU container", raw(au_file()), 415, "undecodable_audio"),
    Case("wrong content type", raw(GOOD, "text/plain"), 415, "unsupported_media_type"),
    Case("no content type", lambda: {"content": GOOD}, 415, "unsupported_media_type"),
    Case("form-urlencoded", lambda: {"data": {"file": "x"}}, 415, "unsupported_media_type"),
    Case("bad base64", json_body('{"audio_base64": "this is not base64!"}'), 400, "invalid_base64"),
    Case("base64 without padding", json_body('{"audio_base64": "UklGRg"}'), 400, "invalid_base64"),
    Case("base64 of text", json_body('{"audio_base64": "aGVsbG8gd29ybGQ="}'), 415, "undecodable_audio"),
    Case("empty base64", json_body('{"audio_base64": ""}'), 422, "empty_audio"),
    Case("JSON syntax error", json_body('{"audio_base64": '), 400, "invalid_json"),
    Case("JSON array", json_body("[1, 2]"), 400, "invalid_json"),
    Case("JSON without audio_base64", json_body('{"audio": "UklGRg=="}'), 400, "invalid_json"),
    Case("JSON audio_base64 not a string", json_body('{"audio_base64": 42}'), 400, "invalid_json"),
    Case("JSON not UTF-8", raw(b'{"audio_base64": "\xff\xfe"}', "application/json"), 400, "invalid_json"),
    Case("multipart without a file field", lambda: {"files": {"audio": ("a.wav", GOOD, "audio/wav")}},
         400, "invalid_request"),
    Case("multipart with the file as text", lambda: {"data": {"file": "abc"}, "files": {"x": ("x", b"x")}},
         400, "invalid_request"),
    Case("multipart without boundary", multipart_without_boundary, 400, "invalid_request"),
    Case("too short", raw(encode(np.zeros(1600, np.float32))), 422, "audio_too_short"),
    Case("too long", raw(encode(np.zeros(41 * 16_000, np.float32))), 422, "audio_too_long"),
    Case("oversized, Content-Length", raw(b"\0" * (LAMBDA_PAYLOAD_BYTES + 1)), 413, "payload_too_large"),
    Case("oversized, chunked", raw(oversized_stream), 413, "payload_too_large"),
    Case("oversized multipart", upload(b"\0" * LAMBDA_PAYLOAD_BYTES), 413, "payload_too_large"),
    Case("GET on /transcribe", lambda: {}, 405, "method_not_allowed", method="GET"),
    Case("unknown path", lambda: {}, 404, "not_found", method="GET", path="/transcribe/v2"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_malformed_input_gets_the_intended_problem(api: httpx.Client, case: Case) -> None:
    response = api.request(case.method, case.path, **case.request())
    assert response.status_code == case.status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["status"] == case.status and problem["code"] == case.code
    assert problem["type"].endswith(case.code) and problem["title"] and problem["detail"]
    assert problem["instance"] == case.path


def test_the_request_limit_is_lambdas_payload(api_settings: Settings) -> None:
    assert api_settings.limits.max_request_bytes == LAMBDA_PAYLOAD_BYTES == 6 * 1024 * 1024


def test_a_missing_model_is_503_but_bad_input_is_still_4xx(api_settings: Settings) -> None:
    def unavailable() -> Transcriber:
        raise ModelUnavailableError("no model.onnx in model directory /nowhere")

    with served_app(api_settings, unavailable) as served:
        health = served.client.get("/health")
        assert health.status_code == 503
        assert health.json() == {"status": "unavailable", "model_loaded": False, "version": __version__,
                                 "detail": "no model.onnx in model directory /nowhere"}  # fmt: skip
        bad = served.client.post("/transcribe", content=GOOD, headers={"content-type": "text/plain"})
        assert bad.status_code == 415
        good = served.client.post("/transcribe", files={"file": ("a.wav", GOOD, "audio/wav")})
        assert good.status_code == 503 and good.headers["content-type"] == PROBLEM_JSON
        assert served.observer.failures == [(415, "unsupported_media_type"), (503, "model_unavailable")]


class BrokenTranscriber(Transcriber):
    def __init__(self) -> None:
        pass

    def transcribe(self, data: bytes, options: DecodingOptions = GREEDY) -> Any:
        raise RuntimeError("a bug")


def test_a_bug_is_a_500_problem_without_internals(api_settings: Settings) -> None:
    broken = BrokenTranscriber()
    with served_app(api_settings, lambda: broken) as served:
        response = served.client.post("/transcribe", content=GOOD, headers={"content-type": "audio/wav"})
    assert response.status_code == 500 and response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["code"] == "internal_error" and "a bug" not in response.text


def test_the_limit_applies_to_the_encoded_request_not_the_decoded_audio(api: httpx.Client) -> None:
    # 4.8 MB of audio is under the 6 MB limit, but its base64 (6.4 MB) is not: 413 before any decoding
    body = '{"audio_base64": "' + base64.b64encode(b"\0" * 4_800_000).decode() + '"}'
    response = api.post("/transcribe", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
