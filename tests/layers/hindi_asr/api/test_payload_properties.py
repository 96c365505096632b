"""Properties of the JSON request reader (hypothesis): base64 in every accepted spelling gives back the
exact bytes, and any other body is a 400 problem, never another exception."""

from __future__ import annotations

import base64
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from hindi_asr.api.payload import request_from_json
from hindi_asr.errors import AsrError

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def spelled(data: bytes, spelling: str) -> str:
    standard = base64.b64encode(data).decode()
    if spelling == "urlsafe":
        return base64.urlsafe_b64encode(data).decode()
    if spelling == "data url":
        return "data:audio/wav;base64," + standard
    if spelling == "wrapped":
        return "\n".join(standard[i : i + 76] for i in range(0, len(standard), 76))
    return standard


def read(body: bytes) -> bytes | AsrError:
    try:
        return request_from_json(body).audio
    except AsrError as error:
        assert error.status == 400 and error.code.startswith("invalid_"), error
        return error


@PROPERTY_SETTINGS
@given(st.binary(max_size=3000), st.sampled_from(["standard", "urlsafe", "data url", "wrapped"]))
def test_base64_in_any_accepted_spelling_round_trips(data: bytes, spelling: str) -> None:
    body = json.dumps({"audio_base64": spelled(data, spelling), "name": "clip.wav"}).encode()
    assert request_from_json(body).audio == data


@settings(PROPERTY_SETTINGS, max_examples=40)
@given(JSON_VALUES)
def test_any_json_document_is_audio_or_a_400(document: object) -> None:
    read(json.dumps(document).encode())
    read(json.dumps({"audio_base64": document}).encode())


@PROPERTY_SETTINGS
@given(st.text(max_size=200))
def test_any_string_is_base64_or_a_400(value: str) -> None:
    read(json.dumps({"audio_base64": value}).encode())


@PROPERTY_SETTINGS
@given(st.binary(max_size=500) | st.integers(1, 200_000).map(lambda depth: b"[" * depth + b"]" * depth))
def test_any_body_is_audio_or_a_400(body: bytes) -> None:
    read(body)
