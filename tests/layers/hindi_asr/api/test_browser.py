"""The page in a real browser: Debian's Chromium driven by Playwright, the app on 127.0.0.1, no internet.

Every request that leaves 127.0.0.1 is aborted, so the page and /docs prove they need no CDN.
Screenshots go to artifacts/browser/ (not committed).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import jiwer
import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, expect, sync_playwright

from hindi_asr.api.app import create_app
from hindi_asr.options import TranscriberOptions
from hindi_asr.settings import LimitSettings, Settings
from hindi_asr.transcribe import Transcriber, get_transcriber
from infra.offline import offline_stack

from ..tiny_model import FRAME, encode, speech, word_start_s
from .conftest import serve

REPO_ROOT = Path(__file__).resolve().parents[4]
DATA = REPO_ROOT / "tests" / "data"
CLIP = DATA / "hindi_clip.wav"
SCREENSHOTS = REPO_ROOT / "artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MAX_CER = 0.15
TIMEOUT_MS = 60_000
TINY_TEXT = "नमस्ते आप कैसे हैं"
SMALL_REQUEST_LIMIT = 64 * 1024  # the committed clip (128 KB) is then a "large file"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/apt-packages.txt)"
)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:  # one driver per thread: every browser here comes from it
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert CHROMIUM is not None
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.route("**/*", _local_only)
    yield page
    context.close()


def _local_only(route: Route) -> None:
    if route.request.url.startswith(("http://127.0.0.1", "blob:", "data:")):
        route.continue_()
    else:
        route.abort()


@pytest.fixture(scope="module")
def demo() -> Transcriber:
    """The embedded demo model: real Hindi speech in, real Hindi text out."""
    return get_transcriber(TranscriberOptions())


def shown_words(page: Page) -> list[str]:
    return page.locator("#words .word b").all_inner_texts()


def test_a_clip_is_transcribed_in_the_page(page: Page, demo: Transcriber) -> None:
    expected = demo.transcribe(CLIP.read_bytes())
    reference = (DATA / "hindi_clip.txt").read_text(encoding="utf-8").strip()
    with serve(create_app(Settings(), transcriber_provider=lambda: demo)) as url:
        page.goto(url + "/")
        # WHEN the clip is picked in the file chooser
        page.set_input_files("#file", CLIP)
        # THEN its text, its words with times and confidences, and the low ones marked, are shown
        expect(page.locator("#plain")).to_have_text(expected.text)
        assert jiwer.cer(reference, page.locator("#plain").inner_text()) <= MAX_CER
        assert shown_words(page) == [word.word for word in expected.words]
        low = [w.word for w in expected.words if w.confidence < 0.6]
        assert page.locator("#words .word.low b").all_inner_texts() == low
        first = expected.words[0]
        expect(page.locator("#words .word small").first).to_have_text(
            f"{first.start:.2f} s · {round(first.confidence * 100)} %"
        )
        expect(page.locator("#status")).to_contain_text("4.0 s of audio")
        # AND clicking a word plays its span of the audio
        page.locator("#words .word").nth(1).click()
        page.wait_for_function("document.getElementById('player').currentTime > 0")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "page-desktop.png", full_page=True)
        # AND the subtitles download as SRT
        with page.expect_download() as download:
            page.click("button[data-format=srt]")
        srt_text = Path(download.value.path()).read_text(encoding="utf-8")
        assert srt_text.startswith("1\n00:00:0") and expected.words[0].word in srt_text
        # AND at phone width nothing overflows sideways
        page.set_viewport_size({"width": 375, "height": 812})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=SCREENSHOTS / "page-phone.png", full_page=True)


def test_an_unclear_word_is_marked(page: Page, tiny_transcriber: Transcriber, tmp_path: Path) -> None:
    # GIVEN the tiny model's speech with "आप" sung between two of its levels (confidence 0.56)
    samples = speech(TINY_TEXT)
    second = int(word_start_s(TINY_TEXT, 1) * 16_000)
    samples[second : second + 3 * FRAME] *= 1.075
    clip = tmp_path / "unclear.wav"
    clip.write_bytes(encode(samples))
    words = tiny_transcriber.transcribe(clip.read_bytes()).words
    assert [w.word for w in words if w.confidence < 0.6] == ["आप"]
    with serve(create_app(Settings(), transcriber_provider=lambda: tiny_transcriber)) as url:
        page.goto(url + "/")
        page.set_input_files("#file", clip)
        # THEN that word alone is marked, and its confidence is written under it
        expect(page.locator("#words .word.low b")).to_have_text(["आप"])
        expect(page.locator("#words .word.low small")).to_have_text(f"{words[1].start:.2f} s · 56 %")
        assert shown_words(page) == TINY_TEXT.split()
        page.screenshot(path=SCREENSHOTS / "page-low-confidence.png")


def test_an_api_error_is_shown_as_its_problem(page: Page, demo: Transcriber, tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"this is not audio at all" * 20)
    with serve(create_app(Settings(), transcriber_provider=lambda: demo)) as url:
        page.goto(url + "/")
        page.set_input_files("#file", broken)
        expect(page.locator("#error-title")).to_have_text("Audio could not be decoded")
        expect(page.locator("#error-detail")).to_contain_text("not a readable audio file")
        assert page.locator("#result").is_hidden()


def test_a_large_file_goes_through_s3_with_progress(page: Page, demo: Transcriber) -> None:
    settings = Settings(limits=LimitSettings(max_request_bytes=SMALL_REQUEST_LIMIT))
    expected = demo.transcribe(CLIP.read_bytes())
    with offline_stack(settings, lambda: demo) as (stack, jobs):
        app = create_app(settings, transcriber_provider=lambda: demo, upload_jobs_provider=lambda: jobs)
        with serve(app) as url:
            page.goto(url + "/")
            uploads: list[str] = []
            page.on("request", lambda request: uploads.append(request.method + " " + request.url))
            page.set_input_files("#file", CLIP)
            expect(page.locator("#plain")).to_have_text(expected.text)
            # THEN the file went to S3, not to POST /transcribe, and the result came by job id
            assert any(u.startswith(f"PUT {stack.endpoint}/{stack.input_bucket}/uploads/") for u in uploads)
            assert not any(u.startswith(f"POST {url}/transcribe") for u in uploads)
            assert any(u.startswith(f"GET {url}/transcripts/") for u in uploads)
            assert shown_words(page) == [word.word for word in expected.words]
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SCREENSHOTS / "page-large-file.png", full_page=True)
            with page.expect_download() as download:
                page.click("button[data-format=vtt]")
            assert Path(download.value.path()).read_text(encoding="utf-8").startswith("WEBVTT\n\n00:00:0")


def test_the_docs_render_offline(page: Page, demo: Transcriber) -> None:
    with serve(create_app(Settings(), transcriber_provider=lambda: demo)) as url:
        page.goto(url + "/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("hindi-asr")
        expect(page.locator(".opblock-summary-path", has_text="/transcribe")).to_be_visible()
        expect(page.locator(".opblock-summary-path", has_text="/uploads")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / "docs.png")


def test_a_recording_from_the_microphone_is_encoded_to_wav_and_transcribed(
    playwright: Playwright, demo: Transcriber
) -> None:
    # GIVEN Chromium's fake microphone playing the committed clip (in a loop)
    assert CHROMIUM is not None
    reference = (DATA / "hindi_clip.txt").read_text(encoding="utf-8").strip()
    fake_microphone = [
        "--no-sandbox",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={CLIP}",
    ]
    with serve(create_app(Settings(), transcriber_provider=lambda: demo)) as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=fake_microphone)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.route("**/*", _local_only)
            page.goto(url + "/")
            posted: list[bytes] = []
            page.on(
                "request", lambda r: posted.append(r.post_data_buffer or b"") if r.method == "POST" else None
            )
            # WHEN about one pass of the clip is recorded
            page.click("#record")
            expect(page.locator("#status")).to_have_text("Recording…")
            page.wait_for_timeout(4_000)
            page.click("#record")
            # THEN a WAV file went to the API and the speech came back as text
            expect(page.locator("#status")).to_contain_text("s of audio")
            assert posted and b"RIFF" in posted[0] and b"WAVEfmt " in posted[0]
            shown = page.locator("#plain").inner_text()
            assert jiwer.cer(reference, shown) <= 0.5, shown
        finally:
            browser.close()
