"""Prefix beam search: agrees with greedy on clear input, sums paths, fuses the LM, boosts hotwords."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from hindi_asr.beam import BeamOptions, beam_search
from hindi_asr.decoding import greedy_tokens, join_words, words_from_tokens
from hindi_asr.hotwords import HotwordScorer
from hindi_asr.lm import NgramLanguageModel

VOCAB = ("▁आप", "▁कैसे", "कैसे", "▁हैं", "▁भारत", "<unk>")
AAP, KAISE_WORD, KAISE_JOINED, HAIN, BHARAT, UNK = range(len(VOCAB))
BLANK = len(VOCAB)
ARPA = """\\data\\
ngram 1=6
ngram 2=3

\\1-grams:
-6.0\t<unk>
-99\t<s>\t-0.3
-1.0\tआप\t-0.3
-1.2\tकैसे\t-0.3
-1.1\tहैं\t-0.3
-0.8\t</s>

\\2-grams:
-0.3\t<s> आप
-0.4\tआप कैसे
-0.3\tकैसे हैं

\\end\\
"""


def frames(rows: Sequence[Mapping[int, float]]) -> NDArray[np.float32]:
    """Log-probs from per-frame {label: probability}; the rest of each frame is spread evenly."""
    table = np.zeros((len(rows), BLANK + 1), np.float64)
    for t, row in enumerate(rows):
        rest = (1.0 - sum(row.values())) / (BLANK + 1 - len(row))
        table[t] = rest
        for label, probability in row.items():
            table[t, label] = probability
    return np.log(table).astype(np.float32)


def peaked(labels: Sequence[int]) -> NDArray[np.float32]:
    return frames([{label: 0.97} for label in labels])


def text(logprobs: NDArray[np.float32], **kwargs: object) -> str:
    spans = beam_search(logprobs, VOCAB, blank_id=BLANK, **kwargs)  # type: ignore[arg-type]
    return join_words(words_from_tokens(spans, VOCAB, frame_shift_s=0.04))


@pytest.fixture(scope="module")
def lm(tmp_path_factory: pytest.TempPathFactory) -> NgramLanguageModel:
    path = tmp_path_factory.mktemp("lm") / "lm.arpa"
    path.write_text(ARPA, encoding="utf-8")
    return NgramLanguageModel.load(path)


def test_clear_input_gives_greedy_tokens_frames_and_posteriors() -> None:
    # GIVEN confident frames "_ आप आप _ कैसे _ _ हैं हैं _" WHEN searched THEN every span is greedy's
    logprobs = peaked([BLANK, AAP, AAP, BLANK, KAISE_WORD, BLANK, BLANK, HAIN, HAIN, BLANK])
    assert beam_search(logprobs, VOCAB, blank_id=BLANK) == greedy_tokens(logprobs, BLANK)
    assert text(logprobs) == "आप कैसे हैं"


def test_a_repeated_token_needs_a_blank_between() -> None:
    assert text(peaked([AAP, AAP, BLANK, AAP])) == "आप आप"
    assert text(peaked([AAP, AAP, AAP])) == "आप"


def test_paths_are_summed_where_greedy_sees_only_the_best_frame() -> None:
    # GIVEN two frames, each 59 % blank and 40 % "आप": greedy reads blank-blank, nothing
    logprobs = frames([{BLANK: 0.59, AAP: 0.4}] * 2)
    assert greedy_tokens(logprobs, BLANK) == []
    # THEN the search sums the paths "आप": about 0.4*0.4 + 2*0.4*0.6 = 0.64 > 0.36
    assert text(logprobs) == "आप"


def test_only_blank_frames_give_nothing() -> None:
    assert beam_search(peaked([BLANK] * 20), VOCAB, blank_id=BLANK) == []
    assert beam_search(np.zeros((0, BLANK + 1), np.float32), VOCAB, blank_id=BLANK) == []


def test_the_language_model_splits_a_word_the_acoustics_merged(lm: NgramLanguageModel) -> None:
    # GIVEN audio where "कैसे" without a word boundary is slightly likelier than "▁कैसे"
    logprobs = frames(
        [{AAP: 0.97}, {BLANK: 0.97}, {KAISE_JOINED: 0.5, KAISE_WORD: 0.45}, {BLANK: 0.97}, {HAIN: 0.97}]
    )
    assert text(logprobs) == "आपकैसे हैं"  # acoustics alone: the merged word
    # WHEN the LM, which knows "आप" and "कैसे" but not "आपकैसे", joins in THEN the words are split
    fused = beam_search(logprobs, VOCAB, blank_id=BLANK, lm=lm)
    assert join_words(words_from_tokens(fused, VOCAB, frame_shift_s=0.04)) == "आप कैसे हैं"
    # AND the chosen tokens keep their own frames and posteriors
    assert [(s.token_id, s.first_frame, s.last_frame) for s in fused] == [(0, 0, 0), (1, 2, 2), (3, 4, 4)]
    assert fused[1].probability == pytest.approx(0.45, abs=1e-5)


def test_without_the_lm_words_have_no_insertion_bonus(lm: NgramLanguageModel) -> None:
    options = BeamOptions(beta=100.0)  # beta only applies with a language model
    logprobs = frames([{AAP: 0.97}, {KAISE_JOINED: 0.6, KAISE_WORD: 0.35}])
    assert text(logprobs, options=options) == "आपकैसे"


def test_a_hotword_wins_a_close_call_and_loses_a_clear_one() -> None:
    close = frames([{BLANK: 0.9}, {AAP: 0.5, BHARAT: 0.45}, {BLANK: 0.9}])
    clear = frames([{BLANK: 0.9}, {AAP: 0.97}, {BLANK: 0.9}])
    hotwords = HotwordScorer.build(["भारत"], weight=0.2)
    assert text(close) == "आप"
    assert text(close, hotwords=hotwords) == "भारत"
    assert text(clear, hotwords=hotwords) == "आप"  # no false alarm where the speech is clear


def test_an_unknown_hotword_is_not_penalised_as_unknown(lm: NgramLanguageModel) -> None:
    # "भारत" is not in the LM: without the hotword the LM's unknown-word penalty rules it out
    close = frames([{BLANK: 0.9}, {AAP: 0.3, BHARAT: 0.65}, {BLANK: 0.9}])
    assert text(close, lm=lm) == "आप"
    assert text(close, lm=lm, hotwords=HotwordScorer.build(["भारत"], weight=1.0)) == "भारत"


def test_the_beam_size_bounds_the_search() -> None:
    logprobs = frames([{AAP: 0.3, KAISE_WORD: 0.3, HAIN: 0.3}] * 12)
    wide = beam_search(logprobs, VOCAB, blank_id=BLANK, options=BeamOptions(beam_size=32))
    narrow = beam_search(logprobs, VOCAB, blank_id=BLANK, options=BeamOptions(beam_size=1))
    assert wide and narrow and all(span.token_id in (AAP, KAISE_WORD, HAIN) for span in narrow)


def test_paths_do_not_leak_between_calls(tmp_path: Path, lm: NgramLanguageModel) -> None:
    logprobs = peaked([AAP, BLANK, KAISE_WORD])
    assert text(logprobs, lm=lm) == text(logprobs, lm=lm) == "आप कैसे"


def exhaustive_best(logprobs: NDArray[np.float32], labels: Sequence[int]) -> list[int]:
    """The most probable token sequence, summed over every alignment of ``labels`` (brute force)."""
    totals: dict[tuple[int, ...], float] = {}
    for path in itertools.product(labels, repeat=len(logprobs)):
        collapsed = tuple(
            label for i, label in enumerate(path) if label != BLANK and (i == 0 or path[i - 1] != label)
        )
        probability = math.exp(sum(float(logprobs[t, label]) for t, label in enumerate(path)))
        totals[collapsed] = totals.get(collapsed, 0.0) + probability
    return list(max(totals.items(), key=lambda item: item[1])[0])


@pytest.mark.parametrize("seed", range(6))
def test_a_wide_search_finds_the_most_probable_sequence(seed: int) -> None:
    # GIVEN 7 frames of random, ambiguous probabilities over three tokens and the blank
    rng = np.random.default_rng(seed)
    labels = (AAP, KAISE_WORD, HAIN, BLANK)
    logprobs = frames([dict(zip(labels, 0.999 * rng.dirichlet(np.ones(4)), strict=True)) for _ in range(7)])
    # WHEN searched with nothing pruned THEN it finds what summing all 4^7 alignments finds
    wide = BeamOptions(
        beam_size=4**7, token_top_k=BLANK, token_margin=1e9, beam_margin=1e9, extension_slack=1e9
    )
    spans = beam_search(logprobs, VOCAB, blank_id=BLANK, options=wide)
    assert [span.token_id for span in spans] == exhaustive_best(logprobs, labels)


def test_runs_of_blank_frames_are_passed_over_without_changing_the_answer() -> None:
    # GIVEN speech with long near-certain blanks between ambiguous frames
    ambiguous = [{AAP: 0.5, KAISE_WORD: 0.45}, {BLANK: 0.6, AAP: 0.35}, {HAIN: 0.6, BLANK: 0.35}]
    logprobs = frames(
        [{BLANK: 0.9995}] * 30 + ambiguous + [{BLANK: 0.9995}] * 40 + ambiguous + [{BLANK: 0.9995}] * 9
    )
    # WHEN those frames are skipped (blank above 99.9 %) or all searched THEN tokens and frames agree
    skipping = beam_search(logprobs, VOCAB, blank_id=BLANK)
    searching = beam_search(logprobs, VOCAB, blank_id=BLANK, options=BeamOptions(blank_skip=1.0))
    assert [(s.token_id, s.first_frame, s.last_frame) for s in skipping] == [
        (s.token_id, s.first_frame, s.last_frame) for s in searching
    ]
    assert skipping[0].first_frame == 30 and len(skipping) >= 2
