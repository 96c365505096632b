"""The audio in a ``POST /transcribe`` request: multipart field ``file``, JSON ``audio_base64``, or raw."""

from __future__ import annotations

import base64
import binascii
import json

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from hindi_asr.errors import (
    InvalidBase64Error,
    InvalidJsonError,
    InvalidRequestError,
    UnsupportedMediaTypeError,
)

FILE_FIELD = "file"
JSON_FIELD = "audio_base64"
RAW_TYPES = ("application/octet-stream",)
DATA_URL_PREFIX = "data:"


async def read_audio(request: Request) -> bytes:
    """The audio bytes of ``request``, whichever of the three forms it uses."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "multipart/form-data":
        return await _from_multipart(request)
    if media_type == "application/json" or media_type.endswith("+json"):
        return audio_from_json(await request.body())
    if media_type.startswith("audio/") or media_type in RAW_TYPES:
        return await request.body()
    shown = media_type or "no Content-Type"
    raise UnsupportedMediaTypeError(
        f"{shown} is not accepted: send multipart/form-data (field '{FILE_FIELD}'), "
        f'application/json ({{"{JSON_FIELD}": ...}}), or raw audio as audio/* or application/octet-stream'
    )


def audio_from_json(body: bytes) -> bytes:
    """Decode ``{"audio_base64": "..."}``: standard or URL-safe alphabet, optionally a ``data:`` URL."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJsonError(f"the body is not valid JSON: {exc}") from exc
    value = document.get(JSON_FIELD) if isinstance(document, dict) else None
    if not isinstance(value, str):
        raise InvalidJsonError(f'expected a JSON object {{"{JSON_FIELD}": "<base64 audio>"}}')
    if value.startswith(DATA_URL_PREFIX) and "," in value:
        value = value.split(",", 1)[1]
    compact = "".join(value.split())
    try:
        return base64.b64decode(
            compact, altchars=b"-_" if "-" in compact or "_" in compact else None, validate=True
        )
    except (binascii.Error, ValueError) as exc:
        raise InvalidBase64Error(f"{JSON_FIELD} is not valid base64: {exc}") from exc


async def _from_multipart(request: Request) -> bytes:
    try:
        form = await request.form(max_files=1, max_fields=16)
    except (MultiPartException, StarletteHTTPException) as exc:
        detail = exc.message if isinstance(exc, MultiPartException) else exc.detail
        raise InvalidRequestError(f"malformed multipart body: {detail}") from exc
    try:
        upload = form.get(FILE_FIELD)
        if not isinstance(upload, UploadFile):
            raise InvalidRequestError(f"the multipart body has no file field '{FILE_FIELD}'")
        return await upload.read()
    finally:
        await form.close()
