"""Synthetic corpus: planning, augmentation, a two-utterance synthesis smoke test, the test clips."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from asr_build import corpus, hindi_text
from asr_build.corpus import CorpusOptions, Job, Voice

DATA = Path(__file__).resolve().parents[1] / "data"
ESPEAK = Voice(engine="espeak", name="hi+f2", speed=170, pitch=40, snr_db=35.0, peak=0.7)
FESTIVAL = Voice(engine="festival", name="hindi_NSK_diphone", stretch=1.1, cents=-100, telephone=True)


def test_synthesis_smoke(tmp_path: Path) -> None:
    # GIVEN one espeak-ng and one festival utterance
    jobs = [
        Job("train_000000", "train", "आज मौसम बहुत अच्छा है", ESPEAK, seed=1),
        Job("train_000001", "train", "मैं कल बाजार जाऊंगा", FESTIVAL, seed=2),
    ]
    # WHEN they are synthesised and written to manifests
    rows = corpus.synthesise(jobs, tmp_path)
    stats = corpus.write_manifests(rows, tmp_path)
    # THEN both are 16 kHz mono 16-bit WAVs whose manifest lines describe them
    lines = (tmp_path / "train_manifest.json").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["voice"] for e in entries] == ["espeak/hi+f2", corpus.FESTIVAL_VOICE]
    assert [e["text"] for e in entries] == [j.text for j in jobs]
    for entry in entries:
        assert set(entry) == {"audio_filepath", "duration", "text", "voice"}
        info = sf.info(str(tmp_path / entry["audio_filepath"]))
        assert (info.samplerate, info.channels, info.subtype) == (16_000, 1, "PCM_16")
        assert abs(info.frames / 16_000 - entry["duration"]) < 1e-3
        assert 0.8 < entry["duration"] < 6.0
    assert stats["train"] == {
        "utterances": 2,
        "hours": pytest.approx(sum(e["duration"] for e in entries) / 3600, abs=1e-3),
        "festival": 1,
    }


def test_degrade_is_seeded_and_levelled() -> None:
    tone = np.sin(np.linspace(0, 400 * np.pi, 16_000)).astype(np.float32) * 0.1
    a = corpus.degrade(tone, ESPEAK, seed=5)
    assert np.array_equal(a, corpus.degrade(tone, ESPEAK, seed=5))
    assert not np.array_equal(a, corpus.degrade(tone, ESPEAK, seed=6))
    noise = a - tone * (ESPEAK.peak / 0.1)
    snr = 10 * np.log10(np.mean((a - noise) ** 2) / np.mean(noise**2))
    assert snr == pytest.approx(35.0, abs=1.0)
    clean = corpus.degrade(tone, Voice(engine="espeak", name="hi", peak=0.5), seed=0)
    assert float(np.max(np.abs(clean))) == pytest.approx(0.5, abs=1e-4)


def test_group_short_joins_short_phrases() -> None:
    phrases = ["क", "ख ग", "घ च छ", "ज", "झ ञ", "ट ठ ड ढ", "ण", "त थ"]
    grouped = corpus._group_short(phrases, random.Random(0))
    assert "घ च छ" in grouped and "ट ठ ड ढ" in grouped
    assert all(len(g.split()) >= corpus.SHORT_WORDS for g in grouped)
    used = " ".join(grouped).split()
    assert len(used) == len(set(used))
    assert set(used) <= set(" ".join(phrases).split())


def test_random_voice_ranges() -> None:
    rng = random.Random(0)
    voices = [corpus.random_voice(rng, festival_share=0.3) for _ in range(500)]
    festival = [v for v in voices if v.engine == "festival"]
    espeak = [v for v in voices if v.engine == "espeak"]
    assert 0.2 < len(festival) / len(voices) < 0.4
    assert {v.name for v in espeak} == set(corpus.ESPEAK_VOICES)
    assert all(130 <= v.speed <= 200 for v in espeak)
    assert all(-200 <= v.cents <= 200 and 0.85 <= v.stretch <= 1.2 for v in festival)


def test_plan_texts_keeps_test_sentences_out_of_training(tmp_path: Path) -> None:
    texts = corpus.plan_texts(CorpusOptions(out=tmp_path, train=400, dev=40, test=60, grammar_pool=2000))
    assert {k: len(v) for k, v in texts.items()} == {"train": 400, "dev": 40, "test": 60}
    train = set(texts["train"])
    assert not train & set(texts["test"])
    assert not train & set(texts["dev"])
    assert not train & set(hindi_text.EXCLUDED)
    assert all(hindi_text.clean(t) == t for split in texts.values() for t in split)


@pytest.mark.parametrize(("stem", "text"), [corpus.TEST_CLIP_ESPEAK, corpus.TEST_CLIP_FESTIVAL])
def test_committed_clips_are_reproducible(tmp_path: Path, stem: str, text: str) -> None:
    corpus.make_test_clips(tmp_path)
    assert (DATA / f"{stem}.txt").read_text(encoding="utf-8").strip() == text
    assert (tmp_path / f"{stem}.wav").read_bytes() == (DATA / f"{stem}.wav").read_bytes()
    info = sf.info(str(DATA / f"{stem}.wav"))
    assert (info.samplerate, info.channels, info.subtype) == (16_000, 1, "PCM_16")
    assert 3.0 <= info.duration <= 5.0
    assert (DATA / f"{stem}.wav").stat().st_size < 200_000
