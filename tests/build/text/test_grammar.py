"""The agreement-aware sentence generator."""

from __future__ import annotations

import re

from asr_build.text.grammar import CONNECTORS, grammar_sentences
from asr_build.text.normalise import MAX_WORDS, clean, dedupe


def test_grammar_sentences_are_seeded() -> None:
    assert grammar_sentences(50, seed=3) == grammar_sentences(50, seed=3)
    assert grammar_sentences(50, seed=3) != grammar_sentences(50, seed=4)


def test_grammar_agreement() -> None:
    # GIVEN feminine and first-person subjects WHEN sentences are generated THEN the verb agrees
    sentences = dedupe(clean(s) for s in grammar_sentences(2000, seed=0))
    joints = re.compile("|".join(f" {c} " for c in CONNECTORS))
    clauses = [c.removeprefix("क्या ") for s in sentences for c in joints.split(s)]
    first = [c for c in clauses if c.startswith("मैं ") and " रहा " in c and len(c.split()) < 8]
    assert first and all(c.endswith(("रहा हूं", "रहा था")) for c in first)
    assert not any(c.startswith("सीता ") and " रहा " in c for c in clauses)


def test_grammar_spells_every_verb_form_validly() -> None:
    # a vowel sign never follows another vowel sign (e.g. पी + ेगा must become पीएगा)
    signs = "\u093e-\u094c"
    sentences = grammar_sentences(3000, seed=0)
    assert all(clean(s) is not None for s in sentences if len(s.split()) <= MAX_WORDS)
    assert not [s for s in sentences if re.search(f"[{signs}][{signs}]", s)]
