"""Evaluation: CER/WER per voice and family through the service's runtime, on the committed clips and on
out-of-domain sentences synthesised at test time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import soundfile as sf

from asr_build import corpus
from asr_build.corpus import Voice
from asr_build.evaluate import evaluate, onnx_transcriber, read_manifest, score, table
from asr_build.text.ood import OOD_SENTENCES

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
    assert report["by_family"]["festival"]["cer"] <= 0.2
    assert report["overall"]["utterances"] == 2
    assert report["worst"][0]["voice"] == "festival/hi_nsk"


# The embedded model's CER on these 12 sentences (espeak-ng hi, 165 wpm), measured: gen 1 4.5 % (WER 20 %).
OOD_CER_BOUND = 0.07
OOD_TEST_SENTENCES = OOD_SENTENCES[::6]


@pytest.fixture(scope="module")
def ood_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Out-of-domain sentences spoken by espeak-ng `hi` at 165 wpm, clean, deterministic (`sox -D`)."""
    out = tmp_path_factory.mktemp("ood")
    voice = Voice(engine="espeak", name="hi", speed=165)
    lines = []
    for i, text in enumerate(OOD_TEST_SENTENCES):
        audio = corpus.degrade(corpus.sox_to_16k(corpus.espeak_wav(text, voice), voice), voice, seed=0)
        sf.write(out / f"{i}.wav", audio, 16_000, subtype="PCM_16")
        lines.append(json.dumps({"audio_filepath": f"{i}.wav", "text": text, "voice": voice.label}))
    (out / "ood_manifest.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out / "ood_manifest.json"


def test_embedded_model_reads_sentences_outside_its_corpus(ood_manifest: Path) -> None:
    # GIVEN everyday sentences that no training text contains, spoken by a training voice family
    report = evaluate(ood_manifest, onnx_transcriber(EMBEDDED))
    # THEN the embedded model stays within its measured error class
    assert report["overall"]["utterances"] == len(OOD_TEST_SENTENCES) >= 10
    assert report["overall"]["cer"] <= OOD_CER_BOUND, report["worst"]


def test_table_has_a_row_per_model_set_and_family(clips_manifest: Path) -> None:
    result = evaluate(clips_manifest, onnx_transcriber(EMBEDDED))
    rows = table({"models": {"onnx": {"sets": {"test": result}}}}).splitlines()
    assert rows[2].startswith("| onnx | test | all | ")
    assert {r.split(" | ")[2] for r in rows[2:]} == {"all", "espeak", "festival"}
