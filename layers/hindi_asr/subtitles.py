"""Subtitles from word timings: cues of at most two lines of ~42 characters, SRT and WebVTT.

A cue grows word by word and closes before a word that follows a pause, that would make it last longer
than ``max_cue_s``, or that would not fit in ``max_lines`` lines of ``max_line_chars``. Its lines are
split at the word boundary that balances them best. Width counts what takes room on screen: Devanagari
vowel signs, virama and nukta (combining marks) add no width to the letter they sit on. A cue shown
shorter than ``min_cue_s`` is held longer, but never into the next cue.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from hindi_asr.decoding import Word

MAX_LINE_CHARS = 42  # the usual broadcast limit (BBC, Netflix: 42)
MAX_LINES = 2
MAX_CUE_S = 6.0  # a few seconds: long enough to read two lines, short enough to follow speech
MIN_CUE_S = 1.0
PAUSE_S = 0.5  # a silence this long between words ends a cue
ZERO_WIDTH_CATEGORIES = frozenset({"Mn", "Mc", "Me", "Cf"})

SRT_MEDIA_TYPE = "application/x-subrip"
VTT_MEDIA_TYPE = "text/vtt"


@dataclass(frozen=True)
class Cue:
    """One subtitle: shown from ``start`` to ``end`` seconds, one to ``MAX_LINES`` lines of text."""

    start: float
    end: float
    lines: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class CueRules:
    max_line_chars: int = MAX_LINE_CHARS
    max_lines: int = MAX_LINES
    max_cue_s: float = MAX_CUE_S
    min_cue_s: float = MIN_CUE_S
    pause_s: float = PAUSE_S


def display_width(text: str) -> int:
    """Characters that take room on screen (combining marks and format characters take none)."""
    return sum(unicodedata.category(char) not in ZERO_WIDTH_CATEGORIES for char in text)


def build_cues(words: Sequence[Word], rules: CueRules = CueRules()) -> list[Cue]:
    """Group ``words`` (in time order) into cues following ``rules``."""
    groups: list[list[Word]] = []
    for word in words:
        current = groups[-1] if groups else None
        if current is None or _starts_new_cue(current, word, rules):
            groups.append([word])
        else:
            current.append(word)
    cues = []
    for index, group in enumerate(groups):
        start, end = group[0].start, group[-1].end
        next_start = groups[index + 1][0].start if index + 1 < len(groups) else float("inf")
        held = max(end, min(start + rules.min_cue_s, next_start))
        cues.append(Cue(start, held, tuple(_lines([w.word for w in group], rules))))
    return cues


def _starts_new_cue(current: list[Word], word: Word, rules: CueRules) -> bool:
    if word.start - current[-1].end >= rules.pause_s:
        return True
    if word.end - current[0].start > rules.max_cue_s:
        return True
    return not _fits([w.word for w in [*current, word]], rules)


def _fits(texts: Sequence[str], rules: CueRules) -> bool:
    lines = _lines(texts, rules)
    return len(lines) <= rules.max_lines and all(
        display_width(line) <= rules.max_line_chars for line in lines
    )


def _lines(texts: Sequence[str], rules: CueRules) -> list[str]:
    """Break words into the fewest lines within the width, balanced; an over-long word gets its own line."""
    whole = " ".join(texts)
    if display_width(whole) <= rules.max_line_chars or len(texts) == 1:
        return [whole]
    if rules.max_lines >= 2:
        best = min(
            range(1, len(texts)),
            key=lambda cut: max(display_width(" ".join(texts[:cut])), display_width(" ".join(texts[cut:]))),
        )
        first, second = " ".join(texts[:best]), " ".join(texts[best:])
        if max(display_width(first), display_width(second)) <= rules.max_line_chars:
            return [first, second]
    return _greedy_lines(texts, rules.max_line_chars)


def _greedy_lines(texts: Sequence[str], width: int) -> list[str]:
    lines: list[str] = []
    for text in texts:
        if lines and display_width(lines[-1]) + 1 + display_width(text) <= width:
            lines[-1] += " " + text
        else:
            lines.append(text)
    return lines


def to_srt(cues: Sequence[Cue]) -> str:
    """SubRip: numbered from 1, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, a blank line after each cue."""
    return "".join(
        f"{number}\n{_timestamp(cue.start, ',')} --> {_timestamp(cue.end, ',')}\n"
        + "\n".join(cue.lines)
        + "\n\n"
        for number, cue in enumerate(cues, start=1)
    )


def to_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT: the ``WEBVTT`` header, then ``HH:MM:SS.mmm --> HH:MM:SS.mmm`` cues."""
    body = "".join(
        f"{_timestamp(cue.start, '.')} --> {_timestamp(cue.end, '.')}\n" + "\n".join(cue.lines) + "\n\n"
        for cue in cues
    )
    return "WEBVTT\n\n" + body


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
