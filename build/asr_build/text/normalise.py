"""Hindi spelling and punctuation policy for labels and model output.

Applied to every text before it is spoken or used as a label, and to model output before scoring:

* Unicode NFC; zero-width joiners/non-joiners and soft hyphens removed.
* Nukta: dropped everywhere except in ड़ and ढ़ (which are distinct Hindi letters), so क़/ख़/ग़/ज़/फ़
  become क/ख/ग/ज/फ (Hindi writers use both spellings; one label per sound is learnable).
* Chandrabindu (ँ) is written as anusvara (ं); both mark nasalisation and writers mix them.
* Punctuation policy: danda, double danda and all ASCII/Unicode punctuation become word breaks; the
  label is Devanagari words separated by single spaces, nothing else. A text that still contains
  digits, Latin letters or any other non-Devanagari character after this is rejected (`None`), because
  its spoken form is ambiguous.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

NUKTA = "\u093c"
CHANDRABINDU = "\u0901"
ANUSVARA = "\u0902"
KEEP_NUKTA_AFTER = frozenset("डढ")
INVISIBLE = re.compile("[\u200b-\u200d\u00ad\ufeff]")
BREAK_CATEGORIES = frozenset("PSZC")  # punctuation, symbols, separators, controls
DEVANAGARI_WORD = re.compile("^[\u0900-\u0963\u0971-\u097f]+$")
DEVANAGARI_DIGITS = re.compile("[\u0966-\u096f]")
DEPENDENT_SIGNS = frozenset("\u093e\u093f\u0940\u0941\u0942\u0943\u0947\u0948\u094b\u094c\u094d\u0902")

MIN_WORDS = 1
MAX_WORDS = 16


def normalise(text: str) -> str:
    """The module's spelling and punctuation policy, without rejecting anything (for model output)."""
    text = INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    text = _drop_nukta(text).replace(CHANDRABINDU, ANUSVARA)
    return " ".join("".join(" " if _is_break(ch) else ch for ch in text).split())


def clean(text: str) -> str | None:
    """`normalise(text)`, or `None` if it is not speakable Devanagari (digits, Latin, stray signs)."""
    words = normalise(text).split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return None
    if not all(DEVANAGARI_WORD.match(w) and not DEVANAGARI_DIGITS.search(w) for w in words):
        return None
    if any(w[0] in DEPENDENT_SIGNS for w in words):
        return None  # a word cannot start with a vowel sign, virama or anusvara
    return " ".join(words)


def _is_break(ch: str) -> bool:
    return unicodedata.category(ch)[0] in BREAK_CATEGORIES or ch in "\u0964\u0965\u0970"


def _drop_nukta(text: str) -> str:
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if ch == NUKTA and not (out and out[-1] in KEEP_NUKTA_AFTER):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def dedupe(texts: Iterable[str | None]) -> list[str]:
    """Drop `None` and repeats, keeping first occurrences in order."""
    return list(dict.fromkeys(t for t in texts if t))
