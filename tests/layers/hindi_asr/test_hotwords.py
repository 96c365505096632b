"""Hotword lists: splitting, normalisation to the model's spelling, limits, script; and their bonuses."""

from __future__ import annotations

import pytest

from hindi_asr.errors import InvalidHotwordsError
from hindi_asr.hotwords import MAX_HOTWORDS, HotwordScorer, normalise_word, parse_hotwords

VOCABULARY = ("▁क", "ा", "न", "प", "ु", "र", "ं", "ि", "द", "ल", "ी", "ड़", "ग", "ढ़", "▁")


def test_a_comma_separated_string_and_a_list_give_the_same_words() -> None:
    assert parse_hotwords(" कानपुर , दिल्ली ,, ") == ("कानपुर", "दिल्ली")
    assert parse_hotwords(["कानपुर", "  दिल्ली  "]) == ("कानपुर", "दिल्ली")
    assert parse_hotwords(["कानपुर", "कानपुर"]) == ("कानपुर",)
    assert parse_hotwords(None) == () and parse_hotwords("") == ()


def test_phrases_keep_single_spaces() -> None:
    assert parse_hotwords(["लाल   किला"]) == ("लाल किला",)


def test_spelling_follows_the_model_labels() -> None:
    # chandrabindu -> anusvara; nukta dropped except in ड़ / ढ़; precomposed forms too
    assert normalise_word("गाँव") == "गांव"
    assert normalise_word("ज़िला") == "जिला" and normalise_word("\u095b") == "ज"
    assert normalise_word("पहाड़") == "पहाड़" and normalise_word("गढ़") == "गढ़"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (["क" * (i + 1) for i in range(MAX_HOTWORDS + 1)], "at most"),
        (["क" * 41], "too long"),
        (["क ख ग घ ङ"], "too long"),
        (["Delhi"], "Devanagari"),
        (["दिल्ली2"], "Devanagari"),
        (["दिल्ली!"], "Devanagari"),
        (["१२३"], "Devanagari"),
        ([3], "strings"),
    ],
)
def test_bad_lists_are_rejected_with_a_reason(raw: list[object], message: str) -> None:
    with pytest.raises(InvalidHotwordsError, match=message) as caught:
        parse_hotwords(raw)  # type: ignore[arg-type]
    assert caught.value.status == 422 and caught.value.code == "invalid_hotwords"


def test_characters_the_model_cannot_write_are_rejected() -> None:
    assert parse_hotwords("कानपुर", VOCABULARY) == ("कानपुर",)
    with pytest.raises(InvalidHotwordsError, match="cannot write"):
        parse_hotwords("ऋषिकेश", VOCABULARY)


def test_bonuses_grow_along_a_hotword_and_stay_only_for_whole_words() -> None:
    scorer = HotwordScorer.build(["लाल किला", "कानपुर"], weight=0.5)
    assert scorer and not HotwordScorer.build([], weight=0.5)
    assert scorer.partial("का") == 1.0 and scorer.partial("कानपुर") == 3.0
    assert scorer.partial("कानी") == 0.0
    assert scorer.complete("किला") == 2.0 and scorer.complete("कान") == 0.0
