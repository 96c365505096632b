"""Long audio: overlapping chunks cut at low-energy points, and the seam-aware merge of their words.

A chunk ends ``overlap_s / 2`` after a *cut*, the quietest point in the last quarter of its nominal
length; the next chunk starts ``overlap_s / 2`` before that cut, so both see every word near it with
context. Each word belongs to the chunk whose side of the cut its midpoint falls on. Near a cut the
two chunks may place a word a frame apart: a word one chunk dropped there is rescued unless the other
chunk kept a word at the same time, and the same word kept by both is kept once. Only the energy of
the search windows is computed, and the model only ever sees one chunk.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hindi_asr.decoding import Word

SEARCH_FRACTION = 0.25  # the cut is searched in this last fraction of a chunk's nominal length
ENERGY_FRAME_S = 0.02
ENERGY_SMOOTHING_FRAMES = 5  # 100 ms moving average, so a single quiet frame inside a word does not win
SEAM_TOLERANCE_S = 0.15  # two chunks' timestamps of one word near a cut differ by less than this


@dataclass(frozen=True)
class Chunk:
    """Samples ``[start, end)`` of the waveform; owns words whose midpoint is in ``[keep_from, keep_to)``."""

    start: int
    end: int
    keep_from: float
    keep_to: float


def plan_chunks(
    samples: NDArray[np.float32],
    sample_rate: int,
    *,
    chunk_s: float,
    overlap_s: float,
    align: int = 1,
) -> list[Chunk]:
    """Split ``samples`` into chunks of at most ``chunk_s``; cuts are multiples of ``align`` samples."""
    total = len(samples)
    chunk = int(chunk_s * sample_rate) // align * align
    half = math.ceil(overlap_s * sample_rate / 2 / align) * align
    if chunk <= 4 * half or chunk <= 0:
        raise ValueError(f"chunk_s {chunk_s} must exceed twice overlap_s {overlap_s}")
    chunks: list[Chunk] = []
    start, keep_from = 0, 0.0
    while start + chunk < total:
        search_to = start + chunk - half
        search_from = max(start + 2 * half, search_to - int(chunk * SEARCH_FRACTION))
        cut = quietest_point(samples, search_from, search_to, sample_rate) // align * align
        chunks.append(Chunk(start, cut + half, keep_from, cut / sample_rate))
        start, keep_from = cut - half, cut / sample_rate
    chunks.append(Chunk(start, total, keep_from, math.inf))
    return chunks


def quietest_point(samples: NDArray[np.float32], start: int, stop: int, sample_rate: int) -> int:
    """Index in ``[start, stop)`` at the centre of the lowest smoothed short-time energy (latest on ties)."""
    frame = max(1, int(ENERGY_FRAME_S * sample_rate))
    count = (stop - start) // frame
    if count < 1:
        return (start + stop) // 2
    window = samples[start : start + count * frame].astype(np.float64).reshape(count, frame)
    energy = np.mean(window * window, axis=1)
    width = min(ENERGY_SMOOTHING_FRAMES, count)
    smoothed = np.convolve(energy, np.ones(width) / width, mode="same")
    latest_minimum = count - 1 - int(np.argmin(smoothed[::-1]))
    return start + latest_minimum * frame + frame // 2


def merge_chunk_words(results: Sequence[tuple[Chunk, Sequence[Word]]]) -> list[Word]:
    """Join the words of consecutive chunks (absolute times) into one list, each spoken word once."""
    merged: list[Word] = []
    previous: Sequence[Word] = ()
    for index, (chunk, words) in enumerate(results):
        own = [word for word in words if chunk.keep_from <= word.midpoint < chunk.keep_to]
        merged = _join_at_seam(merged, previous, own, words, chunk.keep_from) if index else own
        previous = words
    return merged


def _join_at_seam(
    merged: list[Word], left_all: Sequence[Word], own: list[Word], right_all: Sequence[Word], seam: float
) -> list[Word]:
    near_left = [word for word in merged if word.midpoint >= seam - SEAM_TOLERANCE_S]
    near_right = [word for word in own if word.midpoint < seam + SEAM_TOLERANCE_S]
    near = near_left + near_right
    dropped = [w for w in left_all if seam <= w.midpoint < seam + SEAM_TOLERANCE_S] + [
        w for w in right_all if seam - SEAM_TOLERANCE_S <= w.midpoint < seam
    ]
    for word in dropped:
        if not any(_close(word, kept) for kept in near):
            near.append(word)
    near.sort(key=lambda word: word.midpoint)
    unique: list[Word] = []
    for word in near:
        if unique and unique[-1].word == word.word and _close(unique[-1], word):
            continue
        unique.append(word)
    return merged[: len(merged) - len(near_left)] + unique + own[len(near_right) :]


def _close(a: Word, b: Word) -> bool:
    return abs(a.midpoint - b.midpoint) < SEAM_TOLERANCE_S
