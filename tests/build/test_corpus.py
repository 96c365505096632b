"""Synthetic corpus: planning, augmentation, a two-utterance synthesis smoke test, the test clips."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from asr_build import corpus
from asr_build.corpus import CorpusOptions, Job, Voice
from asr_build.text.grammar import grammar_sentences
from asr_build.text.normalise import clean
from asr_build.text.ood import OOD_SENTENCES
from asr_build.text.sentences import EXCLUDED, SENTENCES

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
    voices = [corpus.random_voice(rng, festival_share=0.33) for _ in range(1000)]
    festival = [v for v in voices if v.engine == "festival"]
    espeak = [v for v in voices if v.engine == "espeak"]
    assert 0.25 < len(festival) / len(voices) < 0.4
    names = [v.name for v in espeak]
    assert set(names) <= set(corpus.ESPEAK_VOICES)
    assert 0.4 < sum(n in corpus.BASE_VOICES for n in names) / len(names) < 0.6
    assert len(set(names)) > 60
    assert all(120 <= v.speed <= 220 and 20 <= v.pitch <= 80 for v in espeak)
    assert all(-300 <= v.cents <= 300 and 0.8 <= v.stretch <= 1.25 for v in festival)


def test_held_out_family_is_never_a_training_voice() -> None:
    # GIVEN the Klatt-synthesis variants WHEN voices are drawn for training THEN none of them is possible
    assert not set(corpus.HELDOUT_VOICES) & set(corpus.ESPEAK_VOICES)
    assert {corpus.voice_family(f"espeak/{v}") for v in corpus.HELDOUT_VOICES} == {corpus.HELDOUT_FAMILY}
    assert corpus.voice_family("espeak/hi+m3") == "espeak"
    assert corpus.voice_family(corpus.FESTIVAL_VOICE) == "festival"


def test_eval_jobs_speak_the_ood_sentences() -> None:
    jobs = corpus.eval_jobs(seed=13)
    ood = [j for j in jobs if j.split == "ood"]
    heldout = [j for j in jobs if j.split == "heldout"]
    assert len(ood) == 4 * len(OOD_SENTENCES)
    assert {j.voice.label for j in ood} == {
        "espeak/hi",
        "espeak/hi+m3",
        "espeak/hi+f2",
        corpus.FESTIVAL_VOICE,
    }
    assert len(heldout) == corpus.HELDOUT_PER_SENTENCE * len(OOD_SENTENCES)
    assert all(j.voice.name in corpus.HELDOUT_VOICES and 150 <= j.voice.speed <= 180 for j in heldout)
    assert all(j.voice.snr_db is None and not j.voice.telephone for j in jobs)
    assert {j.text for j in jobs} == {clean(s) for s in OOD_SENTENCES}


def test_plan_texts_keeps_test_sentences_out_of_training(tmp_path: Path) -> None:
    texts = corpus.plan_texts(CorpusOptions(out=tmp_path, train=400, dev=40, test=60, grammar_pool=2000))
    assert {k: len(v) for k, v in texts.items()} == {"train": 400, "dev": 40, "test": 60}
    train = set(texts["train"])
    assert not train & set(texts["test"])
    assert not train & set(texts["dev"])
    assert not train & set(EXCLUDED)
    assert all(clean(t) == t for split in texts.values() for t in split)


def test_every_prefix_of_the_training_plan_mixes_all_sources(tmp_path: Path) -> None:
    # GIVEN a plan whose last 35 % are word sequences WHEN only its first quarter is synthesised
    opts = CorpusOptions(out=tmp_path, train=2000, dev=20, test=20, grammar_pool=2000)
    prefix = corpus.plan_texts(opts)["train"][:500]
    # THEN word sequences (too long for, or absent from, the sentence pools) are a fair share of it
    grammar = set(grammar_sentences(opts.grammar_pool, opts.seed))
    sentences = {clean(s) for s in (*SENTENCES, *grammar)}
    grammar_share = sum(t in grammar for t in prefix) / len(prefix)
    assert 0.2 < grammar_share < 0.4
    assert sum(t not in sentences for t in prefix) / len(prefix) > 0.5


@pytest.mark.parametrize(("stem", "text"), [corpus.TEST_CLIP_ESPEAK, corpus.TEST_CLIP_FESTIVAL])
def test_committed_clips_are_reproducible(tmp_path: Path, stem: str, text: str) -> None:
    corpus.make_test_clips(tmp_path)
    assert (DATA / f"{stem}.txt").read_text(encoding="utf-8").strip() == text
    assert (tmp_path / f"{stem}.wav").read_bytes() == (DATA / f"{stem}.wav").read_bytes()
    info = sf.info(str(DATA / f"{stem}.wav"))
    assert (info.samplerate, info.channels, info.subtype) == (16_000, 1, "PCM_16")
    assert 3.0 <= info.duration <= 5.0
    assert (DATA / f"{stem}.wav").stat().st_size < 200_000


def test_build_corpus_reuses_written_utterances(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an utterance already written by an earlier (stopped) run and one cut short
    job = Job("train_000000", "train", "आज मौसम बहुत अच्छा है", ESPEAK, seed=1)
    row = corpus.synthesise([job], tmp_path)[0]
    short = tmp_path / "wav" / "train" / "train_000001.wav"
    short.write_bytes((tmp_path / str(row["audio_filepath"])).read_bytes()[:44])
    # WHEN a row is looked up for each
    found = corpus._existing_row(job, tmp_path)
    cut = corpus._existing_row(Job("train_000001", "train", "क ख", ESPEAK, seed=2), tmp_path)
    # THEN the complete one is reused as it was written and the cut one is synthesised again
    assert found == row
    assert cut is None
