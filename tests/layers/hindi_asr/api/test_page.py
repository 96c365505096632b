"""``GET /`` (the page), ``/docs`` without a CDN, and ``?format=srt|vtt`` on ``POST /transcribe``."""

from __future__ import annotations

import io
import re

import httpx
import pytest
import srt
import webvtt

from hindi_asr.api.routes.page import direct_upload_limit
from hindi_asr.settings import LAMBDA_PAYLOAD_BYTES

from ..tiny_model import encode, speech

EXTERNAL = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//""", re.IGNORECASE)


def test_the_page_is_served_whole_with_the_upload_threshold(api: httpx.Client) -> None:
    page = api.get("/")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert f'data-direct-limit="{direct_upload_limit(LAMBDA_PAYLOAD_BYTES)}"' in page.text
    assert "<script>" in page.text and "<style>" in page.text and not EXTERNAL.search(page.text)
    assert 'lang="hi"' in page.text and 'name="viewport"' in page.text


def test_files_that_lambda_would_refuse_take_the_upload_path() -> None:
    # a 6 MiB payload carries 4.5 MiB of base64-encoded file, less the multipart framing
    assert direct_upload_limit(LAMBDA_PAYLOAD_BYTES) == 6 * 1024 * 1024 * 3 // 4 - 16 * 1024
    assert direct_upload_limit(1000) == 0


def test_the_docs_come_with_their_own_assets(api: httpx.Client) -> None:
    docs = api.get("/docs")
    assert docs.status_code == 200 and not EXTERNAL.search(docs.text)
    assets = re.findall(r"""(?:src|href)=["']?([^"' >]+)""", docs.text)
    assert {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"} <= set(assets)
    script = api.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000 and "SwaggerUIBundle" in script.text
    assert api.get("/docs/assets/swagger-ui.css").status_code == 200


@pytest.mark.parametrize("output", ["srt", "vtt"])
def test_transcribe_answers_with_subtitles(api: httpx.Client, output: str) -> None:
    response = api.post(
        "/transcribe",
        params={"format": output},
        content=encode(speech("नमस्ते आप कैसे हैं")),
        headers={"Content-Type": "audio/wav"},
    )
    assert response.status_code == 200, response.text
    if output == "srt":
        (cue,) = srt.parse(response.text)
        assert (cue.index, cue.content) == (1, "नमस्ते आप कैसे हैं")
    else:
        (caption,) = webvtt.from_buffer(io.StringIO(response.text)).captions
        assert caption.text == "नमस्ते आप कैसे हैं" and caption.start.startswith("00:00:00.")


def test_an_unknown_format_is_a_problem(api: httpx.Client) -> None:
    response = api.post(
        "/transcribe",
        params={"format": "docx"},
        content=encode(speech("आप")),
        headers={"Content-Type": "audio/wav"},
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_parameters"
    assert "format" in response.json()["detail"]
