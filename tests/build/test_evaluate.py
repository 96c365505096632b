"""Evaluation: CER/WER per voice through the service's runtime, on the committed clips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asr_build.evaluate import evaluate, onnx_transcriber, read_manifest, score

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
EMBEDDED = REPO / "layers" / "hindi_asr" / "models" / "default"


@pytest.fixture
def clips_manifest(tmp_path: Path) -> Path:
    """A NeMo manifest of the two committed clips, one relative and one absolute path."""
    (tmp_path / "hindi_clip.wav").symlink_to(DATA / "hindi_clip.wav")
    rows = [
        {
            "audio_filepath": "hindi_clip.wav",
            "text": (DATA / "hindi_clip.txt").read_text().strip(),
            "voice": "espeak/hi",
            "duration": 4.0,
        },
        {
            "audio_filepath": str(DATA / "hindi_clip_festival.wav"),
            "voice": "festival/hi_nsk",
            "text": (DATA / "hindi_clip_festival.txt").read_text().strip(),
            "duration": 3.95,
        },
    ]
    manifest = tmp_path / "manifest.json"
    manifest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return manifest


def test_score_normalises_spelling_before_counting() -> None:
    # nukta and chandrabindu variants are the same word for scoring; a dropped word is not
    assert score(["बाज़ार में हूँ"], ["बाजार में हूं"]) == {"utterances": 1, "cer": 0.0, "wer": 0.0}
    assert score(["हम सब बाजार गए"], ["हम बाजार गए"])["wer"] == pytest.approx(0.25)


def test_manifest_paths_resolve_relative_to_the_manifest(clips_manifest: Path) -> None:
    rows = read_manifest(clips_manifest)
    assert [r.voice for r in rows] == ["espeak/hi", "festival/hi_nsk"]
    assert all(r.audio.exists() for r in rows)


def test_embedded_model_scored_per_voice_and_engine(clips_manifest: Path) -> None:
    # GIVEN the embedded demo model, run through the service's runtime
    report = evaluate(clips_manifest, onnx_transcriber(EMBEDDED))
    # THEN the espeak clip is exact and the festival one within the model's measured class
    assert report["by_voice"]["espeak/hi"]["cer"] == 0.0
    assert report["by_engine"]["festival"]["cer"] <= 0.2
    assert report["overall"]["utterances"] == 2
    assert report["worst"][0]["voice"] == "festival/hi_nsk"
