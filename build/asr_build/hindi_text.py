"""Hindi text for the synthetic speech corpus: offline sources, cleaning, and a seeded split.

Sources (all offline): hand-written conversational sentences (`SENTENCES`), sentences generated from a
small agreement-aware grammar (`grammar_sentences`), phrases from installed gettext catalogues
(`/usr/share/locale/hi/LC_MESSAGES/*.mo`), CLDR display names and emoji annotations (apt
`unicode-cldr-core`), and words from wordfreq plus the hunspell-hi word list for random word
sequences.

Normalisation policy (`clean`), applied to every text before it is spoken or used as a label:

* Unicode NFC; zero-width joiners/non-joiners and soft hyphens removed.
* Nukta: dropped everywhere except in ड़ and ढ़ (which are distinct Hindi letters), so क़/ख़/ग़/ज़/फ़
  become क/ख/ग/ज/फ (Hindi writers use both spellings; one label per sound is learnable).
* Chandrabindu (ँ) is written as anusvara (ं); both mark nasalisation and writers mix them.
* Punctuation policy: danda, double danda and all ASCII/Unicode punctuation become word breaks; the
  label is Devanagari words separated by single spaces, nothing else. A text that still contains
  digits, Latin letters or any other non-Devanagari character after this is rejected (`None`), because
  its spoken form is ambiguous.

The split (`split_sentences`) is by sentence: each cleaned, de-duplicated sentence lands in exactly
one of train/dev/test by a seeded hash, and `EXCLUDED` sentences (the committed test clips) never
land in train or dev.
"""

from __future__ import annotations

import gettext
import hashlib
import random
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MO_DIR = Path("/usr/share/locale/hi/LC_MESSAGES")
CLDR_MAIN = Path("/usr/share/unicode/cldr/common/main/hi.xml")
CLDR_ANNOTATIONS = Path("/usr/share/unicode/cldr/common/annotations/hi.xml")
HUNSPELL_DIC = Path("/usr/share/hunspell/hi_IN.dic")
WORDFREQ_TOP_N = 30_000

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


# --------------------------------------------------------------------------------------------------
# Hand-written sentences and a small grammar
# --------------------------------------------------------------------------------------------------

