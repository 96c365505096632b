"""Per-request hotwords: validated, normalised to the model's spelling, and scored during beam search.

A hotword is a word or a short phrase in Devanagari. Each of its words is boosted on its own: a partial
word that is a prefix of a hotword word earns ``weight`` per character while it grows (so the beam keeps
it), and the bonus stays only if the word is completed as that hotword word. Spelling follows the model's
labels (the corpus policy of ``asr_build.text.normalise``): NFC, nukta dropped except in ड़ and ढ़, chandrabindu
written as anusvara.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hindi_asr.errors import InvalidHotwordsError

MAX_HOTWORDS = 50
MAX_HOTWORD_CHARS = 40
MAX_HOTWORD_WORDS = 4
DEVANAGARI_LETTERS = re.compile("^[\u0900-\u0963\u0971-\u097f]+$")
NUKTA, CHANDRABINDU, ANUSVARA = "\u093c", "\u0901", "\u0902"
KEEP_NUKTA_AFTER = frozenset("डढ")
INVISIBLE = re.compile("[\u200b-\u200d\u00ad\ufeff]")


def normalise_word(word: str) -> str:
    """The model's spelling of one word (see the module docstring)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", INVISIBLE.sub("", word)):
        if ch == NUKTA and not (out and out[-1] in KEEP_NUKTA_AFTER):
            continue
        out.append(ANUSVARA if ch == CHANDRABINDU else ch)
    return unicodedata.normalize("NFC", "".join(out))


def parse_hotwords(raw: str | Iterable[str] | None, vocabulary: Sequence[str] = ()) -> tuple[str, ...]:
    """Split (at commas, for a string), validate and normalise; ``InvalidHotwordsError`` on a bad list.

    ``vocabulary`` (the model's pieces) rejects characters the model can never write.
    """
    if raw is None:
        return ()
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    if not all(isinstance(item, str) for item in items):
        raise InvalidHotwordsError("hotwords must be strings")
    phrases = [" ".join(item.split()) for item in items]
    phrases = [phrase for phrase in phrases if phrase]
    if len(phrases) > MAX_HOTWORDS:
        raise InvalidHotwordsError(f"{len(phrases)} hotwords; at most {MAX_HOTWORDS} are allowed")
    writable = set("".join(vocabulary)) if vocabulary else None
    out: list[str] = []
    for phrase in phrases:
        words = [normalise_word(word) for word in phrase.split()]
        normalised = " ".join(words)
        if len(normalised) > MAX_HOTWORD_CHARS or len(words) > MAX_HOTWORD_WORDS:
            raise InvalidHotwordsError(
                f"hotword {phrase!r} is too long: at most {MAX_HOTWORD_WORDS} words "
                f"and {MAX_HOTWORD_CHARS} characters"
            )
        if not all(DEVANAGARI_LETTERS.match(word) for word in words):
            raise InvalidHotwordsError(
                f"hotword {phrase!r} must be Devanagari letters (no digits, Latin or punctuation)"
            )
        missing = sorted(set(normalised.replace(" ", "")) - writable) if writable is not None else []
        if missing:
            raise InvalidHotwordsError(f"hotword {phrase!r} has characters the model cannot write: {missing}")
        out.append(normalised)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class HotwordScorer:
    """Bonuses for words and partial words of the hotwords, in log-probability units."""

    words: frozenset[str]
    prefixes: frozenset[str]
    weight: float

    @classmethod
    def build(cls, hotwords: Iterable[str], weight: float) -> HotwordScorer:
        words = frozenset(word for phrase in hotwords for word in phrase.split())
        prefixes = frozenset(word[:end] for word in words for end in range(1, len(word) + 1))
        return cls(words, prefixes, weight)

    def __bool__(self) -> bool:
        return bool(self.words)

    def partial(self, prefix: str) -> float:
        """Bonus for an unfinished word that may still become a hotword word."""
        return self.weight * len(prefix) if prefix in self.prefixes else 0.0

    def complete(self, word: str) -> float:
        """Bonus for a finished word."""
        return self.weight * len(word) if word in self.words else 0.0
