"""Hindi number words -> digits: the table, the grammar of scales, and the word list."""

from __future__ import annotations

import pytest

from hindi_asr.decoding import Word
from hindi_asr.numbers import UNITS, parse_number, words_to_digits


def test_the_table_holds_every_value_from_0_to_99() -> None:
    assert sorted(set(UNITS.values())) == list(range(100))
    assert parse_number(["पांच"]) == parse_number(["पाँच"]) == (5, 1)  # label spelling and written one


@pytest.mark.parametrize(
    ("text", "value", "used"),
    [
        ("सत्तावन", 57, 1),
        ("तीन सौ पचास", 350, 3),
        ("सौ", 100, 1),
        ("एक सौ एक", 101, 3),
        ("दो हज़ार चौबीस", 2024, 3),
        ("एक लाख पच्चीस हजार", 125_000, 4),
        ("दो करोड़ तीन लाख चार हजार पांच सौ छह", 20_304_506, 9),
        ("दो तीन दिन", 2, 1),  # a range, not a sum
        ("हजार लाख", 1000, 1),  # scales must fall
        ("शून्य दो", 0, 1),
        ("सो गया", 0, 0),  # सो (sleep) is not सौ
        ("बार", 0, 0),
    ],
)
def test_numbers_are_read_by_the_scale_grammar(text: str, value: int, used: int) -> None:
    assert parse_number(text.split()) == (value, used)


def words(text: str) -> list[Word]:
    return [Word(w, i * 0.5, i * 0.5 + 0.4, 0.9 - i / 100) for i, w in enumerate(text.split())]


def test_number_runs_become_one_word_with_their_span_and_lowest_confidence() -> None:
    out = words_to_digits(words("मुझे दो सौ पचास रुपये और दो तीन दिन चाहिए"))
    assert [w.word for w in out] == ["मुझे", "250", "रुपये", "और", "2", "3", "दिन", "चाहिए"]
    assert (out[1].start, out[1].end, out[1].confidence) == (0.5, 1.9, 0.87)
    assert out[0] == words("मुझे")[0]


def test_a_lone_ek_is_the_article_and_stays_a_word() -> None:
    assert [w.word for w in words_to_digits(words("एक बार एक सौ"))] == ["एक", "बार", "100"]
