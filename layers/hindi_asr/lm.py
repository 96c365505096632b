"""A word n-gram language model read from an ARPA file, queried with back-off (KenLM's semantics).

The model directory's ``model.json`` names the file in its ``decoder`` section (``asr_build.lm`` writes
it). ARPA stores log10 probabilities; ``score`` returns natural logs, the unit of the CTC log-probs they
are fused with. A word the model has never seen scores as ``<unk>``. States are the last ``order - 1``
words as a tuple (``()`` after ``<s>`` only when the file has no ``<s>``); results are cached, since a
beam search asks the same (state, word) pairs again and again.
"""

from __future__ import annotations

import gzip
import math
import re
from pathlib import Path
from typing import TextIO

from hindi_asr.errors import InvalidModelError

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
LN10 = math.log(10.0)
UNK_LOG10 = -7.0  # used only when the file has no <unk> entry (KenLM's files always have one)
_SECTION = re.compile(r"^\\(\d+)-grams:$")

State = tuple[str, ...]


class NgramLanguageModel:
    """Back-off n-gram probabilities; ``score`` and ``final`` are pure functions of their arguments."""

    def __init__(self, order: int, probs: dict[str, float], backoffs: dict[str, float], name: str) -> None:
        self.order = order
        self.name = name
        self._probs = probs  # "w1 w2 w3" -> log10 p
        self._backoffs = backoffs  # "w1 w2" -> log10 back-off weight
        self._unk = probs.get(UNK, UNK_LOG10)
        words = (key for key in probs if " " not in key)
        self._prefixes = frozenset(word[:end] for word in words for end in range(1, len(word) + 1))
        self._cache: dict[tuple[State, str], tuple[float, State]] = {}

    @classmethod
    def load(cls, path: Path) -> NgramLanguageModel:
        """Read a (optionally gzipped) ARPA file; ``InvalidModelError`` if it is missing or malformed."""
        if not path.is_file():
            raise InvalidModelError(f"language model {path} does not exist")
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rt", encoding="utf-8") as fh:
                order, probs, backoffs = _parse_arpa(fh)
        except (OSError, UnicodeDecodeError, ValueError, IndexError) as exc:
            raise InvalidModelError(f"language model {path} is not a valid ARPA file: {exc}") from exc
        return cls(order, probs, backoffs, path.name)

    def __len__(self) -> int:
        return len(self._probs)

    def __contains__(self, word: str) -> bool:
        return word in self._probs

    def is_prefix(self, text: str) -> bool:
        """Whether some word of the model starts with ``text`` (or is it)."""
        return text in self._prefixes

    def begin(self) -> State:
        """The state at the start of a sentence."""
        return (BOS,) if BOS in self._probs else ()

    def score(self, state: State, word: str) -> tuple[float, State]:
        """``ln p(word | state)`` and the state after it."""
        key = (state, word)
        cached = self._cache.get(key)
        if cached is None:
            token = word if word in self._probs else UNK
            log10p = self._log10(state, token)
            cached = (log10p * LN10, (*state, token)[-(self.order - 1) :] if self.order > 1 else ())
            self._cache[key] = cached
        return cached

    def final(self, state: State) -> float:
        """``ln p(</s> | state)``: the end of the sentence."""
        return self.score(state, EOS)[0] if EOS in self._probs else 0.0

    def _log10(self, state: State, token: str) -> float:
        backoff = 0.0
        for start in range(len(state) + 1):
            context = " ".join(state[start:])
            ngram = f"{context} {token}" if context else token
            prob = self._probs.get(ngram)
            if prob is not None:
                return backoff + prob
            backoff += self._backoffs.get(context, 0.0) if context else 0.0
        return backoff + self._unk  # only an unknown word in a file without <unk> gets here


def _parse_arpa(lines: TextIO) -> tuple[int, dict[str, float], dict[str, float]]:
    probs: dict[str, float] = {}
    backoffs: dict[str, float] = {}
    order = 0
    section = 0
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("ngram ") or line == "\\data\\":
            continue
        if line == "\\end\\":
            break
        header = _SECTION.match(line)
        if header:
            section = int(header.group(1))
            order = max(order, section)
            continue
        if section == 0:
            raise ValueError(f"unexpected line before the first n-gram section: {line[:40]!r}")
        fields = line.split()  # "log10p w1 .. wn [backoff]", tab- or space-separated
        if len(fields) not in (section + 1, section + 2):
            raise ValueError(f"a {section}-gram line with {len(fields)} fields: {line[:40]!r}")
        key = " ".join(fields[1 : section + 1])
        probs[key] = float(fields[0])
        if len(fields) == section + 2:
            backoffs[key] = float(fields[-1])
    if order == 0 or not probs:
        raise ValueError("no n-grams")
    return order, probs, backoffs
