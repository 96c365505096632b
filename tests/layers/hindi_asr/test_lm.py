"""The ARPA reader: back-off arithmetic, unknown words, states, prefixes and malformed files."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pytest

from hindi_asr.errors import InvalidModelError
from hindi_asr.lm import NgramLanguageModel

ARPA = """\\data\\
ngram 1=5
ngram 2=3
ngram 3=1

\\1-grams:
-1.0\t<unk>
-99\t<s>\t-0.5
-0.5\tआप\t-0.3
-0.7\tकैसे\t-0.2
-0.6\t</s>

\\2-grams:
-0.2\t<s> आप\t-0.1
-0.3 आप कैसे -0.4
-0.1\tकैसे </s>

\\3-grams:
-0.05\t<s> आप कैसे

\\end\\
"""


@pytest.fixture
def lm(tmp_path: Path) -> NgramLanguageModel:
    path = tmp_path / "lm.arpa"
    path.write_text(ARPA, encoding="utf-8")
    return NgramLanguageModel.load(path)


def log10(value: float) -> float:
    return value * math.log(10)


def test_listed_ngrams_are_read_directly(lm: NgramLanguageModel) -> None:
    # GIVEN a trigram listed in the file WHEN it is scored THEN its own probability comes back, in ln
    logp, state = lm.score(("<s>", "आप"), "कैसे")
    assert logp == pytest.approx(log10(-0.05))
    assert state == ("आप", "कैसे")
    assert lm.order == 3 and len(lm) == 9 and lm.name == "lm.arpa"


def test_unlisted_ngrams_back_off_through_the_context_weights(lm: NgramLanguageModel) -> None:
    # "आप कैसे आप": no trigram, no bigram "कैसे आप" -> bo(आप कैसे) + bo(कैसे) + p(आप)
    logp, _ = lm.score(("आप", "कैसे"), "आप")
    assert logp == pytest.approx(log10(-0.4 - 0.2 - 0.5))
    # "<s> कैसे": bo(<s>) + p(कैसे)
    assert lm.score(("<s>",), "कैसे")[0] == pytest.approx(log10(-0.5 - 0.7))


def test_unknown_words_score_as_unk_and_enter_the_state_as_unk(lm: NgramLanguageModel) -> None:
    logp, state = lm.score(("<s>",), "दिल्ली")
    assert logp == pytest.approx(log10(-0.5 - 1.0))
    assert state == ("<s>", "<unk>")
    assert "दिल्ली" not in lm and "आप" in lm


def test_sentence_start_end_and_prefixes(lm: NgramLanguageModel) -> None:
    assert lm.begin() == ("<s>",)
    assert lm.final(("आप", "कैसे")) == pytest.approx(log10(-0.4 - 0.1))  # bo(आप कैसे) + p(</s> | कैसे)
    assert lm.is_prefix("कै") and lm.is_prefix("कैसे") and not lm.is_prefix("कैसेआ")


def test_gzipped_files_are_read(tmp_path: Path) -> None:
    path = tmp_path / "lm.arpa.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(ARPA)
    assert NgramLanguageModel.load(path).score(("<s>",), "आप")[0] == pytest.approx(log10(-0.2))


@pytest.mark.parametrize(
    "content",
    ["", "not an arpa file\n", "\\data\\\n\\1-grams:\nx y\n", "\\data\\\n\\2-grams:\n-1.0 a\n"],
)
def test_malformed_or_missing_files_are_invalid_models(tmp_path: Path, content: str) -> None:
    path = tmp_path / "lm.arpa"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidModelError):
        NgramLanguageModel.load(path)
    with pytest.raises(InvalidModelError, match="does not exist"):
        NgramLanguageModel.load(tmp_path / "missing.arpa")
