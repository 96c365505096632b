"""Decoding choices over real HTTP: query parameters, JSON fields and multipart fields, on real speech."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hindi_asr.settings import Settings, TranscriberSettings
from hindi_asr.transcribe import Transcriber

from .conftest import served_app

DATA = Path(__file__).parents[3] / "data"
CLIP = (DATA / "hindi_clip.wav").read_bytes()
REFERENCE = (DATA / "hindi_clip.txt").read_text(encoding="utf-8").strip()
FESTIVAL = (DATA / "hindi_clip_festival.wav").read_bytes()
FESTIVAL_REFERENCE = (DATA / "hindi_clip_festival.txt").read_text(encoding="utf-8").strip()


@pytest.fixture(scope="module")
def client(lm_model_dir: Path) -> Iterator[httpx.Client]:
    settings = Settings(transcriber=TranscriberSettings(model_dir=lm_model_dir))
    transcriber = Transcriber.load(settings.transcriber.options())
    with served_app(settings, lambda: transcriber) as served:
        yield served.client


def post_raw(client: httpx.Client, audio: bytes, params: dict[str, str] | None = None) -> httpx.Response:
    return client.post("/transcribe", content=audio, params=params, headers={"content-type": "audio/wav"})


def test_greedy_is_the_default_and_says_so(client: httpx.Client) -> None:
    body = post_raw(client, CLIP).json()
    assert body["text"] == REFERENCE
    assert body["decoder"] == {
        "name": "greedy", "numbers": "words", "lm": None, "alpha": None, "beta": None, "beam_size": None,
        "hotwords": [],
    }  # fmt: skip


def test_beam_with_the_lm_through_a_query_parameter(client: httpx.Client) -> None:
    greedy = post_raw(client, FESTIVAL).json()
    beam = post_raw(client, FESTIVAL, {"decoder": "beam"}).json()
    assert beam["decoder"]["name"] == "beam" and beam["decoder"]["lm"] == "lm.arpa"
    assert beam["decoder"]["alpha"] == 0.3 and beam["decoder"]["beam_size"] == 12
    # the festival clip: greedy glues words together, the LM separates them again
    assert len(beam["words"]) > len(greedy["words"])
    assert set(beam["text"].split()) & set(FESTIVAL_REFERENCE.split()) >= {"हम", "सब", "बाजार", "लाए"}


def test_hotwords_in_each_body_form(client: httpx.Client) -> None:
    # "टहलने" is not in the LM's vocabulary: beam search keeps it only as a hotword
    query = post_raw(client, CLIP, {"hotwords": "टहलने,दरभंगा"}).json()
    encoded = base64.b64encode(CLIP).decode()
    as_json = client.post("/transcribe", json={"audio_base64": encoded, "hotwords": ["टहलने"]}).json()
    multipart = client.post(
        "/transcribe", files={"file": ("a.wav", CLIP, "audio/wav")}, data={"hotwords": "टहलने"}
    ).json()
    for body in (query, as_json, multipart):
        assert body["text"] == REFERENCE and body["decoder"]["name"] == "beam"
    assert query["decoder"]["hotwords"] == ["टहलने", "दरभंगा"] and as_json["decoder"]["hotwords"] == ["टहलने"]


def test_query_and_body_combine(client: httpx.Client) -> None:
    encoded = base64.b64encode(CLIP).decode()
    body = client.post(
        "/transcribe",
        params={"hotwords": "दरभंगा", "numbers": "words"},
        json={"audio_base64": encoded, "hotwords": ["टहलने"], "numbers": "digits", "decoder": "beam"},
    ).json()
    assert body["decoder"]["hotwords"] == ["दरभंगा", "टहलने"] and body["decoder"]["numbers"] == "digits"


@pytest.mark.parametrize(
    ("params", "json_fields", "code", "detail"),
    [
        ({"hotwords": "Delhi"}, {}, "invalid_hotwords", "Devanagari"),
        ({"hotwords": ",".join(["क"] * 51)}, {}, "invalid_hotwords", "at most 50"),
        ({}, {"hotwords": [1, 2]}, "invalid_hotwords", "list of strings"),
        ({"decoder": "viterbi"}, {}, "invalid_decoding_options", "decoder must be one of"),
        ({"numbers": "roman"}, {}, "invalid_decoding_options", "numbers must be one of"),
        ({"decoder": "greedy", "hotwords": "दरभंगा"}, {}, "invalid_decoding_options", "need decoder=beam"),
        ({}, {"decoder": 5}, "invalid_decoding_options", "must be a string"),
        ({"hotwords": "बाळ"}, {}, "invalid_hotwords", "cannot write"),  # no piece of the model has ळ
    ],
)
def test_bad_choices_are_422_problems(
    client: httpx.Client, params: dict[str, str], json_fields: dict[str, object], code: str, detail: str
) -> None:
    document = {"audio_base64": base64.b64encode(CLIP).decode(), **json_fields}
    response = client.post("/transcribe", params=params, json=document)
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem")
    problem = response.json()
    assert problem["code"] == code and detail in problem["detail"], problem


def test_bad_hotwords_are_422_even_without_a_model(tmp_path: Path) -> None:
    settings = Settings(transcriber=TranscriberSettings(model_dir=tmp_path))
    with served_app(settings, lambda: Transcriber.load(settings.transcriber.options())) as served:
        bad = post_raw(served.client, CLIP, {"hotwords": "Delhi"})
        good = post_raw(served.client, CLIP, {"hotwords": "दरभंगा"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_hotwords")
    assert (good.status_code, good.json()["code"]) == (503, "model_unavailable")


def test_the_openapi_document_describes_the_choices(client: httpx.Client) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/transcribe"]["post"]
    assert {p["name"] for p in operation["parameters"]} >= {"decoder", "hotwords", "numbers"}
    content = operation["requestBody"]["content"]
    assert "hotwords" in content["application/json"]["schema"]["properties"]
    assert "hotwords" in content["multipart/form-data"]["schema"]["properties"]