SENTENCES: tuple[str, ...] = (
    "नमस्ते आप कैसे हैं",
    "मैं ठीक हूँ आप सुनाइए",
    "आपका नाम क्या है",
    "मेरा नाम राहुल है",
    "आप कहाँ से आए हैं",
    "मैं दिल्ली से आया हूँ",
    "आज मौसम बहुत अच्छा है",
    "कल बारिश होने वाली है",
    "क्या आप मेरी मदद कर सकते हैं",
    "मुझे स्टेशन जाना है",
    "यह बस कहाँ जाती है",
    "टिकट कितने का है",
    "कृपया धीरे बोलिए",
    "मुझे हिंदी थोड़ी थोड़ी आती है",
    "आपसे मिलकर बहुत खुशी हुई",
    "फिर मिलेंगे",
    "धन्यवाद आपका बहुत बहुत शुक्रिया",
    "कोई बात नहीं",
    "मुझे भूख लगी है",
    "चलो खाना खाते हैं",
    "पानी का एक गिलास दीजिए",
    "चाय में चीनी कम डालना",
    "यह खाना बहुत स्वादिष्ट है",
    "बिल ले आइए",
    "दुकान कितने बजे खुलती है",
    "यह कमीज़ कितने की है",
    "थोड़ा सस्ता कर दीजिए",
    "मेरे पास छुट्टे पैसे नहीं हैं",
    "अस्पताल यहाँ से कितनी दूर है",
    "सीधे जाकर बाएँ मुड़ जाइए",
    "मेरी तबीयत ठीक नहीं है",
    "डॉक्टर को बुलाइए",
    "मुझे सिर में दर्द है",
    "दवाई दिन में तीन बार लेनी है",
    "बच्चे स्कूल चले गए हैं",
    "आज छुट्टी का दिन है",
    "हम शाम को पार्क में घूमने जाएँगे",
    "मेरी माँ खाना बना रही हैं",
    "पिताजी अखबार पढ़ रहे हैं",
    "दादी कहानी सुना रही हैं",
    "भाई क्रिकेट खेलने गया है",
    "बहन गाना गा रही है",
    "घर की सफाई करनी है",
    "कपड़े धोकर सुखा दो",
    "दरवाज़ा बंद कर दो",
    "बत्ती जला दो अँधेरा हो गया है",
    "पंखा चला दीजिए बहुत गर्मी है",
    "खिड़की खोल दो ताज़ी हवा आने दो",
    "फोन की घंटी बज रही है",
    "मैं थोड़ी देर में वापस फोन करता हूँ",
    "आप कितने बजे आएँगे",
    "मैं दस मिनट में पहुँच जाऊँगा",
    "रास्ते में बहुत भीड़ थी",
    "गाड़ी धीरे चलाइए",
    "ट्रेन एक घंटा देर से आएगी",
    "हवाई अड्डे के लिए टैक्सी चाहिए",
    "होटल में कमरा खाली है क्या",
    "नाश्ता कितने बजे मिलता है",
    "मुझे कल सुबह जल्दी उठना है",
    "रात को देर तक पढ़ाई की",
    "परीक्षा अगले हफ्ते शुरू होगी",
    "उसने पूरी मेहनत से तैयारी की है",
    "अध्यापक ने बच्चों को नया पाठ पढ़ाया",
    "पुस्तकालय में बहुत सारी किताबें हैं",
    "मुझे कहानियाँ पढ़ना अच्छा लगता है",
    "हमारे गाँव में एक बड़ा तालाब है",
    "किसान खेत में काम कर रहे हैं",
    "इस साल फसल अच्छी हुई है",
    "नदी के किनारे एक पुराना मंदिर है",
    "पहाड़ों पर बर्फ गिर रही है",
    "सूरज पूरब में उगता है",
    "आसमान में बादल छाए हुए हैं",
    "पेड़ पर चिड़िया बैठी है",
    "कुत्ता ज़ोर ज़ोर से भौंक रहा है",
    "बिल्ली दूध पी रही है",
    "बाग में सुंदर फूल खिले हैं",
    "दिवाली पर हम दीये जलाते हैं",
    "होली रंगों का त्योहार है",
    "शादी में बहुत मेहमान आए थे",
    "जन्मदिन की बहुत बहुत बधाई",
    "नए साल की शुभकामनाएँ",
    "मुझे संगीत सुनना पसंद है",
    "हम रविवार को फिल्म देखने चलेंगे",
    "उसका घर बाज़ार के पास है",
    "यह रास्ता शहर की ओर जाता है",
    "मेरा दफ़्तर दूसरी मंज़िल पर है",
    "बैठक दोपहर दो बजे होगी",
    "कृपया अपना काम समय पर पूरा कीजिए",
    "मैंने ईमेल भेज दिया है",
    "कंप्यूटर ठीक से काम नहीं कर रहा",
    "इंटरनेट बहुत धीमा चल रहा है",
    "बैंक में खाता खुलवाना है",
    "मुझे पैसे निकालने हैं",
    "इस फ़ॉर्म पर हस्ताक्षर कीजिए",
    "सरकार ने नई योजना की घोषणा की है",
    "देश में चुनाव होने वाले हैं",
    "खिलाड़ियों ने शानदार प्रदर्शन किया",
    "भारत ने मैच जीत लिया",
    "आज का तापमान तीस डिग्री है",
    "बच्चों को समय पर सुलाना चाहिए",
    "सुबह की सैर सेहत के लिए अच्छी है",
    "रोज़ व्यायाम करना चाहिए",
    "ज़्यादा चीनी खाना ठीक नहीं",
    "हर दिन फल और सब्ज़ियाँ खाइए",
    "मैं अपने दोस्त का इंतज़ार कर रहा हूँ",
    "वह अभी तक नहीं आया",
    "शायद वह रास्ते में फँस गया है",
    "चिंता मत करो सब ठीक हो जाएगा",
    "मुझे तुम पर पूरा भरोसा है",
    "सच बोलना सबसे अच्छी आदत है",
    "जल्दी करो वरना देर हो जाएगी",
    "आराम से बैठिए और चाय पीजिए",
    "यह मेरा छोटा भाई है",
    "उसकी शादी पिछले साल हुई थी",
    "हमारा परिवार बहुत बड़ा है",
    "दादाजी रोज़ सुबह योग करते हैं",
    "मुझे पहाड़ों पर घूमना अच्छा लगता है",
    "गर्मियों की छुट्टियों में हम नानी के घर जाते हैं",
    "क्या तुमने होमवर्क कर लिया",
    "अभी नहीं थोड़ी देर में करूँगा",
    "मेरी घड़ी रुक गई है",
    "अभी कितने बजे हैं",
    "साढ़े चार बज रहे हैं",
    "कल सोमवार है",
    "आज कौन सी तारीख है",
    "मैं आपकी बात समझ गया",
    "एक बार फिर से बताइए",
    "ज़रा ज़ोर से बोलिए आवाज़ नहीं आ रही",
    "माफ़ कीजिए मुझसे गलती हो गई",
    "मुझे आपकी सलाह चाहिए",
    "यह फैसला सोच समझकर लेना",
    "हम सब मिलकर काम करेंगे",
    "मेहनत का फल मीठा होता है",
    "जहाँ चाह वहाँ राह",
    "दूर के ढोल सुहावने होते हैं",
    "बूँद बूँद से घड़ा भरता है",
)

