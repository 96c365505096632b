"""The spelling and punctuation policy for labels and model output."""

from __future__ import annotations

import unicodedata

import pytest

from asr_build.text.grammar import grammar_sentences
from asr_build.text.normalise import MAX_WORDS, clean, dedupe, normalise
from asr_build.text.ood import OOD_SENTENCES
from asr_build.text.sentences import EXCLUDED, SENTENCES


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
    sentences = (*SENTENCES, *OOD_SENTENCES, *grammar_sentences(300, seed=1))
    for sentence in (s for s in sentences if len(s.split()) <= MAX_WORDS):
        once = clean(sentence)
        assert once is not None, sentence
        assert clean(once) == once


def test_excluded_sentences_are_already_clean() -> None:
    assert all(clean(s) == s for s in EXCLUDED)


def test_dedupe_keeps_first_occurrence_order() -> None:
    assert dedupe(["ख", None, "क", "ख", "ग", "क"]) == ["ख", "क", "ग"]


def test_normalise_keeps_what_clean_rejects() -> None:
    # GIVEN model output with a stray sign and Latin letters WHEN normalised for scoring THEN nothing is lost
    assert normalise("अवैध ंग, डेटा abc।") == "अवैध ंग डेटा abc"
    assert clean("अवैध ंग, डेटा abc।") is None
    assert normalise("ज़रा रुकिए!  माँ") == clean("ज़रा रुकिए!  माँ") == "जरा रुकिए मां"
