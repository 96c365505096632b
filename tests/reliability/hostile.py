"""The hostile corpus: odd audio and odd requests, each with the answer the service owes it.

Every case is one HTTP request (method, path, headers, body) with its expected status and problem
``code`` (``None``: a success, or an answer given by the HTTP server before the app sees the request).
``s3_code`` is what the S3 transcriber owes the same body stored as an object under the input prefix:
the code of its one error record, ``None`` for a transcript, and ``SKIP`` where the case has no body to
store (a method or path oddity, or a body of megabytes that only the HTTP limit is about: the S3 size
limit has its own fault test). Requests go to the HTTP API built with ``LIMITS``.
"""

from __future__ import annotations

import base64
import io
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

import httpx
import numpy as np
import soundfile as sf

from hindi_asr.settings import LAMBDA_PAYLOAD_BYTES
from tests.layers.hindi_asr.tiny_model import encode, speech

TEXT = "नमस्ते आप"
# The limits the corpus assumes (those of tests.layers.hindi_asr.api.conftest.api_settings)
MAX_DURATION_S, CHUNK_S, OVERLAP_S = 40.0, 8.0, 2.0
SKIP = "skip"
PROBLEM = "application/problem+json"

Body = bytes | Callable[[], Iterator[bytes]]  # a callable is sent chunked, without Content-Length
Part = tuple[str, str | None, bytes, str | None]  # multipart field, filename, data, content type


@dataclass(frozen=True)
class Case:
    name: str
    body: Body | None
    status: int
    code: str | None
    s3_code: str | None = SKIP
    content_type: str | None = "audio/wav"
    method: str = "POST"
    path: str = "/transcribe"
    headers: dict[str, str] = field(default_factory=dict)

    def request(self, client: httpx.Client) -> httpx.Request:
        headers = dict(self.headers)
        if self.content_type is not None:
            headers["content-type"] = self.content_type
        content = self.body() if callable(self.body) else self.body
        return client.build_request(self.method, self.path, headers=headers, content=content)

    def object_bytes(self) -> bytes:
        """The body as an S3 object would hold it."""
        assert self.body is not None
        return self.body if isinstance(self.body, bytes) else b"".join(self.body())


# ---------------------------------------------------------------- audio builders


@cache
def good_samples() -> np.ndarray:
    return speech(TEXT)


def audio(*, file_format: str = "WAV", subtype: str | None = None, rate: int = 16_000, ch: int = 1) -> bytes:
    return encode(good_samples(), sample_rate=rate, file_format=file_format, subtype=subtype, channels=ch)


def float_wav(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples.astype(np.float32), 16_000, format="WAV", subtype="FLOAT")
    return buffer.getvalue()


def with_sample(value: float) -> bytes:
    samples = good_samples().copy()
    samples[5000] = value
    return float_wav(samples)


def patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """``data`` with one little-endian header field overwritten (a canonical 44-byte WAV header)."""
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def with_chunk_before_data(data: bytes, chunk_id: bytes, payload: bytes) -> bytes:
    assert data[36:40] == b"data"
    chunk = chunk_id + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")
    riff_size = struct.unpack_from("<I", data, 4)[0] + len(chunk)
    return data[:4] + struct.pack("<I", riff_size) + data[8:36] + chunk + data[36:]


def corrupted(data: bytes, start_fraction: float = 0.5, length: int = 200) -> bytes:
    out = bytearray(data)
    start = int(len(out) * start_fraction)
    for i in range(start, min(start + length, len(out))):
        out[i] ^= 0x5A
    return bytes(out)


