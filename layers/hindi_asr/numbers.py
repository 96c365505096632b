"""Hindi number words -> digits (``numbers=digits``): inverse text normalisation of the word list.

Table-driven: the 100 irregular words for 0-99 (Hindi has no regular tens + units pattern), सौ (100) and
the Indian scale words हजार (10^3), लाख (10^5), करोड़ (10^7), अरब (10^9). A number is read as
``[n करोड़] [n लाख] [n हजार] [u सौ] [u]`` with the scale words in falling order; a run of number words
that breaks this grammar is split, so ``दो तीन दिन`` (two or three days) stays two numbers, ``2 3 दिन``,
never ``5``. A lone एक stays a word: it is mostly the article "a" (एक बार, एक गिलास). सो (sleep) is not
read as सौ. Fractions (डेढ़, ढाई, साढ़े) and ordinals are left as words.

Spellings are matched in the model's label spelling (``hotwords.normalise_word``: anusvara for
chandrabindu, nukta dropped except in ड़/ढ़) plus common variants. A number made of several words becomes
one ``Word`` spanning them, with the lowest of their confidences.
"""

from __future__ import annotations

from collections.abc import Sequence

from hindi_asr.decoding import Word
from hindi_asr.hotwords import normalise_word

_UNITS = (  # noqa: SIM905 - one decade per line reads better than a 100-item list
    "शून्य एक दो तीन चार पांच छह सात आठ नौ दस ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह अठारह उन्नीस "
    "बीस इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस "
    "तीस इकतीस बत्तीस तैंतीस चौंतीस पैंतीस छत्तीस सैंतीस अड़तीस उनतालीस "
    "चालीस इकतालीस बयालीस तैंतालीस चवालीस पैंतालीस छियालीस सैंतालीस अड़तालीस उनचास "
    "पचास इक्यावन बावन तिरपन चौवन पचपन छप्पन सत्तावन अट्ठावन उनसठ "
    "साठ इकसठ बासठ तिरसठ चौंसठ पैंसठ छियासठ सड़सठ अड़सठ उनहत्तर "
    "सत्तर इकहत्तर बहत्तर तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर अठहत्तर उन्यासी "
    "अस्सी इक्यासी बयासी तिरासी चौरासी पचासी छियासी सत्तासी अट्ठासी नवासी "
    "नब्बे इक्यानवे बानवे तिरानवे चौरानवे पचानवे छियानवे सत्तानवे अट्ठानवे निन्यानवे"
).split()
_VARIANTS = {
    "छः": 6, "छै": 6, "पन्द्रह": 15, "इकत्तीस": 31, "चौवालीस": 44, "तिरेपन": 53, "तिरेसठ": 63,
    "उनासी": 79, "उन्नासी": 79, "पंचानवे": 95, "अठावन": 58, "अठासी": 88, "अठाईस": 28,
}  # fmt: skip
UNITS: dict[str, int] = {
    normalise_word(word): value
    for word, value in [*((w, v) for v, w in enumerate(_UNITS)), *_VARIANTS.items()]
}
HUNDRED = "सौ"
SCALES: dict[str, int] = {"हजार": 10**3, "लाख": 10**5, "करोड़": 10**7, "अरब": 10**9}
ARTICLE = "एक"


def parse_number(words: Sequence[str]) -> tuple[int, int]:
    """The value of the longest number at the start of ``words`` and how many words it takes (0: none)."""
    total = pending = used = 0
    last = ""  # "", "unit", "hundred", "scale"
    last_scale = 10**12
    for word in (normalise_word(w) for w in words):
        if word in UNITS and last in ("", "hundred", "scale"):
            value = UNITS[word]
            if value == 0 and last:
                break
            pending, last = pending + value, "unit"
            if value == 0:
                used += 1
                break
        elif word == HUNDRED and last in ("", "unit") and pending < 100:
            pending, last = max(pending, 1) * 100, "hundred"
        elif word in SCALES and last in ("", "unit", "hundred") and SCALES[word] < last_scale:
            last_scale = SCALES[word]
            total, pending, last = total + max(pending, 1) * last_scale, 0, "scale"
        else:
            break
        used += 1
    return total + pending, used


def words_to_digits(words: Sequence[Word]) -> list[Word]:
    """Replace each run of number words by one word holding its digits (see the module docstring)."""
    texts = [word.word for word in words]
    out: list[Word] = []
    index = 0
    while index < len(words):
        value, used = parse_number(texts[index:])
        if used == 0 or (used == 1 and normalise_word(texts[index]) == ARTICLE):
            out.append(words[index])
            index += 1
            continue
        run = words[index : index + used]
        out.append(Word(str(value), run[0].start, run[-1].end, min(word.confidence for word in run)))
        index += used
    return out
