"""Text from installed packages: declared sources, word sequences."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from asr_build.text import sources


def test_random_sequences_length_bounds() -> None:
    words = ["क", "ख", "ग", "घ"]
    seqs = sources.random_sequences(words, 200, seed=0, min_len=3, max_len=5)
    assert len(seqs) == 200
    assert all(3 <= len(s.split()) <= 5 for s in seqs)
    assert seqs == sources.random_sequences(words, 200, seed=0, min_len=3, max_len=5)


def test_weighted_sequences_follow_frequency() -> None:
    # GIVEN a word 100x as frequent as another WHEN sequences are drawn by frequency**0.5 THEN ~10x as often
    seqs = sources.weighted_sequences({"का": 1e-2, "पतंग": 1e-4}, 2000, seed=0)
    counts = Counter(" ".join(seqs).split())
    assert 7 < counts["का"] / counts["पतंग"] < 14
    assert seqs == sources.weighted_sequences({"का": 1e-2, "पतंग": 1e-4}, 2000, seed=0)


def test_a_missing_declared_catalogue_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(sources.MissingSourceError, match="iso-codes"):
        list(sources.mo_phrases(tmp_path, {"iso_639-2.mo": "iso-codes"}))


def test_a_missing_word_list_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(sources.MissingSourceError, match="hunspell-hi"):
        sources.word_frequencies(top_n=10, hunspell=tmp_path / "hi_IN.dic")


def test_declared_catalogues_give_phrases() -> None:
    # every declared catalogue is installed (.ci/apt-packages.txt) and yields Hindi phrases
    phrases = list(sources.mo_phrases())
    assert len(phrases) > 1000
    assert "भारत" in {p.strip() for p in phrases}
