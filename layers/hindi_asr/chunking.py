"""Long audio: overlapping chunks cut at low-energy points, and the seam-aware merge of their words.

A chunk ends ``overlap_s / 2`` after a *cut*, the quietest point in the last quarter of its nominal
length; the next chunk starts ``overlap_s / 2`` before that cut, so both see every word near it with
context. Each word belongs to the chunk whose side of the cut its midpoint falls on. Near a cut the
two chunks may place a word a frame apart, or see a long word cut off: a word both chunks dropped is
rescued unless it is a copy of a kept word, and a word both kept is kept once, in its fuller version.
Only the energy of the search windows is computed, and the model only ever sees one chunk.
``stream_chunks`` makes the same plan from audio arriving in blocks, holding about one chunk at a time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hindi_asr.decoding import Word

SEARCH_FRACTION = 0.25  # the cut is searched in this last fraction of a chunk's nominal length
ENERGY_FRAME_S = 0.02
ENERGY_SMOOTHING_FRAMES = 5  # 100 ms moving average, so a single quiet frame inside a word does not win
SEAM_TOLERANCE_S = 0.1  # two chunks' timestamps of one word near a cut differ by less than this
SEAM_WINDOW_S = 2.0  # words this close to a cut are reconciled with the other chunk's
LEFT, RIGHT = "left", "right"


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
    stream = stream_chunks([samples], sample_rate, chunk_s=chunk_s, overlap_s=overlap_s, align=align)
    return [chunk for chunk, _ in stream]


def stream_chunks(
    blocks: Iterable[NDArray[np.float32]],
    sample_rate: int,
    *,
    chunk_s: float,
    overlap_s: float,
    align: int = 1,
) -> Iterator[tuple[Chunk, NDArray[np.float32]]]:
    """The chunks of the audio made of ``blocks``, each with its samples, as soon as they are known."""
    chunk = int(chunk_s * sample_rate) // align * align
    half = math.ceil(overlap_s * sample_rate / 2 / align) * align
    if chunk <= 4 * half or chunk <= 0:
        raise ValueError(f"chunk_s {chunk_s} must exceed twice overlap_s {overlap_s}")
    pending = iter(blocks)
    held = np.zeros(0, np.float32)  # the samples from ``start`` on, a multiple of ``align`` from 0
    start, keep_from = 0, 0.0
    while True:
        held = _fill(held, pending, chunk + 1)
        if len(held) <= chunk:
            yield Chunk(start, start + len(held), keep_from, math.inf), held
            return
        search_to = chunk - half
        search_from = max(2 * half, search_to - int(chunk * SEARCH_FRACTION))
        cut = quietest_point(held, search_from, search_to, sample_rate) // align * align
        yield Chunk(start, start + cut + half, keep_from, (start + cut) / sample_rate), held[: cut + half]
        held, start, keep_from = held[cut - half :], start + cut - half, (start + cut) / sample_rate


def _fill(
    held: NDArray[np.float32], pending: Iterator[NDArray[np.float32]], wanted: int
) -> NDArray[np.float32]:
    """``held`` followed by blocks from ``pending`` until it has ``wanted`` samples or they run out."""
    parts = [held]
    total = len(held)
    while total < wanted:
        block = next(pending, None)
        if block is None:
            break
        parts.append(block)
        total += len(block)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


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
    """Reconcile the words around ``seam``: ``merged`` so far (left chunk) and ``own`` (right chunk)."""
    first = len(merged)
    while first and merged[first - 1].end >= seam - SEAM_WINDOW_S:
        first -= 1
    last = 0
    while last < len(own) and own[last].start < seam + SEAM_WINDOW_S:
        last += 1
    region = [(word, LEFT) for word in merged[first:]] + [(word, RIGHT) for word in own[:last]]
    dropped = [(w, LEFT) for w in left_all if seam <= w.midpoint < seam + SEAM_TOLERANCE_S] + [
        (w, RIGHT) for w in right_all if seam - SEAM_TOLERANCE_S <= w.midpoint < seam
    ]
    for word, side in dropped:  # a word both chunks dropped, each placing it on the other's side
        if not any(_same_word(word, kept) for kept, _ in region):
            region.append((word, side))
    region.sort(key=lambda item: item[0].midpoint)
    unique: list[tuple[Word, str]] = []
    for word, side in region:  # a word both chunks kept, each placing it on its own side: keep the fuller
        if unique and unique[-1][1] != side and _same_word(unique[-1][0], word):
            if _duration(word) > _duration(unique[-1][0]):
                unique[-1] = (word, side)
            continue
        unique.append((word, side))
    return merged[:first] + [word for word, _ in unique] + own[last:]


def _same_word(a: Word, b: Word) -> bool:
    """One spoken word seen by two chunks: mostly the same frames, or the same text about the same time."""
    shared = min(a.end, b.end) - max(a.start, b.start)
    if shared >= 0.5 * min(_duration(a), _duration(b)) and shared > 0:
        return True
    return a.word == b.word and abs(a.midpoint - b.midpoint) < SEAM_TOLERANCE_S


def _duration(word: Word) -> float:
    return word.end - word.start