def channels(count: int, seconds: float = 0.5) -> bytes:
    samples = np.repeat(good_samples()[: int(16_000 * seconds), np.newaxis], count, axis=1)
    buffer = io.BytesIO()
    sf.write(buffer, samples, 16_000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def at_rate(rate: int) -> bytes:
    return encode(good_samples(), sample_rate=rate)


def constant(value: float, seconds: float = 1.0) -> bytes:
    return float_wav(np.full(int(16_000 * seconds), value, np.float32))


def square_wave() -> bytes:
    t = np.arange(16_000) / 16_000
    return float_wav(np.sign(np.sin(2 * np.pi * 440 * t)).astype(np.float32))


# ---------------------------------------------------------------- request builders


def b64(data: bytes, *, urlsafe: bool = False) -> str:
    return (base64.urlsafe_b64encode(data) if urlsafe else base64.b64encode(data)).decode()


def json_of(value: str) -> bytes:
    return ('{"audio_base64": "' + value + '"}').encode()


def multipart(parts: list[Part], boundary: str = "hostileboundary") -> tuple[bytes, str]:
    """A multipart/form-data body from (field, filename, data, part content type) tuples."""
    out = io.BytesIO()
    for name, filename, data, part_type in parts:
        out.write(f"--{boundary}\r\n".encode())
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out.write(f"Content-Disposition: {disposition}\r\n".encode())
        if part_type:
            out.write(f"Content-Type: {part_type}\r\n".encode())
        out.write(b"\r\n" + data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def mp(
    name: str, parts: list[Part], status: int, code: str | None, s3_code: str = "undecodable_audio"
) -> Case:
    """A multipart request; stored as an object, its body is no audio."""
    body, content_type = multipart(parts)
    return Case(name, body, status, code, s3_code, content_type=content_type)


def fields(count: int) -> list[Part]:
    return [(f"f{i}", None, b"x", None) for i in range(count)]


def file_part(data: bytes, filename: str = "clip.wav") -> Part:
    return ("file", filename, data, "audio/wav")


def chunked(data: bytes, size: int = 65_536, delay_s: float = 0.0) -> Callable[[], Iterator[bytes]]:
    def stream() -> Iterator[bytes]:
        for start in range(0, len(data), size):
            time.sleep(delay_s)
            yield data[start : start + size]

    return stream


def js(name: str, body: bytes, status: int, code: str | None, content_type: str = "application/json") -> Case:
    """A JSON request; stored as an object, its body is no audio."""
    return Case(name, body, status, code, "undecodable_audio", content_type=content_type)


def wrapped(text: str, width: int = 76) -> str:
    """Base64 as MIME writes it: lines of ``width``, joined by an escaped newline inside the JSON string."""
    return "\\n".join(text[i : i + width] for i in range(0, len(text), width))


def nested_json(depth: int) -> bytes:
    return ('{"audio_base64": ' + "[" * depth + "]" * depth + "}").encode()


def oversized() -> bytes:
    return b"\0" * (LAMBDA_PAYLOAD_BYTES + 1)


# ---------------------------------------------------------------- the corpus


def audio_cases() -> list[Case]:
    """Odd audio sent raw; the S3 path owes the same answer."""
    good = audio()

    def case(name: str, body: bytes, status: int, code: str | None, content_type: str = "audio/wav") -> Case:
        return Case(name, body, status, code, s3_code=code, content_type=content_type)

    return [
        case("zero bytes", b"", 422, "empty_audio"),
        case("truncated WAV", good[: len(good) // 2], 415, "truncated_audio"),
        case("header claims 50 MB of data", patched(good, 40, "<I", 50_000_000), 415, "truncated_audio"),
        case("header claims no data", patched(good, 40, "<I", 0), 422, "empty_audio"),
        case("streamed WAV of unknown length", patched(good, 40, "<I", 0xFFFFFFFF), 200, None),
        case("RIFF magic only", b"RIFF", 415, "undecodable_audio"),
        case("RIFF WAVE without chunks", b"RIFF\x04\x00\x00\x00WAVE", 415, "undecodable_audio"),
        case("zero channels", patched(good, 22, "<H", 0), 415, "undecodable_audio"),
        case("sample rate 0 Hz", patched(good, 24, "<I", 0), 415, "undecodable_audio"),
        case("sample rate 1 Hz", patched(good, 24, "<I", 1), 415, "undecodable_audio"),
        case("sample rate 4 GHz", patched(good, 24, "<I", 4_000_000_000), 415, "undecodable_audio"),
        case("zero bits per sample", patched(good, 34, "<H", 0), 415, "undecodable_audio"),
        case("fmt chunk size 4 GB", patched(good, 16, "<I", 0xFFFFFF00), 415, "undecodable_audio"),
        case("MP3 format tag on PCM data", patched(good, 20, "<H", 0x55), 415, "undecodable_audio"),
        case("33 channels", channels(33), 415, "undecodable_audio"),
        case("32 channels", channels(32, seconds=1.0), 200, None),
        case("3,999 Hz", at_rate(3_999), 415, "undecodable_audio"),
        case("4,000 Hz", at_rate(4_000), 200, None),
        case("384 kHz", at_rate(384_000), 200, None),
        case("two WAV files back to back", good + good, 415, "undecodable_audio"),
        case("trailing garbage after the data", good + b"\0garbage" * 100, 200, None),
        case("unknown chunk before data", with_chunk_before_data(good, b"junk", b"x" * 999), 200, None),
        case("text as audio/wav", b"hello, this is not audio", 415, "undecodable_audio"),
        case("random bytes", bytes(range(256)) * 40, 415, "undecodable_audio", "application/octet-stream"),
        case("headerless PCM", (good_samples() * 32767).astype("<i2").tobytes(), 415, "undecodable_audio"),
        case("CAF container", audio(file_format="CAF"), 415, "undecodable_audio"),
        case("AU container", audio(file_format="AU", subtype="PCM_16"), 415, "undecodable_audio"),
        case("NaN sample", with_sample(float("nan")), 422, "non_finite_samples"),
        case("+inf sample", with_sample(float("inf")), 422, "non_finite_samples"),
        case("-inf sample", with_sample(float("-inf")), 422, "non_finite_samples"),
        case("0.1 s", float_wav(good_samples()[:1600]), 422, "audio_too_short"),
        # the S3 path takes files up to HINDI_ASR_MAX_FILE_DURATION_S (hours), not the request limit
        Case("41 s of silence", constant(0.0, seconds=MAX_DURATION_S + 1), 422, "audio_too_long", None),
        case("silence", constant(0.0), 200, None),
        case("denormal samples", constant(1e-40), 200, None),
        case("samples of 1e30", constant(1e30), 200, None),
        case("full-scale square wave", square_wave(), 200, None),
        case("8-bit unsigned", audio(subtype="PCM_U8"), 200, None),
        case("24-bit", audio(subtype="PCM_24"), 200, None),
        case("64-bit float", audio(subtype="DOUBLE"), 200, None),
        case("mu-law", audio(subtype="ULAW"), 200, None),
        case("IMA ADPCM", audio(subtype="IMA_ADPCM"), 200, None),
        case("GSM 6.10", audio(subtype="GSM610"), 200, None),
        case("RF64", audio(file_format="RF64"), 200, None),
        case("Sony Wave64", audio(file_format="W64"), 200, None),
        case("AIFF", audio(file_format="AIFF"), 200, None, "audio/aiff"),
        case("48 kHz stereo", audio(rate=48_000, ch=2), 200, None),
        case("FLAC", audio(file_format="FLAC"), 200, None, "audio/flac"),
        case("FLAC truncated", audio(file_format="FLAC")[:2000], 415, "undecodable_audio", "audio/flac"),
        case("FLAC corrupted mid-stream", corrupted(audio(file_format="FLAC")), 415, "undecodable_audio"),
        case("OGG Vorbis", audio(file_format="OGG"), 200, None, "audio/ogg"),
        case("Opus", audio(file_format="OGG", subtype="OPUS"), 200, None, "audio/ogg"),
        case("Opus truncated", audio(file_format="OGG", subtype="OPUS")[:300], 415, "undecodable_audio"),
        case("MP3", audio(file_format="MP3"), 200, None, "audio/mpeg"),
        case("MP3 truncated", audio(file_format="MP3")[:1500], 415, "truncated_audio", "audio/mpeg"),
    ]  # fmt: skip


def request_cases() -> list[Case]:
    """Odd requests; stored as an S3 object, each body is a file that is no audio (or is the audio)."""
    good = audio()
    bad = "undecodable_audio"
    return [
        Case("wrong content type", good, 415, "unsupported_media_type", None, content_type="text/plain"),
        Case("no content type", good, 415, "unsupported_media_type", None, content_type=None),
        Case("form-urlencoded", b"file=abc", 415, "unsupported_media_type", bad,
             content_type="application/x-www-form-urlencoded"),
        Case("content type with parameters", good, 200, None, None, content_type="audio/wav; codecs=1"),
        Case("content type in capitals", good, 200, None, None, content_type="AUDIO/WAV"),
        Case("chunked raw body", chunked(good, 4096), 200, None, None),
        Case("slow body, 2 KB every 20 ms", chunked(good, 2048, delay_s=0.02), 200, None, None),
        js("JSON", json_of(b64(good)), 200, None),
        js("JSON with a vendor +json type", json_of(b64(good)), 200, None, "application/vnd.hostile+json"),
        js("JSON, URL-safe base64", json_of(b64(good, urlsafe=True)), 200, None),
        js("JSON, data: URL", json_of("data:audio/wav;base64," + b64(good)), 200, None),
        js("JSON, base64 wrapped at 76 columns", json_of(wrapped(b64(good))), 200, None),
        js("JSON, bad base64", json_of("this is not base64!"), 400, "invalid_base64"),
        js("JSON, base64 without padding", json_of("UklGRg"), 400, "invalid_base64"),
        js("JSON, base64 of text", json_of("aGVsbG8gd29ybGQ="), 415, bad),
        js("JSON, empty base64", json_of(""), 422, "empty_audio"),
        js("JSON syntax error", b'{"audio_base64": ', 400, "invalid_json"),
        js("JSON array", b"[1, 2]", 400, "invalid_json"),
        js("JSON null", b"null", 400, "invalid_json"),
        js("JSON string", b'"UklGRg=="', 400, "invalid_json"),
        js("JSON without audio_base64", b'{"audio": "UklGRg=="}', 400, "invalid_json"),
        js("JSON audio_base64 a number", b'{"audio_base64": 42}', 400, "invalid_json"),
        js("JSON not UTF-8", b'{"audio_base64": "\xff\xfe"}', 400, "invalid_json"),
        js("JSON nested 100,000 deep", nested_json(100_000), 400, "invalid_json"),
        js("JSON with a 10,000-digit number", b'{"n": ' + b"9" * 10_000 + b"}", 400, "invalid_json"),
        Case("JSON of 5 MB whitespace", b" " * 5_000_000 + b"{}", 400, "invalid_json", SKIP,
             content_type="application/json"),
        mp("multipart", [file_part(good)], 200, None),
        mp("multipart, Devanagari filename", [file_part(good, "मेरी आवाज़.wav")], 200, None),
        mp("multipart, file among 15 fields", [*fields(15), file_part(good)], 200, None),
        mp("multipart, 100 fields", [*fields(100), file_part(good)], 400, "invalid_request"),
        mp("multipart, two files", [file_part(good), ("file2", "b.wav", good, "audio/wav")], 400,
           "invalid_request"),
        mp("multipart without a file field", [("audio", "a.wav", good, "audio/wav")], 400, "invalid_request"),
        mp("multipart, file sent as a text field", [("file", None, b"abc", None)], 400, "invalid_request"),
        mp("multipart, empty file", [file_part(b"")], 422, "empty_audio"),
        Case("multipart without boundary", b"--x\r\n\r\n", 400, "invalid_request", bad,
             content_type="multipart/form-data"),
        Case("multipart, never closed", multipart([file_part(good)])[0][:-22], 400, "invalid_request", bad,
             content_type="multipart/form-data; boundary=hostileboundary"),
        Case("oversized, Content-Length", oversized(), 413, "payload_too_large"),
        Case("oversized, chunked", chunked(oversized()), 413, "payload_too_large"),
        mp("oversized multipart", [file_part(b"\0" * LAMBDA_PAYLOAD_BYTES)], 413, "payload_too_large", SKIP),
        Case("oversized base64 JSON", json_of(b64(b"\0" * 4_800_000)), 413, "payload_too_large", SKIP,
             content_type="application/json"),
        Case("a 7 KB header", good, 200, None, None, headers={"x-hostile": "a" * 7_000}),
        Case("100 headers", good, 200, None, None, headers={f"x-hostile-{i}": str(i) for i in range(100)}),
        Case("query string junk", good, 200, None, None, path="/transcribe?a=%00&b=' OR 1=1 --"),
        Case("GET /transcribe", None, 405, "method_not_allowed", content_type=None, method="GET"),
        Case("PUT /transcribe", good, 405, "method_not_allowed", method="PUT"),
        Case("DELETE /health", None, 405, "method_not_allowed", content_type=None, method="DELETE",
             path="/health"),
        Case("unknown path", None, 404, "not_found", content_type=None, method="GET", path="/transcribe/v2"),
        Case("dot-dot path", None, 404, "not_found", content_type=None, method="GET", path="/../etc/passwd"),
        Case("4 KB path", None, 404, "not_found", content_type=None, method="GET", path="/" + "a" * 4096),
    ]  # fmt: skip


def corpus() -> list[Case]:
    return audio_cases() + request_cases()