# Sentences of the committed test clips: never in train or dev (`make test-clip`).
EXCLUDED: tuple[str, ...] = (
    "मेरे दादाजी हर सुबह बगीचे में टहलने जाते हैं",
    "कल शाम हम सब बाजार से ताजी सब्जियां लाए",
)


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
    masc = ["राम", "मोहन", "मेरा भाई", "उसका बेटा", "हमारा पड़ोसी", "वह लड़का", "डॉक्टर साहब", "किसान"]
    fem = ["सीता", "प्रिया", "मेरी बहन", "उसकी बेटी", "हमारी पड़ोसन", "वह लड़की", "मेरी माँ", "दादी"]
    plural = ["बच्चे", "मेरे दोस्त", "सब लोग", "हमारे मेहमान", "पिताजी", "गुरुजी", "छात्र"]
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
}
MOTION: tuple[str, ...] = ("जा", "आ", "चल", "पहुंच", "लौट")
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
)
FUTURE_TIMES: tuple[str, ...] = ("कल", "परसों", "अगले हफ्ते", "शाम को", "बाद में", "जल्दी ही")
CONNECTORS: tuple[str, ...] = ("और", "लेकिन", "क्योंकि", "इसलिए", "फिर", "जबकि")


def _is_vowel_stem(stem: str) -> bool:
    return stem.endswith(("ा", "ो"))


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


# --------------------------------------------------------------------------------------------------
# Installed sources
# --------------------------------------------------------------------------------------------------


def mo_phrases(mo_dir: Path = MO_DIR) -> Iterator[str]:
    """Translated strings from gettext catalogues, split at format specifiers and sentence punctuation."""
    for path in sorted(mo_dir.glob("*.mo")):
        with path.open("rb") as fh:
            catalog: dict[object, object] = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
        for value in catalog.values():
            if isinstance(value, str):
                yield from re.split(r"%\S*|\{[^}]*\}|[\n.:;!?।|()<>\"']", value)


def cldr_phrases(main: Path = CLDR_MAIN, annotations: Path = CLDR_ANNOTATIONS) -> Iterator[str]:
    """Display names (languages, countries, units, dates) and emoji annotations from CLDR."""
    for path in (main, annotations):
        if not path.exists():
            continue
        for element in ET.parse(path).iter():
            yield from re.split(r"\{[^}]*\}|\|", element.text or "")


def word_list(top_n: int = WORDFREQ_TOP_N, hunspell: Path = HUNSPELL_DIC) -> list[str]:
    """Single clean words from wordfreq's Hindi list and hunspell-hi stems, de-duplicated."""
    from wordfreq import top_n_list

    words: list[str | None] = [clean(w) for w in top_n_list("hi", top_n)]
    if hunspell.exists():
        lines = hunspell.read_text(encoding="utf-8").splitlines()[1:]
        words += [clean(line.split("/")[0]) for line in lines]
    return [w for w in dedupe(words) if " " not in w]


def random_sequences(
    words: list[str], count: int, seed: int, min_len: int = 3, max_len: int = 10
) -> list[str]:
    """`count` random word sequences of `min_len`..`max_len` words, seeded."""
    rng = random.Random(seed)
    return [" ".join(rng.choices(words, k=rng.randint(min_len, max_len))) for _ in range(count)]


# --------------------------------------------------------------------------------------------------
# Sentence pool and split
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """Disjoint sentence lists."""

    train: list[str]
    dev: list[str]
    test: list[str]


def sentence_pool(grammar_count: int, seed: int) -> list[str]:
    """All real and grammar sentences/phrases, cleaned and de-duplicated."""
    raw = [*SENTENCES, *grammar_sentences(grammar_count, seed), *mo_phrases(), *cldr_phrases()]
    return dedupe(clean(t) for t in raw)


def _bucket(sentence: str, seed: int) -> float:
    digest = hashlib.sha256(f"{seed}:{sentence}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_sentences(
    sentences: Iterable[str],
    *,
    seed: int,
    dev_fraction: float = 0.04,
    test_fraction: float = 0.06,
    excluded: Iterable[str] = EXCLUDED,
) -> Split:
    """Assign each sentence to one split by a seeded hash; `excluded` sentences go to test only."""
    banned = set(dedupe(clean(t) for t in excluded))
    train: list[str] = []
    dev: list[str] = []
    test: list[str] = sorted(banned)
    for sentence in dedupe(sentences):
        if sentence in banned:
            continue
        b = _bucket(sentence, seed)
        (test if b < test_fraction else dev if b < test_fraction + dev_fraction else train).append(sentence)
    return Split(train=train, dev=dev, test=test)
