"""Greedy CTC decoding: frames -> SentencePiece tokens -> words with timestamps and confidences.

``DecodingOptions`` is what a request may choose: the decoder (greedy, the default and fastest, or
``beam``: ``hindi_asr.beam`` with the model's language model), hotwords (beam only) and how numbers
are written; ``hindi_asr.decoder`` runs the choice.

Each output frame's best label is taken; runs of the same label collapse to one token and blanks drop
out. A piece starting with ``▁`` begins a new word. A word starts at the first frame of its first token
and ends after the last frame of its last token (CTC emits near the start of a sound, so ends are
early rather than late). A token's probability is its best frame posterior; a word's confidence is the
geometric mean of its tokens' probabilities.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from hindi_asr.errors import InvalidDecodingOptionsError
from hindi_asr.hotwords import parse_hotwords

WORD_BOUNDARY = "▁"  # SentencePiece's word-start marker (U+2581)
DecoderName = Literal["greedy", "beam"]
NumbersStyle = Literal["words", "digits"]
DECODERS: tuple[DecoderName, ...] = ("greedy", "beam")
NUMBER_STYLES: tuple[NumbersStyle, ...] = ("words", "digits")


@dataclass(frozen=True)
class DecodingOptions:
    """Per-request decoding choices; ``parse`` validates raw values (query strings, JSON, settings)."""

    decoder: DecoderName = "greedy"
    hotwords: tuple[str, ...] = ()
    numbers: NumbersStyle = "words"

    @classmethod
    def parse(
        cls,
        *,
        decoder: str | None = None,
        hotwords: str | Iterable[str] | None = None,
        numbers: str | None = None,
        vocabulary: Sequence[str] = (),
    ) -> DecodingOptions:
        """Hotwords without a decoder choose ``beam``; ``InvalidDecodingOptionsError`` on bad values."""
        words = parse_hotwords(hotwords, vocabulary)
        chosen = decoder or ("beam" if words else "greedy")
        if chosen not in DECODERS:
            raise InvalidDecodingOptionsError(f"decoder must be one of {list(DECODERS)}, not {chosen!r}")
        if words and chosen != "beam":
            raise InvalidDecodingOptionsError("hotwords need decoder=beam")
        style = numbers or "words"
        if style not in NUMBER_STYLES:
            raise InvalidDecodingOptionsError(f"numbers must be one of {list(NUMBER_STYLES)}, not {style!r}")
        return cls(chosen, words, style)


@dataclass(frozen=True)
class Word:
    """One recognised word; times in seconds from the start of the audio."""

    word: str
    start: float
    end: float
    confidence: float

    @property
    def midpoint(self) -> float:
        return (self.start + self.end) / 2


@dataclass(frozen=True)
class TokenSpan:
    """One emitted token: its id, the first and last frame of its run, and its best frame posterior."""

    token_id: int
    first_frame: int
    last_frame: int
    probability: float


def greedy_tokens(logprobs: NDArray[np.float32], blank_id: int) -> list[TokenSpan]:
    """Collapse the per-frame best labels of ``logprobs`` ``[T, V+1]`` into token spans."""
    if logprobs.shape[0] == 0:
        return []
    best = logprobs.argmax(axis=1)
    best_logprob = logprobs[np.arange(len(best)), best]
    run_starts = np.concatenate(([0], np.flatnonzero(np.diff(best)) + 1))
    run_ends = np.concatenate((run_starts[1:], [len(best)]))
    return [
        TokenSpan(int(best[start]), int(start), int(end) - 1, math.exp(float(best_logprob[start:end].max())))
        for start, end in zip(run_starts, run_ends, strict=True)
        if best[start] != blank_id
    ]


def words_from_tokens(
    tokens: Sequence[TokenSpan],
    vocabulary: Sequence[str],
    *,
    frame_shift_s: float,
    offset_s: float = 0.0,
) -> list[Word]:
    """Group token spans into NFC-normalised words; special pieces such as ``<unk>`` are dropped."""
    groups: list[list[tuple[str, TokenSpan]]] = []
    for span in tokens:
        piece = vocabulary[span.token_id]
        if _is_special(piece):
            continue
        if piece.startswith(WORD_BOUNDARY) or not groups:
            groups.append([])
        groups[-1].append((piece.replace(WORD_BOUNDARY, ""), span))
    words = (_word(group, frame_shift_s, offset_s) for group in groups)
    return [word for word in words if word.word]


def decode(
    logprobs: NDArray[np.float32],
    vocabulary: Sequence[str],
    *,
    blank_id: int,
    frame_shift_s: float,
    offset_s: float = 0.0,
) -> list[Word]:
    """Greedy CTC decoding of one utterance's log-probs ``[T, V+1]`` into words."""
    tokens = greedy_tokens(logprobs, blank_id)
    return words_from_tokens(tokens, vocabulary, frame_shift_s=frame_shift_s, offset_s=offset_s)


def join_words(words: Sequence[Word]) -> str:
    return " ".join(word.word for word in words)


def _word(group: Sequence[tuple[str, TokenSpan]], frame_shift_s: float, offset_s: float) -> Word:
    text = unicodedata.normalize("NFC", "".join(piece for piece, _ in group)).strip()
    spans = [span for _, span in group]
    confidence = math.exp(sum(math.log(max(span.probability, 1e-12)) for span in spans) / len(spans))
    return Word(
        word=text,
        start=round(offset_s + spans[0].first_frame * frame_shift_s, 3),
        end=round(offset_s + (spans[-1].last_frame + 1) * frame_shift_s, 3),
        confidence=round(confidence, 4),
    )


def _is_special(piece: str) -> bool:
    return len(piece) > 2 and piece.startswith("<") and piece.endswith(">")
