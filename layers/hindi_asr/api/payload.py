"""A ``POST /transcribe`` request: audio as multipart field ``file``, JSON ``audio_base64``, or raw; and
decoding choices as query parameters, JSON fields or multipart fields (``decoder``, ``hotwords``,
``numbers``).

Query and body combine: hotwords from both, ``decoder`` and ``numbers`` from the body where it names
them. A string of hotwords is split at commas; a JSON list holds one word or phrase per item.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from hindi_asr.errors import (
    InvalidBase64Error,
    InvalidDecodingOptionsError,
    InvalidHotwordsError,
    InvalidJsonError,
    InvalidRequestError,
    UnsupportedMediaTypeError,
)

FILE_FIELD = "file"
JSON_FIELD = "audio_base64"
RAW_TYPES = ("application/octet-stream",)
DATA_URL_PREFIX = "data:"
DECODER_FIELD, HOTWORDS_FIELD, NUMBERS_FIELD = "decoder", "hotwords", "numbers"


@dataclass(frozen=True)
class TranscribeRequest:
    """The audio and the decoding choices of one request (values still to be validated)."""

    audio: bytes
    decoder: str | None = None
    hotwords: tuple[str, ...] = ()
    numbers: str | None = None

    def with_query(
        self, *, decoder: str | None, hotwords: Sequence[str] | None, numbers: str | None
    ) -> TranscribeRequest:
        """Add the query parameters: hotwords join the body's, the body's decoder and numbers win."""
        return replace(
            self,
            decoder=self.decoder or decoder,
            hotwords=(*split_hotwords(hotwords or ()), *self.hotwords),
            numbers=self.numbers or numbers,
        )


def split_hotwords(values: Sequence[str]) -> tuple[str, ...]:
    """Comma-separated strings (query parameters, form fields) -> one word or phrase each."""
    return tuple(part for value in values for part in value.split(","))


async def read_request(request: Request) -> TranscribeRequest:
    """The audio of ``request``, whichever of the three forms it uses, with the body's decoding fields."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "multipart/form-data":
        return await _from_multipart(request)
    if media_type == "application/json" or media_type.endswith("+json"):
        return request_from_json(await request.body())
    if media_type.startswith("audio/") or media_type in RAW_TYPES:
        return TranscribeRequest(await request.body())
    shown = media_type or "no Content-Type"
    raise UnsupportedMediaTypeError(
        f"{shown} is not accepted: send multipart/form-data (field '{FILE_FIELD}'), "
        f'application/json ({{"{JSON_FIELD}": ...}}), or raw audio as audio/* or application/octet-stream'
    )


def request_from_json(body: bytes) -> TranscribeRequest:
    """``{"audio_base64": "...", "hotwords": [...], "decoder": "beam", "numbers": "digits"}``."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
        raise InvalidJsonError(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidJsonError(f'expected a JSON object {{"{JSON_FIELD}": "<base64 audio>"}}')
    hotwords = document.get(HOTWORDS_FIELD)
    if isinstance(hotwords, str):
        hotwords = hotwords.split(",")
    if hotwords is not None and not (
        isinstance(hotwords, list) and all(isinstance(item, str) for item in hotwords)
    ):
        raise InvalidHotwordsError(f"'{HOTWORDS_FIELD}' must be a list of strings")
    return TranscribeRequest(
        audio_from_json(document),
        decoder=_optional_string(document, DECODER_FIELD),
        hotwords=tuple(hotwords or ()),
        numbers=_optional_string(document, NUMBERS_FIELD),
    )


def audio_from_json(document: dict[str, Any]) -> bytes:
    """Decode ``"audio_base64"``: standard or URL-safe alphabet, optionally a ``data:`` URL."""
    value = document.get(JSON_FIELD)
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


def _optional_string(document: dict[str, Any], name: str) -> str | None:
    value = document.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidDecodingOptionsError(f"'{name}' must be a string")
    return value


def _last(values: list[str] | None) -> str | None:
    return values[-1] if values else None


async def _from_multipart(request: Request) -> TranscribeRequest:
    try:
        form = await request.form(max_files=1, max_fields=16)
    except (MultiPartException, StarletteHTTPException) as exc:
        detail = exc.message if isinstance(exc, MultiPartException) else exc.detail
        raise InvalidRequestError(f"malformed multipart body: {detail}") from exc
    try:
        upload = form.get(FILE_FIELD)
        if not isinstance(upload, UploadFile):
            raise InvalidRequestError(f"the multipart body has no file field '{FILE_FIELD}'")
        fields = {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in form}
        return TranscribeRequest(
            await upload.read(),
            decoder=_last(fields.get(DECODER_FIELD)),
            hotwords=split_hotwords(fields.get(HOTWORDS_FIELD, [])),
            numbers=_last(fields.get(NUMBERS_FIELD)),
        )
    finally:
        await form.close()
