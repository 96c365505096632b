"""CTC prefix beam search with word n-gram shallow fusion and hotword boosting, in plain Python + numpy.

A hypothesis is a *prefix*: a node in a tree of emitted tokens, shared by every beam that extends it.
Each live prefix carries the weight of the paths that end in a blank (``pb``) and in its last token
(``pnb``): their probability times ``e^score``, where the score of its text is computed once per text
state: ``alpha * ln p_LM(word | two words before) + beta`` per finished word, plus hotword bonuses and
the unknown-word penalty. Weights are rescaled every frame so that the best prefix weighs 1; adding
paths is then an addition (no log-sum-exp).

Speed (the search must stay far below the model's own run time):
* frames where the blank holds more than ``blank_skip`` of the mass only move every prefix to its
  blank-ending state (the tokens there carry under 0.1 % of the mass);
* elsewhere only tokens within ``token_margin`` nats of the frame's best, at most ``token_top_k``, extend;
* an extension is not followed if it falls ``extension_slack`` below what the weakest prefix kept at
  the last frame would weigh now, nor if it falls below what the live prefixes alone already keep out;
* a prefix becomes a node only once it survives a prune; the text arithmetic of a token after a text
  state (the LM's and the hotwords' answers) is cached;
* prefixes more than ``beam_margin`` below the best are dropped, then all but ``beam_size``.

Timing: a token's first frame is the frame at which the path that brought most of its probability
emitted it; its last frame moves on while repeating it is likelier than a blank. Both are set only on
prefixes that survive the frame's prune. A token's probability is its best frame posterior over those
frames, as in greedy decoding, so words keep the same meaning of ``start``, ``end`` and ``confidence``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np
from numpy.typing import NDArray

from hindi_asr.decoding import WORD_BOUNDARY, TokenSpan
from hindi_asr.hotwords import HotwordScorer
from hindi_asr.lm import NgramLanguageModel, State

NO_HOTWORDS = HotwordScorer.build((), 0.0)
_TINY = 1e-300  # stands in for a weight of 0 under a logarithm or a division
_KEEP, _LAST, _FIRST = 0.0, 1.0, 2.0  # a surviving prefix's timing: as it was, last frame now, both now
_weight = itemgetter(0)

# After a text state (LM state, unfinished word), a token gives: the new text state, what its finished
# word adds to the score, the unfinished word's bonus or penalty, and e^(the change of the score).
Text = tuple[State, str, float, float, float]


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
    """One prefix that survived a prune: its last token, timing, and its text state and score."""

    __slots__ = ("first", "fusion", "gain", "last", "lm_state", "parent", "partial", "score", "token")

    def __init__(self, parent: _Node | None, token: int, frame: int, text: Text) -> None:
        self.parent = parent
        self.token = token
        self.first = self.last = frame
        self.lm_state, self.partial, added, bonus, self.gain = text
        self.fusion: float = added + (parent.fusion if parent is not None else 0.0)  # finished words
        self.score: float = self.fusion + bonus


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
        self.start: Text = (lm.begin() if lm is not None else (), "", 0.0, 0.0, 1.0)
        self._texts: dict[tuple[State, str, int], Text] = {}

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

    def text(self, node: _Node, token: int) -> Text:
        """What ``token`` does to the text of ``node`` (cached per text state)."""
        key = (node.lm_state, node.partial, token)
        text = self._texts.get(key)
        if text is None:
            state, partial, added = node.lm_state, node.partial, 0.0
            if self.starts_word[token] and partial:
                added, state = self.word_score(state, partial)
                partial = ""
            partial += self.pieces[token]
            bonus = self.partial_score(partial)
            gain = math.exp(added + bonus - (node.score - node.fusion))
            text = self._texts[key] = (state, partial, added, bonus, gain)
        return text

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
    search = _Search(_Fusion(vocabulary, lm, hotwords, options), options, blank_id)
    skipped = logprobs[:, blank_id] > math.log(options.blank_skip)
    active = logprobs[~skipped].astype(np.float64)
    frames = np.exp(active)
    blanks = np.exp(logprobs[:, blank_id].astype(np.float64)).tolist()
    steps = zip(
        np.flatnonzero(~skipped).tolist(),
        frames.tolist(),
        frames.max(axis=1).tolist(),
        _candidates(active, blank_id, options),
        strict=True,
    )
    run_start = 0  # the first frame of the blank run before the next active frame
    for t, frame, best, candidates in steps:
        if t > run_start:
            search.blank_frames(math.prod(blanks[run_start:t]))
        search.frame(t, frame, best, candidates)
        run_start = t + 1
    if len(blanks) > run_start:
        search.blank_frames(math.prod(blanks[run_start:]))
    return _spans(search.best(), logprobs)


class _Search:
    """The live prefixes, each with its ``(pb, pnb)`` weights, and the tree of prefixes made so far."""

    def __init__(self, fusion: _Fusion, options: BeamOptions, blank_id: int) -> None:
        self.fusion = fusion
        self.options = options
        self.blank_id = blank_id
        root = _Node(None, -1, -1, fusion.start)
        self.beams: dict[_Node, tuple[float, float]] = {root: (1.0, 0.0)}
        self.nodes: dict[tuple[_Node, int], _Node] = {}  # (parent, token) -> node; no reference cycles
        self.threshold = 1.0  # the weight a prefix needed to stay at the last frame
        self.slack = math.exp(-options.extension_slack)
        self.margin = math.exp(-options.beam_margin)

    def blank_frames(self, blank: float) -> None:
        """Frames where only the blank counts (``blank``: its probability over them): every prefix goes
        on as it is."""
        self.beams = {node: ((pb + pnb) * blank, 0.0) for node, (pb, pnb) in self.beams.items()}

    def frame(self, t: int, frame: list[float], best: float, candidates: list[int]) -> None:
        """Frame ``t`` (``best``: its highest probability): every live prefix goes on (blank, or its last
        token again) or grows by a token."""
        beams, nodes, text_of = self.beams, self.nodes, self.fusion.text
        blank = frame[self.blank_id]
        # Live prefixes going on: a prune cannot keep anything below the weakest of the best
        # `beam_size` of them, nor below their best minus `beam_margin`.
        live: dict[_Node, list[float]] = {}  # [pb, pnb, timing]
        for node, (pb, pnb) in beams.items():
            total = pb + pnb
            stay = pnb * frame[node.token] if node.token >= 0 else 0.0  # the last token goes on
            live[node] = [total * blank, stay, _LAST if stay > total * blank else _KEEP]
        weights = sorted((pb + pnb for pb, pnb, _ in live.values()), reverse=True)
        bound = weights[0] * self.margin
        if len(weights) >= self.options.beam_size:
            bound = max(bound, weights[self.options.beam_size - 1])
        floor = self.threshold * best * self.slack  # extensions below this would not stay
        grown: list[tuple[float, _Node, int, Text]] = []  # new prefixes: (weight, parent, token, text)
        crowded = False  # whether a new prefix was left out below `bound`
        for node, (pb, pnb) in beams.items():
            total = pb + pnb
            for token in candidates:
                extended = (pb if token == node.token else total) * frame[token]  # repeats need a blank
                if extended < floor:
                    continue
                child = nodes.get((node, token))
                entry = live.get(child) if child is not None else None
                if entry is not None and child is not None:  # a live prefix: its paths add up
                    extended *= child.gain
                    entry[1] += extended
                    previous = beams[child]
                    if extended > previous[0] + previous[1]:
                        entry[2] = _FIRST  # this emission brings most of the prefix's probability
                    continue
                text = text_of(node, token)
                weight = extended * text[4]
                if weight < bound:
                    crowded = True
                else:
                    grown.append((weight, node, token, text))
        self._prune(t, live, grown, crowded)

    def _prune(
        self,
        t: int,
        live: dict[_Node, list[float]],
        grown: list[tuple[float, _Node, int, Text]],
        crowded: bool,
    ) -> None:
        """Keep the best ``beam_size`` prefixes within ``beam_margin`` of the best, rescaled so that
        the best weighs 1; ``crowded``: prefixes were left out before, below the floor this finds."""
        ranked: list[tuple[float, _Node | None, float, float, float, int]] = [
            (pb + pnb, node, pb, pnb, timing, -1) for node, (pb, pnb, timing) in live.items()
        ]
        ranked += [(weight, None, 0.0, weight, _FIRST, index) for index, (weight, *_) in enumerate(grown)]
        ranked.sort(key=_weight, reverse=True)
        size = self.options.beam_size
        best = ranked[0][0] or _TINY
        floor = best * self.margin
        if len(ranked) > size or (crowded and len(ranked) == size):
            floor = max(floor, ranked[size - 1][0])
        scale = 1.0 / best
        beams: dict[_Node, tuple[float, float]] = {}
        for weight, node, pb, pnb, timing, index in ranked:
            if weight < floor:
                break
            if node is None:  # a new prefix (its node may exist from an earlier frame)
                _, parent, token, text = grown[index]
                node = self.nodes.get((parent, token))
                if node is None:
                    node = self.nodes[parent, token] = _Node(parent, token, t, text)
            if timing == _FIRST:
                node.first = node.last = t
            elif timing == _LAST:
                node.last = t
            beams[node] = (pb * scale, pnb * scale)
        self.beams, self.threshold = beams, floor * scale

    def best(self) -> _Node:
        """The prefix whose weight and finished text score best at the end of the audio."""
        fusion = self.fusion
        return max(
            self.beams,
            key=lambda node: math.log(sum(self.beams[node]) or _TINY) - node.score + fusion.final(node),
        )


def _candidates(logprobs: NDArray[np.float64], blank_id: int, options: BeamOptions) -> list[list[int]]:
    """Per frame, the tokens that may extend a prefix, best first."""
    k = min(options.token_top_k + 1, logprobs.shape[1])
    top = np.argpartition(-logprobs, k - 1, axis=1)[:, :k]
    values = np.take_along_axis(logprobs, top, axis=1)
    order = np.argsort(-values, axis=1)
    top, values = np.take_along_axis(top, order, axis=1), np.take_along_axis(values, order, axis=1)
    keep = values >= values[:, :1] - options.token_margin
    return [
        [token for token, kept in zip(row, mask, strict=True) if kept and token != blank_id]
        for row, mask in zip(top.tolist(), keep.tolist(), strict=True)
    ]


def _spans(node: _Node, logprobs: NDArray[np.float32]) -> list[TokenSpan]:
    spans: list[TokenSpan] = []
    current: _Node | None = node
    while current is not None and current.token >= 0:
        best = float(logprobs[current.first : current.last + 1, current.token].max())
        spans.append(TokenSpan(current.token, current.first, current.last, math.exp(best)))
        current = current.parent
    return spans[::-1]


def _text_of(piece: str) -> str:
    if len(piece) > 2 and piece.startswith("<") and piece.endswith(">"):
        return ""  # <unk> and other special pieces write nothing
    return piece.replace(WORD_BOUNDARY, "")
