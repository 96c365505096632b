"""Cues from word timings follow the usual rules; SRT and WebVTT parse with subtitle libraries."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

import pytest
import srt
import webvtt

from hindi_asr.decoding import Word
from hindi_asr.subtitles import (
    MAX_CUE_S,
    MAX_LINE_CHARS,
    Cue,
    CueRules,
    build_cues,
    display_width,
    to_srt,
    to_vtt,
)

HINDI = ["मेरे", "दादाजी", "हर", "सुबह", "बगीचे", "में", "टहलने", "जाते", "हैं"]


def speech(count: int, *, word_s: float = 0.4, gap_s: float = 0.1, start: float = 0.0) -> list[Word]:
    """``count`` Hindi words, each ``word_s`` long, ``gap_s`` apart."""
    words, t = [], start
    for i in range(count):
        words.append(Word(HINDI[i % len(HINDI)], round(t, 3), round(t + word_s, 3), 0.9))
        t += word_s + gap_s
    return words


def test_devanagari_width_counts_letters_not_marks() -> None:
    assert display_width("हैं") == 1  # ह + two combining marks
    assert display_width("दादाजी") == 3
    assert display_width("abc de") == 6


def test_short_speech_is_one_cue_of_one_line() -> None:
    words = speech(4)
    (cue,) = build_cues(words)
    assert cue == Cue(0.0, words[-1].end, ("मेरे दादाजी हर सुबह",))


def test_cues_respect_lines_width_and_duration() -> None:
    words = speech(200, word_s=0.3, gap_s=0.05)
    cues = build_cues(words)
    assert [w for cue in cues for line in cue.lines for w in line.split()] == [w.word for w in words]
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2
        assert all(display_width(line) <= MAX_LINE_CHARS for line in cue.lines)
        assert cue.end - cue.start <= MAX_CUE_S
    assert any(len(cue.lines) == 2 for cue in cues)
    assert all(a.end <= b.start for a, b in itertools.pairwise(cues))


def test_two_lines_are_balanced() -> None:
    rules = CueRules(max_line_chars=12, max_cue_s=60)
    words = [
        Word(text, i / 2, i / 2 + 0.4, 0.9) for i, text in enumerate(["aaa", "bbb", "ccc", "ddd", "eee"])
    ]
    (cue,) = build_cues(words, rules)
    assert cue.lines == ("aaa bbb", "ccc ddd eee")  # 7 and 11 wide: as even as it gets, the shorter on top


def test_a_pause_ends_a_cue() -> None:
    words = speech(3) + speech(3, start=3.0)
    cues = build_cues(words)
    assert [c.lines for c in cues] == [("मेरे दादाजी हर",), ("मेरे दादाजी हर",)]
    assert cues[1].start == 3.0


def test_a_short_cue_is_held_for_the_minimum_but_not_into_the_next() -> None:
    alone = build_cues([Word("हाँ", 1.0, 1.2, 0.9)])
    assert alone[0].end == pytest.approx(2.0)
    crowded = build_cues([Word("हाँ", 1.0, 1.2, 0.9), Word("नहीं", 1.8, 2.0, 0.9)])
    assert crowded[0].end == pytest.approx(1.8)


def test_an_over_long_word_gets_its_own_cue() -> None:
    long_word = "क" * 60
    cues = build_cues([Word("हर", 0, 0.2, 0.9), Word(long_word, 0.3, 1.0, 0.9), Word("हर", 1.1, 1.2, 0.9)])
    assert [c.lines for c in cues] == [("हर",), (long_word,), ("हर",)]


def test_srt_is_numbered_from_one_and_parses() -> None:
    words = speech(60)
    cues = build_cues(words)
    parsed = list(srt.parse(to_srt(cues)))
    assert [s.index for s in parsed] == list(range(1, len(cues) + 1))
    assert parsed[0].start == timedelta(0) and parsed[0].content == "\n".join(cues[0].lines)
    assert parsed[-1].end == timedelta(seconds=round(cues[-1].end, 3))
    assert " ".join(s.content.replace("\n", " ") for s in parsed) == " ".join(w.word for w in words)


def test_vtt_parses_with_hours_and_milliseconds() -> None:
    cues = [Cue(3723.456, 3725.0, ("नमस्ते", "दुनिया"))]
    text = to_vtt(cues)
    assert text.startswith("WEBVTT\n\n01:02:03.456 --> 01:02:05.000\n")
    (caption,) = webvtt.from_buffer(io.StringIO(text)).captions
    assert (caption.start, caption.end, caption.text) == ("01:02:03.456", "01:02:05.000", "नमस्ते\nदुनिया")


def test_no_words_no_cues() -> None:
    assert build_cues([]) == []
    assert to_srt([]) == ""
    assert to_vtt([]) == "WEBVTT\n\n"
