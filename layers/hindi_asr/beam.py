"""CTC prefix beam search with word n-gram shallow fusion and hotword boosting, in plain Python + numpy.

A hypothesis is a *prefix*: a node in a tree of emitted tokens, shared by every beam that extends it.
Each live prefix carries the log-probability of the paths that end in a blank (``pb``) and in its last
token (``pnb``). Its rank adds the fusion score of its text, computed once when the node is made:
``alpha * ln p_LM(word | two words before) + beta`` per finished word, plus hotword bonuses.

Speed (the search must stay far below the model's own run time):
* frames where the blank holds more than ``blank_skip`` of the mass only move every prefix to its
  blank-ending state (the tokens there carry under 0.1 % of the mass);
* elsewhere only tokens within ``token_margin`` nats of the frame's best, at most ``token_top_k``, extend;
* prefixes more than ``beam_margin`` below the best are dropped, then all but ``beam_size``;
* the language model caches its answers per (state, word).

Timing: a token's first frame is the frame at which the path that brought most of its probability
emitted it; its last frame moves on while repeating it is likelier than a blank. A token's probability
is its best frame posterior over those frames, as in greedy decoding, so words keep the same meaning of
``start``, ``end`` and ``confidence``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hindi_asr.decoding import WORD_BOUNDARY, TokenSpan
from hindi_asr.hotwords import HotwordScorer
from hindi_asr.lm import NgramLanguageModel, State

NEG_INF = float("-inf")
NO_HOTWORDS = HotwordScorer.build((), 0.0)


@dataclass(frozen=True)
class BeamOptions:
    """Search and fusion settings (``model.json``'s ``decoder`` section supplies the defaults)."""

    beam_size: int = 12
    alpha: float = 0.3
    beta: float = 1.0
    hotword_weight: float = 1.5
    token_top_k: int = 8
    token_margin: float = 8.0
    beam_margin: float = 12.0
    blank_skip: float = 0.999
    extension_slack: float = 1.0
    unk_penalty: float = -10.0


class _Node:
    """One prefix: its last token, timing, and the text state after it."""

    __slots__ = (
        "children",
        "first",
        "fusion",
        "last",
        "lm_state",
        "parent",
        "partial",
        "partial_bonus",
        "token",
    )

    def __init__(
        self, parent: _Node | None, token: int, frame: int, lm_state: State, partial: str, fusion: float
    ) -> None:
        self.parent = parent
        self.token = token
        self.first = self.last = frame
        self.lm_state = lm_state
        self.partial = partial
        self.fusion = fusion  # finished words' LM, beta and hotword scores
        self.partial_bonus = 0.0
        self.children: dict[int, _Node] = {}


class _Fusion:
    """Text bookkeeping: how a token changes a prefix's words and their score."""

    def __init__(
        self,
        vocabulary: Sequence[str],
        lm: NgramLanguageModel | None,
        hotwords: HotwordScorer,
        options: BeamOptions,
    ) -> None:
        self.pieces = [_text_of(piece) for piece in vocabulary]
        self.starts_word = [piece.startswith(WORD_BOUNDARY) for piece in vocabulary]
        self.lm = lm
        self.hotwords = hotwords
        self.options = options

    def word_score(self, state: State, word: str) -> tuple[float, State]:
        bonus = self.hotwords.complete(word)
        if self.lm is None:
            return bonus, state
        logp, state = self.lm.score(state, word)
        if word not in self.lm:  # a hotword stands in for the LM's knowledge; other words pay extra
            logp, bonus = (0.0, bonus) if bonus else (logp, self.options.unk_penalty)
        return bonus + self.options.alpha * logp + self.options.beta, state

    def partial_score(self, partial: str) -> float:
        """A hotword prefix's bonus, or the unknown-word penalty once no known word starts so."""
        bonus = self.hotwords.partial(partial) if self.hotwords else 0.0
        if bonus or self.lm is None or not partial or self.lm.is_prefix(partial):
            return bonus
        return self.options.unk_penalty

    def child(self, node: _Node, token: int, frame: int) -> _Node:
        piece = self.pieces[token]
        state, partial, fusion = node.lm_state, node.partial, node.fusion
        if self.starts_word[token] and partial:
            score, state = self.word_score(state, partial)
            fusion, partial = fusion + score, ""
        partial += piece
        child = _Node(node, token, frame, state, partial, fusion)
        child.partial_bonus = self.partial_score(partial)
        node.children[token] = child
        return child

    def final(self, node: _Node) -> float:
        """The score of a prefix's text at the end of the audio: its last word and ``</s>``."""
        fusion, state = node.fusion, node.lm_state
        if node.partial:
            score, state = self.word_score(state, node.partial)
            fusion += score
        return fusion + (self.options.alpha * self.lm.final(state) if self.lm is not None else 0.0)


def beam_search(
    logprobs: NDArray[np.float32],
    vocabulary: Sequence[str],
    *,
    blank_id: int,
    lm: NgramLanguageModel | None = None,
    hotwords: HotwordScorer = NO_HOTWORDS,
    options: BeamOptions = BeamOptions(),
) -> list[TokenSpan]:
    """The best token sequence for ``logprobs`` ``[T, V+1]``, as spans with frames and posteriors."""
    fusion = _Fusion(vocabulary, lm, hotwords, options)
    root = _Node(None, -1, -1, lm.begin() if lm is not None else (), "", 0.0)
    beams: dict[_Node, tuple[float, float]] = {root: (0.0, NEG_INF)}
    threshold = 0.0  # the rank a prefix needed to stay at the last frame
    lse = _lse
    for t, (frame, candidates) in enumerate(
        zip(logprobs.tolist(), _candidates(logprobs, blank_id, options), strict=True)
    ):
        blank = frame[blank_id]
        if candidates is None:
            beams = {node: (lse(pb, pnb) + blank, NEG_INF) for node, (pb, pnb) in beams.items()}
            continue
        following: dict[_Node, list[float]] = {}
        floor = threshold + max(frame) - options.extension_slack  # extensions below this would not stay
        for node, (pb, pnb) in beams.items():
            total = lse(pb, pnb)
            entry = following.get(node)
            if entry is None:
                entry = following[node] = [total + blank, NEG_INF]
            else:
                entry[0] = lse(entry[0], total + blank)
            if node.token >= 0:  # the last token goes on
                stay = pnb + frame[node.token]
                entry[1] = lse(entry[1], stay)
                if stay > total + blank:
                    node.last = t
            rank = node.fusion + node.partial_bonus
            children = node.children
            for token in candidates:
                extended = (pb if token == node.token else total) + frame[token]  # repeats need a blank
                if extended + rank < floor:
                    continue
                child = children.get(token) or fusion.child(node, token, t)
                entry = following.get(child)
                if entry is None:
                    entry = following[child] = [NEG_INF, extended]
                else:
                    entry[1] = lse(entry[1], extended)
                previous = beams.get(child)
                if previous is None or extended > lse(*previous):
                    child.first = child.last = t  # this emission brings most of the prefix's probability
        beams, threshold = _prune(following, options)
    best = max(beams, key=lambda node: lse(*beams[node]) + fusion.final(node))
    return _spans(best, logprobs)


def _candidates(logprobs: NDArray[np.float32], blank_id: int, options: BeamOptions) -> list[list[int] | None]:
    """Per frame, the tokens that may extend a prefix, best first; ``None`` where the blank dominates."""
    k = min(options.token_top_k + 1, logprobs.shape[1])
    top = np.argsort(-logprobs, axis=1)[:, :k]
    keep = (
        np.take_along_axis(logprobs, top, axis=1)
        >= logprobs.max(axis=1, keepdims=True) - options.token_margin
    )
    skip = logprobs[:, blank_id] > math.log(options.blank_skip)
    return [
        None
        if skipped
        else [int(token) for token, kept in zip(row, mask, strict=True) if kept and token != blank_id]
        for row, mask, skipped in zip(top.tolist(), keep.tolist(), skip.tolist(), strict=True)
    ]


def _prune(
    following: dict[_Node, list[float]], options: BeamOptions
) -> tuple[dict[_Node, tuple[float, float]], float]:
    """The best ``beam_size`` prefixes within ``beam_margin`` of the best, and the lowest rank kept."""
    ranked = sorted(
        (
            (_lse(pb, pnb) + node.fusion + node.partial_bonus, node, pb, pnb)
            for node, (pb, pnb) in following.items()
        ),
        key=lambda item: item[0],
        reverse=True,
    )
    floor = ranked[0][0] - options.beam_margin
    if len(ranked) > options.beam_size:
        floor = max(floor, ranked[options.beam_size - 1][0])
    return {node: (pb, pnb) for score, node, pb, pnb in ranked if score >= floor}, floor


def _spans(node: _Node, logprobs: NDArray[np.float32]) -> list[TokenSpan]:
    spans: list[TokenSpan] = []
    current: _Node | None = node
    while current is not None and current.token >= 0:
        best = float(logprobs[current.first : current.last + 1, current.token].max())
        spans.append(TokenSpan(current.token, current.first, current.last, math.exp(best)))
        current = current.parent
    return spans[::-1]


def _lse(
    a: float, b: float, log1p: Callable[[float], float] = math.log1p, exp: Callable[[float], float] = math.exp
) -> float:
    """``ln(e^a + e^b)``."""
    if a < b:
        a, b = b, a
    if b == NEG_INF:
        return a
    return a + log1p(exp(b - a))


def _text_of(piece: str) -> str:
    if len(piece) > 2 and piece.startswith("<") and piece.endswith(">"):
        return ""  # <unk> and other special pieces write nothing
    return piece.replace(WORD_BOUNDARY, "")
