"""The sentence-level split: each cleaned, de-duplicated sentence lands in exactly one of train/dev/test
by a seeded hash, and excluded sentences (the committed test clips) never land in train or dev."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from asr_build.text.normalise import clean, dedupe
from asr_build.text.sentences import EXCLUDED


@dataclass(frozen=True)
class Split:
    """Disjoint sentence lists."""

    train: list[str]
    dev: list[str]
    test: list[str]


def _bucket(sentence: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{sentence}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_sentences(
    sentences: Iterable[str],
    *,
    seed: int,
    dev_fraction: float = 0.04,
    test_fraction: float = 0.06,
    excluded: Iterable[str] = EXCLUDED,
) -> Split:
    """Assign each sentence to one split by a seeded hash; `excluded` sentences go to test only."""
    banned = set(dedupe(clean(t) for t in excluded))
    train: list[str] = []
    dev: list[str] = []
    test: list[str] = sorted(banned)
    for sentence in dedupe(sentences):
        if sentence in banned:
            continue
        b = _bucket(sentence, seed)
        (test if b < test_fraction else dev if b < test_fraction + dev_fraction else train).append(sentence)
    return Split(train=train, dev=dev, test=test)
