"""Sentences generated from a small agreement-aware Hindi grammar (subject, time, object/place, verb)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    """A sentence subject with what verbs agree with: habitual/progressive suffix, aux, future ending."""

    text: str
    hab: str  # ता / ती / ते
    prog: str  # रहा / रही / रहे
    aux: str  # हूँ / है / हो / हैं
    past: str  # था / थी / थे / थीं
    fut_c: str  # future ending after a consonant stem: ूँगा, ेगी, ोगे, ेंगे ...
    fut_v: str  # future ending after a vowel stem: ऊँगा, एगी, ओगे, एँगे ...


def _subjects() -> tuple[Subject, ...]:
    rows = [
        ("मैं", "ता", "रहा", "हूँ", "था", "ूँगा", "ऊँगा"),
        ("मैं", "ती", "रही", "हूँ", "थी", "ूँगी", "ऊँगी"),
        ("हम", "ते", "रहे", "हैं", "थे", "ेंगे", "एँगे"),
        ("तुम", "ते", "रहे", "हो", "थे", "ोगे", "ओगे"),
        ("तुम", "ती", "रही", "हो", "थी", "ोगी", "ओगी"),
        ("आप", "ते", "रहे", "हैं", "थे", "ेंगे", "एँगे"),
        ("वह", "ता", "रहा", "है", "था", "ेगा", "एगा"),
        ("वह", "ती", "रही", "है", "थी", "ेगी", "एगी"),
        ("वे", "ते", "रहे", "हैं", "थे", "ेंगे", "एँगे"),
    ]
    masc = [
        *("राम", "मोहन", "मेरा भाई", "उसका बेटा", "हमारा पड़ोसी", "वह लड़का", "डॉक्टर साहब", "किसान"),
        *("अमित", "सुरेश", "विकास", "मेरा दोस्त", "छोटा भाई", "दुकानदार", "ड्राइवर", "चौकीदार"),
    ]
    fem = [
        *("सीता", "प्रिया", "मेरी बहन", "उसकी बेटी", "हमारी पड़ोसन", "वह लड़की", "मेरी माँ", "दादी"),
        *("सुनीता", "अंजलि", "पूजा", "मेरी सहेली", "नानी", "बुआ", "टीचर", "उसकी पत्नी"),
    ]
    plural = [
        *("बच्चे", "मेरे दोस्त", "सब लोग", "हमारे मेहमान", "पिताजी", "गुरुजी", "छात्र"),
        *("मजदूर", "गाँव वाले", "मेरे माता पिता", "दादाजी", "खिलाड़ी", "सिपाही"),
    ]
    rows += [(m, "ता", "रहा", "है", "था", "ेगा", "एगा") for m in masc]
    rows += [(f, "ती", "रही", "है", "थी", "ेगी", "एगी") for f in fem]
    rows += [(p, "ते", "रहे", "हैं", "थे", "ेंगे", "एँगे") for p in plural]
    return tuple(Subject(*r) for r in rows)


# verb stem -> objects it takes ("" = intransitive with a place instead)
TRANSITIVE: dict[str, tuple[str, ...]] = {
    "पढ़": ("किताब", "अखबार", "कहानी", "चिट्ठी", "कविता", "पत्रिका"),
    "लिख": ("चिट्ठी", "कविता", "कहानी", "निबंध", "रिपोर्ट"),
    "खा": ("खाना", "रोटी", "चावल", "आम", "फल", "मिठाई", "दाल"),
    "देख": ("फिल्म", "टीवी", "मैच", "तस्वीरें", "नाटक"),
    "सुन": ("गाना", "संगीत", "रेडियो", "खबरें", "कहानी"),
    "खेल": ("क्रिकेट", "फुटबॉल", "शतरंज", "कबड्डी", "हॉकी"),
    "बना": ("खाना", "चाय", "खिलौने", "योजना", "नक्शा"),
    "सीख": ("हिंदी", "गाना", "नाचना", "तैरना", "अंग्रेजी"),
    "खरीद": ("सब्जियां", "कपड़े", "फल", "किताबें", "दवाई"),
    "धो": ("कपड़े", "बर्तन", "गाड़ी"),
    "गा": ("गाना", "भजन", "लोकगीत"),
    "बेच": ("सब्जी", "फल", "अनाज", "पुराना सामान", "घर"),
    "पी": ("चाय", "पानी", "दूध", "लस्सी", "शरबत", "कॉफी"),
    "भेज": ("पैसे", "संदेश", "चिट्ठी", "पार्सल", "फोटो"),
    "ढूँढ": ("चाबी", "नौकरी", "मकान", "रास्ता", "किताब"),
    "साफ कर": ("कमरा", "रसोई", "आँगन", "मेज"),
    "ठीक कर": ("साइकिल", "घड़ी", "नल", "पंखा", "कुर्सी"),
    "सिल": ("कुर्ता", "कपड़े", "थैला"),
    "उठा": ("सामान", "बस्ता", "बोझ"),
}
MOTION: tuple[str, ...] = ("जा", "आ", "चल", "पहुंच", "लौट", "दौड़", "घूम")
PLACES: tuple[str, ...] = (
    "बाजार",
    "स्कूल",
    "दफ्तर",
    "घर",
    "मंदिर",
    "स्टेशन",
    "अस्पताल",
    "गांव",
    "शहर",
    "पार्क",
    "दिल्ली",
    "मुंबई",
    "कॉलेज",
    "मेले",
    "खेत",
    "नदी के किनारे",
    "पहाड़ों पर",
    "अपने गांव",
    "बैंक",
    "डाकघर",
    "मैदान में",
    "सिनेमा",
    "दुकान पर",
    "चाचा के घर",
    "कोलकाता",
    "लखनऊ",
    "जयपुर",
)
TIMES: tuple[str, ...] = (
    "आज",
    "कल",
    "रोज",
    "सुबह",
    "शाम को",
    "हर दिन",
    "अभी",
    "रात को",
    "दोपहर में",
    "हर रविवार",
    "जल्दी",
    "कभी कभी",
    "अक्सर",
    "हर साल",
    "छुट्टी के दिन",
    "खाने के बाद",
    "सुबह सुबह",
    "देर रात तक",
)
FUTURE_TIMES: tuple[str, ...] = (
    *("कल", "परसों", "अगले हफ्ते", "शाम को", "बाद में", "जल्दी ही"),
    *("अगले महीने", "दिवाली पर", "छुट्टियों में", "थोड़ी देर में"),
)
CONNECTORS: tuple[str, ...] = ("और", "लेकिन", "क्योंकि", "इसलिए", "फिर", "जबकि", "तो", "पर")


def _is_vowel_stem(stem: str) -> bool:
    return stem.endswith(("ा", "ो", "ी"))


def _clause(rng: random.Random) -> str:
    s = rng.choice(_SUBJECTS)
    stem = rng.choice([*TRANSITIVE, *MOTION])
    complement = rng.choice(TRANSITIVE[stem]) if stem in TRANSITIVE else rng.choice(PLACES)
    tense = rng.randrange(5)
    if tense == 4:  # future
        ending = s.fut_v if _is_vowel_stem(stem) else s.fut_c
        return f"{s.text} {rng.choice(FUTURE_TIMES)} {complement} {stem}{ending}"
    when = rng.choice(TIMES)
    neg = "नहीं " if rng.random() < 0.15 else ""
    verb = {
        0: f"{neg}{stem}{s.hab} {s.aux}",
        1: f"{stem} {s.prog} {s.aux}",
        2: f"{neg}{stem}{s.hab} {s.past}",
        3: f"{stem} {s.prog} {s.past}",
    }[tense]
    return f"{s.text} {when} {complement} {verb}"


_SUBJECTS = _subjects()


def grammar_sentences(count: int, seed: int) -> list[str]:
    """`count` generated sentences (one clause, a question, or two clauses joined), seeded."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(count):
        kind = rng.random()
        sentence = _clause(rng)
        if kind < 0.15:
            sentence = f"क्या {sentence}"
        elif kind < 0.4:
            sentence = f"{sentence} {rng.choice(CONNECTORS)} {_clause(rng)}"
        out.append(sentence)
    return out
