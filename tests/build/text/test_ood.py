"""The out-of-domain dev set stays out of every training text."""

from __future__ import annotations

from pathlib import Path

from asr_build.corpus import CorpusOptions, plan_texts
from asr_build.text.grammar import grammar_sentences
from asr_build.text.normalise import clean, dedupe
from asr_build.text.ood import OOD_SENTENCES
from asr_build.text.sentences import SENTENCES


def test_ood_sentences_are_many_distinct_and_speakable() -> None:
    cleaned = dedupe(clean(s) for s in OOD_SENTENCES)
    assert len(cleaned) == len(OOD_SENTENCES) >= 60


def test_ood_sentences_are_not_from_the_text_sources() -> None:
    sources = set(dedupe(clean(s) for s in (*SENTENCES, *grammar_sentences(40_000, seed=13))))
    assert not sources & {clean(s) for s in OOD_SENTENCES}


def test_no_training_or_dev_text_is_an_ood_sentence(tmp_path: Path) -> None:
    texts = plan_texts(CorpusOptions(out=tmp_path, train=3000, dev=100, test=100, grammar_pool=4000))
    ood = {clean(s) for s in OOD_SENTENCES}
    assert not ood & set(texts["train"])
    assert not ood & set(texts["dev"])
