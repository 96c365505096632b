"""Chunk plans cut at quiet points with overlap; the merge keeps every word exactly once."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from hindi_asr.chunking import Chunk, merge_chunk_words, plan_chunks, quietest_point
from hindi_asr.decoding import Word

RATE = 16_000


def noise(seconds: float, seed: int = 0) -> np.ndarray:
    return (0.3 * np.random.default_rng(seed).standard_normal(int(seconds * RATE))).astype(np.float32)


def test_short_audio_is_one_chunk() -> None:
    assert plan_chunks(noise(10.0), RATE, chunk_s=10.0, overlap_s=2.0) == [Chunk(0, 160_000, 0.0, math.inf)]


def test_chunks_cover_the_audio_overlap_and_respect_the_length_limit() -> None:
    samples = noise(95.0)
    chunks = plan_chunks(samples, RATE, chunk_s=20.0, overlap_s=2.0, align=640)
    assert chunks[0].start == 0 and chunks[-1].end == len(samples)
    for before, after in itertools.pairwise(chunks):
        cut = round(before.keep_to * RATE)
        assert before.keep_to == after.keep_from
        assert after.start == cut - RATE and before.end == cut + RATE  # one second either side of the cut
        assert cut % 640 == 0
    assert all(c.end - c.start <= 20 * RATE for c in chunks)
    assert chunks[-1].keep_to == math.inf


def test_the_cut_falls_in_a_pause() -> None:
    # GIVEN loud audio with one 300 ms pause inside the search window of the first chunk
    samples = noise(30.0)
    samples[int(17.2 * RATE) : int(17.5 * RATE)] = 0.0
    (first, second) = plan_chunks(samples, RATE, chunk_s=20.0, overlap_s=2.0)
    # THEN the cut is in the pause
    assert 17.2 <= first.keep_to <= 17.5 and second.keep_from == first.keep_to


def test_quietest_point_prefers_the_latest_of_equal_minima() -> None:
    samples = noise(4.0)
    samples[RATE : RATE + 3200] = 0.0
    samples[3 * RATE : 3 * RATE + 3200] = 0.0
    assert 3 * RATE <= quietest_point(samples, 0, len(samples), RATE) < 3 * RATE + 3200
    assert quietest_point(samples, 100, 110, RATE) == 105  # shorter than a frame: the middle


def test_overlap_must_fit_the_chunk() -> None:
    with pytest.raises(ValueError, match="must exceed"):
        plan_chunks(noise(30.0), RATE, chunk_s=4.0, overlap_s=2.0)


def w(text: str, start: float, end: float) -> Word:
    return Word(text, start, end, 0.9)


SEAM = 10.0
LEFT = Chunk(0, 11 * RATE, 0.0, SEAM)
RIGHT = Chunk(9 * RATE, 20 * RATE, SEAM, math.inf)


def test_words_belong_to_the_chunk_their_midpoint_is_in() -> None:
    left = [w("एक", 8.0, 8.4), w("दो", 9.2, 9.6), w("तीन", 10.3, 10.7), w("चा", 10.9, 11.0)]  # "चा" cut off
    right = [w("दो", 9.2, 9.6), w("तीन", 10.3, 10.7), w("चार", 10.9, 11.3), w("पाँच", 12.0, 12.4)]
    merged = merge_chunk_words([(LEFT, left), (RIGHT, right)])
    assert [x.word for x in merged] == ["एक", "दो", "तीन", "चार", "पाँच"]


def test_a_word_at_the_seam_placed_differently_by_each_chunk_is_kept_once() -> None:
    # the left chunk puts "दो" just after the seam, the right chunk just before it: each would drop it
    left = [w("एक", 9.0, 9.4), w("दो", 9.96, 10.08)]
    right = [w("दो", 9.92, 10.04), w("तीन", 10.5, 10.9)]
    merged = merge_chunk_words([(LEFT, left), (RIGHT, right)])
    assert [x.word for x in merged] == ["एक", "दो", "तीन"]


def test_the_same_word_kept_by_both_chunks_appears_once() -> None:
    left = [w("एक", 9.0, 9.4), w("दो", 9.92, 9.99)]  # midpoint before the seam
    right = [w("दो", 9.98, 10.06), w("तीन", 10.5, 10.9)]  # midpoint after it
    merged = merge_chunk_words([(LEFT, left), (RIGHT, right)])
    assert [x.word for x in merged] == ["एक", "दो", "तीन"]


def test_different_words_close_to_the_seam_are_both_kept() -> None:
    left = [w("एक", 9.7, 9.9), w("दो", 9.92, 9.98)]
    right = [w("एक", 9.7, 9.9), w("दो", 9.92, 9.98), w("तीन", 10.02, 10.1)]
    merged = merge_chunk_words([(LEFT, left), (RIGHT, right)])
    assert [x.word for x in merged] == ["एक", "दो", "तीन"]


def test_a_chunk_without_words_still_lends_its_seam_words() -> None:
    third = Chunk(19 * RATE, 30 * RATE, 20.0, math.inf)
    middle = Chunk(9 * RATE, 21 * RATE, SEAM, 20.0)
    merged = merge_chunk_words([(LEFT, []), (middle, [w("दो", 9.9, 9.98)]), (third, [w("तीन", 25.0, 25.2)])])
    assert [x.word for x in merged] == ["दो", "तीन"]


def test_a_word_cut_off_by_one_chunk_is_taken_from_the_other() -> None:
    # the left chunk ends inside "नमस्ते" and hears only "नमस्", with its midpoint just before the seam
    left = [w("एक", 9.0, 9.4), w("नमस्", 9.8, 10.1)]
    right = [w("नमस्ते", 9.8, 10.4), w("तीन", 10.6, 10.9)]
    merged = merge_chunk_words([(LEFT, left), (RIGHT, right)])
    assert [x.word for x in merged] == ["एक", "नमस्ते", "तीन"]
