"""Real HTTP through uvicorn on 127.0.0.1: the three ways to send audio, health, docs."""

from __future__ import annotations

import base64
import io
import json

import httpx
import pytest
import soundfile as sf

from hindi_asr import __version__
from hindi_asr.api.schemas import example_wav_base64

from ..tiny_model import MODEL_NAME, encode, speech, word_start_s
from .conftest import Served

TEXT = "नमस्ते आप कैसे हैं"


def assert_transcript(response: httpx.Response, text: str = TEXT) -> dict[str, object]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert text.split()[0].encode() in response.content  # UTF-8 as is, no \u escapes
    body = response.json()
    assert body["text"] == text and body["language"] == "hi"
    assert body["model"] == {"name": MODEL_NAME, "variant": "fp32"}
    assert set(body["timings_ms"]) == {"decode_audio", "inference", "ctc_decode", "total"}
    assert [w["word"] for w in body["words"]] == text.split()
    return dict(body)


def test_multipart_upload(api: httpx.Client) -> None:
    wav = encode(speech(TEXT), sample_rate=44_100, channels=2)
    body = assert_transcript(api.post("/transcribe", files={"file": ("clip.wav", wav, "audio/wav")}))
    words = body["words"]
    assert isinstance(words, list)
    assert words[1]["start"] == pytest.approx(word_start_s(TEXT, 1), abs=0.04)
    assert set(words[0]) == {"word", "start", "end", "confidence"}
    assert body["duration_s"] == pytest.approx(len(speech(TEXT)) / 16_000, abs=0.01)


def test_json_base64(api: httpx.Client) -> None:
    flac = encode(speech(TEXT), sample_rate=22_050, file_format="FLAC")
    assert_transcript(api.post("/transcribe", json={"audio_base64": base64.b64encode(flac).decode()}))


@pytest.mark.parametrize("variant", ["data-url", "url-safe", "line-wrapped"])
def test_json_base64_variants(api: httpx.Client, variant: str) -> None:
    data = encode(speech(TEXT))
    text = {
        "data-url": "data:audio/wav;base64," + base64.b64encode(data).decode(),
        "url-safe": base64.urlsafe_b64encode(data).decode(),
        "line-wrapped": base64.encodebytes(data).decode(),
    }[variant]
    assert_transcript(api.post("/transcribe", json={"audio_base64": text}))


@pytest.mark.parametrize(
    ("content_type", "file_format", "subtype", "rate"),
    [
        ("audio/wav", "WAV", "PCM_16", 16_000),
        ("audio/flac", "FLAC", "PCM_24", 48_000),
        ("audio/ogg", "OGG", "OPUS", 48_000),
        ("audio/mpeg", "MP3", "MPEG_LAYER_III", 44_100),
        ("application/octet-stream", "OGG", "VORBIS", 32_000),
    ],
)
def test_raw_body(api: httpx.Client, content_type: str, file_format: str, subtype: str, rate: int) -> None:
    data = encode(speech(TEXT), sample_rate=rate, file_format=file_format, subtype=subtype)
    assert_transcript(api.post("/transcribe", content=data, headers={"content-type": content_type}))


def test_long_audio_is_chunked(api: httpx.Client) -> None:
    text = " ".join([TEXT] * 20)  # about 32 s, chunks of 8 s
    assert_transcript(
        api.post("/transcribe", content=encode(speech(text)), headers={"content-type": "audio/wav"}), text
    )


def test_the_observer_hears_successes_and_problems(api: httpx.Client, served: Served) -> None:
    api.post("/transcribe", content=encode(speech("आप")), headers={"content-type": "audio/wav"})
    api.post("/transcribe", content=b"", headers={"content-type": "audio/wav"})
    assert [t.text for t in served.observer.transcripts] == ["आप"]
    assert served.observer.failures == [(422, "empty_audio")]


def test_health(api: httpx.Client) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "model_loaded": True,
        "model": {"name": MODEL_NAME, "variant": "fp32"},
        "version": __version__,
    }


def test_docs_and_openapi_with_examples(api: httpx.Client) -> None:
    assert "swagger-ui" in api.get("/docs").text
    spec = api.get("/openapi.json").json()
    operation = spec["paths"]["/transcribe"]["post"]
    content = operation["requestBody"]["content"]
    assert {"multipart/form-data", "application/json", "audio/wav", "application/octet-stream"} <= set(
        content
    )
    assert set(operation["responses"]) == {"200", "400", "413", "415", "422", "503"}
    assert "application/problem+json" in operation["responses"]["415"]["content"]
    example = spec["components"]["schemas"]["TranscriptionResponse"]["examples"][0]
    assert example["language"] == "hi" and example["words"][0]["word"] == example["text"].split()[0]
    assert spec["components"]["schemas"]["Problem"]["examples"][0]["status"] == 422


def test_the_documented_json_example_is_accepted(api: httpx.Client) -> None:
    example = api.get("/openapi.json").json()["paths"]["/transcribe"]["post"]["requestBody"]["content"]
    body = example["application/json"]["example"]
    assert body == {"audio_base64": example_wav_base64()}
    assert sf.info(io.BytesIO(base64.b64decode(body["audio_base64"]))).duration == pytest.approx(0.5)
    response = api.post("/transcribe", content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["text"] == ""
