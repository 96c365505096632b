"""Greedy CTC: collapsing, blanks, word boundaries, timestamps, confidences, NFC."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from hindi_asr.decoding import TokenSpan, Word, decode, greedy_tokens, join_words, words_from_tokens

VOCAB = ("▁न", "म", "स्", "ते", "▁आप", "<unk>", "▁", "ल", "▁\u0958")
BLANK = len(VOCAB)
SHIFT = 0.04


def frames(labels: Sequence[int], *, probability: float = 0.9) -> NDArray[np.float32]:
    """Log-probs where each frame's label has ``probability`` and the rest share what is left."""
    rest = (1 - probability) / BLANK
    table = np.full((len(labels), BLANK + 1), rest, np.float64)
    table[np.arange(len(labels)), labels] = probability
    return np.log(table).astype(np.float32)


def test_runs_collapse_and_blanks_separate_repeats() -> None:
    # GIVEN frames "न न _ न म म _ _" (a repeated token needs a blank between to count twice)
    spans = greedy_tokens(frames([0, 0, BLANK, 0, 1, 1, BLANK, BLANK]), BLANK)
    assert [(s.token_id, s.first_frame, s.last_frame) for s in spans] == [(0, 0, 1), (0, 3, 3), (1, 4, 5)]


def test_no_frames_and_only_blanks_give_nothing() -> None:
    assert greedy_tokens(np.zeros((0, BLANK + 1), np.float32), BLANK) == []
    assert decode(frames([BLANK] * 10), VOCAB, blank_id=BLANK, frame_shift_s=SHIFT) == []


def test_pieces_join_into_words_at_the_boundary_marker() -> None:
    labels = [BLANK, 0, BLANK, 1, 2, BLANK, 3, BLANK, BLANK, 4, BLANK]  # ▁न म स् ते ▁आप
    words = decode(frames(labels), VOCAB, blank_id=BLANK, frame_shift_s=SHIFT)
    assert [w.word for w in words] == ["नमस्ते", "आप"]
    assert join_words(words) == "नमस्ते आप"


def test_timestamps_span_the_first_to_the_last_frame_and_carry_the_offset() -> None:
    labels = [BLANK, BLANK, 0, 0, 1, BLANK, BLANK, 4, 4, 4, BLANK]
    first, second = decode(frames(labels), VOCAB, blank_id=BLANK, frame_shift_s=SHIFT, offset_s=10.0)
    assert (first.start, first.end) == (10.08, 10.2)  # frames 2..4
    assert (second.start, second.end) == (10.28, 10.4)  # frames 7..9
    assert second.midpoint == pytest.approx(10.34)


def test_confidence_is_the_geometric_mean_of_token_posteriors() -> None:
    logprobs = frames([0, 1, BLANK, 4], probability=0.9)
    logprobs[1] = np.log(np.full(BLANK + 1, 0.4 / BLANK))
    logprobs[1, 1] = math.log(0.6)  # "म" is less certain
    first, second = decode(logprobs, VOCAB, blank_id=BLANK, frame_shift_s=SHIFT)
    assert first.confidence == pytest.approx(math.sqrt(0.9 * 0.6), abs=1e-4)
    assert second.confidence == pytest.approx(0.9, abs=1e-4)


def test_a_token_uses_its_best_frame() -> None:
    logprobs = frames([4, 4, 4], probability=0.5)
    logprobs[1, 4] = math.log(0.95)
    (word,) = decode(logprobs, VOCAB, blank_id=BLANK, frame_shift_s=SHIFT)
    assert word.confidence == pytest.approx(0.95, abs=1e-4)


def test_special_pieces_are_dropped_and_a_bare_marker_starts_a_word() -> None:
    labels = [4, BLANK, 5, BLANK, 6, BLANK, 7]  # ▁आप <unk> ▁ ल
    words = decode(frames(labels), VOCAB, blank_id=BLANK, frame_shift_s=SHIFT)
    assert [w.word for w in words] == ["आप", "ल"]
    assert words[1].start == pytest.approx(4 * SHIFT)  # the bare "▁" is part of the word


def test_leading_pieces_without_a_marker_form_a_word() -> None:
    words = decode(frames([1, BLANK, 3, BLANK, 4]), VOCAB, blank_id=BLANK, frame_shift_s=SHIFT)
    assert [w.word for w in words] == ["मते", "आप"]


def test_output_is_nfc() -> None:
    (word,) = decode(frames([8]), VOCAB, blank_id=BLANK, frame_shift_s=SHIFT)
    assert word.word == unicodedata.normalize("NFC", "\u0958") == "\u0915\u093c"


def test_words_from_tokens_with_hand_made_spans() -> None:
    spans = [TokenSpan(0, 0, 0, 1.0), TokenSpan(3, 2, 3, 0.25)]
    assert words_from_tokens(spans, VOCAB, frame_shift_s=0.1) == [Word("नते", 0.0, 0.4, 0.5)]
