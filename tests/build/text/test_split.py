"""The seeded sentence-level split."""

from __future__ import annotations

from asr_build.text.grammar import grammar_sentences
from asr_build.text.normalise import clean, dedupe
from asr_build.text.sentences import EXCLUDED, SENTENCES
from asr_build.text.split import split_sentences


def test_split_is_disjoint_complete_and_seeded() -> None:
    sentences = [*SENTENCES, *grammar_sentences(3000, seed=0)]
    cleaned = dedupe(clean(s) for s in sentences)
    split = split_sentences(cleaned, seed=7, excluded=())
    train, dev, test = set(split.train), set(split.dev), set(split.test)
    assert not train & dev and not train & test and not dev & test
    assert train | dev | test == set(cleaned)
    assert 0.03 < len(test) / len(cleaned) < 0.09
    assert split == split_sentences(cleaned, seed=7, excluded=())
    assert split.test != split_sentences(cleaned, seed=8, excluded=()).test


def test_split_honours_exclusions() -> None:
    excluded = EXCLUDED[0]
    sentences = [excluded, *SENTENCES]
    for seed in range(20):
        split = split_sentences(sentences, seed=seed)
        assert excluded not in split.train and excluded not in split.dev
        assert excluded in split.test
