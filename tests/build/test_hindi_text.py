"""Hindi text cleaning, sources and the sentence-level split."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from asr_build import hindi_text
from asr_build.hindi_text import clean, dedupe, split_sentences


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("नमस्ते, आप कैसे हैं?", "नमस्ते आप कैसे हैं"),
        ("मैं घर जा रहा हूँ।", "मैं घर जा रहा हूं"),  # danda dropped, chandrabindu -> anusvara
        ("ज़रा बाज़ार से फ़ल लाओ", "जरा बाजार से फल लाओ"),  # nukta dropped ...
        ("पढ़ो और पेड़ देखो", "पढ़ो और पेड़ देखो"),  # ... except in ड़ and ढ़
        ("\u095b\u0930\u093e", "जरा"),  # precomposed ज़ (U+095B)
        ("  बहुत   अच्छा \n है  ", "बहुत अच्छा है"),
        ("क\u200dष", "कष"),  # zero-width joiner removed
        ("राम॥ सीता।", "राम सीता"),
    ],
)
def test_clean_normalises(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_clean_output_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "पढ़ाई क़लम")
    result = clean(decomposed)
    assert result is not None
    assert result == unicodedata.normalize("NFC", result)
    assert result == "पढ़ाई कलम"


@pytest.mark.parametrize(
    "raw", ["", "   ", "।", "मेरे पास 3 किताबें हैं", "मेरे पास ३ किताबें", "hello दुनिया", "ाकर", "你好"]
)
def test_clean_rejects_unspeakable(raw: str) -> None:
    assert clean(raw) is None


def test_clean_is_idempotent_on_all_sentences() -> None:
    sentences = (*hindi_text.SENTENCES, *hindi_text.grammar_sentences(300, seed=1))
    for sentence in (s for s in sentences if len(s.split()) <= hindi_text.MAX_WORDS):
        once = clean(sentence)
        assert once is not None, sentence
        assert clean(once) == once


def test_excluded_sentences_are_already_clean() -> None:
    assert all(clean(s) == s for s in hindi_text.EXCLUDED)


def test_dedupe_keeps_first_occurrence_order() -> None:
    assert dedupe(["ख", None, "क", "ख", "ग", "क"]) == ["ख", "क", "ग"]


def test_grammar_sentences_are_seeded() -> None:
    assert hindi_text.grammar_sentences(50, seed=3) == hindi_text.grammar_sentences(50, seed=3)
    assert hindi_text.grammar_sentences(50, seed=3) != hindi_text.grammar_sentences(50, seed=4)


def test_grammar_agreement() -> None:
    # GIVEN feminine and first-person subjects WHEN sentences are generated THEN the verb agrees
    sentences = dedupe(clean(s) for s in hindi_text.grammar_sentences(2000, seed=0))
    joints = re.compile("|".join(f" {c} " for c in hindi_text.CONNECTORS))
    clauses = [c.removeprefix("क्या ") for s in sentences for c in joints.split(s)]
    first = [c for c in clauses if c.startswith("मैं ") and " रहा " in c and len(c.split()) < 8]
    assert first and all(c.endswith(("रहा हूं", "रहा था")) for c in first)
    assert not any(c.startswith("सीता ") and " रहा " in c for c in clauses)


def test_random_sequences_length_bounds() -> None:
    words = ["क", "ख", "ग", "घ"]
    seqs = hindi_text.random_sequences(words, 200, seed=0, min_len=3, max_len=5)
    assert len(seqs) == 200
    assert all(3 <= len(s.split()) <= 5 for s in seqs)
    assert seqs == hindi_text.random_sequences(words, 200, seed=0, min_len=3, max_len=5)


def test_cldr_phrases_reads_text_and_annotations(tmp_path: Path) -> None:
    xml = tmp_path / "hi.xml"
    xml.write_text(
        '<ldml><a type="x">भारत</a><b>{0} मीटर</b><annotation cp="x">बिल्ली | चेहरा</annotation></ldml>',
        encoding="utf-8",
    )
    phrases = {clean(p) for p in hindi_text.cldr_phrases(xml, tmp_path / "missing.xml")} - {None}
    assert phrases == {"भारत", "मीटर", "बिल्ली", "चेहरा"}


def test_split_is_disjoint_complete_and_seeded() -> None:
    sentences = [*hindi_text.SENTENCES, *hindi_text.grammar_sentences(3000, seed=0)]
    cleaned = dedupe(clean(s) for s in sentences)
    split = split_sentences(cleaned, seed=7, excluded=())
    train, dev, test = set(split.train), set(split.dev), set(split.test)
    assert not train & dev and not train & test and not dev & test
    assert train | dev | test == set(cleaned)
    assert 0.03 < len(test) / len(cleaned) < 0.09
    assert split == split_sentences(cleaned, seed=7, excluded=())
    assert split.test != split_sentences(cleaned, seed=8, excluded=()).test


def test_split_honours_exclusions() -> None:
    excluded = hindi_text.EXCLUDED[0]
    sentences = [excluded, *hindi_text.SENTENCES]
    for seed in range(20):
        split = split_sentences(sentences, seed=seed)
        assert excluded not in split.train and excluded not in split.dev
        assert excluded in split.test


def test_normalise_keeps_what_clean_rejects() -> None:
    # GIVEN model output with a stray sign and Latin letters WHEN normalised for scoring THEN nothing is lost
    assert hindi_text.normalise("अवैध ंग, डेटा abc।") == "अवैध ंग डेटा abc"
    assert clean("अवैध ंग, डेटा abc।") is None
    assert hindi_text.normalise("ज़रा रुकिए!  माँ") == clean("ज़रा रुकिए!  माँ") == "जरा रुकिए मां"
