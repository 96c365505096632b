"""Coverage-guided fuzzing of the request readers (multipart, JSON, raw) through the ASGI app.

``python tests/fuzz/fuzz_request.py [libFuzzer flags] DIR...``. The first byte of an input picks the
Content-Type, the rest is the body. The model is unavailable, so a request that reaches it gets 503:
every answer must be a 4xx or that 503, and a problem document; a 500 is a finding and stops the run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import atheris

with atheris.instrument_imports(
    include=["hindi_asr", "python_multipart", "multipart", "starlette.formparsers"]
):
    from hindi_asr.api.app import create_app
    from hindi_asr.errors import ModelUnavailableError
    from hindi_asr.settings import LimitSettings, Settings
    from hindi_asr.transcribe import Transcriber

BOUNDARY = "fuzzboundary"
CONTENT_TYPES = (
    f"multipart/form-data; boundary={BOUNDARY}",
    "application/json",
    "audio/wav",
    "application/octet-stream",
    "multipart/form-data",
    "application/vnd.fuzz+json; charset=utf-16",
    "text/plain",
    f'multipart/form-data; boundary="{BOUNDARY}"; charset=latin-1',
)
MAX_BODY_BYTES = 1 << 20


def unavailable() -> Transcriber:
    raise ModelUnavailableError("the fuzzer runs without a model")


logging.disable(logging.CRITICAL)  # every rejected input would be logged
APP = create_app(
    Settings(limits=LimitSettings(max_request_bytes=MAX_BODY_BYTES)), transcriber_provider=unavailable
)


async def call(content_type: str, body: bytes) -> tuple[int, bytes]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/transcribe", "raw_path": b"/transcribe", "root_path": "",
        "query_string": b"", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
        "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())],
    }  # fmt: skip
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await APP(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    content_type = CONTENT_TYPES[data[0] % len(CONTENT_TYPES)]
    status, body = asyncio.run(call(content_type, data[1:]))
    if not (400 <= status < 500 or status == 503):
        raise AssertionError(f"{content_type}: status {status}: {body[:300]!r}")
    problem = json.loads(body)
    if problem["status"] != status or not problem["code"]:
        raise AssertionError(f"not a problem document: {body[:300]!r}")


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
